"""The facts a rule sees, and the placeholder values its messages are filled with.

A rule's message names the week's progress (social lunches, people met, someone to see),
the day (its free gaps) or the event (summary, time, people). Each value is computed once
per run and cached in :attr:`Facts.memo`: a year of candidates asks about the same weeks
over and over. Calendar text only ever fills placeholders; it is never read as a template.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from watercooler.calendar.records import Occurrence
from watercooler.classify.classifier import (
    Classification,
    DayFacts,
    Lunch,
    SocialFacts,
    SocialStatus,
)
from watercooler.progress.encounters import Contact, people_at
from watercooler.progress.history import History, snapshot
from watercooler.rulebook.format import PLACEHOLDER
from watercooler.settings import Settings
from watercooler.text import printable
from watercooler.timebox import DateRange

MAX_VALUE = 120
"""Longest text a placeholder receives: a 100 kB summary is cut, never an error."""
MISSED = (SocialStatus.DECLINED, SocialStatus.CONFLICTED)
REDACTED = {
    "summary": "an event",
    "people": "the people there",
    "events": "your plans",
    "missed_events": "some events",
    "person": "a colleague",
    "email": "their address",
    "journal": "the entries in your journal",
    "last_contact": "a while ago",
}
"""With ``notify.redact``, what stands in for event titles and people's names."""


@dataclass(frozen=True, slots=True)
class Facts:
    """What the rules see: the classified days and social events, and the timeline."""

    classification: Classification
    occurrences: tuple[Occurrence, ...]
    days: DateRange
    settings: Settings
    range: DateRange | None = None
    """The days whose nudges are wanted; ``days`` may reach further back, for history."""
    history: History | None = None
    """The stored history with these days in it, for runs and the journal (None: only the
    days classified here)."""
    dismissed: frozenset[str] = frozenset()
    """The journal entries the user dismissed."""
    snapshot: History | None = None
    """What these days make of the history (see :func:`fresh_history`)."""
    memo: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)
    """Per-run caches: a year of candidates asks about the same weeks over and over."""

    @property
    def wanted(self) -> DateRange:
        """The range nudges are emitted for."""
        return self.range or self.days


def fresh_history(facts: Facts) -> History:
    """The history these classified days make, computed once: the snapshot the read took,
    or (without one) made here from the classification."""
    if facts.snapshot is not None:
        return facts.snapshot
    found: History | None = facts.memo.get("snapshot")
    if found is None:
        found = snapshot(facts.classification, facts.occurrences, facts.settings)
        facts.memo["snapshot"] = found
    return found


def fill(template: str, values: dict[str, str]) -> str:
    """Put values into ``{placeholders}`` in one pass: a value is never scanned again, so
    ``{0.__class__}``, ``${HOME}``, ``{{7*7}}`` or ``%(x)s`` in an event stays text."""
    return PLACEHOLDER.sub(lambda found: values.get(found.group(1), ""), template)


def clean(text: str, limit: int = MAX_VALUE) -> str:
    """A value fit for a message: one line, no control characters, at most ``limit``."""
    return printable(text, limit)


def event_values(occurrence: Occurrence, settings: Settings) -> dict[str, str]:
    me = set(settings.me)
    people = sorted(
        {a.display for a in occurrence.info.attendees if a.address not in me and a.is_person}
    )
    return {
        "summary": clean(occurrence.info.summary),
        "time": _span(occurrence.start, occurrence.end),
        "start": f"{occurrence.start:%H:%M}",
        "end": f"{occurrence.end:%H:%M}",
        "date": occurrence.start.date().isoformat(),
        "day": f"{occurrence.start:%A}",
        "people": clean(", ".join(people[:5]) or "the people there"),
    }


def day_values(day: DayFacts, settings: Settings) -> dict[str, str]:
    gap = day.lunch_gap
    long_gaps = [g for g in day.free_gaps if g[1] - g[0] >= timedelta(minutes=30)]
    return {
        "date": day.date.isoformat(),
        "day": f"{day.date:%A}",
        "outcome": str(day.lunch),
        "gap": _span(*gap) if gap else "",
        "gap_start": f"{gap[0]:%H:%M}" if gap else "",
        "gap_end": f"{gap[1]:%H:%M}" if gap else "",
        "events": clean(", ".join(o.info.summary for o in day.lunch_events) or "nothing"),
        "free_gaps": ", ".join(_span(*g) for g in long_gaps[:3]) or "none",
    }


def week_values(day: date, facts: Facts) -> dict[str, str]:
    """Progress of the week holding ``day``, up to and including it (computed once a day)."""
    key = ("week", day)
    if key not in facts.memo:
        facts.memo[key] = _compute_week_values(day, facts)
    return dict(facts.memo[key])


def week_gaps(day: date, facts: Facts) -> list[str]:
    """An hour (or less) of the longest free gap of at least 30 minutes on each working
    day from ``day`` to that week's Friday: like "Tue 12:45" to "13:45", in order."""
    monday = day - timedelta(days=day.weekday())
    gaps = []
    for later in _days_between(facts, day, monday + timedelta(days=4)):
        if later.lunch is Lunch.OFF:
            continue
        long_enough = [g for g in later.free_gaps if g[1] - g[0] >= timedelta(minutes=30)]
        if long_enough:
            start, end = max(long_enough, key=lambda gap: gap[1] - gap[0])
            gaps.append(f"{start:%a} {_span(start, min(end, start + timedelta(hours=1)))}")
    return gaps


def _social_between(facts: Facts, first: date, last: date) -> list[SocialFacts]:
    """The social occurrences starting between two dates, from a per-run index by date."""
    index: dict[date, list[SocialFacts]] | None = facts.memo.get("social_by_day")
    if index is None:
        index = {}
        for item in facts.classification.social:
            index.setdefault(item.occurrence.start.date(), []).append(item)
        facts.memo["social_by_day"] = index
    if last < first:
        return []
    days = (last - first).days + 1
    if days > len(index):
        return [i for d, items in index.items() if first <= d <= last for i in items]
    return [i for n in range(days) for i in index.get(first + timedelta(days=n), ())]


def _days_between(facts: Facts, first: date, last: date) -> list[DayFacts]:
    index: dict[date, DayFacts] | None = facts.memo.get("day_index")
    if index is None:
        index = {d.date: d for d in facts.classification.days}
        facts.memo["day_index"] = index
    count = max((last - first).days + 1, 0)
    found = (index.get(first + timedelta(days=n)) for n in range(count))
    return [d for d in found if d is not None]


def _compute_week_values(day: date, facts: Facts) -> dict[str, str]:
    settings = facts.settings
    monday = day - timedelta(days=day.weekday())
    week_days = _days_between(facts, monday, day)
    social = _social_between(facts, monday, day)
    missed = [s for s in social if s.status in MISSED]
    people = _people_met(facts, monday, day)
    gaps = week_gaps(day, facts)
    return {
        "rule": "",
        "social_lunches": str(sum(1 for d in week_days if d.lunch is Lunch.SOCIAL)),
        "alone_lunches": str(sum(1 for d in week_days if d.lunch is Lunch.ALONE)),
        "skipped_lunches": str(sum(1 for d in week_days if d.lunch is Lunch.SKIPPED)),
        "free_lunches": str(sum(1 for d in week_days if d.lunch is Lunch.FREE)),
        "lunch_goal": str(settings.goals.social_lunches_per_week),
        "people_met": str(len(people)),
        "people_goal": str(settings.goals.people_per_week),
        "missed": str(len(missed)),
        "missed_events": clean(", ".join(s.occurrence.info.summary for s in missed) or "none"),
        "free_gaps": ", ".join(gaps[:2]) or "none",
        "person": _someone_to_see(facts, monday, people),
    }


def _people_of(item: SocialFacts, me: frozenset[str]) -> dict[str, str]:
    """The other people at a social occurrence (those who did not decline), address → name."""
    return people_at(item.occurrence.info, me)


def _people_met(facts: Facts, first: date, last: date) -> set[str]:
    """The people met between two dates, by the one definition
    (:mod:`watercooler.progress.encounters`): at lunches with others and at socials I took
    part in."""
    index: dict[date, list[Contact]] | None = facts.memo.get("contacts_by_day")
    if index is None:
        index = {}
        for contact in fresh_history(facts).contacts:
            index.setdefault(contact.day, []).append(contact)
        facts.memo["contacts_by_day"] = index
    return {c.address for d, found in index.items() if first <= d <= last for c in found}


def _someone_to_see(facts: Facts, monday: date, met_this_week: set[str]) -> str:
    """The person met most often before this week and not yet this week."""
    key = ("seen before", monday)
    if key not in facts.memo:
        facts.memo[key] = _seen_before(facts, monday)
    counts, names = facts.memo[key]
    ranked = sorted(counts, key=lambda address: (-counts[address], address))
    fresh = [address for address in ranked if address not in met_this_week]
    return clean(names[fresh[0]]) if fresh else "someone you have not seen in a while"


def _seen_before(facts: Facts, monday: date) -> tuple[Counter[str], dict[str, str]]:
    """How often each person I met socially before a week was at social events before it,
    and their names; built week on week, so a year costs one pass over the events."""
    met, counts, names = _history_until(facts, monday)
    return Counter({a: n for a, n in counts.items() if a in met}), names


def _history_until(facts: Facts, monday: date) -> tuple[set[str], Counter[str], dict[str, str]]:
    key = ("history", monday)
    if key in facts.memo:
        return facts.memo[key]  # type: ignore[no-any-return]
    first = facts.days.first
    previous = monday - timedelta(days=7)
    if previous >= first:
        met, counts, names = _history_until(facts, previous)
        met, counts, names = set(met), Counter(counts), dict(names)
        start = previous
    else:
        met, counts, names, start = set(), Counter(), {}, first
    me = frozenset(facts.settings.me)
    for item in _social_between(facts, start, monday - timedelta(days=1)):
        people = _people_of(item, me)
        counts.update(people.keys())
        names.update(people)
        if item.status in (SocialStatus.ACCEPTED, SocialStatus.TENTATIVE):
            met.update(people)
    facts.memo[key] = (met, counts, names)
    return met, counts, names


def _span(start: datetime, end: datetime) -> str:
    return f"{start:%H:%M}–{end:%H:%M}"
