"""The journal: the missed chances and the user's notes, by week and day, and its Markdown.

Built from the history (what the ticks recorded), the notes and the dismissals; the
command line lays it out as text or JSON, :func:`journal_markdown` as a page to keep.
Nothing here reads the clock: ``now`` is passed in, an aware time in the user's zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from watercooler.progress.history import read_history
from watercooler.progress.missed import MissedChance, missed_chances
from watercooler.progress.notes import Dismissal, Note, Notes
from watercooler.store import Store

LUNCH_EVIDENCE = {"desk lunch": "lunch", "lunch lost to meetings": "meetings"}
"""How a lunch entry's evidence is introduced."""
SOCIAL_EVIDENCE = "clashed with"


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """A missed chance, and its dismissal when it has one."""

    chance: MissedChance
    dismissed: Dismissal | None = None


@dataclass(frozen=True, slots=True)
class JournalDay:
    """One day with something to show."""

    day: date
    entries: tuple[JournalEntry, ...]
    notes: tuple[Note, ...]


@dataclass(frozen=True, slots=True)
class JournalWeek:
    """One ISO week, Monday first; only the days with entries or notes."""

    monday: date
    days: tuple[JournalDay, ...]

    @property
    def iso_week(self) -> str:
        year, week, _ = self.monday.isocalendar()
        return f"{year}-W{week:02d}"

    @property
    def missed(self) -> int:
        """The entries not dismissed."""
        return sum(1 for d in self.days for e in d.entries if e.dismissed is None)


@dataclass(frozen=True, slots=True)
class Journal:
    """The weeks of the journal, oldest first."""

    first: date
    last: date
    weeks: tuple[JournalWeek, ...]
    generated: datetime
    redacted: bool = False
    """Titles were not kept (``notify.redact``): evidence is a count of events."""
    recorded: int = 0
    """Days of these weeks the history has a record of (0: nothing ran yet)."""


def journal_span(today: date, weeks: int) -> tuple[date, date]:
    """The Monday ``weeks - 1`` weeks before this one, and this week's Sunday."""
    monday = today - timedelta(days=today.weekday())
    return monday - timedelta(weeks=weeks - 1), monday + timedelta(days=6)


def build_journal(
    store: Store,
    notes: Notes,
    now: datetime,
    *,
    weeks: int,
    lunch_end: time,
    show_dismissed: bool = False,
    redacted: bool = False,
) -> Journal:
    """The journal of the last ``weeks`` weeks (this one included) as of ``now``."""
    first, last = journal_span(now.date(), weeks)
    dismissed = notes.dismissed()
    history = read_history(store, first, last)
    chances = missed_chances(history, now, lunch_end)
    entries: dict[date, list[JournalEntry]] = {}
    for chance in chances:
        dismissal = dismissed.get(chance.key)
        if dismissal is None or show_dismissed:
            entries.setdefault(chance.day, []).append(JournalEntry(chance, dismissal))
    by_day: dict[date, list[Note]] = {}
    for note in notes.notes(first, last):
        by_day.setdefault(note.day, []).append(note)
    built = []
    for number in range(weeks):
        monday = first + timedelta(weeks=number)
        days = [
            JournalDay(day, tuple(entries.get(day, ())), tuple(by_day.get(day, ())))
            for day in (monday + timedelta(days=n) for n in range(7))
            if day in entries or day in by_day
        ]
        built.append(JournalWeek(monday, tuple(days)))
    return Journal(first, last, tuple(built), now, redacted, len(history.days))


def all_chances(store: Store, now: datetime, lunch_end: time, days: int) -> list[MissedChance]:
    """Every missed chance of the last ``days`` days, dismissed ones included."""
    history = read_history(store, now.date() - timedelta(days=days), now.date())
    return missed_chances(history, now, lunch_end)


def headline(chance: MissedChance, zone: tzinfo | None) -> str:
    """What a missed chance was, in a few words: ``desk lunch``, ``declined — Coffee at
    15:00`` (the time in ``zone``)."""
    if chance.start is None:
        return chance.kind
    title = chance.title or "a social event"
    return f"{chance.kind} — {title} at {chance.start.astimezone(zone):%H:%M}"


def evidence_line(chance: MissedChance) -> str:
    """The evidence introduced by what it is (``meetings: Sprint review, 1:1 Bo``); "" when
    there is none."""
    if not chance.evidence:
        return ""
    label = LUNCH_EVIDENCE.get(chance.kind, SOCIAL_EVIDENCE)
    return f"{label}: {', '.join(chance.evidence)}"


def day_label(day: date) -> str:
    """``Tue 10 Mar``."""
    return f"{day:%a} {day.day} {day:%b}"


def week_label(week: JournalWeek) -> str:
    """``Week of Mon 2 Mar 2026 (2026-W10)``."""
    return f"Week of {day_label(week.monday)} {week.monday.year} ({week.iso_week})"


def journal_markdown(journal: Journal) -> str:
    """The journal as Markdown: a heading per week, a line per missed chance with its
    evidence, the notes under their day."""
    lines = [
        f"# Journal of missed chances, {journal.first.isoformat()} to {journal.last.isoformat()}",
        "",
    ]
    for week in journal.weeks:
        lines += [f"## {week_label(week)}", ""]
        if not week.days:
            lines += ["Nothing missed, no notes.", ""]
        for day in week.days:
            lines += [f"### {day_label(day.day)}", ""]
            for entry in day.entries:
                lines.append(f"- {_escaped(_entry_text(entry, journal.generated.tzinfo))}")
            for note in day.notes:
                lines.append(f"- Note: {_escaped(note.text)}")
            lines.append("")
    return "\n".join(lines)


def _entry_text(entry: JournalEntry, zone: tzinfo | None) -> str:
    chance = entry.chance
    text = headline(chance, zone)
    evidence = evidence_line(chance)
    if evidence:
        text += f" ({evidence})"
    if entry.dismissed is not None:
        reason = entry.dismissed.reason
        text += f" — dismissed{': ' + reason if reason else ''}"
    return text


def _escaped(text: str) -> str:
    """Text that Markdown shows as it is (no headings, links or emphasis from a title)."""
    special = "\\`*_[]<>|"
    return "".join(f"\\{c}" if c in special else c for c in text)
