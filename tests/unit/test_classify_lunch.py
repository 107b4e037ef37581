"""DESIGN.md's lunch rules, one test per rule and per first-match step.

Monday 2026-03-09 is the day under test unless a test says otherwise; the lunch window is
the default 11:30-14:00 in Europe/Berlin and "me" is ana@example.com.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import ME, calendar, check, event, lunch_of, settings

DAY = "2026-03-09"
NOW = "2026-03-09T08:00:00"


def lunch(tmp_path: Path, *events: str, **config: object) -> str:
    document = check(tmp_path, calendar(*events), NOW, config=settings(**config))
    return lunch_of(document, DAY)


def test_a_day_with_nothing_over_lunch_is_free(tmp_path: Path) -> None:
    assert lunch(tmp_path) == "free"


def test_a_desk_lunch_without_attendees_is_alone(tmp_path: Path) -> None:
    assert lunch(tmp_path, event("Lunch", "20260309T120000", "20260309T123000")) == "alone"


def test_a_lunch_with_an_attendee_who_accepted_is_social(tmp_path: Path) -> None:
    shared = event(
        "Lunch",
        "20260309T120000",
        "20260309T130000",
        organizer=ME,
        attendees=[("tom@example.com", "ACCEPTED")],
    )
    assert lunch(tmp_path, shared) == "social"


def test_an_attendee_without_partstat_has_not_declined_so_the_lunch_is_social(
    tmp_path: Path,
) -> None:
    shared = event(
        "Lunch", "20260309T120000", "20260309T130000", attendees=[("tom@example.com", "")]
    )
    assert lunch(tmp_path, shared) == "social"


def test_a_lunch_whose_only_other_attendee_declined_is_alone(tmp_path: Path) -> None:
    deserted = event(
        "Lunch",
        "20260309T120000",
        "20260309T130000",
        organizer=ME,
        attendees=[("tom@example.com", "DECLINED"), (ME, "ACCEPTED")],
    )
    assert lunch(tmp_path, deserted) == "alone"


def test_an_organizer_other_than_me_makes_the_lunch_social(tmp_path: Path) -> None:
    invited = event("Lunch", "20260309T120000", "20260309T130000", organizer="lea@example.com")
    assert lunch(tmp_path, invited) == "social"


def test_me_is_matched_case_insensitively_and_without_mailto(tmp_path: Path) -> None:
    mine = event("Lunch", "20260309T120000", "20260309T130000", organizer="Ana@Example.COM")
    assert lunch(tmp_path, mine, me=["MAILTO:ana@example.com"]) == "alone"


def test_a_company_word_makes_a_lunch_social_without_attendees(tmp_path: Path) -> None:
    assert lunch(tmp_path, event("Team lunch", "20260309T120000", "20260309T130000")) == "social"
    assert lunch(tmp_path, event("Lunch with Priya", "20260309T120000")) == "social"
    assert lunch(tmp_path, event("Lunch + chat", "20260309T120000", "20260309T130000")) == "social"


def test_an_alone_word_makes_a_lunch_alone_even_with_attendees(tmp_path: Path) -> None:
    working = event(
        "Working lunch",
        "20260309T120000",
        "20260309T130000",
        attendees=[("tom@example.com", "ACCEPTED")],
    )
    assert lunch(tmp_path, working) == "alone"


def test_lunch_words_are_matched_in_categories_too(tmp_path: Path) -> None:
    tagged = event("Block", "20260309T120000", "20260309T123000", lines=["CATEGORIES:Work,Lunch"])
    assert lunch(tmp_path, tagged) == "alone"


def test_words_match_only_as_whole_words(tmp_path: Path) -> None:
    assert lunch(tmp_path, event("Lunchroom tour", "20260309T113000", "20260309T140000")) == (
        "skipped"
    )


def test_a_lunch_event_outside_the_window_is_not_a_lunch_event(tmp_path: Path) -> None:
    late = event("Lunch", "20260309T140000", "20260309T150000")
    assert lunch(tmp_path, late) == "free"


def test_a_lunch_event_touching_the_window_edge_only_is_not_a_lunch_event(tmp_path: Path) -> None:
    early = event("Lunch", "20260309T110000", "20260309T113000")
    assert lunch(tmp_path, early) == "free"


def test_a_cancelled_lunch_is_not_a_lunch_event(tmp_path: Path) -> None:
    cancelled = event(
        "Team lunch", "20260309T120000", "20260309T130000", lines=["STATUS:CANCELLED"]
    )
    assert lunch(tmp_path, cancelled) == "free"


def test_a_lunch_i_declined_is_not_a_lunch_event(tmp_path: Path) -> None:
    declined = event(
        "Team lunch",
        "20260309T120000",
        "20260309T130000",
        organizer="lea@example.com",
        attendees=[(ME, "DECLINED")],
    )
    assert lunch(tmp_path, declined) == "free"


def test_an_all_day_lunch_event_is_never_a_lunch_event(tmp_path: Path) -> None:
    assert lunch(tmp_path, event("Team lunch week", "20260309", "20260310")) == "free"


def test_social_wins_over_alone_when_both_kinds_of_lunch_events_exist(tmp_path: Path) -> None:
    desk = event("Lunch at desk", "20260309T113000", "20260309T120000")
    team = event("Team lunch", "20260309T130000", "20260309T140000")
    assert lunch(tmp_path, desk, team) == "social"


def test_meetings_over_the_whole_window_make_a_skipped_lunch(tmp_path: Path) -> None:
    first = event("Planning", "20260309T113000", "20260309T124500")
    second = event("Review", "20260309T124500", "20260309T140000")
    assert lunch(tmp_path, first, second) == "skipped"


def test_a_free_gap_of_exactly_min_minutes_is_free(tmp_path: Path) -> None:
    first = event("Planning", "20260309T113000", "20260309T120000")
    second = event("Review", "20260309T123000", "20260309T140000")
    assert lunch(tmp_path, first, second) == "free"


def test_a_free_gap_one_minute_short_of_min_minutes_is_skipped(tmp_path: Path) -> None:
    first = event("Planning", "20260309T113000", "20260309T120100")
    second = event("Review", "20260309T123000", "20260309T140000")
    assert lunch(tmp_path, first, second) == "skipped"


def test_min_minutes_is_configurable(tmp_path: Path) -> None:
    first = event("Planning", "20260309T113000", "20260309T120000")
    second = event("Review", "20260309T123000", "20260309T140000")
    config = {"lunch": {"min_minutes": 45}}
    assert lunch(tmp_path, first, second, **config) == "skipped"


@pytest.mark.parametrize(
    "blocker_lines",
    [
        pytest.param(["TRANSP:TRANSPARENT"], id="transparent"),
        pytest.param(["X-MICROSOFT-CDO-BUSYSTATUS:FREE"], id="outlook-free"),
        pytest.param(["STATUS:CANCELLED"], id="cancelled"),
        pytest.param(["ATTENDEE;PARTSTAT=DECLINED:mailto:ana@example.com"], id="declined"),
        pytest.param(["ATTENDEE;PARTSTAT=DELEGATED:mailto:ana@example.com"], id="delegated"),
    ],
)
def test_blocks_that_are_not_busy_leave_lunch_free(
    tmp_path: Path, blocker_lines: list[str]
) -> None:
    block = event("All-hands", "20260309T113000", "20260309T140000", lines=blocker_lines)
    assert lunch(tmp_path, block) == "free"


def test_a_tentative_meeting_still_blocks_lunch(tmp_path: Path) -> None:
    block = event(
        "All-hands",
        "20260309T113000",
        "20260309T140000",
        attendees=[(ME, "TENTATIVE")],
    )
    assert lunch(tmp_path, block) == "skipped"


def test_an_all_day_event_does_not_block_lunch(tmp_path: Path) -> None:
    assert lunch(tmp_path, event("Conference", "20260309", "20260310")) == "free"


def test_a_weekend_day_is_off(tmp_path: Path) -> None:
    document = check(tmp_path, calendar(), "2026-03-14T10:00:00")
    assert lunch_of(document, "2026-03-14") == "off"


def test_workdays_are_configurable(tmp_path: Path) -> None:
    config = settings(workdays=["tue", "wed", "thu", "fri", "sat"])
    document = check(tmp_path, calendar(), "2026-03-14T10:00:00", config=config)
    assert lunch_of(document, "2026-03-14") == "free"
    assert lunch(tmp_path, workdays=["tue", "wed", "thu", "fri", "sat"]) == "off"


def test_an_all_day_vacation_makes_the_day_off(tmp_path: Path) -> None:
    assert lunch(tmp_path, event("Vacation", "20260309", "20260310")) == "off"


def test_a_multi_day_absence_covers_each_of_its_days(tmp_path: Path) -> None:
    document = check(
        tmp_path,
        calendar(event("PTO", "20260309", "20260312")),
        NOW,
        days_ahead=3,
    )
    assert [day["lunch"] for day in document["days"]] == ["off", "off", "off", "free"]


def test_absence_words_match_whole_words_only(tmp_path: Path) -> None:
    assert lunch(tmp_path, event("Crypto conference", "20260309", "20260310")) == "free"


def test_an_outlook_out_of_office_status_makes_the_day_off(tmp_path: Path) -> None:
    away = event("Away", "20260309", "20260310", lines=["X-MICROSOFT-CDO-BUSYSTATUS:OOF"])
    assert lunch(tmp_path, away) == "off"


def test_a_timed_absence_covering_the_whole_lunch_window_makes_the_day_off(
    tmp_path: Path,
) -> None:
    doctor = event("Sick", "20260309T080000", "20260309T160000")
    assert lunch(tmp_path, doctor) == "off"


def test_a_timed_absence_covering_part_of_the_lunch_window_does_not(tmp_path: Path) -> None:
    dentist = event("Out of office", "20260309T080000", "20260309T130000")
    assert lunch(tmp_path, dentist) == "free"


def test_a_cancelled_vacation_does_not_make_the_day_off(tmp_path: Path) -> None:
    cancelled = event("Vacation", "20260309", "20260310", lines=["STATUS:CANCELLED"])
    assert lunch(tmp_path, cancelled) == "free"


def test_off_wins_over_a_social_lunch(tmp_path: Path) -> None:
    vacation = event("Holiday", "20260309", "20260310")
    team = event("Team lunch", "20260309T120000", "20260309T130000")
    assert lunch(tmp_path, vacation, team) == "off"


def test_word_lists_are_configuration_for_other_languages(tmp_path: Path) -> None:
    config = {
        "words": {
            "lunch": ["mittagessen"],
            "company": ["mit"],
            "absence": ["urlaub"],
            "alone": ["schreibtisch"],
            "social": ["kaffee"],
        }
    }
    assert lunch(tmp_path, event("Mittagessen mit Jonas", "20260309T120000"), **config) == (
        "social"
    )
    assert lunch(tmp_path, event("Urlaub", "20260309", "20260310"), **config) == "off"
    assert lunch(tmp_path, event("Lunch", "20260309T120000", "20260309T123000"), **config) == (
        "free"
    )
