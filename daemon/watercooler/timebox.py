"""Small, pure helpers for local days and the three kinds of iCalendar time.

iCalendar mixes dates (all-day), floating datetimes (the reader's wall clock) and aware
datetimes. Everything downstream works in aware datetimes of the user's zone; these
helpers do the conversion in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Literal

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
"""A day of the week as config and rule files write it."""
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""In ``date.weekday()`` order: ``WEEKDAYS.index(day)`` is that day's number."""


def stamp(moment: datetime) -> str:
    """An aware datetime as the UTC text the store keeps and compares (it sorts like the
    instants it names)."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def unstamp(text: str) -> datetime:
    """Stored UTC text back to an aware datetime."""
    return datetime.fromisoformat(text)


@dataclass(frozen=True, slots=True)
class DateRange:
    """Whole local calendar days, ``first`` to ``last`` inclusive."""

    first: date
    last: date

    def days(self) -> list[date]:
        """Every date of the range in order."""
        count = (self.last - self.first).days + 1
        return [self.first + timedelta(days=offset) for offset in range(count)]

    def bounds(self, zone: tzinfo) -> tuple[datetime, datetime]:
        """Local midnight of the first day and of the day after the last."""
        return local_midnight(self.first, zone), local_midnight(self.last + timedelta(days=1), zone)


def local_midnight(day: date, zone: tzinfo) -> datetime:
    """The start of a local day (the first valid instant if midnight is skipped)."""
    return at_local_time(day, time(0, 0), zone)


def at_local_time(day: date, clock: time, zone: tzinfo) -> datetime:
    """An aware datetime for a wall-clock time on a local day.

    A time skipped by a DST change moves forward by the gap, like a wall clock does.
    """
    naive = datetime.combine(day, clock)
    aware = naive.replace(tzinfo=zone)
    round_trip = aware.astimezone(UTC).astimezone(zone)
    if round_trip.replace(tzinfo=None) != naive:
        # Non-existent local time: zoneinfo keeps the earlier offset; normalise it.
        return round_trip
    return aware


def to_local(value: date | datetime, zone: tzinfo) -> datetime:
    """Convert an iCalendar date or datetime to an aware datetime in ``zone``.

    Dates become local midnight, floating datetimes are read as the user's wall clock,
    aware ones are converted. A local time that does not exist (02:30 on the night clocks
    spring forward) is read with the offset before the gap, as RFC 5545 says, and shown as
    the wall clock then reads (03:30 after the jump): always through UTC, so a time already
    in the user's zone (a fresh parse) is placed exactly as the same instant read back from
    the parse cache.
    """
    if not isinstance(value, datetime):
        return local_midnight(value, zone)
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        return _normalise(value.replace(tzinfo=zone), zone)
    return _normalise(value, zone)


def _normalise(value: datetime, zone: tzinfo) -> datetime:
    return value.astimezone(UTC).astimezone(zone)


def comparable(value: date | datetime) -> datetime:
    """Map any iCalendar time to a naive datetime, good enough for ordering checks."""
    if isinstance(value, datetime):
        if value.tzinfo is not None and value.tzinfo.utcoffset(value) is not None:
            return value.astimezone(UTC).replace(tzinfo=None)
        return value
    return datetime.combine(value, time(0, 0))


def overlap(start: datetime, end: datetime, other_start: datetime, other_end: datetime) -> bool:
    """Whether two half-open intervals share any time."""
    return start < other_end and other_start < end
