"""Expansion internals: the link to recurring-ical-events, the density guard, progress."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import recurring_ical_events
from icalendar import Calendar

from helpers import calendar, event
from watercooler.calendar.expansion import _source_component
from watercooler.calendar.records import Window
from watercooler.calendar.timeline import PROGRESS_EVERY, read_timeline
from watercooler.classify.words import WordMatcher
from watercooler.sources.files import VdirSource

BERLIN = ZoneInfo("Europe/Berlin")


def test_occurrences_of_recurring_ical_events_lead_back_to_their_source_component() -> None:
    # expansion.py maps each occurrence to its VEVENT through the adapter recurring-ical-events
    # keeps; this fails loudly if a new release moves it.
    text = calendar(
        event("Coffee", "20260302T100000", "20260302T103000", uid="s", lines=["RRULE:FREQ=DAILY"]),
        event(
            "Coffee moved",
            "20260303T150000",
            "20260303T153000",
            uid="s",
            lines=["RECURRENCE-ID;TZID=Europe/Berlin:20260303T100000"],
        ),
    )
    parsed = Calendar.from_ical(text)
    master, override = parsed.walk("VEVENT")
    series = recurring_ical_events.CalendarQuery(parsed).series
    start = datetime(2026, 3, 2, tzinfo=BERLIN)
    sources = {
        id(_source_component(item))
        for one in series
        for item in one.between(start, start + timedelta(days=3))
    }
    assert sources == {id(master), id(override)}


def test_words_with_symbols_match_wherever_they_stand() -> None:
    company = WordMatcher(["&", "+", "lunch with"])
    assert company.search("Tom&Jerry lunch") == "&"
    assert company.search("Lunch + chat") == "+"
    assert company.search("LUNCH   WITH Priya") is not None
    assert company.search("Lunchwith") is None


def test_words_do_not_match_inside_other_words() -> None:
    absence = WordMatcher(["pto", "leave"])
    assert absence.search("crypto sync") is None
    assert absence.search("Cleaves") is None
    assert absence.search("PTO (half day)") == "PTO"
    assert absence.search("Parental-leave") == "leave"


def test_reading_a_large_vdir_reports_progress(tmp_path: Path) -> None:
    for number in range(PROGRESS_EVERY * 2 + 3):
        (tmp_path / f"{number:05}.ics").write_text(
            calendar(event("Meeting", "20260309T100000", "20260309T103000")), encoding="utf-8"
        )
    calls: list[tuple[str, int]] = []
    window = Window(
        datetime(2026, 3, 9, tzinfo=BERLIN), datetime(2026, 3, 10, tzinfo=BERLIN), BERLIN, 100
    )
    found = read_timeline(
        [VdirSource(tmp_path)], window, lambda label, done: calls.append((label, done))
    )
    assert len(found) == PROGRESS_EVERY * 2 + 3
    assert [done for _, done in calls] == [PROGRESS_EVERY, PROGRESS_EVERY * 2]
