"""The user's timeline: every occurrence of every source inside a window, in the user's zone.

Each calendar object is parsed once, reduced to compact :class:`Occurrence` records and
its parsed tree dropped before the next object is read, so memory grows with the number
of occurrences in the window, not with the size of the calendar text.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from icalendar import Component

from watercooler.errors import SourceError
from watercooler.expansion import ExpansionContext, Occurrence, expand_group, floating_zone_of
from watercooler.ical import (
    TimezoneRegistry,
    drop_broken_lists,
    event_groups,
    parse_calendars,
    relocalize,
    repair_misquoted_tzid,
)
from watercooler.sources import CalendarObject, CalendarSource

log = logging.getLogger(__name__)

MARGIN = timedelta(days=2)
"""Occurrences are read this far beyond the range, so an event crossing its edge counts."""


@dataclass(frozen=True, slots=True)
class Window:
    """The instants to read, and how to read them."""

    start: datetime
    end: datetime
    zone: tzinfo
    cap: int


Progress = Callable[[str, int], None]
"""Told (source label, objects read so far) every :data:`PROGRESS_EVERY` objects."""

PROGRESS_EVERY = 500


def read_timeline(
    sources: Iterable[CalendarSource], window: Window, progress: Progress | None = None
) -> list[Occurrence]:
    """Return the occurrences of all sources overlapping the window, ordered by start.

    Raise SourceError when a source cannot be read, or none of its objects is iCalendar.
    """
    registry = TimezoneRegistry()
    occurrences: list[Occurrence] = []
    for source in sources:
        occurrences.extend(_read_source(source, window, registry, progress))
    occurrences.sort(key=lambda item: (item.start, item.end, item.info.summary, item.info.uid))
    return occurrences


def _read_source(
    source: CalendarSource,
    window: Window,
    registry: TimezoneRegistry,
    progress: Progress | None,
) -> list[Occurrence]:
    occurrences: list[Occurrence] = []
    unreadable: list[tuple[str, str]] = []
    parsed = 0
    for calendar_object in source.objects():
        origin = _origin(source.label, calendar_object.href)
        try:
            occurrences.extend(read_object(calendar_object, origin, window, registry))
            parsed += 1
        except NotICalendarError as error:
            unreadable.append((origin, str(error)))
        done = parsed + len(unreadable)
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(source.label, done)
    if unreadable and not parsed:
        raise SourceError(f"{source.label}: not an iCalendar file: {unreadable[0][1]}")
    for origin, reason in unreadable:
        log.warning("%s: skipped, not iCalendar: %s", origin, reason)
    return occurrences


class NotICalendarError(ValueError):
    """An object whose text is not iCalendar at all."""


def _origin(label: str, href: str) -> str:
    return label if href in label else f"{label}/{href}"


def read_object(
    calendar_object: CalendarObject, origin: str, window: Window, registry: TimezoneRegistry
) -> list[Occurrence]:
    """Return the occurrences of one object; raise NotICalendarError if it is not iCalendar."""
    try:
        calendars = parse_calendars(calendar_object.data, registry, origin)
    except Exception as error:  # noqa: BLE001 - untrusted input, any parser error
        raise NotICalendarError(_first_line(error)) from None
    occurrences: list[Occurrence] = []
    for calendar in calendars:
        context = ExpansionContext(
            window_start=window.start - MARGIN,
            window_end=window.end + MARGIN,
            zone=window.zone,
            floating_zone=floating_zone_of(calendar),
            cap=window.cap,
            origin=origin,
        )
        for uid, components in event_groups(calendar):
            _repair(uid, components, origin, window.zone, registry)
            occurrences.extend(expand_group(uid, components, context))
    return occurrences


def _repair(
    uid: str, components: list[Component], origin: str, zone: tzinfo, registry: TimezoneRegistry
) -> None:
    """Mend what can be mended in place, warning once per problem and event."""
    unknown: set[str] = set()
    dropped: set[str] = set()
    for component in components:
        for name in repair_misquoted_tzid(component):
            log.warning("%s: event %s: recovered a misquoted TZID in %s", origin, uid, name)
        dropped.update(drop_broken_lists(component))
        unknown |= relocalize(component, registry)
    for name in sorted(dropped):
        log.warning("%s: event %s: ignored a %s that cannot be parsed", origin, uid, name)
    for tzid in sorted(unknown):
        log.warning("%s: event %s: unknown time zone %r, read in %s", origin, uid, tzid, zone)


def _first_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[0][:200] if text else type(error).__name__
