"""Turn one event (a master and its overrides) into occurrences inside a window.

Single events, nine in ten of a work calendar, are placed directly; series go through
recurring-ical-events, which knows RRULE, RDATE, EXDATE, RECURRENCE-ID overrides and
RANGE=THISANDFUTURE. Expansion is bounded twice: the :mod:`watercooler.calendar.density` guard stops
a ``FREQ=SECONDLY`` rule from iterating millions of times, and at most ``cap`` occurrences
per event per window are kept, with a warning.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

import recurring_ical_events
import x_wr_timezone
from icalendar import Calendar, Component
from icalendar.timezone import tzp

from watercooler.calendar.density import SeriesTooDenseError, bound_series
from watercooler.calendar.events import (
    broken_reason,
    component_status,
    describe,
    safe_dt,
    start_value,
)
from watercooler.calendar.records import Moment, RawOccurrence

log = logging.getLogger(__name__)

_SERIES_PROPERTIES = ("RRULE", "RDATE", "RECURRENCE-ID")


@dataclass(slots=True)
class ExpansionContext:
    """What expansion needs besides the event: the span for series, the cap, and where
    warnings go (they are kept with the parsed object; each is told once per version of
    the object's bytes).
    """

    span_start: datetime
    span_end: datetime
    window_start: datetime
    window_end: datetime
    floating_zone: tzinfo | None
    cap: int
    origin: str
    warnings: list[str] = field(default_factory=list)
    narrowed: bool = False
    """Set when a series was too dense for the span and was expanded over the window."""

    def warn(self, message: str) -> None:
        """Record a warning about this object (shown by the caller)."""
        self.warnings.append(f"{self.origin}: {message}")


def is_series(components: list[Component]) -> bool:
    """Whether a UID's components make a series (expanded over a span) or a single event."""
    return len(components) > 1 or any(
        name in component for component in components for name in _SERIES_PROPERTIES
    )


def expand_group(
    uid: str, components: list[Component], context: ExpansionContext
) -> list[RawOccurrence]:
    """Return the occurrences of one UID's components: a single event's one occurrence, or a
    series' occurrences inside the context's span.

    Broken components are skipped with a warning naming the UID and the reason.
    """
    usable = []
    for component in components:
        reason = broken_reason(component)
        if reason is None:
            usable.append(component)
        else:
            context.warn(f"skipped event {uid}: {reason}")
    if not usable:
        return []
    if not is_series(usable):
        return [_single(uid, usable[0], context)]
    try:
        return _series(uid, usable, context)
    except SeriesTooDenseError as error:
        context.warn(f"skipped event {uid}: {error}")
    except Exception as error:  # noqa: BLE001 - untrusted input meets a third-party expander
        # The expander's own words are about Python, not the calendar: they go to the log.
        log.debug("%s: event %s: %s: %s", context.origin, uid, type(error).__name__, error)
        context.warn(f"skipped event {uid}: its recurrence cannot be expanded")
    return []


def _single(uid: str, component: Component, context: ExpansionContext) -> RawOccurrence:
    start = start_value(component)
    end = _end_value(component, start)
    if context.floating_zone is not None:
        # Google's X-WR-TIMEZONE: floating times are that zone's wall time.
        start, end = _in_zone(start, context.floating_zone), _in_zone(end, context.floating_zone)
    return RawOccurrence(start, end, describe(component, uid, series_cancelled=False))


def _in_zone(value: Moment, zone: tzinfo) -> Moment:
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=zone)
    return value


def _end_value(component: Component, start: Moment) -> Moment:
    end_prop = component.get("DTEND")
    if end_prop is not None:
        return end_prop.dt  # type: ignore[no-any-return]
    duration = component.get("DURATION")
    if duration is not None:
        return start + duration.dt  # type: ignore[no-any-return]
    if isinstance(start, datetime):
        return start
    return start + timedelta(days=1)


def _series(
    uid: str, components: list[Component], context: ExpansionContext
) -> list[RawOccurrence]:
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
    produced, complete = _expand(calendar, masters, context.span_start, context.span_end, context)
    if not complete:
        # Too dense for the wide span: expand the window itself, so the cap counts there.
        context.narrowed = True
        produced, complete = _expand(
            calendar, masters, context.window_start, context.window_end, context
        )
        if not complete:
            context.warn(
                f"event {uid} recurs more than {context.cap} times around "
                f"{context.window_start:%Y-%m-%d}; only the first {len(produced)} are used"
            )
    occurrences = []
    for item in produced:
        component = _source_component(item)
        info = infos.get(id(component))
        if info is not None:
            recurrence = _original_start(component, item.start)
            occurrences.append(RawOccurrence(item.start, item.end, info, recurrence))
    return occurrences


def _original_start(component: Component, start: Moment) -> str:
    """Name an occurrence by where the series put it (its RECURRENCE-ID when moved), in UTC,
    so moving it does not make it a new occurrence for delivery."""
    recurrence_id = safe_dt(component.get("RECURRENCE-ID")) if component is not None else None
    original = recurrence_id if isinstance(recurrence_id, date) else start
    if isinstance(original, datetime) and original.tzinfo is not None:
        return original.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    if isinstance(original, datetime):
        return original.strftime("%Y%m%dT%H%M%S")
    return original.strftime("%Y%m%d")


def _expand(
    calendar: Component,
    masters: list[Component],
    span_start: datetime,
    span_end: datetime,
    context: ExpansionContext,
) -> tuple[list[Any], bool]:
    """Expand every series between two instants; return the items and whether they are all."""
    bounded_end = span_end
    for master in masters:
        bounded_end = min(bounded_end, bound_series(master, span_start, span_end, context.cap))
    produced: list[Any] = []
    complete = bounded_end >= span_end
    for series in recurring_ical_events.CalendarQuery(calendar).series:
        items = list(itertools.islice(series.between(span_start, bounded_end), context.cap + 1))
        if len(items) > context.cap:
            items, complete = items[: context.cap], False
        produced.extend(items)
    return produced, complete


def _source_component(item: Any) -> Any:
    """The VEVENT (master or override) an occurrence of recurring-ical-events came from.

    recurring-ical-events only offers ``as_component()``, which copies the component for
    every occurrence; its adapter holds the original, which is what we map to our record.
    ``tests/unit/test_expansion.py`` fails if a new release moves it.
    """
    adapter = getattr(item, "_adapter", None)
    return getattr(adapter, "_component", None)


def floating_zone_of(calendar: Component) -> tzinfo | None:
    """Return the zone of Google's ``X-WR-TIMEZONE``, None when absent or unknown."""
    value = calendar.get("X-WR-TIMEZONE")
    if value is None:
        return None
    name = str(value[0] if isinstance(value, list) else value).strip()
    return tzp.timezone(name) if name else None
