"""Damaged files, as real ones are: one broken part never costs the rest of the file.

DESIGN.md: a broken component is skipped with a warning naming it, and everything else is
still read — a file cut off in its last event still gives every complete one. An empty
``RRULE:`` counts as no RRULE; a ``VALUE=DATE`` value that carries a time is read as that
time. Warnings are sentences about the calendar, never Python reprs, and each is told once
per version of the object that gives it, not on every run.

Every case runs the installed ``watercooler check`` (a stall fails the test, not the suite).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from conftest import RunCli
from helpers import calendar, event

REPRS = ("<", ">", "vDDDTypes", "datetime.datetime(", "datetime.time(", "Parameters(", "vRecur")
GOOD = event("Coffee first", "20260310T090000", "20260310T093000", uid="first@t")
LAST = event("Drinks last", "20260310T180000", "20260310T190000", uid="last@t")


def run_check(
    run_cli: RunCli,
    tmp_path: Path,
    data: bytes,
    *,
    config_text: str = "",
    days_back: int = 0,
    days_ahead: int = 0,
    now: str = "2026-03-10T09:00",
) -> subprocess.CompletedProcess[str]:
    """``check`` over raw bytes (at 2026-03-10 09:00 Berlin); the state dir is the test's."""
    source = tmp_path / "damaged.ics"
    source.write_bytes(data)
    config = tmp_path / "config.toml"
    config.write_text(
        'timezone = "Europe/Berlin"\nme = ["ana@example.com"]\n' + config_text, encoding="utf-8"
    )
    try:
        return run_cli(
            "check", "--config", str(config), "--source", str(source),
            "--now", now, "--days-back", str(days_back),
            "--days-ahead", str(days_ahead), "--format", "json",
            timeout=30,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        pytest.fail("check stalled: no answer within 30 s")


def document_of(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def starts(document: dict[str, Any]) -> dict[str, str]:
    return {item["uid"]: item["start"] for item in document["social"]}


def warnings_of(result: subprocess.CompletedProcess[str]) -> list[str]:
    """The warning lines, each checked to be a sentence naming the file, without a repr."""
    lines = result.stderr.splitlines()
    for line in lines:
        assert line.startswith("watercooler: warning: "), result.stderr
        assert "damaged.ics" in line, line
        assert not [marker for marker in REPRS if marker in line], line
    return lines


def lines(*parts: str) -> bytes:
    return "\r\n".join(parts).encode()


# --- structure --------------------------------------------------------------------------


def test_a_file_cut_off_in_its_last_event_gives_every_complete_event(
    run_cli: RunCli, tmp_path: Path
) -> None:
    cut = lines(
        "BEGIN:VCALENDAR", "VERSION:2.0", GOOD, LAST,
        "BEGIN:VEVENT", "UID:cut@t", "SUMMARY:Birthday cake",
        "DTSTART;TZID=Europe/Berlin:20260310T160000", "",
    )  # fmt: skip
    result = run_check(run_cli, tmp_path, cut)
    assert set(starts(document_of(result))) == {"first@t", "last@t"}
    (warning,) = warnings_of(result)
    assert "cut@t" in warning
    assert "END:VEVENT" in warning


def test_a_valarm_without_end_loses_only_the_alarm(run_cli: RunCli, tmp_path: Path) -> None:
    alarmed = "\r\n".join(
        [
            "BEGIN:VEVENT", "UID:alarm@t", "SUMMARY:Birthday cake",
            "DTSTART;TZID=Europe/Berlin:20260310T160000",
            "DTEND;TZID=Europe/Berlin:20260310T163000",
            "BEGIN:VALARM", "ACTION:DISPLAY", "TRIGGER:-PT15M", "END:VEVENT",
        ]
    )  # fmt: skip
    result = run_check(run_cli, tmp_path, calendar(GOOD, alarmed, LAST).encode())
    found = starts(document_of(result))
    assert found == {
        "first@t": "2026-03-10T09:00:00+01:00",
        "alarm@t": "2026-03-10T16:00:00+01:00",
        "last@t": "2026-03-10T18:00:00+01:00",
    }
    (warning,) = warnings_of(result)
    assert "alarm@t" in warning
    assert "VALARM" in warning


def test_an_event_that_never_ends_before_the_next_begins_is_skipped_alone(
    run_cli: RunCli, tmp_path: Path
) -> None:
    unended = "\r\n".join(
        ["BEGIN:VEVENT", "UID:open@t", "SUMMARY:Coffee",
         "DTSTART;TZID=Europe/Berlin:20260310T100000"]
    )  # fmt: skip
    result = run_check(run_cli, tmp_path, calendar(GOOD, unended, LAST).encode())
    assert set(starts(document_of(result))) == {"first@t", "last@t"}
    (warning,) = warnings_of(result)
    assert "open@t" in warning


def test_a_fold_with_a_blank_line_before_its_continuation_is_unfolded(
    run_cli: RunCli, tmp_path: Path
) -> None:
    # icalendar unfolds across blank lines; the line filter must too, or the property
    # is cut in two (the start lost, or a stray line outside any property).
    folded = lines(
        "BEGIN:VCALENDAR", "VERSION:2.0", GOOD,
        "BEGIN:VEVENT", "UID:fold@t", "SUMMARY:Happy hour with the",
        "", "  team", "DTSTART;TZID=Europe/Berlin:2026031", "", " 0T170000",
        "DTEND;TZID=Eur", "\r\n ope/Berlin:20260310T180000",
        "END:VEVENT", "END:VCALENDAR", "",
    )  # fmt: skip
    result = run_check(run_cli, tmp_path, folded)
    document = document_of(result)
    assert result.stderr == ""
    (happy,) = [item for item in document["social"] if item["uid"] == "fold@t"]
    assert happy["summary"] == "Happy hour with the team"
    assert (happy["start"], happy["end"]) == (
        "2026-03-10T17:00:00+01:00",
        "2026-03-10T18:00:00+01:00",
    )


# --- values -------------------------------------------------------------------------------


def test_a_time_labelled_as_a_date_is_read_as_the_time_it_says(
    run_cli: RunCli, tmp_path: Path
) -> None:
    mislabelled = "\r\n".join(
        [
            "BEGIN:VEVENT", "UID:label@t", "SUMMARY:Team lunch",
            "DTSTART;VALUE=DATE:20260310T120000", "DTEND;VALUE=DATE:20260310T130000",
            "END:VEVENT",
        ]
    )  # fmt: skip
    result = run_check(run_cli, tmp_path, calendar(mislabelled).encode())
    document = document_of(result)
    (lunch,) = document["social"]
    assert (lunch["start"], lunch["end"]) == (
        "2026-03-10T12:00:00+01:00",
        "2026-03-10T13:00:00+01:00",
    )
    assert [day["lunch"] for day in document["days"]] == ["social"]
    (warning,) = warnings_of(result)
    assert "label@t" in warning
    assert "VALUE=DATE" in warning


def test_a_stray_byte_that_is_not_utf8_leaves_every_other_accent_right(
    run_cli: RunCli, tmp_path: Path
) -> None:
    text = calendar(
        event("Café mit Zoë", "20260310T150000", "20260310T153000", uid="cafe@t"),
        event("Kaffee für Jürgen STRAY", "20260310T160000", "20260310T163000", uid="stray@t"),
    )
    data = text.encode("utf-8").replace(b"STRAY", b"caf\xe9")
    result = run_check(run_cli, tmp_path, data, config_text='[words]\nsocial = ["café"]\n')
    found = {item["uid"]: item["summary"] for item in document_of(result)["social"]}
    assert found == {"cafe@t": "Café mit Zoë"}
    (warning,) = warnings_of(result)
    assert "UTF-8" in warning
    assert "1 byte" in warning or "a byte" in warning


def test_a_file_without_any_utf8_is_still_read_as_windows_1252(
    run_cli: RunCli, tmp_path: Path
) -> None:
    text = calendar(event("Café für Jürgen", "20260310T150000", "20260310T153000", uid="w@t"))
    result = run_check(
        run_cli, tmp_path, text.encode("cp1252"), config_text='[words]\nsocial = ["café"]\n'
    )
    found = {item["uid"]: item["summary"] for item in document_of(result)["social"]}
    assert found == {"w@t": "Café für Jürgen"}
    assert result.stderr == ""


def test_a_file_that_starts_with_a_byte_order_mark_is_read_without_a_warning(
    run_cli: RunCli, tmp_path: Path
) -> None:
    data = b"\xef\xbb\xbf" + calendar(GOOD).encode()
    result = run_check(run_cli, tmp_path, data)
    assert set(starts(document_of(result))) == {"first@t"}
    assert result.stderr == ""


def test_empty_rrules_count_as_none_with_one_warning_per_file(
    run_cli: RunCli, tmp_path: Path
) -> None:
    holidays = [
        event(f"Party {n}", f"20260310T1{n}0000", f"20260310T1{n}3000", uid=f"h{n}@t",
              lines=["RRULE:"])
        for n in range(3, 6)
    ]  # fmt: skip
    result = run_check(run_cli, tmp_path, calendar(*holidays).encode())
    assert starts(document_of(result)) == {
        "h3@t": "2026-03-10T13:00:00+01:00",
        "h4@t": "2026-03-10T14:00:00+01:00",
        "h5@t": "2026-03-10T15:00:00+01:00",
    }
    (warning,) = warnings_of(result)
    assert "3 events" in warning
    assert "RRULE" in warning


def test_a_repeated_dtstart_and_a_time_of_day_rdate_are_told_in_sentences(
    run_cli: RunCli, tmp_path: Path
) -> None:
    twice = "\r\n".join(
        [
            "BEGIN:VEVENT", "UID:twice@t", "SUMMARY:Coffee",
            "DTSTART;TZID=Europe/Berlin:20260310T150000",
            "DTSTART;TZID=Europe/Berlin:20260310T160000", "END:VEVENT",
        ]
    )  # fmt: skip
    timed = event(
        "Drinks", "20260308T170000", "20260308T180000", uid="rdate@t",
        lines=["RRULE:FREQ=DAILY;COUNT=5", "RDATE;VALUE=TIME:120000"],
    )  # fmt: skip
    result = run_check(run_cli, tmp_path, calendar(twice, timed).encode())
    assert starts(document_of(result)) == {"rdate@t": "2026-03-10T17:00:00+01:00"}
    warnings = warnings_of(result)
    assert len(warnings) == 2, result.stderr
    assert any("twice@t" in line and "DTSTART" in line for line in warnings)
    assert any("rdate@t" in line and "RDATE" in line for line in warnings)


# --- time zones -------------------------------------------------------------------------


def dense_zone(freq: str) -> str:
    """A custom zone five hours east of UTC whose DAYLIGHT part recurs ``freq`` from 1601."""
    return "\r\n".join(
        [
            "BEGIN:VTIMEZONE", "TZID:Dense Zone",
            "BEGIN:STANDARD", "DTSTART:16010101T000000", "TZOFFSETFROM:+0500",
            "TZOFFSETTO:+0500", "TZNAME:DST1", "END:STANDARD",
            "BEGIN:DAYLIGHT", "DTSTART:16010101T000001", f"RRULE:FREQ={freq}",
            "TZOFFSETFROM:+0500", "TZOFFSETTO:+0500", "TZNAME:DST2", "END:DAYLIGHT",
            "END:VTIMEZONE",
        ]
    )  # fmt: skip


def test_a_time_zone_that_recurs_every_second_is_skipped_and_its_events_read_in_your_zone(
    run_cli: RunCli, tmp_path: Path
) -> None:
    # dateutil would walk every second from 1601 to find the offset (it grew to 1.6 GB and
    # never finished); the zone is skipped before any of that. The timeout only guards.
    coffee = event("Coffee", "20260310T150000", "20260310T153000", uid="zone@t", tz="Dense Zone")
    result = run_check(run_cli, tmp_path, calendar(dense_zone("SECONDLY"), coffee).encode())
    # Read in Berlin: the zone's own +05:00 would have put it at 11:00 Berlin time.
    assert starts(document_of(result)) == {"zone@t": "2026-03-10T15:00:00+01:00"}
    (warning,) = warnings_of(result)
    assert "Dense Zone" in warning
    assert "SECONDLY" in warning
    assert "your time zone" in warning


def test_a_time_zone_with_yearly_rules_from_1601_is_still_used(
    run_cli: RunCli, tmp_path: Path
) -> None:
    coffee = event("Coffee", "20260310T150000", "20260310T153000", uid="zone@t", tz="Dense Zone")
    result = run_check(run_cli, tmp_path, calendar(dense_zone("YEARLY"), coffee).encode())
    assert starts(document_of(result)) == {"zone@t": "2026-03-10T11:00:00+01:00"}
    assert result.stderr == ""


# --- warnings once per object version -----------------------------------------------------


def test_a_warning_about_an_event_outside_the_range_is_told_once_per_version_of_the_file(
    run_cli: RunCli, tmp_path: Path
) -> None:
    old = "\r\n".join(
        [
            "BEGIN:VEVENT", "UID:old-broken@t", "SUMMARY:Coffee",
            "DTSTART;TZID=Europe/Berlin:20190310T170000",
            "DTEND;TZID=Europe/Berlin:20190310T160000", "END:VEVENT",
        ]
    )  # fmt: skip
    data = calendar(GOOD, old).encode()
    runs = [run_check(run_cli, tmp_path, data) for _ in range(2)]
    for result in runs:
        assert set(starts(document_of(result))) == {"first@t"}
    (first,) = warnings_of(runs[0])
    assert "old-broken@t" in first
    assert runs[1].stderr == ""
    changed = run_check(run_cli, tmp_path, calendar(GOOD, old, LAST).encode())
    assert set(starts(document_of(changed))) == {"first@t", "last@t"}
    assert warnings_of(changed) == [first]


def test_a_series_expanded_again_for_a_later_window_does_not_repeat_its_warnings(
    run_cli: RunCli, tmp_path: Path
) -> None:
    # The cache keeps a series expanded over a span around the window; a window months
    # later parses the unchanged object again, which is no reason to tell its faults again.
    weekly = event(
        "Coffee", "20260303T150000", "20260303T153000", uid="weekly@t",
        lines=["RRULE:FREQ=WEEKLY"],
    )  # fmt: skip
    broken = event("Drinks", "20260310T170000", "20260310T160000", uid="broken@t")
    data = calendar(weekly, broken).encode()
    first = run_check(run_cli, tmp_path, data)
    assert starts(document_of(first)) == {"weekly@t": "2026-03-10T15:00:00+01:00"}
    (warning,) = warnings_of(first)
    assert "broken@t" in warning
    later = run_check(run_cli, tmp_path, data, now="2027-03-09T09:00")
    assert starts(document_of(later)) == {"weekly@t": "2027-03-09T15:00:00+01:00"}
    assert later.stderr == ""
