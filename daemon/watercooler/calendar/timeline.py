"""The user's timeline: every occurrence of every source inside a window, in the user's zone.

Each calendar object is parsed once into a
:class:`~watercooler.calendar.parse_cache.ParsedObject` of plain records and its parsed tree
dropped before the next object is read, so memory grows with
the number of occurrences, not with the size of the calendar text. With a store, parsed
objects are kept by content hash, and an object that did not change is never parsed again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo

from icalendar import Component

from watercooler.calendar.events import event_groups
from watercooler.calendar.expansion import (
    ExpansionContext,
    Occurrence,
    RawOccurrence,
    expand_group,
    floating_zone_of,
    in_window,
    is_series,
    place,
)
from watercooler.calendar.parse import TimezoneRegistry, ZoneMap, parse_calendars
from watercooler.calendar.parse_cache import ParsedObject, cache_key, decode, encode
from watercooler.calendar.repairs import (
    drop_broken_lists,
    relocalize,
    repair_dates_with_tzid,
    repair_misquoted_tzid,
)
from watercooler.errors import SourceError
from watercooler.sources import CalendarObject, CalendarSource
from watercooler.store import Store

log = logging.getLogger(__name__)

MARGIN = timedelta(days=2)
"""Occurrences are read this far beyond the range, so an event crossing its edge counts."""
SPAN_BEFORE = timedelta(days=60)
SPAN_AFTER = timedelta(days=120)
"""A series is expanded this far around the window, so its cache entry serves later runs."""
WRITE_BATCH = 1000

Progress = Callable[[str, int], None]
"""Told (source label, objects read so far) every :data:`PROGRESS_EVERY` objects."""

PROGRESS_EVERY = 500


@dataclass(frozen=True, slots=True)
class Window:
    """The instants to read, and how to read them."""

    start: datetime
    end: datetime
    zone: tzinfo
    cap: int


@dataclass(slots=True)
class _Reader:
    """Reads objects into occurrences, through the parse cache when there is a store."""

    window: Window
    store: Store | None
    registry: TimezoneRegistry = field(default_factory=TimezoneRegistry)
    pending: dict[bytes, bytes] = field(default_factory=dict)

    def occurrences(self, calendar_object: CalendarObject, origin: str) -> list[Occurrence]:
        start, end = self.window.start - MARGIN, self.window.end + MARGIN
        parsed = self._parsed(calendar_object, origin, start, end)
        for warning in parsed.warnings:
            log.warning("%s", warning)
        placed = (place(raw, self.window.zone) for raw in parsed.occurrences)
        return [occurrence for occurrence in placed if in_window(occurrence, start, end)]

    def _parsed(
        self, calendar_object: CalendarObject, origin: str, start: datetime, end: datetime
    ) -> ParsedObject:
        key = cache_key(calendar_object.data, self.window.cap)
        if self.store is not None:
            body = self.pending.get(key) or self.store.parsed(key)
            if body is not None:
                try:
                    cached = decode(body, start, end)
                except (ValueError, KeyError, TypeError, IndexError):
                    cached = None
                if cached is not None and cached.covers(start, end):
                    return cached
        parsed = parse_object(calendar_object.data, origin, self.window, self.registry)
        if self.store is not None:
            self.pending[key] = encode(parsed)
            if len(self.pending) >= WRITE_BATCH:
                self.flush()
        return parsed

    def flush(self) -> None:
        if self.store is not None and self.pending:
            self.store.put_parsed(self.pending)
        self.pending.clear()


def read_timeline(
    sources: Iterable[CalendarSource],
    window: Window,
    progress: Progress | None = None,
    store: Store | None = None,
) -> list[Occurrence]:
    """Return the occurrences of all sources overlapping the window, ordered by start.

    Raise SourceError when a source cannot be read, or none of its objects is iCalendar.
    """
    reader = _Reader(window, store)
    occurrences: list[Occurrence] = []
    try:
        for source in sources:
            occurrences.extend(_read_source(source, reader, progress))
    finally:
        reader.flush()
    occurrences.sort(key=lambda item: (item.start, item.end, item.info.summary, item.info.uid))
    return occurrences


def _read_source(
    source: CalendarSource, reader: _Reader, progress: Progress | None
) -> list[Occurrence]:
    occurrences: list[Occurrence] = []
    unreadable: list[tuple[str, str]] = []
    parsed = 0
    for calendar_object in source.objects():
        origin = _origin(source.label, calendar_object.href)
        try:
            occurrences.extend(reader.occurrences(calendar_object, origin))
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


def parse_object(
    data: bytes, origin: str, window: Window, registry: TimezoneRegistry
) -> ParsedObject:
    """Parse one object and expand its events; raise NotICalendarError if it is not iCalendar."""
    try:
        calendars, zones = parse_calendars(data, registry, origin)
    except Exception as error:  # noqa: BLE001 - untrusted input, any parser error
        raise NotICalendarError(_first_line(error)) from None
    span = (window.start - MARGIN - SPAN_BEFORE, window.end + MARGIN + SPAN_AFTER)
    narrow = (window.start - MARGIN, window.end + MARGIN)
    raws: list[RawOccurrence] = []
    warnings: list[str] = []
    needs_span = narrowed = False
    for calendar in calendars:
        context = ExpansionContext(
            span_start=span[0],
            span_end=span[1],
            window_start=narrow[0],
            window_end=narrow[1],
            floating_zone=floating_zone_of(calendar),
            cap=window.cap,
            origin=origin,
        )
        for uid, components in event_groups(calendar):
            _repair(uid, components, context, zones)
            needs_span = needs_span or is_series(components)
            raws.extend(expand_group(uid, components, context))
        warnings.extend(context.warnings)
        narrowed = narrowed or context.narrowed
    covered = (narrow if narrowed else span) if needs_span else None
    return ParsedObject(tuple(raws), covered, tuple(warnings))


def _repair(
    uid: str, components: list[Component], context: ExpansionContext, zones: ZoneMap
) -> None:
    """Mend what can be mended in place, warning once per problem and event."""
    unknown: set[str] = set()
    dropped: set[str] = set()
    for component in components:
        for name in repair_misquoted_tzid(component):
            context.warn(f"event {uid}: recovered a misquoted TZID in {name}")
        repair_dates_with_tzid(component)
        dropped.update(drop_broken_lists(component))
        unknown |= relocalize(component, zones)
    for name in sorted(dropped):
        context.warn(f"event {uid}: ignored a {name} that cannot be parsed")
    for tzid in sorted(unknown):
        context.warn(f"event {uid}: unknown time zone {tzid!r}, read in your time zone")


def _first_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[0][:200] if text else type(error).__name__
