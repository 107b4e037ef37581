"""A generated calendar of twelve weeks with a known history, shared by the progress tests.

Mon 2 Mar 2026 to Sun 24 May 2026 in Europe/Berlin (across the change to summer time on
29 Mar), with a deterministic mix on each workday: desk lunches, lunches lost to meetings,
team lunches with named colleagues (some of whom declined), free lunches, and social events
in the afternoon that I accepted, declined, double-booked, left unanswered, tentatively
accepted or that were cancelled; the week of 13 Apr is a holiday (all-day "Vacation" Mon to
Thu). :func:`write_history_calendar` writes it and returns a :class:`HistoryCalendar` that
says what the classification, the history and the journal must make of it::

    cal = write_history_calendar(tmp_path / "history.ics")
    config = write_history_config(tmp_path, cal)
    run_cli("send-due", "--config", str(config), "--now", cal.end.isoformat())
    cal.days[date(2026, 3, 3)]          # "alone"
    cal.missed()                        # the journal's entries, by key
    cal.people_by_week[date(2026, 3, 2)]  # the addresses met that week

``overrides`` turns chosen days' lunches into another kind (``"desk"``, ``"meetings"``,
``"team"``, ``"free"``), as an edit to a past event would.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ZONE = ZoneInfo("Europe/Berlin")
ME = "ana@example.com"
FIRST = date(2026, 3, 2)
WEEKS = 12
LAST = FIRST + timedelta(weeks=WEEKS, days=-1)
END = datetime.combine(LAST, time(20, 0), ZONE)
HOLIDAY = date(2026, 4, 13)
"""The Monday of the holiday week (Mon to Thu off)."""
PEOPLE = (
    ("bo@example.com", "Bo Berg"),
    ("cleo@example.com", "Cleo Chu"),
    ("dan@example.com", "Dan Diaz"),
    ("eva@example.com", "Eva Eng"),
    ("finn@example.com", "Finn Falk"),
)
LUNCH_CYCLE = ("team", "desk", "free", "meetings", "team", "free", "desk")
"""The lunch of the i-th workday is LUNCH_CYCLE[i % 7]."""
OUTCOMES = {"team": "social", "desk": "alone", "meetings": "skipped", "free": "free"}
MEETING_PAIRS = (("Sprint review", "1:1 Bo"), ("Budget planning", "Vendor call"))
SOCIAL_CYCLE = ("accepted", "declined", "conflicted", "unanswered", "tentative", "cancelled")
SOCIAL_KINDS = (
    ("Coffee with the team", time(15, 0), time(15, 30)),
    ("Birthday cake for Cleo", time(15, 30), time(16, 0)),
    ("After-work drinks", time(17, 30), time(19, 0)),
)
CLASH = "Client call"
HEADER = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//watercooler//history tests//EN\r\n"
MISSED_LUNCH = {"alone": "desk lunch", "skipped": "lunch lost to meetings"}
MISSED_SOCIAL = {
    "declined": "declined",
    "conflicted": "double-booked",
    "unanswered": "left unanswered",
}


@dataclass(frozen=True, slots=True)
class Social:
    """One social event of the calendar and the status it must get."""

    uid: str
    title: str
    start: datetime
    status: str
    clash: str = ""
    """The meeting on top of a double-booked event."""

    @property
    def day(self) -> date:
        return self.start.date()

    @property
    def subject(self) -> str:
        """The occurrence's name in the store (``uid@<UTC start>``)."""
        return f"{self.uid}@{self.start.astimezone(UTC):%Y%m%dT%H%M%SZ}"


@dataclass(frozen=True, slots=True)
class Missed:
    """One missed chance the journal must list."""

    key: str
    day: date
    kind: str
    evidence: tuple[str, ...]


@dataclass(slots=True)
class HistoryCalendar:
    """What the generated calendar holds and what must be made of it."""

    path: Path
    me: str = ME
    first: date = FIRST
    last: date = LAST
    end: datetime = END
    """A moment after everything (Sun 24 May 20:00): ``--now`` for a full history."""
    days: dict[date, str] = field(default_factory=dict)
    """Every day's lunch outcome: social, alone, skipped, free or off."""
    evidence: dict[date, tuple[str, ...]] = field(default_factory=dict)
    """The lunch evidence of desk lunches and lost lunches."""
    socials: list[Social] = field(default_factory=list)
    """Every social event (team lunches included), by start."""
    people_by_week: dict[date, set[str]] = field(default_factory=dict)
    """Monday → the addresses met that week (see watercooler.progress.encounters)."""
    names: dict[str, str] = field(default_factory=lambda: dict(PEOPLE))
    objects: dict[str, str] = field(default_factory=dict)
    """UID → that event alone as an iCalendar object, to put on a CalDAV server."""

    def missed(self) -> list[Missed]:
        """The missed chances, by day, lunch before the socials of the day."""
        found = [
            Missed(f"lunch/{day.isoformat()}", day, MISSED_LUNCH[outcome], self.evidence[day])
            for day, outcome in sorted(self.days.items())
            if outcome in MISSED_LUNCH
        ]
        found += [
            Missed(f"social/{s.subject}", s.day, MISSED_SOCIAL[s.status],
                   (s.clash,) if s.clash else ())
            for s in self.socials if s.status in MISSED_SOCIAL
        ]  # fmt: skip
        return sorted(found, key=lambda m: (m.day, m.key.startswith("social"), m.key))

    def workdays_of(self, outcome: str) -> list[date]:
        """The days with this lunch outcome, in order."""
        return sorted(day for day, value in self.days.items() if value == outcome)


def write_history_calendar(
    path: Path, overrides: Mapping[date, str] | None = None
) -> HistoryCalendar:
    """Write the twelve weeks to ``path`` (an .ics file) and return what they hold."""
    cal = HistoryCalendar(path)
    builder = _Builder(cal)
    workday = 0
    social_number = 0
    day = FIRST
    while day <= LAST:
        cal.people_by_week.setdefault(day - timedelta(days=day.weekday()), set())
        if day.weekday() >= 5:
            cal.days[day] = "off"
        elif HOLIDAY <= day < HOLIDAY + timedelta(days=4):
            builder.vacation(day)
            cal.days[day] = "off"
        else:
            kind = (overrides or {}).get(day, LUNCH_CYCLE[workday % len(LUNCH_CYCLE)])
            builder.workday(day, kind, workday)
            if day.weekday() in (1, 3):
                builder.social(day, social_number)
                social_number += 1
        if day.weekday() < 5:
            workday += 1
        day += timedelta(days=1)
    cal.socials.sort(key=lambda s: s.start)
    path.write_text(HEADER + "".join(builder.events) + "END:VCALENDAR\r\n", encoding="utf-8")
    return cal


def write_history_config(
    folder: Path,
    cal: HistoryCalendar,
    *,
    urls: tuple[str, ...] = (),
    extra: str = "",
    redact: bool = False,
    source: str | None = None,
) -> Path:
    """A config reading the calendar (or ``source``, a CalDAV collection holding its
    ``objects``): Berlin, ``me``, state in ``folder/state``, the given Apprise URLs (none:
    nudges are only logged), quiet hours off, ``notify.redact`` as given; ``extra``
    (top-level keys) goes on top."""
    listed = ", ".join(f'"{url}"' for url in urls)
    text = (
        f'timezone = "Europe/Berlin"\nme = ["{cal.me}"]\nstate_dir = "{folder / "state"}"\n'
        f"{extra}\n"
        f'[[sources]]\nurl = "{source or cal.path}"\n'
        f"[notify]\nurls = [{listed}]\ndesktop = false\nredact = {str(redact).lower()}\n"
        "[notify.quiet_hours]\nenabled = false\n"
    )
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


class _Builder:
    """Writes the VEVENTs of each day and notes what they must give."""

    def __init__(self, cal: HistoryCalendar) -> None:
        self.cal = cal
        self.events: list[str] = []

    def vevent(
        self,
        uid: str,
        title: str,
        start: datetime | date,
        end: datetime | date,
        attendees: tuple[tuple[str, str], ...] = (),
        extra: tuple[str, ...] = (),
    ) -> None:
        lines = ["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20260101T000000Z", f"SUMMARY:{title}"]
        for name, value in (("DTSTART", start), ("DTEND", end)):
            if isinstance(value, datetime):
                lines.append(f"{name};TZID=Europe/Berlin:{value:%Y%m%dT%H%M%S}")
            else:
                lines.append(f"{name};VALUE=DATE:{value:%Y%m%d}")
        for address, partstat in attendees:
            name = self.cal.names.get(address, "Ana Alm")
            lines.append(f"ATTENDEE;CN={name};PARTSTAT={partstat}:mailto:{address}")
        lines.extend(extra)
        lines.append("END:VEVENT")
        self.events.append("\r\n".join(lines) + "\r\n")
        self.cal.objects[uid] = HEADER + self.events[-1] + "END:VCALENDAR\r\n"

    def vacation(self, day: date) -> None:
        self.vevent(f"vacation-{day:%Y%m%d}@history.test", "Vacation", day, day + timedelta(1))

    def workday(self, day: date, kind: str, number: int) -> None:
        """The stand-up, and the lunch of ``kind``."""

        def at(hour: int, minute: int) -> datetime:
            return datetime.combine(day, time(hour, minute), ZONE)

        stamp = f"{day:%Y%m%d}@history.test"
        self.vevent(f"standup-{stamp}", "Stand-up", at(9, 30), at(9, 45))
        self.cal.days[day] = OUTCOMES[kind]
        if kind == "desk":
            self.vevent(f"desk-{stamp}", "Lunch at desk", at(12, 0), at(12, 30))
            self.cal.evidence[day] = ("Lunch at desk",)
        elif kind == "meetings":
            first, second = MEETING_PAIRS[number % 2]
            self.vevent(f"meeting-a-{stamp}", first, at(11, 0), at(12, 45))
            self.vevent(f"meeting-b-{stamp}", second, at(12, 45), at(14, 0))
            self.cal.evidence[day] = (first, second)
        elif kind == "team":
            self.team_lunch(day, number, at(12, 0), at(13, 0))

    def team_lunch(self, day: date, number: int, start: datetime, end: datetime) -> None:
        """A team lunch with two colleagues; every other one a third who declined."""
        uid = f"team-{day:%Y%m%d}@history.test"
        came = [PEOPLE[number % 5][0], PEOPLE[(number + 1) % 5][0]]
        attendees = [(ME, "ACCEPTED")] + [(a, "ACCEPTED") for a in came]
        if number % 2 == 0:
            attendees.append((PEOPLE[(number + 2) % 5][0], "DECLINED"))
        self.vevent(uid, "Team lunch", start, end, tuple(attendees))
        self.cal.socials.append(Social(uid, "Team lunch", start, "accepted"))
        self._met(day, came)

    def social(self, day: date, number: int) -> None:
        """An afternoon social event with the status SOCIAL_CYCLE gives it."""
        status = SOCIAL_CYCLE[number % len(SOCIAL_CYCLE)]
        title, begins, ends = SOCIAL_KINDS[number % len(SOCIAL_KINDS)]
        start = datetime.combine(day, begins, ZONE)
        end = datetime.combine(day, ends, ZONE)
        uid = f"social-{day:%Y%m%d}@history.test"
        came = [PEOPLE[(number + 3) % 5][0], PEOPLE[(number + 4) % 5][0]]
        mine = {"declined": "DECLINED", "unanswered": "NEEDS-ACTION", "tentative": "TENTATIVE"}
        attendees = ((ME, mine.get(status, "ACCEPTED")), *((a, "ACCEPTED") for a in came))
        extra = ("STATUS:CANCELLED",) if status == "cancelled" else ()
        self.vevent(uid, title, start, end, attendees, extra)
        clash = ""
        if status == "conflicted":
            clash = CLASH
            self.vevent(f"clash-{day:%Y%m%d}@history.test", CLASH,
                        start - timedelta(minutes=15), end + timedelta(minutes=15))  # fmt: skip
        self.cal.socials.append(Social(uid, title, start, status, clash))
        if status in ("accepted", "tentative"):
            self._met(day, came)

    def _met(self, day: date, addresses: list[str]) -> None:
        self.cal.people_by_week[day - timedelta(days=day.weekday())].update(addresses)
