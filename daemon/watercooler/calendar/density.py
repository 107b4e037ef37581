"""Keep pathological recurrence rules from stalling the program or exhausting memory.

dateutil, under recurring-ical-events, walks a rule from its DTSTART and builds a list of
every instance up to the end of the window. A ``FREQ=SECONDLY`` rule that started years
ago is hundreds of millions of steps. Before expansion, :func:`bound_series` estimates the
steps a rule costs; when it is too many it moves DTSTART forward by whole periods (which
leaves the instances unchanged for rules of fixed period) and shortens the window to what
``cap`` occurrences need. Rules it cannot bound are refused with :class:`SeriesTooDenseError`.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

from icalendar import Component

from watercooler.calendar.events import start_value
from watercooler.timebox import comparable

STEP_BUDGET = 200_000
"""How many rule steps one series may cost before it is bounded."""

_PERIOD = {
    "SECONDLY": timedelta(seconds=1),
    "MINUTELY": timedelta(minutes=1),
    "HOURLY": timedelta(hours=1),
    "DAILY": timedelta(days=1),
    "WEEKLY": timedelta(weeks=1),
    "MONTHLY": timedelta(days=31),
    "YEARLY": timedelta(days=366),
}
_FIXED = ("SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY")
_EXPANDING = ("BYSECOND", "BYMINUTE", "BYHOUR", "BYDAY", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO")


class SeriesTooDenseError(ValueError):
    """A recurrence rule would cost more steps than any window can afford."""


def bound_series(master: Component, span_start: datetime, span_end: datetime, cap: int) -> datetime:
    """Bound the cost of expanding ``master`` between ``span_start`` and ``span_end``.

    May move the master's DTSTART (and DTEND) forward by whole periods. Return the end of
    the span to expand, shortened when the rule is dense. Raise SeriesTooDenseError when the
    rule cannot be bounded.
    """
    rules = master.get("RRULE")
    if rules is None:
        return span_end
    for rule in rules if isinstance(rules, list) else [rules]:
        span_end = _bound_rule(master, rule, span_start, span_end, cap)
    return span_end


def _bound_rule(
    master: Component,
    rule: dict[str, list[object]],
    span_start: datetime,
    span_end: datetime,
    cap: int,
) -> datetime:
    freq = str(rule["FREQ"][0]).upper()
    interval = _int(rule.get("INTERVAL"), 1)
    period = _PERIOD.get(freq, timedelta(days=1)) * max(interval, 1)
    per_period = math.prod(len(rule.get(part, [None])) for part in _EXPANDING)
    if per_period > STEP_BUDGET:
        raise SeriesTooDenseError(f"RRULE expands to {per_period} instances per period")
    count = _int(rule.get("COUNT"), 0)
    start = comparable(start_value(master))
    lead = max(comparable(span_start) - start, timedelta(0))
    steps_before = lead / period * per_period
    if steps_before > STEP_BUDGET and not (0 < count <= STEP_BUDGET):
        if freq not in _FIXED or count:
            raise SeriesTooDenseError(f"FREQ={freq} from {start:%Y-%m-%d} is too dense to expand")
        _rebase(master, period * (int(lead / period) - 1))
    if steps_needed(span_start, span_end, period, per_period) <= cap:
        return span_end
    # Enough periods for ``cap`` instances, counted from where the rule starts producing.
    first = max(comparable(start_value(master)) - comparable(span_start), timedelta(0))
    needed = (math.ceil(cap / per_period) + 2) * period
    return min(span_end, span_start + first + needed)


def steps_needed(
    span_start: datetime, span_end: datetime, period: timedelta, per_period: int
) -> float:
    """How many instances at most a rule produces inside a span."""
    return (span_end - span_start) / period * per_period


ZONE_STEP_BUDGET = 50_000
"""How many steps a time zone's observance rule may cost; a real one changes twice a year."""
ZONE_HORIZON = datetime(2100, 1, 1)  # noqa: DTZ001 - a wall-clock bound, in any zone
"""How far a zone's rules are looked up at most (dateutil walks them from their DTSTART)."""


def too_dense_zone_rule(rule: dict[str, list[object]], start: date | datetime) -> str | None:
    """Return why a VTIMEZONE observance rule is too dense to use, None when it is not.

    dateutil finds a zone's offset by walking the rule from its DTSTART up to the time
    asked for, keeping every step: ``FREQ=SECONDLY`` from 1601 is billions of them.
    """
    try:
        freq = str(rule["FREQ"][0]).upper()
    except (KeyError, IndexError, TypeError):
        return None
    period = _PERIOD.get(freq, timedelta(days=1)) * max(_int(rule.get("INTERVAL"), 1), 1)
    per_period = math.prod(len(rule.get(part, [None])) for part in _EXPANDING)
    end = ZONE_HORIZON
    until = rule.get("UNTIL")
    if isinstance(until, list) and until and isinstance(until[0], date):
        end = min(end, comparable(until[0]))
    steps = steps_needed(comparable(start), end, period, per_period)
    count = _int(rule.get("COUNT"), 0)
    if count > 0:
        steps = min(steps, count * per_period)
    if steps > ZONE_STEP_BUDGET:
        return f"FREQ={freq} from {start:%Y-%m-%d}"
    return None


def _rebase(master: Component, shift: timedelta) -> None:
    """Move DTSTART and DTEND forward by ``shift`` in wall-clock time."""
    if shift <= timedelta(0):
        return
    for name in ("DTSTART", "DTEND"):
        prop = master.get(name)
        if prop is None:
            continue
        value: date | datetime = prop.dt
        if isinstance(value, datetime) and value.tzinfo is not None:
            moved: date | datetime = (value.replace(tzinfo=None) + shift).replace(
                tzinfo=value.tzinfo
            )
        else:
            moved = value + shift
        params = dict(prop.params)
        master.pop(name)
        master.add(name, moved, parameters=params)


def _int(values: object, default: int) -> int:
    if isinstance(values, list) and values:
        try:
            return int(values[0])
        except (TypeError, ValueError):
            return default
    return default
