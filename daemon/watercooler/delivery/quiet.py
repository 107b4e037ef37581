"""Quiet hours: a stretch of local wall-clock time that may wrap past midnight.

Decided in the user's zone, so "21:00-07:00" means the same on the night clocks change; an
end that falls in the hour a spring-forward skips moves on with the wall clock.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from watercooler.settings import QuietHours
from watercooler.timebox import at_local_time


def is_quiet(moment: datetime, quiet: QuietHours, zone: tzinfo) -> bool:
    """Whether ``moment`` falls inside the quiet hours."""
    if not quiet.enabled:
        return False
    clock = moment.astimezone(zone).time().replace(tzinfo=None)
    if quiet.start < quiet.end:
        return quiet.start <= clock < quiet.end
    return clock >= quiet.start or clock < quiet.end


def quiet_end(moment: datetime, quiet: QuietHours, zone: tzinfo) -> datetime:
    """The first end of quiet hours after ``moment``."""
    day = moment.astimezone(zone).date()
    for offset in range(3):
        end = at_local_time(day + timedelta(days=offset), quiet.end, zone)
        if end > moment:
            return end
    return moment  # pragma: no cover - an end exists within two days of any moment
