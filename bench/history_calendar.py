"""Generate a deterministic vdir of two years of a work calendar, for the report benchmark.

Why: the report is read from the history the ticks record, so its cost grows with what
two years of a real calendar leave there: a lunch outcome every day, every social
occurrence with its status, and every person met at each lunch and social. The calendars
of ``bench/generate.py`` span one year with a few dozen colleagues; this one spans
``WEEKS`` weeks (from ``START``, a Monday) with several hundred, so the contacts table
holds what a large company's calendar gives it. Rendering is ``generate.py``'s (one
VCALENDAR per ``.ics`` file, a VTIMEZONE in each, folded lines).

What a workday holds: maybe a lunch event (a team lunch or a lunch with someone, a lunch
at the desk, a plain "Lunch"), on some days meetings over the whole lunch window instead,
work meetings outside it, and now and then a social event (coffee, birthday cake, happy
hour, a summer or winter party with a hundred people) to which my reply varies
(accepted, tentative, unanswered, declined; a few are cancelled). Monthly all-hands have
60-150 attendees; weekly series (standups, 1:1s, syncs; a few team lunches and coffees)
carry EXDATEs and overrides; vacation weeks and public holidays are all-day absences.
Ordinary meetings fill up to exactly ``n`` files. The output is a pure function of ``(n, seed)``.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path

from generate import (
    ME,
    Attendee,
    EventPlan,
    Person,
    _at,
    _email_for,
    _exdate_line,
    _render_calendar,
    _uid,
    _weighted,
)

VERSION = 5
"""Bump when the output for a given ``(n, seed)`` changes, so cached vdirs are rebuilt."""
START = date(2024, 12, 16)
WEEKS = 107
"""104 weeks of history before ``NOW`` (in ``bench/report.py``), and two weeks ahead."""

_FIRST = (
    "Lukas",
    "Sophie",
    "Jürgen",
    "Lea",
    "Tom",
    "Zoë",
    "Felix",
    "Hannah",
    "David",
    "Mia",
    "Noah",
    "Emma",
    "Paul",
    "Lina",
    "Ben",
    "Clara",
    "Elias",
    "Ida",
    "Leon",
    "Marie",
    "Omar",
    "Yuki",
    "Chen",
    "Fatima",
    "Oliver",
    "Isabel",
    "Mateo",
    "Nora",
    "Aisha",
    "Kai",
    "Greta",
    "Anton",
    "Rosa",
    "Emil",
    "Frieda",
    "Priya",
    "Sam",
    "Jonas",
    "María",
    "Tariq",
)
_LAST = (
    "Schmidt",
    "Wagner",
    "Müller",
    "Hoffmann",
    "Fischer",
    "Martin",
    "Weber",
    "Schulz",
    "Cohen",
    "Koch",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Schwarz",
    "Zimmermann",
    "Braun",
    "Krüger",
    "Hofmann",
    "Haddad",
    "Tanaka",
    "Wei",
    "Yilmaz",
    "Brown",
    "Santos",
    "Rossi",
    "Lindqvist",
    "Bello",
    "Lehmann",
    "Vogel",
    "Keller",
    "Fuchs",
    "Lang",
    "Peters",
    "Nair",
    "Okafor",
    "Becker",
    "García",
    "Novak",
)
COMPANY = 420
"""Distinct colleagues, of whom the first ``TEAM`` are my team and the next ``CIRCLE``
the people I work with often."""
TEAM = 8
CIRCLE = 60

MEETINGS = (
    "Sprint planning",
    "Sprint review",
    "Retrospective",
    "Design review",
    "Architecture sync",
    "Customer call: Acme GmbH",
    "Roadmap discussion",
    "Budget alignment",
    "Hiring sync",
    "Incident postmortem",
    "Product demo",
    "Security review",
    "Release readiness",
    "Project kickoff",
    "Stakeholder update",
    "Backlog refinement",
    "OKR check-in",
    "Vendor call",
    "Pairing session",
    "Data platform sync",
    "Interview: backend engineer",
)
_MORNING = ((8, 30), (9, 0), (9, 30), (10, 0), (10, 30), (11, 0))
_AFTERNOON = ((14, 0), (14, 30), (15, 0), (15, 30), (16, 0), (16, 30), (17, 0))
_SERIES_SLOTS = ((8, 30), (9, 0), (14, 0), (14, 30))
"""Where work series go: clear of the lunch window and of the times socials have."""
_MY_REPLY = (("ACCEPTED", 62), ("TENTATIVE", 10), ("NEEDS-ACTION", 13), ("DECLINED", 15))
_SOCIAL_REPLY = (("ACCEPTED", 55), ("TENTATIVE", 12), ("NEEDS-ACTION", 15), ("DECLINED", 18))
_OTHER_REPLY = (("ACCEPTED", 60), ("TENTATIVE", 10), ("NEEDS-ACTION", 18), ("DECLINED", 12))
_SHORT = frozenset({"one_on_one", "coffee"})
SOCIAL_SERIES = ("team_lunch",) * 4 + ("coffee",) * 6
"""The weekly series that are social; every other series is work (standups, 1:1s, syncs)."""
DENSE_SERIES = ("team_lunch",) * 150 + ("coffee",) * 6
"""``dense``: a team lunch series for nearly every week and weekday, so that the history
holds about six times the contacts (a stress case, not a realistic calendar)."""
_LUNCH_KINDS = (
    ("team", 22),
    ("with", 18),
    ("desk", 14),
    ("plain", 16),
    ("none", 16),
    ("blocked", 14),
)


def colleagues() -> tuple[Person, ...]:
    """``COMPANY`` distinct people: every first name with a different last name per round."""
    people = []
    for n in range(COMPANY):
        first, rounds = n % len(_FIRST), n // len(_FIRST)
        name = f"{_FIRST[first]} {_LAST[(first + rounds) % len(_LAST)]}"
        people.append(Person(name, _email_for(name)))
    assert len({p.email for p in people}) == COMPANY
    return tuple(people)


@dataclass(frozen=True)
class Company:
    """Who can be invited: my team, my circle and everyone."""

    team: tuple[Person, ...]
    circle: tuple[Person, ...]
    everyone: tuple[Person, ...]


@dataclass(frozen=True)
class Summary:
    """What ``generate_history`` wrote."""

    files: int
    series: int
    lunches: int
    socials: int
    all_hands: int
    bytes: int


def _invite(
    rng: random.Random,
    pool: Sequence[Person],
    count: int,
    *,
    reply: Sequence[tuple[str, int]] = _MY_REPLY,
    organizer: Person | None = None,
) -> tuple[Person, list[Attendee]]:
    """Organizer and attendees (me among them, with a drawn reply) for ``count`` others."""
    others = rng.sample(pool, k=min(count, len(pool)))
    chair = organizer or others[0]
    attendees = [Attendee(ME, _weighted(rng, reply))]
    for person in others:
        if person == chair:
            attendees.append(Attendee(person, "ACCEPTED", role="CHAIR", rsvp=False))
        else:
            partstat = _weighted(rng, _OTHER_REPLY)
            attendees.append(Attendee(person, partstat, rsvp=partstat == "NEEDS-ACTION"))
    rng.shuffle(attendees)
    return chair, attendees


def _pool(rng: random.Random, company: Company) -> Sequence[Person]:
    """Whom a meeting draws from: mostly my circle, sometimes the whole company."""
    return company.circle if rng.random() < 0.7 else company.everyone


def _meeting(
    rng: random.Random, company: Company, day: date, slots: Sequence[tuple[int, int]]
) -> EventPlan:
    hour, minute = rng.choice(slots)
    start = _at(day, hour, minute)
    organizer, attendees = _invite(rng, _pool(rng, company), rng.randint(1, 7))
    length = timedelta(minutes=rng.choice((30, 30, 45, 60, 60, 90)))
    ev = EventPlan(_uid(rng), rng.choice(MEETINGS), start, start + length, organizer, attendees)
    ev.location = rng.choice((None, "Room Spree 3.14", "Microsoft Teams Meeting", "Zoom"))
    return ev


def _lunch(rng: random.Random, company: Company, day: date, kind: str) -> list[EventPlan]:
    """The day's lunch events: none, a lunch, or meetings over the whole lunch window."""
    hour, minute = rng.choice(((11, 30), (12, 0), (12, 0), (12, 30), (13, 0)))
    start = _at(day, hour, minute)
    end = start + timedelta(minutes=rng.choice((30, 45, 60, 60)))
    uid = _uid(rng)
    if kind == "team":
        organizer, attendees = _invite(rng, company.team + company.circle[:12], rng.randint(3, 9))
        return [EventPlan(uid, "Team lunch", start, end, organizer, attendees, location="Kantine")]
    if kind == "with":
        friend = rng.choice(company.circle if rng.random() < 0.7 else company.everyone)
        organizer, attendees = _invite(rng, [friend], 1)
        title = f"Lunch with {friend.name.split()[0]}"
        return [EventPlan(uid, title, start, end, organizer, attendees)]
    if kind == "desk":
        return [EventPlan(uid, "Lunch at desk", start, end)]
    if kind == "plain":
        return [EventPlan(uid, "Lunch", start, end)]
    if kind == "blocked":
        blocks = []
        for begin, minutes in (((11, 30), 60), ((12, 30), 60), ((13, 30), 30)):
            ev = _meeting(rng, company, day, (begin,))
            ev.end = ev.start + timedelta(minutes=minutes)
            ev.attendees = [
                a if a.person != ME else replace(a, partstat="ACCEPTED") for a in ev.attendees
            ]
            blocks.append(ev)
        return blocks
    return []


def _social(rng: random.Random, company: Company, day: date) -> EventPlan:
    """A social occurrence: coffee, birthday cake or happy hour, my reply drawn."""
    variant = rng.random()
    if variant < 0.4:
        start, title, minutes = _at(day, rng.choice((10, 15, 16)), 0), "Coffee", 30
        count = rng.randint(1, 3)
    elif variant < 0.7:
        start, title, minutes = _at(day, 15, 30), "Birthday cake", 30
        count = rng.randint(8, 25)
    else:
        friday = day + timedelta(days=(4 - day.weekday()) % 7)
        start, title, minutes = _at(friday, 17, 30), "Happy hour", 120
        count = rng.randint(6, 30)
    pool = company.team + company.circle if count < 10 else company.everyone
    organizer, attendees = _invite(rng, pool, count, reply=_SOCIAL_REPLY)
    ev = EventPlan(
        _uid(rng), title, start, start + timedelta(minutes=minutes), organizer, attendees
    )
    if rng.random() < 0.05:
        ev.status = "CANCELLED"
    return ev


def _party(rng: random.Random, company: Company, day: date, title: str) -> EventPlan:
    start = _at(day, 18)
    organizer, attendees = _invite(rng, company.everyone, rng.randint(80, 150), reply=_SOCIAL_REPLY)
    return EventPlan(_uid(rng), title, start, start + timedelta(hours=4), organizer, attendees)


def _all_hands(rng: random.Random, company: Company, day: date) -> EventPlan:
    start = _at(day, 14)
    organizer, attendees = _invite(rng, company.everyone, rng.randint(60, 150))
    return EventPlan(
        _uid(rng),
        "All hands",
        start,
        start + timedelta(hours=1),
        organizer,
        attendees,
        location="Main office, Berlin",
    )


def _series(
    rng: random.Random, company: Company, first: date, last: date, kind: str
) -> list[EventPlan]:
    """A weekly series with EXDATEs and overrides (one moved, one declined)."""
    day = first + timedelta(days=rng.randrange(max(1, (last - first).days - 60)))
    while day.weekday() >= 5:
        day += timedelta(days=1)
    if kind == "team_lunch":
        organizer, attendees = _invite(rng, company.team, rng.randint(3, 7))
        start, title = _at(day, 12), "Team lunch"
    elif kind == "coffee":
        friend = rng.choice(company.circle)
        organizer, attendees = _invite(rng, [friend], 1, reply=_SOCIAL_REPLY)
        start, title = _at(day, 15, 30), f"Coffee with {friend.name.split()[0]}"
    elif kind == "standup":
        organizer, attendees = _invite(rng, company.team, rng.randint(4, 7))
        start, title = _at(day, 9, 30), "Team standup"
    elif kind == "one_on_one":
        friend = rng.choice(company.team + company.circle[:20])
        organizer, attendees = _invite(rng, [friend], 1)
        start, title = _at(day, *rng.choice(_SERIES_SLOTS)), f"1:1 Ana / {friend.name.split()[0]}"
    else:
        organizer, attendees = _invite(rng, _pool(rng, company), rng.randint(3, 8))
        start, title = _at(day, *rng.choice(_SERIES_SLOTS)), "Weekly sync"
    length = timedelta(minutes=15 if kind == "standup" else 30 if kind in _SHORT else 60)
    count = rng.randint(6, 52)
    master = EventPlan(_uid(rng), title, start, start + length, organizer, attendees)
    master.rrule = f"FREQ=WEEKLY;COUNT={count}"
    picks = rng.sample(range(1, count), k=min(count - 1, 3))
    master.exdates = [_exdate_line(rng, start + timedelta(weeks=picks[0]))]
    overrides = []
    for index, moved in zip(picks[1:], (True, False), strict=False):
        when = start + timedelta(weeks=index)
        shift = timedelta(hours=2 if moved else 0)
        ov = replace(
            master,
            rrule=None,
            exdates=[],
            recurrence_id=when,
            start=when + shift,
            end=when + shift + length,
            attendees=[replace(a) for a in attendees],
        )
        ov.sequence = 1
        if not moved:
            for att in ov.attendees:
                if att.person == ME:
                    att.partstat, att.rsvp = "DECLINED", False
        overrides.append(ov)
    return [master, *overrides]


def _absences(rng: random.Random, workdays: Sequence[date]) -> tuple[list[EventPlan], set[date]]:
    """Vacation weeks (about five a year) and public holidays, as all-day events."""
    events: list[EventPlan] = []
    away: set[date] = set()
    mondays = sorted({d - timedelta(days=d.weekday()) for d in workdays})
    for monday in rng.sample(mondays, k=len(mondays) * 5 // 52):
        end = monday + timedelta(days=5)
        events.append(EventPlan(_uid(rng), "Vacation", monday, end, transparent=True))
        away.update(monday + timedelta(days=n) for n in range(5))
    for day in rng.sample(list(workdays), k=len(workdays) * 10 // 260):
        events.append(EventPlan(_uid(rng), "Holiday", day, day + timedelta(days=1)))
        away.add(day)
    return events, away


def plan(n: int, seed: int, dense: bool = False) -> list[list[EventPlan]]:
    """The files' events (a master and its overrides per file), exactly ``n`` files."""
    social_series = DENSE_SERIES if dense else SOCIAL_SERIES
    rng = random.Random(f"watercooler-report-bench:{seed}")  # test data, not secrets
    people = colleagues()
    company = Company(people[:TEAM], people[TEAM : TEAM + CIRCLE], people)
    days = [START + timedelta(days=k) for k in range(WEEKS * 7)]
    workdays = [d for d in days if d.weekday() < 5]
    absences, away = _absences(rng, workdays)
    files: list[list[EventPlan]] = [[ev] for ev in absences]
    socials: dict[date, list[EventPlan]] = {}
    for kind in social_series:
        series = _series(rng, company, days[0], days[-1], kind)
        files.append(series)
        for occurrence in _weekly(series[0]):
            socials.setdefault(_day_of(occurrence), []).append(occurrence)
    for day in workdays:
        if day in away:
            continue
        team_lunch = any(s.summary == "Team lunch" for s in socials.get(day, ()))
        kind = "none" if team_lunch else _weighted(rng, _LUNCH_KINDS)
        lunch = _lunch(rng, company, day, kind)
        files += [[ev] for ev in lunch]
        if kind in ("team", "with"):
            socials.setdefault(day, []).extend(lunch)
        if rng.random() < 0.6:
            social = _social(rng, company, day)
            files.append([social])
            socials.setdefault(_day_of(social), []).append(social)
    for year in sorted({d.year for d in days}):
        for day in (date(year, 6, 26), date(year, 12, 12)):
            if START <= day < days[-1]:
                title = "Summer party" if day.month == 6 else "Winter party"
                files.append([_party(rng, company, day, title)])
    firsts = [d for d in workdays if d.day <= 7 and d.weekday() == 3]
    files += [[_all_hands(rng, company, d)] for d in firsts]
    kinds = [
        rng.choice(("standup", "one_on_one", "sync", "sync"))
        for _ in range(n * 4 // 100 - len(social_series))
    ]
    files += [_series(rng, company, days[0], days[-1], kind) for kind in kinds]
    while len(files) < n:
        day = rng.choice(workdays)
        clashes_allowed = rng.random() < 0.02  # most meetings leave the day's socials free
        for _ in range(8):
            meeting = _meeting(rng, company, day, _MORNING + _AFTERNOON)
            if clashes_allowed or _clear_of(meeting, socials.get(day, ())):
                break
        files.append([meeting])
    return files[:n]


def _weekly(master: EventPlan) -> list[EventPlan]:
    """The occurrences of a weekly series with a COUNT (EXDATEs and overrides ignored)."""
    assert master.rrule is not None
    count = int(master.rrule.rpartition("COUNT=")[2])
    step = timedelta(weeks=1)
    return [
        replace(master, start=master.start + step * n, end=master.end + step * n, rrule=None)
        for n in range(count)
    ]


def _day_of(event: EventPlan) -> date:
    start = event.start
    return start.date() if isinstance(start, datetime) else start


def _clear_of(event: EventPlan, others: Sequence[EventPlan]) -> bool:
    """Whether an event overlaps none of the others."""
    return all(event.end <= other.start or event.start >= other.end for other in others)


def generate_history(n: int, out_dir: Path, seed: int = 0, dense: bool = False) -> Summary:
    """Write ``n`` .ics files into ``out_dir`` (which must be empty or missing)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"watercooler-report-bench:render:{seed}")  # test data, not secrets
    files = plan(n, seed, dense)
    written = 0
    for events in files:
        data = _render_calendar(rng, events)
        (out_dir / f"{events[0].uid}.ics").write_bytes(data)
        written += len(data)
    titles = [events[0].summary for events in files]
    return Summary(
        files=len(files),
        series=sum(1 for events in files if events[0].rrule),
        lunches=sum(1 for t in titles if "unch" in t),
        socials=sum(1 for t in titles if t in ("Coffee", "Birthday cake", "Happy hour")),
        all_hands=titles.count("All hands"),
        bytes=written,
    )
