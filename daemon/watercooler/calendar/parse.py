"""Parse raw iCalendar text cheaply: VTIMEZONE blocks once, only the lines that matter.

Two costs dominate reading a large calendar with icalendar: parsing the same VTIMEZONE
block again in every object (CalDAV stores one object per event, each with its own copy),
and parsing text nothing reads (descriptions, alarms, attachments). So VTIMEZONE blocks
are cut out of the text before parsing and each distinct block is parsed once per
registry, and :func:`slim` keeps only the properties classification reads.
"""

from __future__ import annotations

import hashlib
import logging
import re
import warnings
import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import tzinfo
from functools import lru_cache

from icalendar import Calendar, Component

log = logging.getLogger(__name__)

_VTIMEZONE_BLOCK = re.compile(
    rb"^BEGIN:VTIMEZONE[ \t]*\r?\n.*?^END:VTIMEZONE[ \t]*(?:\r?\n|\Z)", re.IGNORECASE
    | re.MULTILINE | re.DOTALL,
)  # fmt: skip

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
        with library_warnings_logged(origin):
            component = Calendar.from_ical(wrapped).walk("VTIMEZONE")[0]
            zone = component.to_tz(lookup_tzid=False)  # type: ignore[attr-defined]
        return loose_key(str(component["TZID"])), zone
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


def loose_key(tzid: str) -> str:
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
    with library_warnings_logged(origin):
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


@contextmanager
def library_warnings_logged(origin: str) -> Iterator[None]:
    """Turn the Python warnings a parser raises meanwhile into debug log lines.

    icalendar warns when it guesses what a vendor-prefixed TZID means; the guess is what
    we want, and a warning on stderr would read as a problem with the calendar. Scoped to
    the parse: warnings elsewhere keep the interpreter's filters.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for warning in caught:
        log.debug("%s: %s", origin or "calendar", warning.message)
