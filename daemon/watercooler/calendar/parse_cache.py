"""The parse cache: a parsed calendar object as plain data, stored so it is never parsed twice.

Parsing is most of the cost of reading a calendar. A :class:`ParsedObject` holds what
expansion produced from one object — its occurrences, zone-independent (dates, floating
and UTC times), the event records they share, and the warnings parsing gave — as compact
JSON keyed by a hash of the object's bytes. A single event's entry serves any window; a
series' entry covers the span it was expanded over and is rebuilt when a window leaves it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from typing import Any

from watercooler import __version__
from watercooler.calendar.records import Attendee, EventInfo, Moment, RawOccurrence

FORMAT_VERSION = 5
"""Bump when what an entry holds changes: every stored entry is then rebuilt."""


@dataclass(frozen=True, slots=True)
class ParsedObject:
    """The occurrences of one object; ``span`` is None when no series needed a span."""

    occurrences: tuple[RawOccurrence, ...]
    span: tuple[datetime, datetime] | None
    warnings: tuple[str, ...]

    def covers(self, start: datetime, end: datetime) -> bool:
        """Whether this parsed object holds every occurrence between ``start`` and ``end``."""
        return self.span is None or (self.span[0] <= start and end <= self.span[1])


def cache_key(data: bytes, cap: int) -> bytes:
    """The store key of an object's entry: its bytes, the cap, and the versions of the
    entry format and of watercooler (a release that reads calendars differently rebuilds).
    """
    hasher = hashlib.blake2b(data, digest_size=20)
    hasher.update(f"|{cap}|{FORMAT_VERSION}|{__version__}".encode())
    return hasher.digest()


def encode(parsed: ParsedObject) -> bytes:
    """Serialise a parsed object to compact JSON."""
    infos: dict[int, int] = {}
    info_list: list[dict[str, Any]] = []
    rows = []
    for raw in parsed.occurrences:
        index = infos.get(id(raw.info))
        if index is None:
            index = infos[id(raw.info)] = len(info_list)
            info_list.append(_info_data(raw.info))
        low, high = _bounds(raw.start, raw.end)
        rows.append([_moment(raw.start), _moment(raw.end), index, raw.recurrence, low, high])
    body = {
        "infos": info_list,
        "occurrences": rows,
        "span": [_moment(moment) for moment in parsed.span] if parsed.span else None,
        "warnings": list(parsed.warnings),
    }
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def decode(body: bytes, start: datetime | None = None, end: datetime | None = None) -> ParsedObject:
    """Rebuild an entry, with only the occurrences that may touch ``[start, end)`` when given
    (a cheap test on stored UTC bounds, so records outside a short window are never built).

    Raise ValueError (or KeyError, TypeError, IndexError) if the body is not a parsed object.
    """
    data = json.loads(body)
    low = start.timestamp() if start is not None else float("-inf")
    high = end.timestamp() if end is not None else float("inf")
    info_data = data["infos"]
    infos: dict[int, EventInfo] = {}
    occurrences = []
    for first, last, index, recurrence, lower, upper in data["occurrences"]:
        if upper < low or lower > high:
            continue
        info = infos.get(index)
        if info is None:
            info = infos[index] = _info(info_data[index])
        occurrences.append(RawOccurrence(_unmoment(first), _unmoment(last), info, recurrence))
    span = data["span"]
    return ParsedObject(
        tuple(occurrences),
        (_aware(_unmoment(span[0])), _aware(_unmoment(span[1]))) if span else None,
        tuple(data["warnings"]),
    )


def _info_data(info: EventInfo) -> dict[str, Any]:
    data = asdict(info)
    data["attendees"] = [[a.address, a.partstat, a.is_person, a.name] for a in info.attendees]
    return data


def _info(data: dict[str, Any]) -> EventInfo:
    attendees = tuple(
        Attendee(str(a), str(p), bool(person), str(name))
        for a, p, person, name in data["attendees"]
    )
    return EventInfo(**{**data, "categories": tuple(data["categories"]), "attendees": attendees})


_SLACK = 15 * 3600
"""Seconds a date or floating time may lie from its UTC reading in any zone (UTC-12 to +14)."""


def _bounds(start: Moment, end: Moment) -> tuple[int, int]:
    """Whole UTC seconds surely before the start and after the end, in any user zone."""
    first = _aware(start).timestamp()
    last = max(_aware(end).timestamp(), first)
    if not isinstance(start, datetime):
        last = max(last, first + 86400)
    return int(first) - _SLACK, int(last) + _SLACK


def _moment(value: Moment) -> str:
    """``d:`` a date, ``f:`` a floating time, ``u:`` an instant in UTC."""
    if not isinstance(value, datetime):
        return "d:" + value.isoformat()
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        return "f:" + value.replace(tzinfo=None).isoformat()
    return "u:" + value.astimezone(UTC).replace(tzinfo=None).isoformat()


def _unmoment(text: str) -> Moment:
    kind, _, value = text.partition(":")
    if kind == "d":
        return date.fromisoformat(value)
    moment = datetime.fromisoformat(value)
    return moment if kind == "f" else moment.replace(tzinfo=UTC)


def _aware(value: Moment) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime(value.year, value.month, value.day, tzinfo=UTC)
