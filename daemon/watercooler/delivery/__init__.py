"""The delivery stage: nudges → messages, each sent once and at the right time.

:mod:`~watercooler.delivery.ledger` records every nudge and what became of it,
:mod:`~watercooler.delivery.deliver` decides each due nudge's fate (expiry, holds, quiet
hours, cap) and sends it, :mod:`~watercooler.delivery.notifier` holds the Apprise
services, :mod:`~watercooler.delivery.quiet` does quiet-hours arithmetic, and
:mod:`~watercooler.delivery.tick` runs one read-evaluate-deliver round.
"""
