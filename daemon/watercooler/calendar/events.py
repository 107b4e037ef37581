"""One VEVENT reduced to plain values, and the checks that decide whether it can be used.

Every event becomes an :class:`EventInfo` of plain values (its parsed tree is dropped), so a
weekly series costs one record and classification never touches icalendar. A component that
cannot be placed on a timeline — no start, an end before its start, a recurrence rule that
cannot be parsed or can never produce an instance — is named by :func:`broken_reason`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

from icalendar import Component
from icalendar.prop import vBroken

from watercooler.calendar.records import Attendee, EventInfo
from watercooler.timebox import comparable
from watercooler.urls import normalize_address

MAX_TEXT = 2000


def event_groups(calendar: Component) -> Iterator[tuple[str, list[Component]]]:
    """Yield the VEVENTs of a calendar grouped by UID: a master and its overrides.

    Only VEVENTs count; VTODO, VJOURNAL and unknown components are ignored. An event
    without a UID gets one from its position, so it is still read.
    """
    groups: dict[str, list[Component]] = {}
    for index, component in enumerate(calendar.walk("VEVENT")):
        uid = text(component.get("UID")) or f"(no UID #{index + 1})"
        groups.setdefault(uid, []).append(component)
    yield from groups.items()


def describe(component: Component, uid: str, *, series_cancelled: bool) -> EventInfo:
    """Return the :class:`EventInfo` of one VEVENT."""
    organizer = component.get("ORGANIZER")
    return EventInfo(
        uid=uid,
        summary=text(component.get("SUMMARY")),
        categories=_categories(component.get("CATEGORIES")),
        status=component_status(component),
        transparent=text(component.get("TRANSP")).strip().upper() == "TRANSPARENT",
        busy_status=_busy_status(component),
        organizer=normalize_address(text(organizer)) if organizer is not None else "",
        organizer_partstat=param(organizer, "PARTSTAT").upper(),
        attendees=tuple(_attendees(component.get("ATTENDEE"))),
        series_cancelled=series_cancelled,
        organizer_name=param(organizer, "CN")[:MAX_TEXT],
    )


def component_status(component: Component) -> str:
    """Return the STATUS of a component in upper case, "" when absent."""
    return text(component.get("STATUS")).strip().upper()


def broken_reason(component: Component) -> str | None:
    """Return why a VEVENT cannot be placed on a timeline, or None if it can.

    A component is broken when it has no usable start, ends before it starts, or carries
    a recurrence rule that could not be parsed.
    """
    start = component.get("DTSTART")
    if start is None:
        return "no DTSTART"
    for name in ("DTSTART", "DTEND", "DURATION", "RECURRENCE-ID"):
        value = component.get(name)
        if isinstance(value, list):
            return f"it has {len(value)} {name} lines, and may have only one"
        if value is None:
            continue
        read = safe_dt(value)
        if read is None:
            return f"{name} cannot be read{_raw(value)}"
        if not isinstance(read, timedelta if name == "DURATION" else date):
            return f"{name} is not a {'duration' if name == 'DURATION' else 'date or date-time'}"
    for rule in as_list(component.get("RRULE")):
        if isinstance(rule, vBroken) or not hasattr(rule, "to_ical"):
            return "RRULE cannot be parsed"
        if "FREQ" not in rule:
            return "RRULE has no FREQ"
        impossible = impossible_rule(rule)
        if impossible is not None:
            return f"RRULE {impossible}"
    return _end_before_start(component)


_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_LIMITS = {
    "BYSECOND": (0, 60),
    "BYMINUTE": (0, 59),
    "BYHOUR": (0, 23),
    "BYMONTH": (1, 12),
    "BYMONTHDAY": (-31, 31),
    "BYYEARDAY": (-366, 366),
    "BYWEEKNO": (-53, 53),
}


def impossible_rule(rule: Any) -> str | None:
    """Return why a rule can never (or endlessly) produce an instance, None if it can.

    dateutil looks for the next instance until the year 9999 and loops forever on
    INTERVAL=0, so such rules must be caught before they are expanded.
    """
    try:
        interval = int(rule.get("INTERVAL", [1])[0])
        values = {name: [int(v) for v in rule.get(name, [])] for name in _LIMITS}
    except (TypeError, ValueError):
        return "has a value that is not a number"
    if interval < 1:
        return f"has INTERVAL={interval}"
    for name, (low, high) in _LIMITS.items():
        bad = [v for v in values[name] if not low <= v <= high or (v == 0 and low < 0)]
        if bad:
            return f"has {name}={bad[0]}, out of range"
    months, days = values["BYMONTH"] or list(range(1, 13)), values["BYMONTHDAY"]
    if days and not any(abs(day) <= _MONTH_DAYS[month - 1] for month in months for day in days):
        return "names a day no month in it has"
    return None


def _raw(value: Any) -> str:
    """The text of a value icalendar could not read, as `` (text)``; "" if it kept none."""
    if not isinstance(value, vBroken):
        return ""
    raw = str(value).strip()
    return f" ({raw[:60]})" if raw else ""


def _end_before_start(component: Component) -> str | None:
    start = start_value(component)
    end_prop = component.get("DTEND")
    if end_prop is not None:
        if comparable(end_prop.dt) < comparable(start):
            return "DTEND is before DTSTART"
        return None
    duration = component.get("DURATION")
    if duration is not None and duration.dt.total_seconds() < 0:
        return "DURATION is negative"
    return None


def _busy_status(component: Component) -> str:
    """Outlook's busy status: the actual one, else the organizer's intended one."""
    for name in ("X-MICROSOFT-CDO-BUSYSTATUS", "X-MICROSOFT-CDO-INTENDEDSTATUS"):
        value = text(component.get(name)).strip().upper()
        if value:
            return value
    return ""


def _attendees(value: Any) -> Iterator[Attendee]:
    for attendee in as_list(value):
        address = normalize_address(str(attendee))
        if not address:
            continue
        cutype = param(attendee, "CUTYPE").upper()
        yield Attendee(
            address=address,
            partstat=param(attendee, "PARTSTAT").upper(),
            is_person=cutype not in ("RESOURCE", "ROOM"),
            name=param(attendee, "CN")[:MAX_TEXT],
        )


def _categories(value: Any) -> tuple[str, ...]:
    names: list[str] = []
    for item in as_list(value):
        cats = getattr(item, "cats", None)
        if cats is not None:
            names.extend(str(cat) for cat in cats)
        else:
            names.extend(part.strip() for part in str(item).split(","))
    return tuple(name[:MAX_TEXT] for name in names if name)


def param(value: Any, name: str) -> str:
    params = getattr(value, "params", None)
    if not params:
        return ""
    found = params.get(name, "")
    return str(found[0] if isinstance(found, list) and found else found).strip()


def text(value: Any) -> str:
    """Return a property's text, the first one when a property is (wrongly) repeated."""
    first = _first(value)
    return "" if first is None else str(first)[:MAX_TEXT]


def _first(value: Any) -> Any:
    if isinstance(value, list):
        return value[0] if value else None
    return value


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def safe_dt(prop: Any) -> Any:
    """Return a date/time property's value, None when it is absent or could not be parsed."""
    if prop is None or isinstance(prop, vBroken | list):
        return None
    try:
        return prop.dt
    except Exception:  # noqa: BLE001 - icalendar raises its own error for broken values
        return None


def start_value(component: Component) -> date | datetime:
    """The DTSTART of a component that :func:`broken_reason` accepted."""
    value = safe_dt(component.get("DTSTART"))
    if not isinstance(value, date):
        raise ValueError("DTSTART is not a date or time")
    return value
