"""Turn one event (a master and its overrides) into occurrences inside a window.

Single events, nine in ten of a work calendar, are placed directly; series go through
recurring-ical-events, which knows RRULE, RDATE, EXDATE, RECURRENCE-ID overrides and
RANGE=THISANDFUTURE. Expansion is bounded twice: the :mod:`watercooler.density` guard stops
a ``FREQ=SECONDLY`` rule from iterating millions of times, and at most ``cap`` occurrences
per event per window are kept, with a warning.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

import recurring_ical_events
import x_wr_timezone
from icalendar import Calendar, Component
from icalendar.timezone import tzp

from watercooler.density import bound_series
from watercooler.ical import (
    EventInfo,
    broken_reason,
    component_status,
    describe,
    start_value,
)
from watercooler.timebox import to_local

log = logging.getLogger(__name__)

_SERIES_PROPERTIES = ("RRULE", "RDATE", "RECURRENCE-ID")


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


@dataclass(frozen=True, slots=True)
class ExpansionContext:
    """What expansion needs besides the event: the window, the zones and the cap."""

    window_start: datetime
    window_end: datetime
    zone: tzinfo
    floating_zone: tzinfo | None
    cap: int
    origin: str


def expand_group(
    uid: str, components: list[Component], context: ExpansionContext
) -> list[Occurrence]:
    """Return the occurrences of one UID's components that overlap the window.

    Broken components are skipped with a warning naming the UID and the reason.
    """
    usable = []
    for component in components:
        reason = broken_reason(component)
        if reason is None:
            usable.append(component)
        else:
            log.warning("%s: skipped event %s: %s", context.origin, uid, reason)
    if not usable:
        return []
    if len(usable) == 1 and not any(name in usable[0] for name in _SERIES_PROPERTIES):
        return _single(uid, usable[0], context)
    try:
        return _series(uid, usable, context)
    except Exception as error:  # noqa: BLE001 - untrusted input meets a third-party expander
        log.warning(
            "%s: skipped event %s: cannot expand its recurrence: %s", context.origin, uid, error
        )
        return []


def _single(uid: str, component: Component, context: ExpansionContext) -> list[Occurrence]:
    start = start_value(component)
    occurrence = _place(
        start,
        _end_value(component, start),
        describe(component, uid, series_cancelled=False),
        context,
    )
    if occurrence is None or not _in_window(occurrence, context):
        return []
    return [occurrence]


def _end_value(component: Component, start: date | datetime) -> date | datetime:
    end_prop = component.get("DTEND")
    if end_prop is not None:
        return end_prop.dt  # type: ignore[no-any-return]
    duration = component.get("DURATION")
    if duration is not None:
        return start + duration.dt  # type: ignore[no-any-return]
    if isinstance(start, datetime):
        return start
    return start + timedelta(days=1)


def _place(
    start: date | datetime,
    end: date | datetime,
    info: EventInfo,
    context: ExpansionContext,
    recurrence: str = "",
) -> Occurrence | None:
    all_day = not isinstance(start, datetime)
    local_start = to_local(start, context.zone, context.floating_zone)
    if all_day:
        end_day = end.date() if isinstance(end, datetime) else end
        end_day = max(end_day, start + timedelta(days=1))
        local_end = to_local(end_day, context.zone)
    else:
        local_end = to_local(end, context.zone, context.floating_zone)
        local_end = max(local_end, local_start)
    return Occurrence(local_start, local_end, all_day, info, recurrence)


def _in_window(occurrence: Occurrence, context: ExpansionContext) -> bool:
    if occurrence.end == occurrence.start:
        return context.window_start <= occurrence.start < context.window_end
    return occurrence.start < context.window_end and occurrence.end > context.window_start


def _series(uid: str, components: list[Component], context: ExpansionContext) -> list[Occurrence]:
    calendar = Calendar()
    for component in components:
        calendar.add_component(component)
    if context.floating_zone is not None:
        # Google's X-WR-TIMEZONE: UTC and floating times as if written in that zone.
        calendar = x_wr_timezone.to_standard(calendar, timezone=context.floating_zone)
    events = calendar.walk("VEVENT")
    masters = [c for c in events if "RECURRENCE-ID" not in c]
    master_cancelled = any(component_status(c) == "CANCELLED" for c in masters)
    infos = {id(c): describe(c, uid, series_cancelled=master_cancelled) for c in events}
    span_start = context.window_start - timedelta(days=2)
    span_end = context.window_end + timedelta(days=2)
    for master in masters:
        span_end = bound_series(master, span_start, span_end, context.cap)
    occurrences: list[Occurrence] = []
    for series in recurring_ical_events.CalendarQuery(calendar).series:
        produced = itertools.islice(series.between(span_start, span_end), context.cap + 1)
        placed = _place_all(produced, infos, context)
        if len(placed) > context.cap:
            log.warning(
                "%s: event %s has more than %d occurrences in the window; the rest are ignored",
                context.origin, uid, context.cap,
            )  # fmt: skip
            placed = placed[: context.cap]
        occurrences.extend(placed)
    return occurrences


def _place_all(
    produced: Any, infos: dict[int, EventInfo], context: ExpansionContext
) -> list[Occurrence]:
    placed = []
    for item in produced:
        info = infos.get(id(_source_component(item)))
        if info is None:
            continue
        occurrence = _place(item.start, item.end, info, context, _recurrence_key(item.start))
        if occurrence is not None and _in_window(occurrence, context):
            placed.append(occurrence)
    return placed


def _source_component(item: Any) -> Any:
    """The VEVENT (master or override) an occurrence of recurring-ical-events came from.

    recurring-ical-events only offers ``as_component()``, which copies the component for
    every occurrence; its adapter holds the original, which is what we map to our record.
    ``tests/unit/test_expansion.py`` fails if a new release moves it.
    """
    adapter = getattr(item, "_adapter", None)
    return getattr(adapter, "_component", None)


def _recurrence_key(start: date | datetime) -> str:
    return start.isoformat()


def _zone_name(zone: tzinfo) -> str:
    key = getattr(zone, "key", None)
    return str(key) if key else str(zone)


def floating_zone_of(calendar: Component) -> tzinfo | None:
    """Return the zone of Google's ``X-WR-TIMEZONE``, None when absent or unknown."""
    value = calendar.get("X-WR-TIMEZONE")
    if value is None:
        return None
    name = str(value[0] if isinstance(value, list) else value).strip()
    return tzp.timezone(name) if name else None
