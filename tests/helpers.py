"""Builders for small calendars and a direct way to run ``check`` on them.

Tests write real ``.ics`` files and read them through the real file source; these helpers
only save typing the iCalendar boilerplate.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from watercooler.check import run_check
from watercooler.cli.render_check import to_document
from watercooler.settings import Settings, settings_from
from watercooler.sources.files import IcsFileSource

ME = "ana@example.com"
_uids = itertools.count(1)


def event(
    summary: str,
    start: str,
    end: str | None = None,
    *,
    uid: str | None = None,
    tz: str | None = "Europe/Berlin",
    attendees: Iterable[tuple[str, str]] = (),
    organizer: str | None = None,
    lines: Iterable[str] = (),
) -> str:
    """A VEVENT. ``start``/``end`` are iCalendar values (``20260309T120000`` or ``20260309``).

    ``attendees`` are (address, PARTSTAT) pairs; a PARTSTAT of "" leaves the parameter out.
    """
    uid = uid or f"test-{next(_uids)}@watercooler.test"
    body = [
        "BEGIN:VEVENT",
        f"UID:{uid}",
        "DTSTAMP:20260101T000000Z",
        f"SUMMARY:{summary}",
        _time_line("DTSTART", start, tz),
    ]
    if end is not None:
        body.append(_time_line("DTEND", end, tz))
    if organizer:
        body.append(f"ORGANIZER:mailto:{organizer}")
    for address, partstat in attendees:
        param = f";PARTSTAT={partstat}" if partstat else ""
        body.append(f"ATTENDEE{param}:mailto:{address}")
    body.extend(lines)
    body.append("END:VEVENT")
    return "\r\n".join(body)


def _time_line(name: str, value: str, tz: str | None) -> str:
    if "T" not in value:
        return f"{name};VALUE=DATE:{value}"
    if tz and not value.endswith("Z"):
        return f"{name};TZID={tz}:{value}"
    return f"{name}:{value}"


def calendar(*components: str, header: Iterable[str] = ()) -> str:
    """A VCALENDAR around the given components."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//watercooler//tests//EN", *header]
    return "\r\n".join([*lines, *components, "END:VCALENDAR", ""])


def settings(**values: Any) -> Settings:
    """Settings for tests: Berlin, ``me`` = ana, anything else overridable."""
    values.setdefault("timezone", "Europe/Berlin")
    values.setdefault("me", [ME])
    return settings_from(values)


def check(
    tmp_path: Path,
    ics: str,
    now: str,
    *,
    days_back: int = 0,
    days_ahead: int = 0,
    config: Settings | None = None,
) -> dict[str, Any]:
    """Run check on one calendar text and return the JSON document (round-tripped)."""
    path = tmp_path / f"calendar-{next(_uids)}.ics"
    path.write_text(ics, encoding="utf-8")
    config = config or settings()
    moment = datetime.fromisoformat(now)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=config.zone)
    result = run_check(config, [IcsFileSource(path)], moment, days_back, days_ahead)
    document: dict[str, Any] = json.loads(json.dumps(to_document(result)))
    return document


def lunch_of(document: dict[str, Any], day: str) -> str:
    """The lunch outcome of one date in a check document."""
    lunch: str = next(entry["lunch"] for entry in document["days"] if entry["date"] == day)
    return lunch


def statuses(document: dict[str, Any]) -> dict[str, str]:
    """Social summaries mapped to their status."""
    return {entry["summary"]: entry["status"] for entry in document["social"]}


BERLIN_VTIMEZONE = "\r\n".join(
    [
        "BEGIN:VTIMEZONE",
        "TZID:Europe/Berlin",
        "BEGIN:DAYLIGHT",
        "TZOFFSETFROM:+0100",
        "TZOFFSETTO:+0200",
        "TZNAME:CEST",
        "DTSTART:19700329T020000",
        "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
        "END:DAYLIGHT",
        "BEGIN:STANDARD",
        "TZOFFSETFROM:+0200",
        "TZOFFSETTO:+0100",
        "TZNAME:CET",
        "DTSTART:19701025T030000",
        "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
        "END:STANDARD",
        "END:VTIMEZONE",
    ]
)
"""A Europe/Berlin VTIMEZONE as Thunderbird writes it, for objects that carry their own."""


W_EUROPE_VTIMEZONE = "\r\n".join(
    [
        "BEGIN:VTIMEZONE",
        "TZID:W. Europe Standard Time",
        "BEGIN:STANDARD",
        "DTSTART:16010101T030000",
        "TZOFFSETFROM:+0200",
        "TZOFFSETTO:+0100",
        "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10",
        "END:STANDARD",
        "BEGIN:DAYLIGHT",
        "DTSTART:16010101T020000",
        "TZOFFSETFROM:+0100",
        "TZOFFSETTO:+0200",
        "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3",
        "END:DAYLIGHT",
        "END:VTIMEZONE",
    ]
)
"""Europe/Berlin as Outlook writes it: a Windows zone name, rules from 1601."""


def timeout_bound(timeout: float, baseline: float) -> float:
    """The seconds a call given up on after ``timeout`` may take in all.

    ``baseline`` is how long the same call took against a healthy server, measured in the
    same test: the slack is three times that (at least a second), so a loaded machine,
    where everything is slower, gets a proportionally larger bound.
    """
    return timeout + max(1.0, 3 * baseline)
