"""The nine default rules: each fires where it should and stays quiet where it should.

Small calendars in Europe/Berlin with ana@example.com as "me", run through ``run_check``
with the shipped rules. The week under test is Mon 9 to Fri 13 March 2026 (winter time,
+01:00) unless a test says otherwise; clocks go forward on Sunday 29 March 2026.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pytest

from helpers import ME, calendar, event, settings
from watercooler.check import CheckResult, run_check
from watercooler.rulebook.evaluate import explain
from watercooler.rulebook.format import Rule
from watercooler.rulebook.loading import load_rulebook
from watercooler.settings import Settings
from watercooler.sources.files import IcsFileSource

RULES: dict[str, Rule] = {loaded.rule.id: loaded.rule for loaded in load_rulebook(None).active()}
MON, TUE, WED, THU, FRI = "20260309", "20260310", "20260311", "20260312", "20260313"
BOB, EVE, JOE = "bob@example.com", "eve@example.com", "joe@example.com"
_files = itertools.count(1)


# -- running check with the default rules ---------------------------------------------------


def run(
    tmp_path: Path,
    *events: str,
    now: str = "2026-03-09T07:00:00",
    back: int = 0,
    ahead: int = 4,
    config: Settings | None = None,
    rules: list[Rule] | None = None,
) -> CheckResult:
    """Check one calendar with the default rules (or ``rules``); ``now`` without offset is
    Berlin time."""
    path = tmp_path / f"calendar-{next(_files)}.ics"
    path.write_text(calendar(*events), encoding="utf-8")
    config = config or settings()
    moment = datetime.fromisoformat(now)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=config.zone)
    chosen = list(RULES.values()) if rules is None else rules
    return run_check(config, [IcsFileSource(path)], moment, back, ahead, rules=chosen)


def of(result: CheckResult, rule: str) -> list[dict[str, Any]]:
    """The nudges of one rule."""
    return [nudge for nudge in result.nudges if nudge["rule"] == rule]


def dues(result: CheckResult, rule: str) -> list[str]:
    return [nudge["due"] for nudge in of(result, rule)]


def verdicts(result: CheckResult, rule: str) -> dict[str, tuple[bool, str]]:
    """Every subject the rule looked at: whether it fires and why."""
    assert result.facts is not None
    return {
        candidate.subject: (nudge is not None, candidate.reason)
        for candidate, nudge in explain(RULES[rule], result.facts)
    }


# -- calendar pieces ------------------------------------------------------------------------


def desk(day: str) -> str:
    return event("Lunch at my desk", f"{day}T120000", f"{day}T123000")


def team_lunch(day: str, *people: str) -> str:
    others = people or (BOB,)
    return event(
        "Team lunch",
        f"{day}T120000",
        f"{day}T130000",
        attendees=[(ME, "ACCEPTED"), *((who, "ACCEPTED") for who in others)],
    )


def meetings_over_lunch(day: str) -> str:
    return event("Steering committee", f"{day}T113000", f"{day}T140000")


def social(
    summary: str,
    day: str,
    start: str = "150000",
    end: str = "153000",
    mine: str = "ACCEPTED",
    *others: str,
    uid: str | None = None,
    lines: tuple[str, ...] = (),
) -> str:
    """A social event I am invited to with PARTSTAT ``mine``; others accepted."""
    return event(
        summary,
        f"{day}T{start}",
        f"{day}T{end}",
        uid=uid,
        attendees=[(ME, mine), *((who, "ACCEPTED") for who in (others or (BOB,)))],
        lines=lines,
    )


def vacation(first: str, after: str) -> str:
    return event("Vacation", first, after)


def test_the_ten_default_rules_are_the_ones_under_test() -> None:
    assert sorted(RULES) == [
        "deadline-celebration",
        "desk-lunch-streak",
        "free-lunch-slot",
        "keep-in-touch",
        "lunch-swallowed",
        "monday-plan",
        "outreach-quota",
        "social-missed",
        "social-unanswered",
        "weekly-reflection",
    ]


def test_every_nudge_has_exactly_the_documented_fields(tmp_path: Path) -> None:
    result = run(tmp_path, desk(MON), desk(TUE), social("Drinks", THU, mine="DECLINED"))
    assert result.nudges
    for nudge in result.nudges:
        assert set(nudge) == {"rule", "tip", "due", "title", "body", "key"}
        assert nudge["tip"] == RULES[nudge["rule"]].tip
        assert nudge["key"].startswith(nudge["rule"] + "/")


# -- desk-lunch-streak ------------------------------------------------------------------------


def test_desk_lunch_streak_fires_on_the_second_lunch_alone_45_minutes_before_lunch(
    tmp_path: Path,
) -> None:
    result = run(tmp_path, desk(MON), desk(TUE))
    assert of(result, "desk-lunch-streak") == [
        {
            "rule": "desk-lunch-streak",
            "tip": 2,
            "due": "2026-03-10T10:45:00+01:00",
            "title": "2 lunches alone lately",
            "body": "2 of your last 5 workday lunches were on your own (Lunch at my desk "
            "today). Ask who is heading out and go along: a meal together is where work "
            "friendships start.",
            "key": "desk-lunch-streak/2026-03-10",
        }
    ]
    assert verdicts(result, "desk-lunch-streak")["2026-03-09"] == (
        False,
        "1 of the last 5 workdays, fewer than 2",
    )


def test_desk_lunch_streak_stays_quiet_with_one_lunch_alone_in_a_sociable_week(
    tmp_path: Path,
) -> None:
    result = run(tmp_path, desk(MON), team_lunch(TUE), team_lunch(WED), team_lunch(THU))
    assert of(result, "desk-lunch-streak") == []


def test_desk_lunch_streak_stays_quiet_on_a_free_or_skipped_day_after_lunches_alone(
    tmp_path: Path,
) -> None:
    result = run(tmp_path, desk(MON), meetings_over_lunch(TUE))
    assert of(result, "desk-lunch-streak") == []
    assert verdicts(result, "desk-lunch-streak")["2026-03-10"] == (
        False,
        "lunch is skipped, not alone",
    )


def test_desk_lunch_streak_counts_workdays_so_a_weekend_does_not_break_it(
    tmp_path: Path,
) -> None:
    result = run(tmp_path, desk("20260306"), desk(MON), back=3, ahead=0)
    assert dues(result, "desk-lunch-streak") == ["2026-03-09T10:45:00+01:00"]


def test_desk_lunch_streak_forgets_a_lunch_alone_six_workdays_ago(tmp_path: Path) -> None:
    sociable = [team_lunch(day) for day in ("20260303", "20260304", "20260305", "20260306")]
    result = run(tmp_path, desk("20260302"), *sociable, desk(MON), back=7, ahead=0)
    assert of(result, "desk-lunch-streak") == []
    assert verdicts(result, "desk-lunch-streak")["2026-03-09"] == (
        False,
        "1 of the last 5 workdays, fewer than 2",
    )


def test_desk_lunch_streak_keeps_its_two_day_cooldown_and_two_a_week(tmp_path: Path) -> None:
    days = ["20260305", "20260306", MON, TUE, WED, THU, FRI]
    result = run(tmp_path, *(desk(day) for day in days), now="2026-03-13T07:00", back=8, ahead=0)
    assert dues(result, "desk-lunch-streak") == [
        "2026-03-06T10:45:00+01:00",
        "2026-03-09T10:45:00+01:00",
        "2026-03-11T10:45:00+01:00",
    ]
    seen = verdicts(result, "desk-lunch-streak")
    assert seen["2026-03-10"] == (False, "cooling down until Wed 11 Mar 10:45")
    assert seen["2026-03-12"] == (False, "cooling down until Fri 13 Mar 10:45")
    assert seen["2026-03-13"] == (False, "already 2 this week")


# -- lunch-swallowed ------------------------------------------------------------------------


def test_lunch_swallowed_fires_at_half_past_eight_on_the_morning_of_a_skipped_day(
    tmp_path: Path,
) -> None:
    result = run(tmp_path, meetings_over_lunch(WED))
    assert of(result, "lunch-swallowed") == [
        {
            "rule": "lunch-swallowed",
            "tip": 2,
            "due": "2026-03-11T08:30:00+01:00",
            "title": "No lunch break on Wednesday",
            "body": "Your meetings leave no half hour free over lunch. Move one of them and "
            "keep a lunch slot for the people around you; free stretches today: "
            "09:00–11:30, 14:00–18:00.",
            "key": "lunch-swallowed/2026-03-11",
        }
    ]


def test_lunch_swallowed_stays_quiet_when_half_an_hour_is_left_between_meetings(
    tmp_path: Path,
) -> None:
    result = run(
        tmp_path,
        event("Design review", f"{WED}T113000", f"{WED}T123000"),
        event("1:1", f"{WED}T130000", f"{WED}T140000"),
    )
    assert of(result, "lunch-swallowed") == []


def test_lunch_swallowed_stays_quiet_on_a_day_off_full_of_meetings(tmp_path: Path) -> None:
    result = run(tmp_path, meetings_over_lunch("20260314"), now="2026-03-14T07:00", ahead=0)
    assert of(result, "lunch-swallowed") == []


def test_lunch_swallowed_fires_at_most_three_times_a_week(tmp_path: Path) -> None:
    result = run(tmp_path, *(meetings_over_lunch(day) for day in (MON, TUE, WED, THU)))
    assert dues(result, "lunch-swallowed") == [
        "2026-03-09T08:30:00+01:00",
        "2026-03-10T08:30:00+01:00",
        "2026-03-11T08:30:00+01:00",
    ]
    assert verdicts(result, "lunch-swallowed")["2026-03-12"] == (False, "already 3 this week")


# -- free-lunch-slot ------------------------------------------------------------------------


def test_free_lunch_slot_fires_90_minutes_before_lunch_naming_the_free_window(
    tmp_path: Path,
) -> None:
    busy = [team_lunch(MON), desk(WED), meetings_over_lunch(THU), team_lunch(FRI)]
    result = run(tmp_path, *busy)
    assert of(result, "free-lunch-slot") == [
        {
            "rule": "free-lunch-slot",
            "tip": 2,
            "due": "2026-03-10T10:00:00+01:00",
            "title": "Your 11:30–14:00 is free",
            "body": "Nothing is planned over lunch (11:30–14:00). Invite a colleague, or "
            "someone you have not seen in a while, instead of eating at your desk.",
            "key": "free-lunch-slot/2026-03-10",
        }
    ]


def test_free_lunch_slot_names_the_longest_free_stretch_of_the_lunch_window(
    tmp_path: Path,
) -> None:
    result = run(
        tmp_path,
        event("Standup", f"{MON}T113000", f"{MON}T120000"),
        now="2026-03-09T07:00",
        ahead=0,
    )
    assert [nudge["title"] for nudge in of(result, "free-lunch-slot")] == [
        "Your 12:00–14:00 is free"
    ]


def test_free_lunch_slot_suggests_someone_met_socially_before_this_week(tmp_path: Path) -> None:
    earlier = social("Coffee", "20260304", "150000", "153000", "ACCEPTED", EVE)
    result = run(tmp_path, earlier, now="2026-03-09T07:00", back=7, ahead=0)
    nudge = of(result, "free-lunch-slot")[-1]
    assert nudge["key"] == "free-lunch-slot/2026-03-09"
    assert "Invite a colleague, or eve, instead" in nudge["body"]


def test_free_lunch_slot_stays_quiet_on_weekends_and_on_taken_lunches(tmp_path: Path) -> None:
    result = run(
        tmp_path,
        team_lunch(MON),
        desk(TUE),
        meetings_over_lunch(WED),
        team_lunch(THU),
        team_lunch(FRI),
        ahead=6,
    )
    assert of(result, "free-lunch-slot") == []


def test_free_lunch_slot_fires_at_most_three_times_a_week(tmp_path: Path) -> None:
    result = run(tmp_path)
    assert dues(result, "free-lunch-slot") == [
        "2026-03-09T10:00:00+01:00",
        "2026-03-10T10:00:00+01:00",
        "2026-03-11T10:00:00+01:00",
    ]
    assert verdicts(result, "free-lunch-slot")["2026-03-12"] == (False, "already 3 this week")


# -- social-unanswered ------------------------------------------------------------------------


def test_social_unanswered_fires_a_day_before_an_unanswered_social_event(tmp_path: Path) -> None:
    coffee = social("Coffee with Sam", WED, mine="NEEDS-ACTION", uid="coffee@test")
    result = run(tmp_path, coffee)
    assert of(result, "social-unanswered") == [
        {
            "rule": "social-unanswered",
            "tip": 2,
            "due": "2026-03-10T15:00:00+01:00",
            "title": "Still undecided: Coffee with Sam",
            "body": "Coffee with Sam is on Wednesday at 15:00 and you have not said yes. "
            "Saying yes is cheaper than it feels: even a short visit counts.",
            "key": "social-unanswered/coffee@test@20260311T140000Z",
        }
    ]


def test_social_unanswered_fires_for_a_tentative_answer_too(tmp_path: Path) -> None:
    result = run(tmp_path, social("Birthday cake", THU, mine="TENTATIVE"))
    assert dues(result, "social-unanswered") == ["2026-03-11T15:00:00+01:00"]


@pytest.mark.parametrize(
    ("mine", "lines"),
    [
        ("ACCEPTED", ()),
        ("DECLINED", ()),
        ("NEEDS-ACTION", ("STATUS:CANCELLED",)),
    ],
    ids=["accepted", "declined", "cancelled"],
)
def test_social_unanswered_stays_quiet_for_an_answered_or_cancelled_event(
    tmp_path: Path, mine: str, lines: tuple[str, ...]
) -> None:
    result = run(tmp_path, social("Happy hour", THU, "170000", "190000", mine, lines=lines))
    assert of(result, "social-unanswered") == []


def test_social_unanswered_stays_quiet_for_a_social_event_i_am_not_invited_to(
    tmp_path: Path,
) -> None:
    result = run(tmp_path, event("Coffee corner", f"{THU}T150000", f"{THU}T153000"))
    assert of(result, "social-unanswered") == []


def test_social_unanswered_leaves_a_nudge_due_before_the_range_out(tmp_path: Path) -> None:
    coffee = social("Coffee", TUE, mine="NEEDS-ACTION")
    result = run(tmp_path, coffee, now="2026-03-10T07:00", ahead=3)
    assert of(result, "social-unanswered") == []
    (seen,) = verdicts(result, "social-unanswered").values()
    assert seen == (False, "due Mon 09 Mar 15:00, outside the range")


# -- social-missed ------------------------------------------------------------------------


def test_social_missed_fires_a_quarter_hour_before_a_declined_social_event(
    tmp_path: Path,
) -> None:
    drinks = social("Drinks", THU, "170000", "190000", "DECLINED", uid="drinks@test")
    result = run(tmp_path, drinks)
    assert of(result, "social-missed") == [
        {
            "rule": "social-missed",
            "tip": 2,
            "due": "2026-03-12T16:45:00+01:00",
            "title": "Drop by Drinks for five minutes",
            "body": "Drinks (17:00–19:00) clashes with your plans. Five minutes there still "
            "shows up for the people who organised it.",
            "key": "social-missed/drinks@test@20260312T160000Z",
        }
    ]


def test_social_missed_fires_for_a_social_event_a_meeting_covers(tmp_path: Path) -> None:
    coffee = social("Coffee", WED, "150000", "153000", "ACCEPTED")
    review = event("Incident review", f"{WED}T143000", f"{WED}T160000")
    result = run(tmp_path, coffee, review)
    assert dues(result, "social-missed") == ["2026-03-11T14:45:00+01:00"]


@pytest.mark.parametrize("mine", ["ACCEPTED", "NEEDS-ACTION", "TENTATIVE"])
def test_social_missed_stays_quiet_for_an_event_i_can_still_go_to(
    tmp_path: Path, mine: str
) -> None:
    result = run(tmp_path, social("Coffee", WED, mine=mine))
    assert of(result, "social-missed") == []


def test_social_missed_fires_at_most_three_times_a_week(tmp_path: Path) -> None:
    declined = [social("Coffee", day, mine="DECLINED") for day in (MON, TUE, WED, THU)]
    result = run(tmp_path, *declined)
    assert dues(result, "social-missed") == [
        "2026-03-09T14:45:00+01:00",
        "2026-03-10T14:45:00+01:00",
        "2026-03-11T14:45:00+01:00",
    ]


# -- monday-plan ------------------------------------------------------------------------


def test_monday_plan_fires_at_nine_on_monday_with_two_free_gaps_of_the_week(
    tmp_path: Path,
) -> None:
    standup = event("Standup", f"{MON}T090000", f"{MON}T093000")
    result = run(tmp_path, standup, meetings_over_lunch(MON))
    assert of(result, "monday-plan") == [
        {
            "rule": "monday-plan",
            "tip": 1,
            "due": "2026-03-09T09:00:00+01:00",
            "title": "Two small encounters this week",
            "body": "Relationships grow from many small meetings. This week you could use "
            "Mon 14:00–15:00, Tue 09:00–10:00 for a coffee or a walk with a colleague.",
            "key": "monday-plan/2026-W11",
        }
    ]


def test_monday_plan_stays_quiet_in_a_range_without_a_monday(tmp_path: Path) -> None:
    result = run(tmp_path, now="2026-03-10T07:00", ahead=3)
    assert of(result, "monday-plan") == []


# -- weekly-reflection ------------------------------------------------------------------------


def reflective_week() -> list[str]:
    return [
        team_lunch(MON, BOB),
        desk(TUE),
        meetings_over_lunch(WED),
        social("Drinks", THU, "170000", "190000", "DECLINED"),
    ]


def test_weekly_reflection_fires_on_friday_afternoon_with_the_week_in_numbers(
    tmp_path: Path,
) -> None:
    result = run(tmp_path, *reflective_week())
    assert of(result, "weekly-reflection") == [
        {
            "rule": "weekly-reflection",
            "tip": 3,
            "due": "2026-03-13T15:00:00+01:00",
            "title": "Your week: 1 of 2 social lunches",
            "body": "This week: 1/2 social lunches, 1/3 people met, 1/1 socials attended ✓. "
            "This week can start a new streak. From the journal: Tue desk lunch, Wed "
            "lunch lost to meetings, Thu declined Drinks. Pick one small change for next week.",
            "key": "weekly-reflection/2026-W11",
        }
    ]


def test_weekly_reflection_uses_the_goal_from_config(tmp_path: Path) -> None:
    config = settings(goals={"social_lunches_per_week": 4, "people_per_week": 5})
    result = run(tmp_path, *reflective_week(), config=config)
    (nudge,) = of(result, "weekly-reflection")
    assert nudge["title"] == "Your week: 1 of 4 social lunches"
    assert "1/4 social lunches, 1/5 people met" in nudge["body"]


def test_weekly_reflection_stays_quiet_in_a_range_that_ends_before_friday(
    tmp_path: Path,
) -> None:
    result = run(tmp_path, *reflective_week(), ahead=3)
    assert of(result, "weekly-reflection") == []


def test_weekly_reflection_fires_once_a_week(tmp_path: Path) -> None:
    result = run(tmp_path, now="2026-03-02T07:00", ahead=13)
    assert [n["key"] for n in of(result, "weekly-reflection")] == [
        "weekly-reflection/2026-W10",
        "weekly-reflection/2026-W11",
    ]


def test_weekly_reflection_counts_the_whole_week_even_when_the_range_starts_on_friday(
    tmp_path: Path,
) -> None:
    """The Friday nudge has one key per week, so it must say the same in every run."""
    week = [team_lunch(MON, BOB), team_lunch(TUE, EVE), desk(THU), desk(FRI)]
    whole_week = of(
        run(tmp_path, *week, now="2026-03-13T07:00", back=4, ahead=0), "weekly-reflection"
    )
    friday_only = of(
        run(tmp_path, *week, now="2026-03-13T07:00", back=0, ahead=0), "weekly-reflection"
    )
    assert whole_week[0]["title"] == "Your week: 2 of 2 social lunches"
    assert friday_only == whole_week


# -- outreach-quota ------------------------------------------------------------------------


def test_outreach_quota_fires_on_wednesday_when_fewer_people_were_met_than_the_goal(
    tmp_path: Path,
) -> None:
    last_week = social("Coffee", "20260303", "150000", "153000", "ACCEPTED", JOE)
    this_week = social("Coffee", MON, "150000", "153000", "ACCEPTED", BOB)
    result = run(tmp_path, last_week, this_week, back=7)
    assert of(result, "outreach-quota")[1:] == [
        {
            "rule": "outreach-quota",
            "tip": 4,
            "due": "2026-03-11T10:00:00+01:00",
            "title": "1 of 3 people so far this week",
            "body": "Send joe something worth reading or ask them out for a coffee this week: "
            "contacts stay alive when you reach out.",
            "key": "outreach-quota/2026-W11",
        }
    ]


def test_outreach_quota_stays_quiet_once_the_weekly_goal_of_people_is_met(
    tmp_path: Path,
) -> None:
    result = run(tmp_path, social("Coffee", TUE, "150000", "153000", "ACCEPTED", BOB, EVE, JOE))
    assert of(result, "outreach-quota") == []
    assert verdicts(result, "outreach-quota")["2026-W11"] == (False, "met 3 of 3 people this week")


def test_outreach_quota_does_not_count_people_at_events_i_declined(tmp_path: Path) -> None:
    result = run(tmp_path, social("Coffee", TUE, "150000", "153000", "DECLINED", BOB, EVE, JOE))
    assert dues(result, "outreach-quota") == ["2026-03-11T10:00:00+01:00"]


def test_outreach_quota_follows_the_goal_in_config(tmp_path: Path) -> None:
    config = settings(goals={"people_per_week": 1})
    result = run(
        tmp_path, social("Coffee", MON, "150000", "153000", "ACCEPTED", BOB), config=config
    )
    assert of(result, "outreach-quota") == []


# -- deadline-celebration ------------------------------------------------------------------------


def test_deadline_celebration_fires_an_hour_after_a_release_ends_naming_the_people(
    tmp_path: Path,
) -> None:
    release = event(
        "Release 2.0",
        f"{THU}T140000",
        f"{THU}T150000",
        uid="release@test",
        attendees=[(ME, "ACCEPTED"), (EVE, "ACCEPTED"), (BOB, "ACCEPTED")],
    )
    result = run(tmp_path, release)
    assert of(result, "deadline-celebration") == [
        {
            "rule": "deadline-celebration",
            "tip": 4,
            "due": "2026-03-12T16:00:00+01:00",
            "title": "Release 2.0 is done",
            "body": "Celebrate it with bob, eve: coffee or pizza for the team turns a shared "
            "deadline into a shared memory.",
            "key": "deadline-celebration/release@test@20260312T130000Z",
        }
    ]


@pytest.mark.parametrize("summary", ["Deadline: Q1 report", "Go-live", "We shipped it"])
def test_deadline_celebration_hears_each_of_its_words(tmp_path: Path, summary: str) -> None:
    result = run(tmp_path, event(summary, f"{TUE}T100000", f"{TUE}T110000"))
    assert dues(result, "deadline-celebration") == ["2026-03-10T12:00:00+01:00"]


@pytest.mark.parametrize("summary", ["Shipment tracking", "Releases planning", "Relaunching"])
def test_deadline_celebration_matches_whole_words_only(tmp_path: Path, summary: str) -> None:
    result = run(tmp_path, event(summary, f"{TUE}T100000", f"{TUE}T110000"))
    assert of(result, "deadline-celebration") == []


@pytest.mark.parametrize(
    ("attendees", "lines"),
    [([(ME, "DECLINED")], ()), ([], ("STATUS:CANCELLED",)), ([], ("TRANSP:TRANSPARENT",))],
    ids=["declined", "cancelled", "free-time"],
)
def test_deadline_celebration_stays_quiet_for_a_launch_i_was_not_at(
    tmp_path: Path, attendees: list[tuple[str, str]], lines: tuple[str, ...]
) -> None:
    launch = event("Launch", f"{TUE}T100000", f"{TUE}T110000", attendees=attendees, lines=lines)
    result = run(tmp_path, launch)
    assert of(result, "deadline-celebration") == []


def test_deadline_celebration_stays_quiet_for_a_cancelled_all_day_launch(
    tmp_path: Path,
) -> None:
    result = run(tmp_path, event("Launch day", TUE, WED, lines=["STATUS:CANCELLED"]))
    assert of(result, "deadline-celebration") == []


# -- weekly rules on a week off ------------------------------------------------------------------


@pytest.mark.parametrize("rule", ["monday-plan", "outreach-quota", "weekly-reflection"])
def test_weekly_rules_stay_quiet_in_a_week_of_vacation(tmp_path: Path, rule: str) -> None:
    result = run(tmp_path, vacation(MON, "20260314"))
    assert [str(day.lunch) for day in result.classification.days] == ["off"] * 5
    assert of(result, rule) == []


# -- the change to summer time (Sunday 29 March 2026) --------------------------------------------


def test_due_times_keep_their_wall_clock_time_across_the_change_to_summer_time(
    tmp_path: Path,
) -> None:
    events = [
        desk("20260326"),
        desk("20260327"),
        desk("20260330"),
        meetings_over_lunch("20260331"),
        social("Coffee", "20260330", "150000", "153000", "NEEDS-ACTION"),
        social("Drinks", "20260401", "170000", "190000", "DECLINED"),
    ]
    result = run(tmp_path, *events, now="2026-03-23T07:00", back=0, ahead=11)
    wall = {(n["rule"], n["due"]) for n in result.nudges}
    assert {
        ("monday-plan", "2026-03-23T09:00:00+01:00"),
        ("monday-plan", "2026-03-30T09:00:00+02:00"),
        ("free-lunch-slot", "2026-03-23T10:00:00+01:00"),
        ("desk-lunch-streak", "2026-03-27T10:45:00+01:00"),
        ("weekly-reflection", "2026-03-27T15:00:00+01:00"),
        ("social-unanswered", "2026-03-30T09:00:00+02:00"),  # due on Sunday: moved
        ("desk-lunch-streak", "2026-03-30T10:45:00+02:00"),
        ("lunch-swallowed", "2026-03-31T08:30:00+02:00"),
        ("outreach-quota", "2026-04-01T10:00:00+02:00"),
        ("social-missed", "2026-04-01T16:45:00+02:00"),
        ("weekly-reflection", "2026-04-03T15:00:00+02:00"),
    } <= wall
    for nudge in result.nudges:
        due = datetime.fromisoformat(nudge["due"])
        expected = "+01:00" if due.date() < date(2026, 3, 29) else "+02:00"
        assert nudge["due"].endswith(expected), nudge
        rule = RULES[nudge["rule"]]
        if rule.due.at is not None:
            assert due.time() == rule.due.at


def test_the_monday_plan_after_the_change_is_due_at_nine_summer_time(tmp_path: Path) -> None:
    result = run(tmp_path, now="2026-03-29T12:00", back=0, ahead=1)
    assert dues(result, "monday-plan") == ["2026-03-30T09:00:00+02:00"]
    assert of(result, "monday-plan")[0]["key"] == "monday-plan/2026-W14"


def test_a_nudge_due_in_the_skipped_hour_is_given_in_real_local_time(tmp_path: Path) -> None:
    """01:45 + 1h on 29 March is 03:45 summer time; 02:45 does not exist in Berlin."""
    release = event("Release night", "20260329T013000", "20260329T014500")
    every_day = settings(workdays=["mon", "tue", "wed", "thu", "fri", "sat", "sun"])
    result = run(tmp_path, release, now="2026-03-29T00:00", back=0, ahead=0, config=every_day)
    assert dues(result, "deadline-celebration") == ["2026-03-29T03:45:00+02:00"]


def test_cooldown_spans_the_change_to_summer_time(tmp_path: Path) -> None:
    days = ["20260326", "20260327", "20260330", "20260331"]
    result = run(tmp_path, *(desk(day) for day in days), now="2026-03-26T07:00", ahead=5)
    assert dues(result, "desk-lunch-streak") == [
        "2026-03-27T10:45:00+01:00",
        "2026-03-30T10:45:00+02:00",
    ]
    assert verdicts(result, "desk-lunch-streak")["2026-03-31"] == (
        False,
        "cooling down until Wed 01 Apr 10:45",
    )


# -- keys ------------------------------------------------------------------------------------


def busy_week() -> list[str]:
    return [
        desk(MON),
        desk(TUE),
        meetings_over_lunch(WED),
        social("Coffee", WED, mine="NEEDS-ACTION", uid="coffee@test"),
        social("Drinks", THU, "170000", "190000", "DECLINED", uid="drinks@test"),
        event("Release 2.0", f"{THU}T140000", f"{THU}T150000", uid="release@test"),
    ]


def test_two_runs_give_the_same_nudges_with_the_same_keys(tmp_path: Path) -> None:
    first = run(tmp_path, *busy_week())
    second = run(tmp_path, *busy_week())
    assert first.nudges == second.nudges
    keys = [nudge["key"] for nudge in first.nudges]
    assert len(keys) == len(set(keys))


def test_the_same_range_looked_at_from_another_moment_gives_the_same_nudges(
    tmp_path: Path,
) -> None:
    monday = run(tmp_path, *busy_week(), now="2026-03-09T07:00", back=0, ahead=6)
    thursday = run(tmp_path, *busy_week(), now="2026-03-12T18:30", back=3, ahead=3)
    assert monday.nudges == thursday.nudges


def test_a_later_now_gives_the_same_key_for_the_same_subject(tmp_path: Path) -> None:
    early = run(tmp_path, *busy_week(), now="2026-03-09T07:00", back=0, ahead=6)
    late = run(tmp_path, *busy_week(), now="2026-03-11T07:00", back=0, ahead=4)
    early_keys = {(n["rule"], n["due"]): n["key"] for n in early.nudges}
    late_keys = {(n["rule"], n["due"]): n["key"] for n in late.nudges}
    shared = early_keys.keys() & late_keys.keys()
    assert {rule for rule, _ in shared} >= {
        "lunch-swallowed",
        "social-missed",
        "deadline-celebration",
    }
    for subject in shared:
        assert early_keys[subject] == late_keys[subject]
    assert late_keys[("social-missed", "2026-03-12T16:45:00+01:00")] == (
        "social-missed/drinks@test@20260312T160000Z"
    )
    assert late_keys[("lunch-swallowed", "2026-03-11T08:30:00+01:00")] == (
        "lunch-swallowed/2026-03-11"
    )


def test_a_days_nudges_are_the_same_whichever_range_holds_the_day(tmp_path: Path) -> None:
    """Cooldown, weekly maximum, streaks and weekly counts must not depend on where the
    range starts, or two runs send different nudges for the same Friday."""
    week = [desk(MON), team_lunch(TUE), team_lunch(WED), team_lunch(THU), desk(FRI)]
    whole = run(tmp_path, *week, now="2026-03-13T07:00", back=4, ahead=0)
    friday = run(tmp_path, *week, now="2026-03-13T07:00", back=0, ahead=0)
    on_friday = [n for n in whole.nudges if n["due"].startswith("2026-03-13")]
    assert {n["rule"] for n in on_friday} == {"desk-lunch-streak", "weekly-reflection"}
    assert friday.nudges == on_friday


def test_each_occurrence_of_a_recurring_social_event_has_its_own_key(tmp_path: Path) -> None:
    series = social(
        "Coffee round", MON, mine="DECLINED", uid="round@test", lines=("RRULE:FREQ=DAILY;COUNT=3",)
    )
    keys = [nudge["key"] for nudge in of(run(tmp_path, series), "social-missed")]
    assert len(keys) == 3
    assert len(set(keys)) == 3
    assert all(key.startswith("social-missed/round@test@") for key in keys)


def test_a_moved_occurrence_of_a_recurring_social_event_keeps_its_key(tmp_path: Path) -> None:
    """The key names the occurrence by its original start (RECURRENCE-ID), so moving it
    to the afternoon does not make delivery send its nudge a second time."""
    series = social(
        "Coffee round", MON, mine="DECLINED", uid="round@test", lines=("RRULE:FREQ=DAILY;COUNT=3",)
    )
    moved = social(
        "Coffee round",
        TUE,
        "170000",
        "173000",
        "DECLINED",
        uid="round@test",
        lines=("RECURRENCE-ID;TZID=Europe/Berlin:20260310T150000",),
    )
    before = of(run(tmp_path, series), "social-missed")
    after = of(run(tmp_path, series, moved), "social-missed")
    assert [n["due"][:10] for n in after] == ["2026-03-09", "2026-03-10", "2026-03-11"]
    assert after[1]["due"] == "2026-03-10T16:45:00+01:00"
    assert [n["key"] for n in after] == [n["key"] for n in before]


def test_explain_and_the_nudges_agree_for_every_rule(tmp_path: Path) -> None:
    result = run(tmp_path, *busy_week(), now="2026-03-09T07:00", back=7, ahead=6)
    assert result.facts is not None
    for rule_id, rule in RULES.items():
        firing = [n.key for _, n in explain(rule, result.facts) if n is not None]
        assert firing == [n["key"] for n in of(result, rule_id)], rule_id


def test_a_rule_with_another_time_of_day_moves_its_due_time(tmp_path: Path) -> None:
    later = RULES["lunch-swallowed"].model_copy(
        update={"due": RULES["lunch-swallowed"].due.model_copy(update={"at": time(7, 15)})}
    )
    result = run(tmp_path, meetings_over_lunch(WED), now="2026-03-11T06:00", ahead=0, rules=[later])
    assert [n["due"] for n in result.nudges] == ["2026-03-11T07:15:00+01:00"]


# -- placeholders ------------------------------------------------------------------------------


def test_the_rule_placeholder_that_validation_accepts_is_filled_with_the_rules_id(
    tmp_path: Path,
) -> None:
    """``{rule}`` passes validation for every trigger kind, so it must not come out empty."""
    named = RULES["lunch-swallowed"].model_copy(
        update={
            "message": RULES["lunch-swallowed"].message.model_copy(update={"title": "[{rule}]"})
        }
    )
    result = run(tmp_path, meetings_over_lunch(WED), now="2026-03-11T06:00", ahead=0, rules=[named])
    assert [n["title"] for n in result.nudges] == ["[lunch-swallowed]"]
