"""Parse raw iCalendar text cheaply: VTIMEZONE blocks once, only the lines that matter.

Two costs dominate reading a large calendar with icalendar: parsing the same VTIMEZONE
block again in every object (CalDAV stores one object per event, each with its own copy),
and parsing text nothing reads (descriptions, alarms, attachments). So VTIMEZONE blocks
are cut out of the text before parsing and each distinct block is parsed once per
registry, and :func:`~watercooler.calendar.content.slim` keeps only the properties
classification reads.
"""

from __future__ import annotations

import hashlib
import logging
import re
import warnings
import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, tzinfo
from functools import lru_cache

from icalendar import Calendar, Component

from watercooler.calendar.content import slim, to_utf8
from watercooler.calendar.density import too_dense_zone_rule
from watercooler.calendar.events import as_list

log = logging.getLogger(__name__)

_VTIMEZONE_BLOCK = re.compile(
    rb"^BEGIN:VTIMEZONE[ \t]*\r?\n.*?^END:VTIMEZONE[ \t]*(?:\r?\n|\Z)", re.IGNORECASE
    | re.MULTILINE | re.DOTALL,
)  # fmt: skip

ZoneMap = dict[str, tzinfo | None]
"""Zones defined by one object's VTIMEZONE blocks, by loose TZID key; None for a zone that
cannot be used (its times are then read in the user's zone)."""


class TimezoneRegistry:
    """Cut VTIMEZONE blocks out of iCalendar text, parsing each distinct block once.

    Parsing the same block in every object is nearly half of icalendar's work on a CalDAV
    calendar, so blocks are cut out before parsing and each distinct one becomes a zone
    once. A block whose TZID is an IANA name is not parsed at all: the IANA zone is used.
    A custom zone is applied to its own object only, after parsing (see
    :func:`relocalize`), so two calendars may define the same TZID differently (Outlook
    names every hand-made zone "Customized Time Zone"). TZIDs are matched loosely (case
    and white space folded) for clients whose TZID parameter differs from their
    VTIMEZONE by a space. A zone that cannot be read, or whose rules are too dense to use,
    maps to None: its times are read in the user's zone, and the problem is told once.
    """

    def __init__(self) -> None:
        self._zones: dict[bytes, tuple[str, tzinfo | None] | None] = {}

    def strip(self, data: bytes) -> tuple[bytes, ZoneMap, list[str]]:
        """Return ``data`` without its VTIMEZONE blocks, the custom zones they define, and
        the problems of the blocks this registry had not seen before."""
        zones: ZoneMap = {}
        problems: list[str] = []
        if b"TIMEZONE" not in data and b"timezone" not in data.lower():
            return data, zones, problems

        def register(match: re.Match[bytes]) -> bytes:
            entry = self._zone_of(match.group(0), problems)
            if entry is not None:
                zones.setdefault(*entry)
            return b""

        return _VTIMEZONE_BLOCK.sub(register, data), zones, problems

    def _zone_of(self, block: bytes, problems: list[str]) -> tuple[str, tzinfo | None] | None:
        key = hashlib.blake2b(block, digest_size=16).digest()
        if key not in self._zones:
            self._zones[key] = _parse_zone(block, problems)
        return self._zones[key]


def _parse_zone(block: bytes, problems: list[str]) -> tuple[str, tzinfo | None] | None:
    """The (loose TZID, zone) a custom VTIMEZONE block defines; None for IANA names.

    The zone is None, and a problem is added, when the block cannot be used.
    """
    tzid = _block_tzid(block)
    if tzid is not None and _is_iana(tzid.strip()):
        return None
    named = f"time zone '{tzid.strip()[:100]}'" if tzid else "a time zone without TZID"
    try:
        with library_warnings_logged():
            dense = _too_dense(block)
            if dense is not None:
                problems.append(
                    f"skipped {named}: it changes {dense}, far more often than a zone does;"
                    " its times are read in your time zone"
                )
                return (loose_key(tzid), None) if tzid else None
            component = Calendar.from_ical(_wrapped(block)).walk("VTIMEZONE")[0]
            zone = component.to_tz(lookup_tzid=False)  # type: ignore[attr-defined]
        return loose_key(str(component["TZID"])), zone
    except Exception as error:  # noqa: BLE001 - untrusted input, any parser error
        log.debug("time zone %s: %s", tzid, error)
        problems.append(f"{named} cannot be read; its times are read in your time zone")
        return (loose_key(tzid), None) if tzid else None


_ZONE_EDGE = re.compile(rb"^(BEGIN|END):VTIMEZONE", re.IGNORECASE | re.MULTILINE)
_RENAMED = b"X-WATERCOOLER-UNCHECKED-ZONE"


def _wrapped(block: bytes) -> bytes:
    return b"BEGIN:VCALENDAR\r\n" + block.rstrip(b"\r\n") + b"\r\nEND:VCALENDAR\r\n"


def _too_dense(block: bytes) -> str | None:
    """Why one of a VTIMEZONE's observances recurs too densely to use, or None.

    Read under another component name: icalendar keeps every VTIMEZONE it parses as the
    process-wide zone of its TZID, and a too dense one would then stall the first event
    that uses it.
    """
    if b"RRULE" not in block.upper():
        return None
    renamed = _ZONE_EDGE.sub(rb"\1:" + _RENAMED, block)
    for observance in Calendar.from_ical(_wrapped(renamed)).walk():
        value = getattr(observance.get("DTSTART"), "dt", None)
        for rule in as_list(observance.get("RRULE")):
            if isinstance(value, date) and isinstance(rule, dict):
                dense = too_dense_zone_rule(rule, value)
                if dense is not None:
                    return f"{dense} (its {observance.name} part)"
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


def loose_key(tzid: str) -> str:
    return "".join(tzid.split()).casefold()


@dataclass(slots=True)
class ParsedText:
    """An object's top-level components (usually VCALENDARs), the custom zones its
    VTIMEZONE blocks define, and the problems met reading its text, as sentences."""

    calendars: list[Component]
    zones: ZoneMap
    problems: list[str]


def parse_calendars(data: bytes, registry: TimezoneRegistry) -> ParsedText:
    """Given the text of an object, return what :class:`ParsedText` holds.

    Bytes that are not UTF-8 are replaced (a file without any UTF-8 is read as
    Windows-1252); a component without END is dropped (see
    :func:`~watercooler.calendar.content.slim`). Raise ValueError when the text is not
    iCalendar at all.
    """
    if not data.strip():
        # A zero-byte export is a failed write far more often than an empty calendar,
        # which still has its BEGIN:VCALENDAR; reading it as "all free" would mislead.
        raise ValueError("it is empty")
    data, decoding = to_utf8(data)
    stripped, zones, problems = registry.strip(data)
    text, structure = slim(stripped)
    with library_warnings_logged():
        calendars: list[Component] = list(Calendar.from_ical(text, multiple=True))
    if not calendars:
        raise ValueError("no BEGIN:VCALENDAR or BEGIN:VEVENT found")
    return ParsedText(calendars, zones, [*([decoding] if decoding else []), *problems, *structure])


@contextmanager
def library_warnings_logged() -> Iterator[None]:
    """Turn the Python warnings a parser raises meanwhile into debug log lines.

    icalendar warns when it guesses what a vendor-prefixed TZID means; the guess is what
    we want, and a warning on stderr would read as a problem with the calendar. Scoped to
    the parse: warnings elsewhere keep the interpreter's filters.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for warning in caught:
        log.debug("icalendar: %s", warning.message)
