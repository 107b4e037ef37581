"""A hand-made :class:`ProgressReport` for the renderers' tests (and anyone else's).

Deterministic: the same arguments always give the same report. Twelve weeks by default,
ending on Friday 27 March 2026 at 17:00 in Europe/Berlin, so the last week is still under
way (its weekend lies ahead). The history starts on the Wednesday of the first week (its
Monday and Tuesday have no record), week 6 is a rest week (three days off), and a few
workdays are ``unknown`` (a calendar could not be read). ``redacted=True`` gives the same
report with the names left out.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from watercooler.progress.model import (
    LUNCH_OUTCOMES,
    NO_RECORD,
    SOCIAL_STATUSES,
    DayCell,
    GoalProgress,
    ProgressReport,
    WeekSummary,
)

GENERATED = datetime(2026, 3, 27, 17, 0, tzinfo=ZoneInfo("Europe/Berlin"))
REST_WEEK = 5
"""The index of the rest week (the sixth)."""
GOALS = (("social_lunches", "social lunches", 2), ("people", "people met", 3))
NAMES = ("Ana", "Ben", "Chloé", "Dmitri", "Eun-ji", "Farid", "Greta", "Hiro")
WEEKS = (
    (("none", "none", "social", "free", "social"), 2),
    (("social", "alone", "social", "skipped", "unknown"), 3),
    (("social", "social", "free", "alone", "social"), 4),
    (("skipped", "alone", "social", "alone", "free"), 1),
    (("social", "alone", "social", "social", "free"), 3),
    (("social", "alone", "off", "off", "off"), 1),
    (("social", "skipped", "social", "free", "alone"), 5),
    (("alone", "social", "unknown", "social", "social"), 3),
    (("social", "free", "alone", "social", "skipped"), 4),
    (("skipped", "skipped", "alone", "free", "social"), 2),
    (("social", "social", "alone", "free", "social"), 3),
    (("social", "alone", "social", "unknown", "free"), 4),
)
"""Per week (modulo twelve): the five workdays' outcomes and how many people were met.
Goals met in weeks 2, 3, 5, 7-9, 11 and 12 (the sixth a rest week between): the run is
2 at the end, the best run 4."""


def sample_outcome(week: int, weekday: int, weeks: int = 12) -> str:
    """The outcome the sample gives day ``weekday`` (0 = Monday) of week ``week``."""
    if week == weeks - 1 and weekday >= 5:
        return NO_RECORD
    if weekday >= 5:
        return "off"
    outcome = WEEKS[week % len(WEEKS)][0][weekday]
    return "alone" if outcome == NO_RECORD and week else outcome


def sample_report(*, weeks: int = 12, redacted: bool = False) -> ProgressReport:
    """``weeks`` weeks of a made-up history, oldest first, ending in the week of
    :data:`GENERATED`."""
    last_monday = GENERATED.date() - timedelta(days=GENERATED.weekday())
    first_monday = last_monday - timedelta(weeks=weeks - 1)
    summaries: list[WeekSummary] = []
    for index in range(weeks):
        previous = summaries[-1] if summaries else None
        monday = first_monday + timedelta(weeks=index)
        summaries.append(_week(index, weeks, monday, previous, redacted=redacted))
    best = max((week.streak for week in summaries), default=0)
    goal_streaks = {
        name: (summaries[-1].goals[number].streak, max(w.goals[number].streak for w in summaries))
        for number, (name, _, _) in enumerate(GOALS)
    }
    latest = summaries[-1]
    return ProgressReport(
        generated=GENERATED,
        timezone="Europe/Berlin",
        weeks=tuple(summaries),
        streak=latest.streak,
        best_streak=best,
        goal_streaks=goal_streaks,
        summary=(
            f"This week: {latest.lunches['social']} lunches with others, "
            f"{latest.lunches['alone']} alone; you met {len(latest.people)} people."
        ),
        redacted=redacted,
    )


def _week(
    index: int, weeks: int, monday: date, previous: WeekSummary | None, *, redacted: bool
) -> WeekSummary:
    days = tuple(
        DayCell(
            date=monday + timedelta(days=weekday),
            outcome=sample_outcome(index, weekday, weeks),
            missed=1 if (index + weekday) % 9 == 0 else 0,
            future=monday + timedelta(days=weekday) > GENERATED.date(),
        )
        for weekday in range(7)
    )
    lunches = dict.fromkeys(LUNCH_OUTCOMES, 0)
    for day in days[:5]:
        if day.outcome in lunches:
            lunches[day.outcome] += 1
    socials = dict.fromkeys(SOCIAL_STATUSES, 0)
    socials["accepted"] = index % 3
    socials[SOCIAL_STATUSES[1 + index % 5]] = 1
    count = WEEKS[index % len(WEEKS)][1]
    met = tuple(NAMES[(index + number) % len(NAMES)] for number in range(count))
    people = tuple("" for _ in met) if redacted else met
    rest = index % len(WEEKS) == REST_WEEK
    complete = monday + timedelta(days=6) < GENERATED.date()
    actual = {"social_lunches": lunches["social"], "people": len(people)}
    goals = tuple(
        GoalProgress(
            name=name,
            label=label,
            target=target,
            actual=actual[name],
            streak=_run(
                previous.goals[number].streak if previous else 0,
                actual[name] >= target,
                counts=complete and not rest,
            ),
        )
        for number, (name, label, target) in enumerate(GOALS)
    )
    every = all(goal.met for goal in goals)
    streak = _run(previous.streak if previous else 0, every, counts=complete and not rest)
    return WeekSummary(
        monday=monday,
        days=days,
        lunches=lunches,
        socials=socials,
        people=people,
        goals=goals,
        rest=rest,
        streak=streak,
        complete=complete,
        missed=sum(day.missed for day in days),
    )


def _run(before: int, met: bool, *, counts: bool) -> int:
    """The run after a week: one longer when met, none when missed, unchanged when the week
    does not count (a rest week, or one still under way and not met yet)."""
    if met:
        return before + 1
    return 0 if counts else before
