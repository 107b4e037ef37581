"""DESIGN.md's social-event rules: which events are social and the first-match status order."""

from __future__ import annotations

from pathlib import Path

from helpers import ME, calendar, check, event, statuses

NOW = "2026-03-09T08:00:00"


def status_of(tmp_path: Path, *events: str, summary: str) -> str:
    return statuses(check(tmp_path, calendar(*events), NOW))[summary]


def invite(summary: str, partstat: str, *lines: str, start: str = "20260309T160000") -> str:
    end = start[:9] + "170000"
    return event(
        summary,
        start,
        end,
        organizer="mia@example.com",
        attendees=[(ME, partstat)],
        lines=lines,
    )


def test_an_accepted_invitation_is_accepted(tmp_path: Path) -> None:
    assert status_of(tmp_path, invite("Birthday cake", "ACCEPTED"), summary="Birthday cake") == (
        "accepted"
    )


def test_an_event_i_am_not_invited_to_counts_as_accepted(tmp_path: Path) -> None:
    mine = event("Coffee", "20260309T160000", "20260309T163000")
    assert status_of(tmp_path, mine, summary="Coffee") == "accepted"


def test_an_unanswered_invitation_is_unanswered(tmp_path: Path) -> None:
    assert status_of(tmp_path, invite("Happy hour", "NEEDS-ACTION"), summary="Happy hour") == (
        "unanswered"
    )


def test_an_attendee_line_without_partstat_is_unanswered(tmp_path: Path) -> None:
    assert status_of(tmp_path, invite("Happy hour", ""), summary="Happy hour") == "unanswered"


def test_an_unknown_partstat_counts_as_needs_action(tmp_path: Path) -> None:
    assert status_of(tmp_path, invite("Happy hour", "CONFIRMED"), summary="Happy hour") == (
        "unanswered"
    )


def test_a_tentative_reply_is_tentative(tmp_path: Path) -> None:
    assert status_of(tmp_path, invite("Drinks", "TENTATIVE"), summary="Drinks") == "tentative"


def test_a_tentative_event_status_is_tentative_even_when_i_accepted(tmp_path: Path) -> None:
    maybe = invite("Drinks", "ACCEPTED", "STATUS:TENTATIVE")
    assert status_of(tmp_path, maybe, summary="Drinks") == "tentative"


def test_a_declined_invitation_is_declined(tmp_path: Path) -> None:
    assert status_of(tmp_path, invite("Party", "DECLINED"), summary="Party") == "declined"


def test_a_delegated_invitation_counts_as_declined(tmp_path: Path) -> None:
    assert status_of(tmp_path, invite("Party", "DELEGATED"), summary="Party") == "declined"


def test_cancelled_wins_over_declined(tmp_path: Path) -> None:
    gone = invite("Party", "DECLINED", "STATUS:CANCELLED")
    assert status_of(tmp_path, gone, summary="Party") == "cancelled"


def test_declined_wins_over_conflicted(tmp_path: Path) -> None:
    meeting = event("Budget", "20260309T160000", "20260309T170000")
    assert status_of(tmp_path, invite("Party", "DECLINED"), meeting, summary="Party") == (
        "declined"
    )


def test_a_busy_meeting_covering_half_of_it_makes_it_conflicted(tmp_path: Path) -> None:
    meeting = event("Budget", "20260309T153000", "20260309T163000")
    assert status_of(tmp_path, invite("Party", "ACCEPTED"), meeting, summary="Party") == (
        "conflicted"
    )


def test_meetings_together_covering_half_make_it_conflicted(tmp_path: Path) -> None:
    first = event("Sync", "20260309T160000", "20260309T161500")
    second = event("Call", "20260309T163000", "20260309T164500")
    assert status_of(tmp_path, invite("Party", "ACCEPTED"), first, second, summary="Party") == (
        "conflicted"
    )


def test_a_meeting_covering_less_than_half_does_not_conflict(tmp_path: Path) -> None:
    meeting = event("Budget", "20260309T160000", "20260309T162900")
    assert status_of(tmp_path, invite("Party", "ACCEPTED"), meeting, summary="Party") == (
        "accepted"
    )


def test_conflicted_wins_over_tentative_and_unanswered(tmp_path: Path) -> None:
    meeting = event("Budget", "20260309T160000", "20260309T170000")
    calendar_events = [invite("Party", "TENTATIVE"), invite("Drinks", "NEEDS-ACTION"), meeting]
    found = statuses(check(tmp_path, calendar(*calendar_events), NOW))
    assert found["Party"] == "conflicted"
    assert found["Drinks"] == "conflicted"


def test_declined_transparent_and_social_events_do_not_conflict(tmp_path: Path) -> None:
    declined = event("Budget", "20260309T160000", "20260309T170000", attendees=[(ME, "DECLINED")])
    transparent = event("Focus", "20260309T160000", "20260309T170000", lines=["TRANSP:TRANSPARENT"])
    other_social = event("Coffee chat", "20260309T160000", "20260309T170000")
    everything = [invite("Party", "ACCEPTED"), declined, transparent, other_social]
    assert statuses(check(tmp_path, calendar(*everything), NOW))["Party"] == "accepted"


def test_social_words_match_summary_and_categories_as_whole_words(tmp_path: Path) -> None:
    tagged = event(
        "Friday thing", "20260309T160000", "20260309T170000", lines=["CATEGORIES:Social"]
    )
    pancakes = event("Pancakes review", "20260309T160000", "20260309T170000")
    found = statuses(check(tmp_path, calendar(tagged, pancakes), NOW))
    assert set(found) == {"Friday thing"}


def test_an_all_day_social_event_starts_at_local_midnight(tmp_path: Path) -> None:
    document = check(tmp_path, calendar(event("Team offsite", "20260309", "20260310")), NOW)
    assert document["social"][0]["start"] == "2026-03-09T00:00:00+01:00"
    assert document["social"][0]["end"] == "2026-03-10T00:00:00+01:00"


def test_social_events_are_listed_when_they_start_in_the_range_ordered_by_start(
    tmp_path: Path,
) -> None:
    events = [
        event("Drinks", "20260310T180000", "20260310T190000"),
        event("Coffee", "20260309T090000", "20260309T093000"),
        event("Cake", "20260308T150000", "20260308T153000"),
        event("Party", "20260311T180000", "20260311T190000"),
    ]
    document = check(tmp_path, calendar(*events), NOW, days_back=0, days_ahead=1)
    assert [entry["summary"] for entry in document["social"]] == ["Coffee", "Drinks"]
    assert [day["date"] for day in document["days"]] == ["2026-03-09", "2026-03-10"]


def test_social_entries_carry_uid_times_summary_and_status(tmp_path: Path) -> None:
    document = check(
        tmp_path,
        calendar(event("Coffee", "20260309T090000", "20260309T093000", uid="c-1")),
        NOW,
    )
    assert document["social"] == [
        {
            "uid": "c-1",
            "start": "2026-03-09T09:00:00+01:00",
            "end": "2026-03-09T09:30:00+01:00",
            "summary": "Coffee",
            "status": "accepted",
        }
    ]


def weekly_coffee(*overrides: str, master_lines: tuple[str, ...] = ()) -> str:
    master = event(
        "Coffee",
        "20260302T100000",
        "20260302T103000",
        uid="weekly-coffee",
        organizer="lea@example.com",
        attendees=[(ME, "ACCEPTED")],
        lines=["RRULE:FREQ=WEEKLY;COUNT=4", *master_lines],
    )
    return calendar(master, *overrides)


def test_an_override_that_cancels_one_occurrence_cancels_only_that_one(tmp_path: Path) -> None:
    cancel = event(
        "Coffee",
        "20260309T100000",
        "20260309T103000",
        uid="weekly-coffee",
        lines=["RECURRENCE-ID;TZID=Europe/Berlin:20260309T100000", "STATUS:CANCELLED"],
    )
    document = check(tmp_path, weekly_coffee(cancel), NOW, days_back=7, days_ahead=7)
    assert [(e["start"][:10], e["status"]) for e in document["social"]] == [
        ("2026-03-02", "accepted"),
        ("2026-03-09", "cancelled"),
        ("2026-03-16", "accepted"),
    ]


def test_an_override_that_declines_one_occurrence_declines_only_that_one(tmp_path: Path) -> None:
    decline = event(
        "Coffee",
        "20260309T100000",
        "20260309T103000",
        uid="weekly-coffee",
        organizer="lea@example.com",
        attendees=[(ME, "DECLINED")],
        lines=["RECURRENCE-ID;TZID=Europe/Berlin:20260309T100000"],
    )
    document = check(tmp_path, weekly_coffee(decline), NOW, days_back=7, days_ahead=7)
    assert [e["status"] for e in document["social"]] == ["accepted", "declined", "accepted"]


def test_a_moved_occurrence_appears_at_its_new_time(tmp_path: Path) -> None:
    moved = event(
        "Coffee",
        "20260310T150000",
        "20260310T153000",
        uid="weekly-coffee",
        lines=["RECURRENCE-ID;TZID=Europe/Berlin:20260309T100000"],
    )
    document = check(tmp_path, weekly_coffee(moved), NOW, days_back=0, days_ahead=1)
    assert [e["start"] for e in document["social"]] == ["2026-03-10T15:00:00+01:00"]


def test_a_cancelled_series_cancels_every_occurrence_including_overrides(tmp_path: Path) -> None:
    moved = event(
        "Coffee",
        "20260310T150000",
        "20260310T153000",
        uid="weekly-coffee",
        lines=["RECURRENCE-ID;TZID=Europe/Berlin:20260309T100000"],
    )
    document = check(
        tmp_path,
        weekly_coffee(moved, master_lines=("STATUS:CANCELLED",)),
        NOW,
        days_back=7,
        days_ahead=7,
    )
    assert {e["status"] for e in document["social"]} == {"cancelled"}
    assert len(document["social"]) == 3


def test_an_exdate_removes_one_occurrence(tmp_path: Path) -> None:
    document = check(
        tmp_path,
        weekly_coffee(master_lines=("EXDATE;TZID=Europe/Berlin:20260309T100000",)),
        NOW,
        days_back=7,
        days_ahead=7,
    )
    assert [e["start"][:10] for e in document["social"]] == ["2026-03-02", "2026-03-16"]
