"""Generate a realistic, deterministic vdir of calendar events for benchmarks.

Why: the speed and memory goals of ``watercooler check`` are ratios against a
"floor" (``bench/floor.py``), and both must run over the same input. Synthetic
input only tells the truth if it looks like what CalDAV servers actually hold:
one ``.ics`` file per event (one VCALENDAR per resource, as Radicale, Nextcloud
or a vdirsyncer vdir store them), each repeating a full VTIMEZONE block,
attendee lists, long Teams/Zoom descriptions, and weekly series whose
EXDATEs and RECURRENCE-ID overrides live in the master's file.

One shape of calendar would let an optimisation that only pays off for that
shape pass for a general one, so ``--shape`` picks among a few (``SHAPES``):
``default`` (10% weekly series of 6-40 or endless occurrences, few alarms),
``alarms`` (VALARMs of the kinds real clients write on half the timed events,
series of 8-52 occurrences) and ``mixed`` (more all-day events, long
descriptions, alarms, more and longer series).

The output is a pure function of ``(n, seed, start, shape)``: the same arguments
always write byte-identical files, so benchmark runs can be compared and cached.
``default`` writes exactly what the generator wrote before shapes existed.

Usage::

    python bench/generate.py --events 5000 --out /tmp/watercooler-bench/cal --seed 1
    python bench/generate.py --events 5000 --out /tmp/wc-alarms --shape alarms
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

#: Bump when the output for a given (n, seed, start) changes for every shape
#: (shared planning or rendering), so caches keyed on it (``bench/run.py``,
#: ``bench/bench_caldav.py``) are invalidated. A change to one shape only bumps
#: that shape's ``Shape.version`` instead; see ``cache_tag``.
GENERATOR_VERSION = 2

ZONE_NAME = "Europe/Berlin"
ZONE = ZoneInfo(ZONE_NAME)
ME_EMAIL = "ana@example.com"
SERIES_SHARE = 0.10

# Three real-world renderings of the same zone, so the parser sees the variety a
# shared CalDAV collection holds (Thunderbird/Lightning, Apple, Outlook-style).
VTIMEZONES: tuple[str, ...] = (
    """BEGIN:VTIMEZONE
TZID:Europe/Berlin
X-LIC-LOCATION:Europe/Berlin
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10
END:STANDARD
END:VTIMEZONE""",
    """BEGIN:VTIMEZONE
TZID:Europe/Berlin
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
DTSTART:19810329T020000
TZNAME:MESZ
TZOFFSETTO:+0200
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
DTSTART:19961027T030000
TZNAME:MEZ
TZOFFSETTO:+0100
END:STANDARD
END:VTIMEZONE""",
    """BEGIN:VTIMEZONE
TZID:Europe/Berlin
BEGIN:STANDARD
DTSTART:16010101T030000
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE""",
)

PRODIDS: tuple[str, ...] = (
    "-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN",
    "-//Apple Inc.//macOS 14.5//EN",
    "-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN",
)


@dataclass(frozen=True)
class Person:
    """A calendar user: display name and e-mail address."""

    name: str
    email: str


ME = Person("Ana Lima", ME_EMAIL)
SAM = Person("Sam Okafor", "sam.okafor@example.com")
JONAS = Person("Jonas Becker", "jonas.becker@example.com")
PRIYA = Person("Priya Nair", "priya.nair@example.com")
MARIA = Person("María García", "maria.garcia@example.com")

_OTHER_NAMES = (
    "Lukas Schmidt",
    "Sophie Wagner",
    "Jürgen Müller",
    "Lea Hoffmann",
    "Tom Fischer",
    "Zoë Martin",
    "Felix Weber",
    "Hannah Schulz",
    "David Cohen",
    "Mia Koch",
    "Noah Richter",
    "Emma Klein",
    "Paul Wolf",
    "Lina Schröder",
    "Ben Neumann",
    "Clara Schwarz",
    "Elias Zimmermann",
    "Ida Braun",
    "Leon Krüger",
    "Marie Hofmann",
    "Omar Haddad",
    "Yuki Tanaka",
    "Chen Wei",
    "Fatima Yilmaz",
    "Oliver Brown",
    "Isabel Santos",
    "Mateo Rossi",
    "Nora Lindqvist",
    "Aisha Bello",
    "Kai Lehmann",
    "Greta Vogel",
    "Anton Keller",
    "Rosa Fuchs",
    "Emil Lang",
    "Frieda Peters",
)


def _email_for(name: str) -> str:
    """Given a display name, return a plausible ASCII company address."""
    table = str.maketrans({"ü": "ue", "ö": "oe", "ä": "ae", "ë": "e", "í": "i", "ß": "ss"})
    first, _, last = name.lower().translate(table).partition(" ")
    return f"{first}.{last}@example.com"


COLLEAGUES: tuple[Person, ...] = (
    SAM,
    JONAS,
    PRIYA,
    MARIA,
    *(Person(n, _email_for(n)) for n in _OTHER_NAMES),
)
ROOMS: tuple[Person, ...] = (
    Person("Room Spree 3.14", "room-spree@example.com"),
    Person("Room Havel 2.01", "room-havel@example.com"),
)

MEETING_TITLES = (
    "Sprint planning",
    "Sprint review",
    "Retrospective",
    "Design review",
    "Architecture sync",
    "Quarterly business review",
    "Customer call: Acme GmbH",
    "Roadmap discussion",
    "Budget alignment",
    "Incident postmortem",
    "Hiring sync",
    "Product demo",
    "Security review",
    "Release readiness",
    "Onboarding: new joiner",
    "All hands",
    "Project kickoff",
    "Stakeholder update",
    "Backlog refinement",
    "OKR check-in",
    "Vendor call",
    "Pairing session",
    "Data platform sync",
)
LOCATIONS = (
    "Room Spree 3.14",
    "Room Havel 2.01",
    "Microsoft Teams Meeting",
    "Zoom",
    "Kantine, 1. OG",
    "Main office, Berlin",
    "Google Meet",
)
PERSONAL_TITLES = (
    "Dentist",
    "Doctor's appointment",
    "Pick up parcel",
    "Parent-teacher meeting",
    "Car service",
    "Gym",
    "Haircut",
)

_ANA_PARTSTATS = (("ACCEPTED", 60), ("NEEDS-ACTION", 15), ("TENTATIVE", 10), ("DECLINED", 15))
_OTHER_PARTSTATS = (("ACCEPTED", 55), ("NEEDS-ACTION", 20), ("TENTATIVE", 12), ("DECLINED", 13))

# Single-event kinds and their weights; the ~90% of files that are not series.
_SINGLE_KINDS = (
    ("meeting", 50),
    ("lunch", 9),
    ("coffee", 6),
    ("focus", 8),
    ("allday", 5),
    ("social", 5),
    ("personal", 6),
    ("interview", 3),
)
# The ``mixed`` shape: four times the all-day share (absences, conferences).
_MIXED_SINGLE_KINDS = (
    ("meeting", 40),
    ("lunch", 9),
    ("coffee", 6),
    ("focus", 8),
    ("allday", 20),
    ("social", 5),
    ("personal", 6),
    ("interview", 3),
)
_BYDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_SERIES_KINDS = (
    ("standup", 20),
    ("sync", 25),
    ("one_on_one", 20),
    ("team_lunch", 10),
    ("coffee", 10),
    ("focus", 15),
)


@dataclass(frozen=True)
class Shape:
    """The knobs a calendar shape sets; ``default``'s values are the original generator's.

    ``version`` is bumped when this shape's output changes and no other's.
    ``count_below``/``until_below`` split one uniform draw: below the first a
    series ends by COUNT, below the second by UNTIL, above it never (so 1.0
    means every series is finite). ``alarm_share`` is drawn for every event,
    ``allday_alarms`` says whether all-day events may keep theirs;
    ``varied_alarms`` writes the VALARM kinds of several clients instead of
    Thunderbird's one; ``override_alarms`` copies the master's VALARMs into its
    overrides, as clients do when an occurrence is edited.
    """

    name: str
    version: int
    series_share: float = SERIES_SHARE
    single_kinds: tuple[tuple[str, int], ...] = _SINGLE_KINDS
    occurrences: tuple[int, int] = (6, 40)
    count_below: float = 1 / 3
    until_below: float = 2 / 3
    alarm_share: float = 0.3
    allday_alarms: bool = True
    varied_alarms: bool = False
    override_alarms: bool = False
    long_description_share: float = 0.0


SHAPES: dict[str, Shape] = {
    shape.name: shape
    for shape in (
        Shape("default", GENERATOR_VERSION),
        Shape(
            "alarms",
            1,
            occurrences=(8, 52),
            count_below=0.5,
            until_below=1.0,
            alarm_share=0.5,
            allday_alarms=False,
            varied_alarms=True,
            override_alarms=True,
        ),
        Shape(
            "mixed",
            1,
            series_share=0.15,
            single_kinds=_MIXED_SINGLE_KINDS,
            occurrences=(8, 52),
            count_below=0.5,
            until_below=1.0,
            alarm_share=0.4,
            varied_alarms=True,
            override_alarms=True,
            long_description_share=0.2,
        ),
    )
}


def cache_tag(shape: str) -> str:
    """Given a shape name, return the tag that keys cached output of that shape.

    ``default`` keeps the tag it had before shapes existed (``v2``), so existing
    caches and published figures stay comparable; other shapes add their name
    and own version, so no two shapes, nor two versions of one, share a cache.
    """
    if shape == "default":
        return f"v{GENERATOR_VERSION}"
    return f"{shape}-v{GENERATOR_VERSION}.{SHAPES[shape].version}"


@dataclass
class Attendee:
    """One ATTENDEE line's worth of data."""

    person: Person
    partstat: str
    role: str = "REQ-PARTICIPANT"
    rsvp: bool = True
    cutype: str = "INDIVIDUAL"


@dataclass
class EventPlan:
    """Everything needed to render one VEVENT; start/end are aware or dates."""

    uid: str
    summary: str
    start: datetime | date
    end: datetime | date
    organizer: Person | None = None
    attendees: list[Attendee] = field(default_factory=list)
    description: str | None = None
    location: str | None = None
    status: str = "CONFIRMED"
    transparent: bool = False
    sequence: int = 0
    created: datetime | None = None
    modified: datetime | None = None
    categories: str | None = None
    busystatus: str | None = None
    alarms: tuple[str, ...] = ()
    rrule: str | None = None
    exdates: list[str] = field(default_factory=list)
    recurrence_id: datetime | None = None


@dataclass(frozen=True)
class GenerationSummary:
    """What ``generate`` wrote, for logs and sanity checks."""

    files: int
    series: int
    overrides: int
    exdates: int
    bytes: int
    shape: str = "default"
    alarms: int = 0
    all_day: int = 0


# --------------------------------------------------------------------------
# Rendering


def _fold(line: str) -> str:
    """Given one content line, return it folded at 75 octets per RFC 5545 3.1.

    Multi-byte UTF-8 characters are never split across a fold.
    """
    raw = line.encode("utf-8")
    if len(raw) <= 75:
        return line
    parts: list[str] = []
    chunk: list[str] = []
    size, limit = 0, 75
    for ch in line:
        width = len(ch.encode("utf-8"))
        if size + width > limit:
            parts.append("".join(chunk))
            chunk, size, limit = [], 0, 74
        chunk.append(ch)
        size += width
    parts.append("".join(chunk))
    return "\r\n ".join(parts)


def _text(value: str) -> str:
    """Given free text, return it escaped as an iCalendar TEXT value."""
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _local(dt: datetime) -> str:
    """Given an aware datetime, return its Europe/Berlin wall time as ``YYYYMMDDTHHMMSS``."""
    return dt.astimezone(ZONE).strftime("%Y%m%dT%H%M%S")


def _utc(dt: datetime) -> str:
    """Given an aware datetime, return it as a UTC ``...Z`` value."""
    return dt.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _when(name: str, value: datetime | date) -> str:
    """Given DTSTART/DTEND/RECURRENCE-ID and a value, return the content line."""
    if isinstance(value, datetime):
        return f"{name};TZID={ZONE_NAME}:{_local(value)}"
    return f"{name};VALUE=DATE:{value:%Y%m%d}"


def _person_line(prop: str, att: Attendee | Person) -> str:
    """Given ORGANIZER/ATTENDEE and a person, return the content line."""
    if isinstance(att, Person):
        return f"{prop};CN={att.name}:mailto:{att.email}"
    params = [f"CN={att.person.name}"]
    if att.cutype != "INDIVIDUAL" or att.rsvp:
        params.append(f"CUTYPE={att.cutype}")
    params += [f"ROLE={att.role}", f"PARTSTAT={att.partstat}"]
    params.append(f"RSVP={'TRUE' if att.rsvp else 'FALSE'}")
    return f"{prop};{';'.join(params)}:mailto:{att.person.email}"


def _render_event(ev: EventPlan, dtstamp: datetime) -> list[str]:
    """Given an event plan, return its VEVENT content lines (unfolded)."""
    lines = ["BEGIN:VEVENT"]
    if ev.created is not None:
        lines.append(f"CREATED:{_utc(ev.created)}")
    if ev.modified is not None:
        lines.append(f"LAST-MODIFIED:{_utc(ev.modified)}")
    lines += [f"DTSTAMP:{_utc(dtstamp)}", f"UID:{ev.uid}", f"SUMMARY:{_text(ev.summary)}"]
    if ev.recurrence_id is not None:
        lines.append(_when("RECURRENCE-ID", ev.recurrence_id))
    lines.append(f"STATUS:{ev.status}")
    if ev.organizer is not None:
        lines.append(_person_line("ORGANIZER", ev.organizer))
    lines += [_person_line("ATTENDEE", a) for a in ev.attendees]
    if ev.rrule:
        lines.append(f"RRULE:{ev.rrule}")
    lines += ev.exdates
    lines += [_when("DTSTART", ev.start), _when("DTEND", ev.end)]
    if ev.categories:
        lines.append(f"CATEGORIES:{_text(ev.categories)}")
    if ev.description:
        lines.append(f"DESCRIPTION:{_text(ev.description)}")
    if ev.location:
        lines.append(f"LOCATION:{_text(ev.location)}")
    lines += [f"SEQUENCE:{ev.sequence}", "CLASS:PUBLIC"]
    lines.append(f"TRANSP:{'TRANSPARENT' if ev.transparent else 'OPAQUE'}")
    if ev.busystatus:
        lines.append(f"X-MICROSOFT-CDO-BUSYSTATUS:{ev.busystatus}")
    lines += ev.alarms
    lines.append("END:VEVENT")
    return lines


def _render_calendar(rng: random.Random, events: Sequence[EventPlan]) -> bytes:
    """Given the master (and overrides) of one UID, return the whole .ics file."""
    lines = ["BEGIN:VCALENDAR", f"PRODID:{rng.choice(PRODIDS)}", "VERSION:2.0"]
    lines += rng.choice(VTIMEZONES).split("\n")
    for ev in events:
        lines += _render_event(ev, ev.modified or _stamp_before(rng, ev))
    lines.append("END:VCALENDAR")
    return ("\r\n".join(_fold(line) for line in lines) + "\r\n").encode("utf-8")


# --------------------------------------------------------------------------
# Planning


def _weighted(rng: random.Random, choices: Sequence[tuple[str, int]]) -> str:
    """Given (value, weight) pairs, return one value drawn by weight."""
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def _uid(rng: random.Random) -> str:
    """Return a deterministic UUID4-shaped UID drawn from ``rng``."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _stamp_before(rng: random.Random, ev: EventPlan) -> datetime:
    """Return a DTSTAMP-like instant shortly before the event was due."""
    anchor = (
        ev.start if isinstance(ev.start, datetime) else datetime.combine(ev.start, time(8), ZONE)
    )
    return anchor - timedelta(days=rng.randint(1, 45), minutes=rng.randint(0, 1439))


def _day(rng: random.Random, start: date, weekday_only: bool = True) -> date:
    """Return a day within the year from ``start``; weekdays unless told otherwise."""
    while True:
        day = start + timedelta(days=rng.randrange(365))
        if not weekday_only or day.weekday() < 5:
            return day


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    """Return the aware Europe/Berlin datetime for a wall-clock time on ``day``."""
    return datetime.combine(day, time(hour, minute), ZONE)


def _working_time(rng: random.Random, day: date) -> datetime:
    """Return a meeting start in working hours, biased to the core 9-16 band."""
    hour = rng.choices(range(8, 18), weights=(3, 10, 12, 12, 6, 8, 12, 12, 8, 3))[0]
    return _at(day, hour, rng.choice((0, 0, 0, 30, 30, 15, 45)))


def _people(
    rng: random.Random,
    count: int,
    must: Sequence[Person] = (),
    me: bool = True,
    ana_organizes_share: float = 0.12,
) -> tuple[Person, list[Attendee]]:
    """Return (organizer, attendees) for a meeting of ``count`` attendee lines.

    Ana is an attendee when ``me`` is true; in ``ana_organizes_share`` of those
    she organizes, and then, like Outlook and Thunderbird, half the time also
    appears as CHAIR. Otherwise the first of ``must`` (or a random colleague)
    organizes and is listed as an ACCEPTED CHAIR.
    """
    others = [p for p in COLLEAGUES if p not in must]
    pool = list(must) + rng.sample(others, k=max(0, count - len(must)))
    ana_organizes = me and rng.random() < ana_organizes_share
    organizer = ME if ana_organizes else pool[0]
    attendees: list[Attendee] = []
    if ana_organizes:
        if rng.random() < 0.5:
            attendees.append(Attendee(ME, "ACCEPTED", role="CHAIR", rsvp=False))
    elif me:
        role = "OPT-PARTICIPANT" if rng.random() < 0.12 else "REQ-PARTICIPANT"
        attendees.append(Attendee(ME, _weighted(rng, _ANA_PARTSTATS), role=role))
    for person in pool:
        if len(attendees) >= count:
            break
        if person == organizer:
            attendees.append(Attendee(person, "ACCEPTED", role="CHAIR", rsvp=False))
        else:
            partstat = _weighted(rng, _OTHER_PARTSTATS)
            role = "OPT-PARTICIPANT" if rng.random() < 0.15 else "REQ-PARTICIPANT"
            attendees.append(Attendee(person, partstat, role=role, rsvp=partstat == "NEEDS-ACTION"))
    rng.shuffle(attendees)
    if rng.random() < 0.08:
        attendees.append(Attendee(rng.choice(ROOMS), "ACCEPTED", "NON-PARTICIPANT", False, "ROOM"))
    return organizer, attendees


def _description(rng: random.Random) -> str:
    """Return a meeting description: an agenda, or a Teams/Zoom joining blurb."""
    kind = rng.random()
    if kind < 0.4:
        items = rng.sample(
            [
                "status",
                "blockers",
                "decisions",
                "next steps",
                "risks",
                "open questions",
                "timeline",
                "staffing",
                "metrics",
            ],
            k=rng.randint(2, 5),
        )
        return "Agenda:\n" + "\n".join(f"- {i}" for i in items) + "\n\nNotes in the shared doc."
    meeting_id = " ".join(str(rng.randint(100, 999)) for _ in range(4))
    token = f"{rng.getrandbits(96):024x}"
    if kind < 0.8:
        return (
            "_" * 80 + "\nMicrosoft Teams meeting\nJoin on your computer, mobile app or room "
            f"device\nClick here to join the meeting<https://teams.microsoft.com/l/meetup-join/"
            f"19%3ameeting_{token}%40thread.v2/0?context=%7b%22Tid%22%3a%22{token[:8]}%22%7d>"
            f"\nMeeting ID: {meeting_id}\nPasscode: {token[:6]}\nDownload Teams | Join on "
            "the web\nLearn More | Meeting options\n" + "_" * 80
        )
    return (
        f"Join Zoom Meeting\nhttps://example.zoom.us/j/{rng.randint(10**9, 10**10)}?pwd={token}"
        f"\n\nMeeting ID: {meeting_id}\nPasscode: {rng.randint(100000, 999999)}\n"
    )


_NOTE_WORDS = (
    "Kunde",
    "Rückmeldung",
    "rollout",
    "migration",
    "budget",
    "Q3",
    "Übergabe",
    "latency",
    "on-call",
    "Datenschutz",
    "vendor",
    "contract",
    "dashboard",
    "Priorität",
    "backlog",
    "deadline",
    "review",
    "staging",
    "Kosten",
    "café",
)


def _sentence(words: Sequence[str]) -> str:
    """Join words into a sentence with its first letter upper-cased, the rest as written."""
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def _long_description(rng: random.Random) -> str:
    """Return 1.5-6 KB of meeting notes: what pasted minutes and forwarded threads look like.

    Why: a long DESCRIPTION is many folded lines to unfold and unescape, the part of
    parsing whose cost grows with the text rather than with the number of properties.
    """
    paragraphs: list[str] = []
    target = rng.randint(1500, 6000)
    size = 0
    while size < target:
        sentences = [
            _sentence(rng.choices(_NOTE_WORDS, k=rng.randint(6, 14)))
            + rng.choice((".", ".", "?", "; see thread."))
            for _ in range(rng.randint(2, 6))
        ]
        prefix = rng.choice(("", "", "- ", "> ", "ACTION: "))
        paragraphs.append(prefix + " ".join(sentences))
        size += len(paragraphs[-1]) + 2
    return "\n\n".join(paragraphs)


_DEFAULT_ALARM = (
    "BEGIN:VALARM",
    "ACTION:DISPLAY",
    "TRIGGER;VALUE=DURATION:-PT15M",
    "DESCRIPTION:Default Mozilla Description",
    "END:VALARM",
)


def _alarm(rng: random.Random, ev: EventPlan) -> tuple[str, ...]:
    """Return the VALARM blocks one of several clients writes for ``ev``.

    Thunderbird's relative DISPLAY, Apple's with UIDs, acknowledgement and a
    sound, Outlook-style EMAIL, an absolute DATE-TIME trigger, or two alarms at
    once; all-day events get Apple's "the day before at 9:00".
    """
    if not isinstance(ev.start, datetime):
        return (
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            "TRIGGER;RELATED=START:-PT15H",
            "DESCRIPTION:Reminder",
            "END:VALARM",
        )
    kind = rng.random()
    before = rng.choice(("-PT5M", "-PT10M", "-PT15M", "-PT15M", "-PT30M", "-PT1H"))
    if kind < 0.4:
        return (
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            f"TRIGGER;VALUE=DURATION:{before}",
            "DESCRIPTION:Default Mozilla Description",
            "END:VALARM",
        )
    if kind < 0.6:
        alarm_uid = _uid(rng).upper()
        acknowledged = ev.start - timedelta(minutes=rng.randint(1, 20))
        return (
            "BEGIN:VALARM",
            f"X-WR-ALARMUID:{alarm_uid}",
            f"UID:{alarm_uid}",
            f"TRIGGER:{before}",
            "ATTACH;VALUE=URI:Chord",
            "ACTION:AUDIO",
            f"ACKNOWLEDGED:{_utc(acknowledged)}",
            "X-APPLE-DEFAULT-ALARM:TRUE",
            "END:VALARM",
        )
    if kind < 0.75:
        return (
            "BEGIN:VALARM",
            "ACTION:EMAIL",
            "TRIGGER;RELATED=START:-P1D",
            f"SUMMARY:Reminder: {_text(ev.summary)}",
            "DESCRIPTION:This is an event reminder",
            f"ATTENDEE:mailto:{ME_EMAIL}",
            "END:VALARM",
        )
    if kind < 0.9:
        return (
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            f"TRIGGER;VALUE=DATE-TIME:{_utc(ev.start - timedelta(minutes=30))}",
            "DESCRIPTION:Reminder",
            "END:VALARM",
        )
    return (
        *_DEFAULT_ALARM,
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        "TRIGGER;VALUE=DURATION:-P1D",
        "DESCRIPTION:Tomorrow",
        "END:VALARM",
    )


def _decorate(rng: random.Random, ev: EventPlan, shape: Shape, rich: float = 0.35) -> EventPlan:
    """Given a plan, add the bookkeeping real clients write: stamps, sequence, alarm.

    The draws for ``default`` are exactly the original generator's; shapes only
    draw more after them, so ``default`` stays byte-identical.
    """
    if rng.random() < 0.8:
        ev.created = _stamp_before(rng, ev) - timedelta(days=rng.randint(0, 30))
        ev.modified = ev.created + timedelta(minutes=rng.randint(1, 60 * 24 * 3))
    ev.sequence = rng.choices((0, 1, 2, 3), weights=(70, 15, 10, 5))[0]
    timed = isinstance(ev.start, datetime)
    if rng.random() < shape.alarm_share and (timed or shape.allday_alarms):
        ev.alarms = _alarm(rng, ev) if shape.varied_alarms else _DEFAULT_ALARM
    if ev.attendees and rng.random() < rich:
        ev.description = _description(rng)
    if ev.attendees and ev.location is None and rng.random() < 0.6:
        ev.location = rng.choice(LOCATIONS)
    if shape.long_description_share and rng.random() < shape.long_description_share:
        ev.description = _long_description(rng)
    return ev


def _meeting(rng: random.Random, uid: str, day: date) -> EventPlan:
    """Return an ordinary work meeting with 2-8 attendees."""
    start = _working_time(rng, day)
    minutes = rng.choice((30, 30, 45, 60, 60, 60, 90, 120))
    organizer, attendees = _people(rng, rng.randint(2, 8), me=rng.random() < 0.92)
    return EventPlan(
        uid,
        rng.choice(MEETING_TITLES),
        start,
        start + timedelta(minutes=minutes),
        organizer,
        attendees,
        busystatus=rng.choice((None, None, "BUSY")),
    )


def _lunch(rng: random.Random, uid: str, day: date) -> EventPlan:
    """Return a lunch: alone, at the desk, with the team, or with one colleague."""
    start = _at(day, rng.choice((11, 12, 12, 12, 13)), rng.choice((0, 0, 30)))
    end = start + timedelta(minutes=rng.choice((30, 45, 60, 60, 90)))
    variant = rng.random()
    if variant < 0.3:
        return EventPlan(uid, "Lunch", start, end)
    if variant < 0.55:
        return EventPlan(uid, "Lunch at desk", start, end)
    if variant < 0.8:
        organizer, attendees = _people(rng, rng.randint(3, 8))
        return EventPlan(uid, "Team lunch", start, end, organizer, attendees, location="Kantine")
    friend = rng.choice((PRIYA, MARIA, SAM, JONAS))
    organizer, attendees = _people(rng, 2, must=(friend,))
    return EventPlan(uid, f"Lunch with {friend.name.split()[0]}", start, end, organizer, attendees)


def _coffee(rng: random.Random, uid: str, day: date) -> EventPlan:
    """Return a 30-minute coffee with Sam (or a virtual coffee chat)."""
    start = _at(day, rng.choice((10, 10, 15, 15, 16)), rng.choice((0, 30)))
    organizer, attendees = _people(rng, rng.randint(2, 3), must=(SAM,))
    title = "Coffee with Sam" if rng.random() < 0.8 else "Virtual coffee"
    return EventPlan(uid, title, start, start + timedelta(minutes=30), organizer, attendees)


def _social(rng: random.Random, uid: str, day: date) -> EventPlan:
    """Return a team social: birthday cake for Jonas, Friday happy hour, a party."""
    variant = rng.random()
    must: tuple[Person, ...]
    if variant < 0.45:
        start = _at(day, 15)
        must, title, minutes = (JONAS,), "Birthday cake for Jonas", 30
    elif variant < 0.9:
        day += timedelta(days=(4 - day.weekday()) % 7)  # the Friday of that week
        start = _at(day, 17, rng.choice((0, 30)))
        must, title, minutes = (), "Happy hour", 120
    else:
        start = _at(day, 18)
        must, title, minutes = (), "Summer party", 240
    # Socials are someone else's invitation, so Ana's PARTSTAT always says something.
    organizer, attendees = _people(rng, rng.randint(5, 8), must=must, ana_organizes_share=0)
    ev = EventPlan(uid, title, start, start + timedelta(minutes=minutes), organizer, attendees)
    ev.categories = "Social" if rng.random() < 0.3 else None
    return ev


def _focus(rng: random.Random, uid: str, day: date) -> EventPlan:
    """Return a self-blocked focus slot, transparent so it does not count as busy."""
    start = _at(day, rng.choice((9, 10, 14, 15)))
    ev = EventPlan(uid, "Focus time", start, start + timedelta(hours=rng.choice((1, 2, 2, 3))))
    ev.transparent = True
    ev.busystatus = "FREE" if rng.random() < 0.3 else None
    return ev


def _allday(rng: random.Random, uid: str, day: date) -> EventPlan:
    """Return an all-day absence: vacation, conference, out of office, sick leave."""
    variant = rng.random()
    if variant < 0.5:
        title, length, cat = "Vacation", rng.randint(1, 10), "Vacation"
    elif variant < 0.8:
        title, length, cat = "Conference", rng.randint(1, 3), None
    elif variant < 0.9:
        title, length, cat = "Out of office", 1, None
    else:
        title, length, cat = "Sick leave", rng.randint(1, 3), None
    ev = EventPlan(uid, title, day, day + timedelta(days=length))
    ev.transparent = rng.random() < 0.5
    ev.busystatus = "OOF" if rng.random() < 0.4 else None
    ev.categories = cat if rng.random() < 0.3 else None
    if title == "Conference":
        ev.location = rng.choice(("Messe Berlin", "Amsterdam RAI", "ExCeL London"))
    return ev


def _personal(rng: random.Random, uid: str, day: date) -> EventPlan:
    """Return a private appointment; one in ten falls on a weekend."""
    start = _at(day, rng.randint(8, 18), rng.choice((0, 15, 30, 45)))
    return EventPlan(
        uid, rng.choice(PERSONAL_TITLES), start, start + timedelta(minutes=rng.choice((30, 60, 90)))
    )


def _interview(rng: random.Random, uid: str, day: date) -> EventPlan:
    """Return a hiring interview with a small panel."""
    start = _working_time(rng, day)
    organizer, attendees = _people(rng, rng.randint(2, 4))
    role = rng.choice(("Backend engineer", "Product designer", "Data analyst"))
    return EventPlan(
        uid,
        f"Interview: {role} candidate",
        start,
        start + timedelta(hours=1),
        organizer,
        attendees,
        location="Room Havel 2.01",
    )


_SINGLE_BUILDERS = {
    "meeting": _meeting,
    "lunch": _lunch,
    "coffee": _coffee,
    "focus": _focus,
    "allday": _allday,
    "social": _social,
    "personal": _personal,
    "interview": _interview,
}


def _single(rng: random.Random, start: date, shape: Shape) -> list[EventPlan]:
    """Return the one-VEVENT plan of a non-recurring file."""
    kind = _weighted(rng, shape.single_kinds)
    weekend_ok = kind == "personal" and rng.random() < 0.1
    day = _day(rng, start, weekday_only=not weekend_ok)
    return [_decorate(rng, _SINGLE_BUILDERS[kind](rng, _uid(rng), day), shape)]


def _series_master(rng: random.Random, uid: str, day: date) -> EventPlan:
    """Return the master VEVENT of a weekly series (RRULE still unset)."""
    kind = _weighted(rng, _SERIES_KINDS)
    if kind == "standup":
        start = _at(day, 9, 30)
        organizer, attendees = _people(rng, rng.randint(4, 8))
        return EventPlan(
            uid, "Team standup", start, start + timedelta(minutes=15), organizer, attendees
        )
    if kind == "one_on_one":
        start = _working_time(rng, day)
        organizer, attendees = _people(rng, 2, must=(MARIA,))
        return EventPlan(
            uid, "1:1 Ana / María", start, start + timedelta(minutes=30), organizer, attendees
        )
    if kind == "team_lunch":
        start = _at(day, 12)
        organizer, attendees = _people(rng, rng.randint(4, 8))
        return EventPlan(
            uid,
            "Team lunch",
            start,
            start + timedelta(hours=1),
            organizer,
            attendees,
            location="Kantine",
        )
    if kind == "coffee":
        return _coffee(rng, uid, day)
    if kind == "focus":
        return _focus(rng, uid, day)
    start = _working_time(rng, day)
    organizer, attendees = _people(rng, rng.randint(3, 8))
    return EventPlan(uid, "Weekly sync", start, start + timedelta(hours=1), organizer, attendees)


def _exdate_line(rng: random.Random, when: datetime) -> str:
    """Return an EXDATE line; most clients write the TZID, DAVx5-style ones UTC."""
    if rng.random() < 0.2:
        return f"EXDATE:{_utc(when)}"
    return f"EXDATE;TZID={ZONE_NAME}:{_local(when)}"


def _override(
    rng: random.Random, master: EventPlan, when: datetime, kind: str, shape: Shape
) -> EventPlan:
    """Return a RECURRENCE-ID override of ``master`` at ``when``: moved, cancelled or declined."""
    assert isinstance(master.start, datetime)
    assert isinstance(master.end, datetime)
    length = master.end - master.start
    ov = replace(
        master,
        rrule=None,
        exdates=[],
        recurrence_id=when,
        start=when,
        end=when + length,
        attendees=[replace(a) for a in master.attendees],
        alarms=master.alarms if shape.override_alarms else (),
    )
    ov.sequence = master.sequence + 1
    if master.modified is not None:
        ov.modified = master.modified + timedelta(days=rng.randint(1, 30))
    if kind == "moved":
        shift = timedelta(hours=rng.choice((-2, -1, 1, 2, 24, 48)))
        ov.start, ov.end = when + shift, when + shift + length
    elif kind == "cancelled":
        ov.status = "CANCELLED"
    else:
        for att in ov.attendees:
            if att.person == ME:
                att.partstat, att.rsvp = "DECLINED", False
    return ov


def _series(rng: random.Random, start: date, shape: Shape) -> list[EventPlan]:
    """Return a weekly series: master with RRULE and EXDATEs, then its overrides."""
    day = start + timedelta(days=rng.randrange(300))
    while day.weekday() >= 5:
        day += timedelta(days=1)
    master = _decorate(rng, _series_master(rng, _uid(rng), day), shape)
    assert isinstance(master.start, datetime)
    interval = 2 if rng.random() < 0.2 else 1
    step = timedelta(weeks=interval)
    rule = f"FREQ=WEEKLY;{'INTERVAL=2;' if interval == 2 else ''}BYDAY={_BYDAY[day.weekday()]}"
    bound = rng.random()
    if bound < shape.count_below:
        occurrences = rng.randint(*shape.occurrences)
        rule += f";COUNT={occurrences}"
    elif bound < shape.until_below:
        occurrences = rng.randint(*shape.occurrences)
        rule += f";UNTIL={_utc(master.start + step * (occurrences - 1))}"
    else:
        occurrences = 10**6  # open-ended
    master.rrule = rule
    # Exceptions go on occurrences inside the data year, where benchmark windows look.
    in_year = (start + timedelta(days=365) - day).days // step.days + 1
    horizon = min(occurrences, max(in_year, 6))
    n_overrides = rng.randint(1, 2)
    picks = rng.sample(range(1, horizon), k=n_overrides + rng.randint(1, 3))
    ex_idx, ov_idx = sorted(picks[n_overrides:]), sorted(picks[:n_overrides])
    master.exdates = [_exdate_line(rng, master.start + step * i) for i in ex_idx]
    kinds = ["moved", "cancelled"]
    if any(a.person == ME and a.role != "CHAIR" for a in master.attendees):
        kinds.append("declined")
    chosen = rng.sample(kinds, k=len(ov_idx))
    overrides = [
        _override(rng, master, master.start + step * i, k, shape)
        for i, k in zip(ov_idx, chosen, strict=True)
    ]
    return [master, *overrides]


# --------------------------------------------------------------------------
# Public API


def generate(
    n: int,
    out_dir: str | Path,
    seed: int = 0,
    start: date = date(2026, 1, 1),
    force: bool = False,
    shape: str = "default",
) -> GenerationSummary:
    """Given a count, folder, seed, first day and shape, write ``n`` .ics files there.

    Each file holds one VCALENDAR with one UID: a single event, or (the shape's
    ``series_share`` of files, 10% by default) a weekly series with its
    overrides. Events start within 365 days of ``start``. The output depends only
    on ``(n, seed, start, shape)``; other shapes draw from their own random
    stream, so they are not ``default`` with a few extras bolted on.

    Raise KeyError for an unknown shape. Raise FileExistsError if ``out_dir``
    already holds .ics files, unless ``force`` is true, in which case those
    files are removed first.
    """
    plan = SHAPES[shape]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    existing = sorted(out.glob("*.ics"))
    if existing and not force:
        raise FileExistsError(f"{out} already holds {len(existing)} .ics files")
    for path in existing:
        path.unlink()
    stream = f"watercooler-bench:{seed}" + ("" if shape == "default" else f":{shape}")
    rng = random.Random(stream)  # test data, not secrets
    series_at = set(rng.sample(range(n), k=round(n * plan.series_share)))
    overrides = exdates = written = alarms = all_day = 0
    for i in range(n):
        events = _series(rng, start, plan) if i in series_at else _single(rng, start, plan)
        overrides += len(events) - 1
        exdates += len(events[0].exdates)
        alarms += sum(1 for ev in events if ev.alarms)
        all_day += sum(1 for ev in events if not isinstance(ev.start, datetime))
        data = _render_calendar(rng, events)
        (out / f"{events[0].uid}.ics").write_bytes(data)
        written += len(data)
    return GenerationSummary(
        files=n,
        series=len(series_at),
        overrides=overrides,
        exdates=exdates,
        bytes=written,
        shape=shape,
        alarms=alarms,
        all_day=all_day,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI: parse arguments, generate, print a JSON summary line."""
    parser = argparse.ArgumentParser(
        description="Write a deterministic vdir of realistic .ics files for benchmarks."
    )
    parser.add_argument("--events", type=int, required=True, help="number of .ics files")
    parser.add_argument("--out", type=Path, required=True, help="vdir folder to write")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--start",
        type=date.fromisoformat,
        default=date(2026, 1, 1),
        help="first day of the year the events span (YYYY-MM-DD)",
    )
    parser.add_argument("--force", action="store_true", help="replace existing .ics files")
    parser.add_argument(
        "--shape",
        choices=sorted(SHAPES),
        default="default",
        help="kind of calendar: series, alarms and all-day mix (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    try:
        summary = generate(
            args.events,
            args.out,
            seed=args.seed,
            start=args.start,
            force=args.force,
            shape=args.shape,
        )
    except FileExistsError as exc:
        print(f"generate: {exc} (use --force)", file=sys.stderr)
        return 2
    print(json.dumps({"out": str(args.out), **summary.__dict__}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
