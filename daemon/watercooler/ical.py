"""Parse raw iCalendar objects cheaply and reduce each event to a compact record.

Two costs dominate reading a large calendar with icalendar: parsing the same VTIMEZONE
block again in every object (CalDAV stores one object per event, each with its own copy),
and keeping the parsed trees around. So VTIMEZONE blocks are cut out of the text before
parsing, each distinct block is parsed once per process (icalendar then resolves its TZID
from its cache), and every event is reduced to an :class:`EventInfo` of plain values.
"""

from __future__ import annotations

import hashlib
import logging
import re
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from functools import lru_cache
from typing import Any

from icalendar import Calendar, Component
from icalendar.prop import vBroken, vDDDTypes

from watercooler.settings import normalize_address
from watercooler.timebox import comparable

log = logging.getLogger(__name__)

_VTIMEZONE_BLOCK = re.compile(
    rb"^BEGIN:VTIMEZONE[ \t]*\r?\n.*?^END:VTIMEZONE[ \t]*(?:\r?\n|\Z)", re.IGNORECASE
    | re.MULTILINE | re.DOTALL,
)  # fmt: skip
_OTHERS_DECLINED = frozenset({"DECLINED", "DELEGATED"})
PARTSTATS = frozenset({"ACCEPTED", "DECLINED", "TENTATIVE", "NEEDS-ACTION", "DELEGATED"})
MAX_TEXT = 2000


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


ZoneMap = dict[str, tzinfo]
"""Zones defined by one object's VTIMEZONE blocks, by loose TZID key."""


class TimezoneRegistry:
    """Cut VTIMEZONE blocks out of iCalendar text, parsing each distinct block once.

    Parsing the same block in every object is nearly half of icalendar's work on a CalDAV
    calendar, so blocks are cut out before parsing and each distinct one becomes a zone
    once. A block whose TZID is an IANA name is not parsed at all: the IANA zone is used.
    A custom zone is applied to its own object only, after parsing (see
    :func:`relocalize`), so two calendars may define the same TZID differently (Outlook
    names every hand-made zone "Customized Time Zone"). TZIDs are matched loosely (case
    and white space folded) for clients whose TZID parameter differs from their
    VTIMEZONE by a space.
    """

    def __init__(self) -> None:
        self._zones: dict[bytes, tuple[str, tzinfo] | None] = {}

    def strip(self, data: bytes, origin: str = "") -> tuple[bytes, ZoneMap]:
        """Return ``data`` without its VTIMEZONE blocks, and the custom zones they define."""
        zones: ZoneMap = {}
        if b"TIMEZONE" not in data and b"timezone" not in data.lower():
            return data, zones

        def register(match: re.Match[bytes]) -> bytes:
            entry = self._zone_of(match.group(0), origin)
            if entry is not None:
                zones.setdefault(*entry)
            return b""

        return _VTIMEZONE_BLOCK.sub(register, data), zones

    def _zone_of(self, block: bytes, origin: str) -> tuple[str, tzinfo] | None:
        key = hashlib.blake2b(block, digest_size=16).digest()
        if key not in self._zones:
            self._zones[key] = _parse_zone(block, origin)
        return self._zones[key]


def _parse_zone(block: bytes, origin: str) -> tuple[str, tzinfo] | None:
    """The (loose TZID, zone) a custom VTIMEZONE block defines; None for IANA names."""
    tzid = _block_tzid(block)
    if tzid is not None and _is_iana(tzid.strip()):
        return None
    wrapped = b"BEGIN:VCALENDAR\r\n" + block.rstrip(b"\r\n") + b"\r\nEND:VCALENDAR\r\n"
    try:
        component = Calendar.from_ical(wrapped).walk("VTIMEZONE")[0]
        zone = component.to_tz(lookup_tzid=False)  # type: ignore[attr-defined]
        return _loose_key(str(component["TZID"])), zone
    except Exception as error:  # noqa: BLE001 - untrusted input, any parser error
        log.warning(
            "%s: time zone %s cannot be read (%s); its times are read in your zone",
            origin or "calendar", repr(tzid) if tzid else "without TZID", error,
        )  # fmt: skip
        return None


_TZID_LINE = re.compile(rb"^TZID[;:](?:[^:\r\n]*:)?(.*?)\r?$", re.IGNORECASE | re.MULTILINE)


def _block_tzid(block: bytes) -> str | None:
    unfolded = re.sub(rb"\r?\n[ \t]", b"", block)
    found = _TZID_LINE.search(unfolded)
    return found.group(1).decode("utf-8", "replace") if found else None


@lru_cache(maxsize=1)
def _iana_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _is_iana(name: str) -> bool:
    return name in _iana_names()


def _loose_key(tzid: str) -> str:
    return "".join(tzid.split()).casefold()


def parse_calendars(
    data: bytes, registry: TimezoneRegistry, origin: str = ""
) -> tuple[list[Component], ZoneMap]:
    """Given the text of an object, return its top-level components (usually VCALENDARs) and
    the custom zones its VTIMEZONE blocks define.

    Text that is not UTF-8 is read as Windows-1252, the usual other encoding of old
    exports. Raise ValueError when the text is not iCalendar at all.
    """
    if not data.strip():
        # A zero-byte export is a failed write far more often than an empty calendar,
        # which still has its BEGIN:VCALENDAR; reading it as "all free" would mislead.
        raise ValueError("it is empty")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        data = data.decode("cp1252", errors="replace").encode("utf-8")
    stripped, zones = registry.strip(data, origin)
    calendars: list[Component] = list(Calendar.from_ical(slim(stripped), multiple=True))
    if not calendars:
        raise ValueError("no BEGIN:VCALENDAR or BEGIN:VEVENT found")
    return calendars, zones


_FOLD = re.compile(rb"\r?\n[ \t]")
_NEEDED = frozenset(
    {
        b"BEGIN", b"END", b"VERSION", b"CALSCALE", b"X-WR-TIMEZONE", b"UID", b"SUMMARY",
        b"CATEGORIES", b"STATUS", b"TRANSP", b"X-MICROSOFT-CDO-BUSYSTATUS",
        b"X-MICROSOFT-CDO-INTENDEDSTATUS", b"ORGANIZER", b"ATTENDEE", b"DTSTART", b"DTEND",
        b"DURATION", b"RRULE", b"EXRULE", b"RDATE", b"EXDATE", b"RECURRENCE-ID", b"SEQUENCE",
    }
)  # fmt: skip
_KEPT_COMPONENTS = frozenset({b"VCALENDAR", b"VEVENT"})


def slim(data: bytes) -> bytes:
    """Keep only the lines classification reads: VCALENDAR and VEVENT properties it uses.

    Descriptions, alarms, attachments, to-dos and vendor properties are most of a real
    calendar's text and most of icalendar's parsing time; none of them changes a result.
    Lines are unfolded first, so a property folded anywhere (even before its ``:``) is
    judged by its whole name.
    """
    kept: list[bytes] = []
    skipping = 0
    for line in _FOLD.sub(b"", data).splitlines():
        name = line.split(b":", 1)[0].split(b";", 1)[0].strip().upper()
        if name == b"BEGIN":
            component = line.partition(b":")[2].strip().upper()
            if skipping or component not in _KEPT_COMPONENTS:
                skipping += 1
                continue
        elif name == b"END" and skipping:
            skipping -= 1
            continue
        if not skipping and name in _NEEDED:
            kept.append(line)
    return b"\r\n".join(kept) + b"\r\n"


def event_groups(calendar: Component) -> Iterator[tuple[str, list[Component]]]:
    """Yield the VEVENTs of a calendar grouped by UID: a master and its overrides.

    Only VEVENTs count; VTODO, VJOURNAL and unknown components are ignored. An event
    without a UID gets one from its position, so it is still read.
    """
    groups: dict[str, list[Component]] = {}
    for index, component in enumerate(calendar.walk("VEVENT")):
        uid = _text(component.get("UID")) or f"(no UID #{index + 1})"
        groups.setdefault(uid, []).append(component)
    yield from groups.items()


def describe(component: Component, uid: str, *, series_cancelled: bool) -> EventInfo:
    """Return the :class:`EventInfo` of one VEVENT."""
    organizer = component.get("ORGANIZER")
    return EventInfo(
        uid=uid,
        summary=_text(component.get("SUMMARY")),
        categories=_categories(component.get("CATEGORIES")),
        status=component_status(component),
        transparent=_text(component.get("TRANSP")).strip().upper() == "TRANSPARENT",
        busy_status=_busy_status(component),
        organizer=normalize_address(_text(organizer)) if organizer is not None else "",
        organizer_partstat=_param(organizer, "PARTSTAT").upper(),
        attendees=tuple(_attendees(component.get("ATTENDEE"))),
        series_cancelled=series_cancelled,
        organizer_name=_param(organizer, "CN")[:MAX_TEXT],
    )


def component_status(component: Component) -> str:
    """Return the STATUS of a component in upper case, "" when absent."""
    return _text(component.get("STATUS")).strip().upper()


def broken_reason(component: Component) -> str | None:
    """Return why a VEVENT cannot be placed on a timeline, or None if it can.

    A component is broken when it has no usable start, ends before it starts, or carries
    a recurrence rule that could not be parsed.
    """
    start = component.get("DTSTART")
    if start is None:
        return "no DTSTART"
    if safe_dt(start) is None:
        return f"DTSTART cannot be read ({_first(start)!s:.60})"
    for name in ("DTEND", "DURATION", "RECURRENCE-ID"):
        value = component.get(name)
        if value is not None and safe_dt(value) is None:
            return f"{name} cannot be read"
    for rule in _as_list(component.get("RRULE")):
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
        value = _text(component.get(name)).strip().upper()
        if value:
            return value
    return ""


def _attendees(value: Any) -> Iterator[Attendee]:
    for attendee in _as_list(value):
        address = normalize_address(str(attendee))
        if not address:
            continue
        cutype = _param(attendee, "CUTYPE").upper()
        yield Attendee(
            address=address,
            partstat=_param(attendee, "PARTSTAT").upper(),
            is_person=cutype not in ("RESOURCE", "ROOM"),
            name=_param(attendee, "CN")[:MAX_TEXT],
        )


def _categories(value: Any) -> tuple[str, ...]:
    names: list[str] = []
    for item in _as_list(value):
        cats = getattr(item, "cats", None)
        if cats is not None:
            names.extend(str(cat) for cat in cats)
        else:
            names.extend(part.strip() for part in str(item).split(","))
    return tuple(name[:MAX_TEXT] for name in names if name)


def _param(value: Any, name: str) -> str:
    params = getattr(value, "params", None)
    if not params:
        return ""
    found = params.get(name, "")
    return str(found[0] if isinstance(found, list) and found else found).strip()


def _text(value: Any) -> str:
    """Return a property's text, the first one when a property is (wrongly) repeated."""
    first = _first(value)
    return "" if first is None else str(first)[:MAX_TEXT]


def _first(value: Any) -> Any:
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _as_list(value: Any) -> list[Any]:
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
    try:
        return all(hasattr(entry, "dt") for entry in item.dts)
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
            tzid = _param(prop, "TZID")
            if not tzid:
                continue
            zone = zones.get(_loose_key(tzid))
            for holder in getattr(prop, "dts", None) or [prop]:
                value = safe_dt(holder)
                if not isinstance(value, datetime):
                    continue
                if zone is not None:
                    holder.dt = value.replace(tzinfo=zone)
                elif value.tzinfo is None:
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
        found = _MISQUOTED.match(_param(prop, "TZID"))
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


def start_value(component: Component) -> date | datetime:
    """The DTSTART of a component that :func:`broken_reason` accepted."""
    value = safe_dt(component.get("DTSTART"))
    if not isinstance(value, date):
        raise ValueError("DTSTART is not a date or time")
    return value


def repair_dates_with_tzid(component: Component) -> list[str]:
    """Make ``VALUE=DATE`` values dates again when a TZID made icalendar read a datetime.

    Old Apple clients write ``DTSTART;VALUE=DATE;TZID=US/Pacific:20021028``; RFC 5545 forbids
    the TZID on a date, and the event is all-day. Return the names of the properties mended.
    """
    repaired = []
    for name in ("DTSTART", "DTEND", "RECURRENCE-ID"):
        prop = component.get(name)
        if prop is None or isinstance(prop, vBroken | list):
            continue
        value = safe_dt(prop)
        if isinstance(value, datetime) and _param(prop, "VALUE").upper() == "DATE":
            prop.dt = value.date()
            repaired.append(name)
    return repaired
