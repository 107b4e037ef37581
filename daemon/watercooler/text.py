"""Text as people read it: calendar text made safe to show, and moments in one short form.

Event text reaches terminals, logs and notifications; a summary must never move the
cursor, forge a log line or carry an escape sequence. Every message that names a moment
("snoozed until Wed 11 Mar 14:00") writes it the same way, through :func:`short_time`.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime, tzinfo

SHORT_TIME = "%a %d %b %H:%M"
SHORT_TIME_WITH_YEAR = "%a %d %b %Y %H:%M"


def printable(text: str, limit: int) -> str:
    """Text safe for a terminal: control and format characters replaced, length capped."""
    cleaned = " ".join(one_line(text[: limit * 4]).split())
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def one_line(text: str) -> str:
    """Text safe for one line of a log or terminal: control, format and line-break
    characters become spaces (a calendar can neither forge log lines nor send escapes)."""
    return "".join(
        " " if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") else char for char in text
    )


def short_time(moment: datetime, zone: tzinfo | None = None, *, now: datetime | None = None) -> str:
    """A moment as messages show it, ``Wed 11 Mar 14:00``, in ``zone`` when given.

    Every command writes the year the same way: only when the moment is in another year
    than ``now`` (``Mon 04 Jan 2027 09:00`` on 30 December), so a date is never ambiguous.
    """
    local = moment.astimezone(zone) if zone is not None else moment
    if now is not None and local.year != (now.astimezone(zone) if zone else now).year:
        return local.strftime(SHORT_TIME_WITH_YEAR)
    return local.strftime(SHORT_TIME)
