"""Parsing one calendar object: iCalendar text → its occurrences, repaired and bounded.

This is the expensive step, and the only one that needs icalendar and
recurring-ical-events; the timeline imports it only when the parse cache misses, so a run
whose cache is warm never loads the parser. One :class:`Parser` per run parses each
distinct VTIMEZONE block once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from icalendar import Component

from watercooler.calendar.events import event_groups
from watercooler.calendar.expansion import (
    ExpansionContext,
    expand_group,
    floating_zone_of,
    is_series,
)
from watercooler.calendar.parse import TimezoneRegistry, ZoneMap, parse_calendars
from watercooler.calendar.parse_cache import ParsedObject
from watercooler.calendar.records import NotICalendarError, RawOccurrence, Window
from watercooler.calendar.repairs import (
    drop_broken_lists,
    relocalize,
    repair_misquoted_tzid,
    repair_value_date,
)

SPAN_BEFORE = timedelta(days=60)
SPAN_AFTER = timedelta(days=120)
"""A series is expanded this far around the window, so its cache entry serves later runs."""


@dataclass(slots=True)
class Parser:
    """Parses objects for one run, sharing the zones their VTIMEZONE blocks define."""

    registry: TimezoneRegistry = field(default_factory=TimezoneRegistry)

    def parse(self, data: bytes, origin: str, window: Window) -> ParsedObject:
        """One object's occurrences; raise NotICalendarError if it is not iCalendar."""
        return parse_object(data, origin, window, self.registry)


def parse_object(
    data: bytes, origin: str, window: Window, registry: TimezoneRegistry
) -> ParsedObject:
    """Parse one object and expand its events; raise NotICalendarError if it is not iCalendar."""
    try:
        text = parse_calendars(data, registry)
    except Exception as error:  # noqa: BLE001 - untrusted input, any parser error
        raise NotICalendarError(_first_line(error)) from None
    narrow = (window.read_start, window.read_end)
    span = (narrow[0] - SPAN_BEFORE, narrow[1] + SPAN_AFTER)
    raws: list[RawOccurrence] = []
    warnings = [f"{origin}: {problem}" for problem in text.problems]
    needs_span = narrowed = False
    for calendar in text.calendars:
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
            _repair(uid, components, context, text.zones)
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
    as_times: set[str] = set()
    for component in components:
        for name in repair_misquoted_tzid(component):
            context.warn(f"event {uid}: recovered a misquoted TZID in {name}")
        as_times.update(repair_value_date(component))
        dropped.update(drop_broken_lists(component))
        unknown |= relocalize(component, zones)
    if as_times:
        names = " and ".join(sorted(as_times))
        verb = "is" if len(as_times) == 1 else "are"
        context.warn(
            f"event {uid}: {names} {verb} labelled VALUE=DATE but written as a date-time;"
            " read as the time written"
        )
    for name in sorted(dropped):
        context.warn(f"event {uid}: ignored an {name} value that cannot be read")
    for tzid in sorted(unknown):
        context.warn(f"event {uid}: unknown time zone {tzid!r}, read in your time zone")


def _first_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[0][:200] if text else type(error).__name__
