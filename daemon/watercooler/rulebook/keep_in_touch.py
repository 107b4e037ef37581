"""The ``people`` trigger's judgement: who is overdue on the trigger's day, and a real free
gap this week to suggest.

A person is overdue when no contact with them (see :mod:`watercooler.progress.people`)
lies within their ``every`` of the nudge's due time; one never seen is overdue from the
start. Without a free gap of half an hour left in the week, nothing is suggested.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from watercooler.progress.history import History
from watercooler.progress.people import PersonStatus, configured_people, suggested_people
from watercooler.rulebook.values import Facts, clean, fresh_history, week_gaps, week_values
from watercooler.text import short_time
from watercooler.timebox import WEEKDAYS


@dataclass(frozen=True, slots=True)
class Judged:
    """One person on one day: whether the rule fires, why, and the message's values."""

    subject: str
    due: datetime
    fires: bool
    reason: str
    values: dict[str, str]


def judge_people(
    facts: Facts, weekday: str, suggested: bool, due_of: Callable[[date], datetime]
) -> list[Judged]:
    """Every person to keep in touch with, on each ``weekday`` of the days looked at."""
    history = facts.history or fresh_history(facts)
    number = WEEKDAYS.index(weekday)
    out = []
    for day in facts.days.days():
        if day.weekday() != number:
            continue
        due = due_of(day)
        people = _people(history, facts, due, suggested)
        week = week_values(day, facts)
        gaps = week_gaps(day, facts)
        gap = gaps[0] if gaps else ""
        year, iso_week, _ = day.isocalendar()
        for person in people:
            subject = f"{person.slug}/{year}-W{iso_week:02d}"
            fires, reason = _verdict(person, due, gap)
            values = {
                **week,
                "date": day.isoformat(),
                "day": f"{day:%A}",
                "person": clean(person.name),
                "email": person.addresses[0],
                "every": _weeks(person),
                "last_contact": _last_words(person, facts),
                "gap": gap,
            }
            out.append(Judged(subject, due, fires, reason, values))
    return out


def _people(history: History, facts: Facts, due: datetime, suggested: bool) -> list[PersonStatus]:
    people = configured_people(history, facts.settings, due)
    if suggested:
        people += suggested_people(history, facts.settings, due)
    return people


def _verdict(person: PersonStatus, due: datetime, gap: str) -> tuple[bool, str]:
    if not person.overdue(due):
        return False, f"seen {person.name} lately; next due {short_time(person.next_due(due))}"
    if not gap:
        return False, f"{person.name} is overdue, but no free gap is left this week"
    seen = "never seen" if person.last is None else f"last seen {person.last.day:%a %d %b}"
    return True, f"{person.name} is overdue ({seen}); free: {gap}"


def _weeks(person: PersonStatus) -> str:
    days = person.every.days
    return f"{days // 7} weeks" if days % 7 == 0 and days >= 14 else f"{days} days"


def _last_words(person: PersonStatus, facts: Facts) -> str:
    if person.last is None:
        return "none in your calendar yet"
    last = person.last
    start = last.start.astimezone(facts.settings.zone)
    return f"on {start:%a %d %b}"
