"""Weekly goals and runs from a history built by hand: a holiday never breaks a run, a
missed week ends one (and the words speak of the best run), the week under way breaks
nothing until it ends, and each goal keeps its own run."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from helpers import settings
from watercooler.progress.encounters import Contact
from watercooler.progress.history import DayRecord, History, SocialRecord
from watercooler.progress.render_words import run_sentence, streak_sentence
from watercooler.progress.report import build_report
from watercooler.progress.weeks import summarize_weeks
from watercooler.settings import Settings

MONDAY = date(2026, 3, 2)
"""Week 1 of the hand-made history (2026-W10); the DST change is in week 4."""


def day_at(day: date, hour: int, config: Settings) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=config.zone)


def week(
    history: dict[str, list[object]],
    number: int,
    outcomes: str,
    config: Settings,
    *,
    people: int = 0,
    socials: int = 0,
) -> None:
    """Add week ``number`` (0 = the week of MONDAY): one letter a workday (s social, a
    alone, k skipped, f free, o off, u unknown), ``people`` met at its Monday's lunch and
    ``socials`` accepted coffees on its Tuesday."""
    letters = {"s": "social", "a": "alone", "k": "skipped", "f": "free", "o": "off", "u": "unknown"}
    monday = MONDAY + timedelta(weeks=number)
    for offset, letter in enumerate(outcomes):
        day = monday + timedelta(days=offset)
        history["days"].append(DayRecord(day, letters[letter]))
    for offset in (5, 6):
        history["days"].append(DayRecord(monday + timedelta(days=offset), "off"))
    for n in range(people):
        start = day_at(monday, 12, config)
        history["contacts"].append(
            Contact(f"lunch{number}", f"p{n}@example.com", f"P{n}", monday, start, 4, "lunch")
        )
    for n in range(socials):
        tuesday = monday + timedelta(days=1)
        start = day_at(tuesday, 15, config) + timedelta(minutes=n)
        history["socials"].append(SocialRecord(f"coffee{number}-{n}", tuesday, start, "Coffee",
                                               "accepted"))  # fmt: skip


def build(spec: list[tuple[str, int, int]], config: Settings) -> History:
    parts: dict[str, list[object]] = {"days": [], "contacts": [], "socials": []}
    for number, (outcomes, people, socials) in enumerate(spec):
        week(parts, number, outcomes, config, people=people, socials=socials)
    days = {record.day: record for record in parts["days"]}  # type: ignore[attr-defined]
    last = MONDAY + timedelta(weeks=len(spec), days=-1)
    return History(MONDAY, last, days, tuple(parts["socials"]), tuple(parts["contacts"]))  # type: ignore[arg-type]


GOALS = {"social_lunches_per_week": 2, "people_per_week": 3, "socials_per_week": 1}
MET = ("ssfff", 3, 1)
"""A week meeting every goal: two social lunches, three people, one social."""


def test_a_holiday_week_between_met_weeks_never_breaks_the_run() -> None:
    config = settings(goals=GOALS)
    holiday = ("oooof", 0, 0)
    history = build([MET, MET, holiday, MET, MET], config)
    now = day_at(MONDAY + timedelta(weeks=5), 9, config)
    weeks = summarize_weeks(history, config, now)
    assert [w.rest for w in weeks[:5]] == [False, False, True, False, False]
    assert [w.streak for w in weeks[:5]] == [1, 2, 2, 3, 4]
    report = build_report(history, config, now, weeks=6)
    assert (report.streak, report.best_streak) == (4, 4)
    words = streak_sentence(report)
    assert words == (
        "Streak: 4 weeks in a row with every goal met; this week can make it 5. Best run: 4 weeks."
    )


def test_a_missed_week_ends_the_run_and_the_words_speak_of_the_best_run() -> None:
    config = settings(goals=GOALS)
    history = build([MET, MET, MET, ("aafff", 1, 0), MET], config)
    now = day_at(MONDAY + timedelta(weeks=5), 9, config)
    weeks = summarize_weeks(history, config, now)
    assert [w.streak for w in weeks[:5]] == [1, 2, 3, 0, 1]
    assert [w.met for w in weeks[:5]] == [True, True, True, False, True]
    report = build_report(history, config, now, weeks=3)
    assert len(report.weeks) == 3
    assert (report.streak, report.best_streak) == (1, 3)
    assert streak_sentence(report) == (
        "Streak: 1 week in a row with every goal met; this week can make it 2. Best run: 3 weeks."
    )
    assert (
        run_sentence(report.weeks, 0, 3) == "This week can start a new streak. Best run: 3 weeks."
    )


def test_the_week_under_way_breaks_nothing_until_it_ends() -> None:
    config = settings(goals=GOALS)
    history = build([MET, MET, ("affff", 0, 0)], config)
    tuesday = MONDAY + timedelta(weeks=2, days=1)
    during = build_report(history, config, day_at(tuesday, 15, config), weeks=3)
    assert during.weeks[-1].met is False
    assert during.weeks[-1].complete is False
    assert during.streak == 2
    after = build_report(history, config, day_at(tuesday + timedelta(days=6), 9, config), weeks=4)
    assert after.weeks[2].complete
    assert after.weeks[2].streak == 0
    assert (after.streak, after.best_streak) == (0, 2)


def test_each_goal_keeps_its_own_run_and_a_goal_of_zero_is_not_set() -> None:
    config = settings(goals={"social_lunches_per_week": 2, "people_per_week": 0,
                             "socials_per_week": 1})  # fmt: skip
    history = build([("ssfff", 0, 0), ("ssfff", 0, 1), ("sffff", 0, 1)], config)
    now = day_at(MONDAY + timedelta(weeks=3), 9, config)
    weeks = summarize_weeks(history, config, now)
    assert [g.name for g in weeks[0].goals] == ["social_lunches", "socials"]
    runs = [{g.name: g.streak for g in w.goals} for w in weeks[:3]]
    assert runs == [
        {"social_lunches": 1, "socials": 0},
        {"social_lunches": 2, "socials": 1},
        {"social_lunches": 0, "socials": 2},
    ]
    assert [w.streak for w in weeks[:3]] == [0, 1, 0]


def test_a_week_the_calendar_could_not_be_read_is_a_rest_week_counted_as_unknown() -> None:
    config = settings(goals=GOALS)
    history = build([MET, ("uuuuf", 0, 0), MET], config)
    now = day_at(MONDAY + timedelta(weeks=3), 9, config)
    weeks = summarize_weeks(history, config, now)
    assert weeks[1].rest
    assert weeks[1].lunches["unknown"] == 4
    assert [w.streak for w in weeks[:3]] == [1, 1, 2]
