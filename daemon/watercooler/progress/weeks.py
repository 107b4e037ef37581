"""Weekly goals and streaks, from the history: the arithmetic behind the report.

A week is Monday to Sunday in the user's zone. A goal of 0 is not set; a week counts when
every goal set is met, and each goal keeps its own run too. A week with fewer than half of
its workdays at work (holiday, sickness, a calendar that could not be read) is a rest
week: it neither extends nor breaks a run. The current week only joins a run once it is
met: until it ends, a goal not yet met breaks nothing.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from watercooler.progress.encounters import Contact
from watercooler.progress.history import History, SocialRecord
from watercooler.progress.missed import missed_chances
from watercooler.progress.model import (
    LUNCH_OUTCOMES,
    NO_RECORD,
    SOCIAL_STATUSES,
    DayCell,
    GoalProgress,
    WeekSummary,
)
from watercooler.settings import Settings
from watercooler.timebox import at_local_time

AT_WORK = frozenset({"social", "alone", "skipped", "free"})
ATTENDED = frozenset({"accepted", "tentative"})
GOAL_LABELS = {
    "social_lunches": "social lunches",
    "people": "people met",
    "socials": "socials attended",
}


@dataclass(frozen=True, slots=True)
class _Goal:
    name: str
    target: int


def goals_of(settings: Settings) -> list[_Goal]:
    """The weekly goals that are set (above 0), in a fixed order."""
    goals = settings.goals
    chosen = (
        _Goal("social_lunches", goals.social_lunches_per_week),
        _Goal("people", goals.people_per_week),
        _Goal("socials", goals.socials_per_week),
    )
    return [goal for goal in chosen if goal.target > 0]


def monday_of(day: date) -> date:
    """The Monday of a day's week."""
    return day - timedelta(days=day.weekday())


def summarize_weeks(
    history: History,
    settings: Settings,
    now: datetime,
    dismissed: Collection[str] = (),
) -> list[WeekSummary]:
    """Every week from the history's first to ``now``'s, oldest first, with its runs."""
    if not history.days:
        return []
    local_now = now.astimezone(settings.zone)
    missed = Counter(
        m.day for m in missed_chances(history, local_now, settings.lunch.end, dismissed)
    )
    first, last = monday_of(history.first), monday_of(local_now.date())
    socials: dict[date, list[SocialRecord]] = defaultdict(list)
    for social in history.socials:
        socials[monday_of(social.day)].append(social)
    people: dict[date, list[Contact]] = defaultdict(list)
    for contact in history.contacts:
        people[monday_of(contact.day)].append(contact)
    runs: dict[str, int] = {goal.name: 0 for goal in goals_of(settings)}
    run = 0
    weeks = []
    monday = first
    while monday <= last:
        seen = (socials.get(monday, []), people.get(monday, []))
        week = _week(history, settings, local_now, monday, missed, seen)
        complete = week.complete
        if not week.rest and week.goals:
            for goal in week.goals:
                if goal.met:
                    runs[goal.name] += 1
                elif complete:
                    runs[goal.name] = 0
            if week.met:
                run += 1
            elif complete:
                run = 0
        goals = tuple(
            GoalProgress(g.name, g.label, g.target, g.actual, runs[g.name]) for g in week.goals
        )
        weeks.append(replace(week, goals=goals, streak=run))
        monday += timedelta(weeks=1)
    return weeks


def _week(
    history: History,
    settings: Settings,
    now: datetime,
    monday: date,
    missed: Counter[date],
    seen: tuple[list[SocialRecord], list[Contact]],
) -> WeekSummary:
    """One week's counts, without its runs (filled in by the caller, in order)."""
    sunday = monday + timedelta(days=6)
    today = now.date()
    lunch_over = now >= at_local_time(today, settings.lunch.end, settings.zone)
    cells = []
    lunches = dict.fromkeys(LUNCH_OUTCOMES, 0)
    at_work = workdays = 0
    for offset in range(7):
        day = monday + timedelta(days=offset)
        record = history.days.get(day)
        future = day > today or (day == today and not lunch_over)
        outcome = record.outcome if record is not None and not future else NO_RECORD
        cells.append(DayCell(day, outcome, missed.get(day, 0), future))
        if outcome in lunches:
            lunches[outcome] += 1
        if day.weekday() in settings.workday_numbers:
            workdays += 1
            at_work += outcome in AT_WORK or future
    socials = dict.fromkeys(SOCIAL_STATUSES, 0)
    attended = 0
    for social in seen[0]:
        if social.start <= now:
            socials[social.status] = socials.get(social.status, 0) + 1
            attended += social.status in ATTENDED
    people: dict[str, str] = {}
    for contact in seen[1]:
        if contact.start <= now:
            people[contact.address] = contact.name or contact.address
    actual = {"social_lunches": lunches["social"], "people": len(people), "socials": attended}
    goals = tuple(
        GoalProgress(g.name, GOAL_LABELS[g.name], g.target, actual[g.name], 0)
        for g in goals_of(settings)
    )
    rest = at_work * 2 < workdays
    complete = sunday < today
    names = tuple(sorted(people.values(), key=str.casefold))
    return WeekSummary(
        monday, tuple(cells), lunches, socials, names, goals, rest, 0, complete,
        sum(missed.get(monday + timedelta(days=n), 0) for n in range(7)),
    )  # fmt: skip


def best_runs(weeks: list[WeekSummary]) -> tuple[int, dict[str, tuple[int, int]]]:
    """The longest run of weeks with every goal met, and per goal (current, best)."""
    best = max((week.streak for week in weeks), default=0)
    per_goal: dict[str, tuple[int, int]] = {}
    for week in weeks:
        for goal in week.goals:
            _, top = per_goal.get(goal.name, (0, 0))
            per_goal[goal.name] = (goal.streak, max(top, goal.streak))
    return best, per_goal
