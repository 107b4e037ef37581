"""The calendar stage's plain values: events, occurrences and the window they are read in.

Everything after parsing works on these records, never on icalendar's trees, so the
stages downstream (and a run whose parse cache is warm) do not even import the parser.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from watercooler.timebox import to_local

_OTHERS_DECLINED = frozenset({"DECLINED", "DELEGATED"})
PARTSTATS = frozenset({"ACCEPTED", "DECLINED", "TENTATIVE", "NEEDS-ACTION", "DELEGATED"})
MARGIN = timedelta(days=2)
"""Occurrences are read this far beyond the range, so an event crossing its edge counts."""


@dataclass(frozen=True, slots=True)
class Attendee:
    """An ATTENDEE reduced to what classification needs."""

    address: str
    partstat: str
    is_person: bool
    name: str = ""

    @property
    def display(self) -> str:
        """The attendee's common name, else the part of the address before the @."""
        return self.name or self.address.split("@")[0]

    @property
    def declined(self) -> bool:
        """Whether this attendee will not be there (DELEGATED passes the seat on)."""
        return self.partstat in _OTHERS_DECLINED


@dataclass(frozen=True, slots=True)
class EventInfo:
    """The facts of one VEVENT (a series master or one override), as plain values.

    Shared by every occurrence the component produces, so a weekly series costs one record.
    """

    uid: str
    summary: str
    categories: tuple[str, ...]
    status: str
    transparent: bool
    busy_status: str
    organizer: str
    organizer_partstat: str
    attendees: tuple[Attendee, ...]
    series_cancelled: bool
    organizer_name: str = ""

    @property
    def cancelled(self) -> bool:
        """Whether this occurrence, or the whole series it belongs to, is cancelled."""
        return self.status == "CANCELLED" or self.series_cancelled


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One occurrence on the user's timeline, in the user's zone.

    All-day occurrences start and end at local midnight. ``recurrence`` is the original
    start of the occurrence in a series (ISO 8601), "" for a single event; with the UID it
    names the occurrence across runs.
    """

    start: datetime
    end: datetime
    all_day: bool
    info: EventInfo
    recurrence: str = ""


Moment = date | datetime
"""An iCalendar time as expanded: a date (all-day), a naive datetime (floating) or aware."""


@dataclass(frozen=True, slots=True)
class RawOccurrence:
    """An occurrence before it is placed in the user's zone; independent of that zone."""

    start: Moment
    end: Moment
    info: EventInfo
    recurrence: str = ""


@dataclass(frozen=True, slots=True)
class Window:
    """The instants to read, and how to read them."""

    start: datetime
    end: datetime
    zone: tzinfo
    cap: int

    @property
    def read_start(self) -> datetime:
        """Where reading starts: the window's start less :data:`MARGIN`."""
        return self.start - MARGIN

    @property
    def read_end(self) -> datetime:
        """Where reading ends: the window's end plus :data:`MARGIN`."""
        return self.end + MARGIN


class NotICalendarError(ValueError):
    """An object whose text is not iCalendar at all."""


def place(raw: RawOccurrence, zone: tzinfo) -> Occurrence:
    """Place a raw occurrence in the user's zone: dates become local midnights, floating
    times the user's wall clock; an all-day event lasts at least a day, nothing ends before
    it starts.
    """
    start = raw.start
    all_day = not isinstance(start, datetime)
    local_start = to_local(start, zone)
    if all_day:
        end = raw.end
        end_day = end.date() if isinstance(end, datetime) else end
        local_end = to_local(max(end_day, start + timedelta(days=1)), zone)
    else:
        local_end = max(to_local(raw.end, zone), local_start)
    return Occurrence(local_start, local_end, all_day, raw.info, raw.recurrence)


def in_window(occurrence: Occurrence, start: datetime, end: datetime) -> bool:
    """Whether an occurrence shares time with ``[start, end)`` (an instant counts inside)."""
    if occurrence.end == occurrence.start:
        return start <= occurrence.start < end
    return occurrence.start < end and occurrence.end > start
