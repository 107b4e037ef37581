"""Mend what real clients get wrong, in place, before an event is expanded.

Each repair handles one quirk seen in real exports (see ``tests/corpus/README.md``): a
TZID whose quote swallowed the value, a TZID on an all-day date, an unreadable RDATE or
EXDATE that would otherwise cost the whole series, and custom zones that icalendar
resolved by another object's definition of the same TZID.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any

from icalendar import Component
from icalendar.prop import vBroken, vDDDTypes

from watercooler.calendar.events import param, safe_dt
from watercooler.calendar.parse import ZoneMap, loose_key


def drop_broken_lists(component: Component) -> list[str]:
    """Remove RDATE/EXDATE lines that could not be parsed; return their names.

    One malformed date in a list should not cost the whole series.
    """
    dropped = []
    for name in ("RDATE", "EXDATE"):
        values = component.get(name)
        if values is None:
            continue
        items = values if isinstance(values, list) else [values]
        good = [item for item in items if not isinstance(item, vBroken) and _readable(item)]
        if len(good) != len(items):
            dropped.append(name)
            component.pop(name)
            for item in good:
                component.add(name, item)
    return dropped


def _readable(item: Any) -> bool:
    """Whether every value of an RDATE/EXDATE line is a date, a time or a period
    (``VALUE=TIME`` gives times of day, which cannot be placed)."""
    try:
        return all(isinstance(entry.dt, date | tuple) for entry in item.dts)
    except Exception:  # noqa: BLE001 - icalendar raises its own error for broken values
        return False


def relocalize(component: Component, zones: ZoneMap) -> set[str]:
    """Give times the zone their object's own VTIMEZONE defines for their TZID.

    icalendar resolves a custom TZID process-wide, by the first definition it saw, or not
    at all; the wall-clock time is kept and the object's own zone attached. Return the
    TZIDs that no zone defines, whose naive times are then read in the user's zone.
    """
    unknown = set()
    for name in ("DTSTART", "DTEND", "RECURRENCE-ID", "EXDATE", "RDATE"):
        values = component.get(name)
        for prop in values if isinstance(values, list) else [values]:
            if prop is None or isinstance(prop, vBroken):
                continue
            tzid = param(prop, "TZID")
            if not tzid:
                continue
            key = loose_key(tzid)
            zone = zones.get(key)
            for holder in getattr(prop, "dts", None) or [prop]:
                value = safe_dt(holder)
                if not isinstance(value, datetime):
                    continue
                if zone is not None:
                    holder.dt = value.replace(tzinfo=zone)
                elif value.tzinfo is None and key not in zones:
                    unknown.add(tzid)
    return unknown


_MISQUOTED = re.compile(r"^(?P<tzid>.+):(?P<value>\d{8}(?:T\d{6}Z?)?)$")


def repair_misquoted_tzid(component: Component) -> list[str]:
    """Recover times whose TZID quote swallowed the value (``TZID="Zone:20200609T090000"``).

    Some Exchange exports close the quote after the value; the property then parses
    empty. Return the names of the properties recovered.
    """
    repaired = []
    for name in ("DTSTART", "DTEND", "RECURRENCE-ID"):
        prop = component.get(name)
        if not isinstance(prop, vBroken) or str(prop).strip():
            continue
        found = _MISQUOTED.match(param(prop, "TZID"))
        if found is None:
            continue
        try:
            value = vDDDTypes.from_ical(  # type: ignore[no-untyped-call]
                found["value"], timezone=found["tzid"].strip()
            )
        except ValueError:
            continue
        component.pop(name)
        component.add(name, value)
        repaired.append(name)
    return repaired


def repair_value_date(component: Component) -> list[str]:
    """Settle ``VALUE=DATE`` values that icalendar read as a time; return the names of those
    kept as the time they say.

    Old Apple clients write ``DTSTART;VALUE=DATE;TZID=US/Pacific:20021028``; RFC 5545 forbids
    the TZID on a date, and the event is all-day: such a midnight becomes a date again. A
    value that carries a time (``VALUE=DATE:20240312T120000``) says a time, and is read as
    one; its wrong label is dropped.
    """
    times = []
    for name in ("DTSTART", "DTEND", "RECURRENCE-ID"):
        prop = component.get(name)
        if prop is None or isinstance(prop, vBroken | list):
            continue
        value = safe_dt(prop)
        if not isinstance(value, datetime) or param(prop, "VALUE").upper() != "DATE":
            continue
        if param(prop, "TZID") and value.time() == time(0, 0):
            prop.dt = value.date()
        else:
            prop.params.pop("VALUE", None)
            times.append(name)
    return times
