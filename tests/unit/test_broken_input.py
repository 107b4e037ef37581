"""Broken, hostile and pathological input: skipped with a warning, never a crash or a stall.

DESIGN.md: a broken component (no start, an end before its start, an RRULE that cannot be
parsed) is skipped with a warning naming its UID and the reason; everything else is still
read. Rules that would expand to millions of occurrences are bounded. Event text is other
people's and never reaches the terminal raw.

Calendars that could stall the expander run through the installed CLI in a subprocess
with a timeout, so a regression fails the test instead of hanging the suite.
"""

from __future__ import annotations

import json
import logging
import subprocess
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from conftest import RunCli
from helpers import calendar, check, event, lunch_of, settings, statuses

GOOD_LUNCH = "good-lunch@t"


def raw_event(uid: str, *lines: str, summary: str = "Coffee") -> str:
    """A VEVENT with only the given time lines (helpers.event always writes DTSTART)."""
    head = ["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20260101T000000Z", f"SUMMARY:{summary}"]
    return "\r\n".join([*head, *lines, "END:VEVENT"])


def good_lunch() -> str:
    return event(
        "Team lunch",
        "20260310T120000",
        "20260310T130000",
        uid=GOOD_LUNCH,
        organizer="lea@example.com",
        attendees=[("ana@example.com", "ACCEPTED"), ("lea@example.com", "ACCEPTED")],
    )


def warnings_naming(caplog: pytest.LogCaptureFixture, uid: str) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.levelno >= logging.WARNING and uid in record.getMessage()
    ]


def control_characters(text: str) -> list[str]:
    """Raw control characters other than the line break."""
    return [
        repr(char) for char in text if unicodedata.category(char) in ("Cc", "Cf") and char != "\n"
    ]


def write_config(tmp_path: Path, text: str = "") -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        'timezone = "Europe/Berlin"\nme = ["ana@example.com"]\n' + text, encoding="utf-8"
    )
    return path


def cli_check(
    run_cli: RunCli,
    tmp_path: Path,
    data: bytes,
    *,
    now: str = "2026-03-10T09:00",
    days_back: int = 0,
    days_ahead: int = 1,
    output: str = "json",
    config_text: str = "",
) -> subprocess.CompletedProcess[str]:
    """Run the installed check on raw calendar bytes; a stall fails the test, not the suite."""
    source = tmp_path / "calendar.ics"
    source.write_bytes(data)
    config = write_config(tmp_path, config_text)
    try:
        return run_cli(
            "check",
            "--config",
            str(config),
            "--source",
            str(source),
            "--now",
            now,
            "--days-back",
            str(days_back),
            "--days-ahead",
            str(days_ahead),
            "--format",
            output,
            timeout=20,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("check stalled: no answer within 20 s")


def document_of(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def uids(document: dict[str, Any]) -> list[str]:
    return [item["uid"] for item in document["social"]]


# --- broken components -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("lines", "reason"),
    [
        pytest.param(["DTEND;TZID=Europe/Berlin:20260310T160000"], "DTSTART", id="no-dtstart"),
        pytest.param(
            [
                "DTSTART;TZID=Europe/Berlin:20260310T160000",
                "DTEND;TZID=Europe/Berlin:20260310T150000",
            ],
            "DTEND",
            id="dtend-before-dtstart",
        ),
        pytest.param(
            ["DTSTART;TZID=Europe/Berlin:20260310T160000", "DURATION:-PT1H"],
            "DURATION",
            id="negative-duration",
        ),
        pytest.param(
            ["DTSTART:tomorrow-ish", "DTEND:20260310T160000Z"], "DTSTART", id="garbage-dtstart"
        ),
        pytest.param(
            ["DTSTART:20261340T990000Z", "DURATION:PT1H"], "DTSTART", id="impossible-date"
        ),
        pytest.param(
            [
                "DTSTART;TZID=Europe/Berlin:20260310T160000",
                "DURATION:PT30M",
                "RRULE:FREQ=SOMETIMES",
            ],
            "RRULE",
            id="unknown-freq",
        ),
        pytest.param(
            ["DTSTART;TZID=Europe/Berlin:20260310T160000", "DURATION:PT30M", "RRULE:not a rule"],
            "RRULE",
            id="rrule-prose",
        ),
        pytest.param(
            [
                "DTSTART;TZID=Europe/Berlin:20260310T160000",
                "DURATION:PT30M",
                "RRULE:FREQ=WEEKLY;BYDAY=XX",
            ],
            "RRULE",
            id="rrule-bad-byday",
        ),
        pytest.param(
            [
                "DTSTART;TZID=Europe/Berlin:20260310T160000",
                "DURATION:PT30M",
                "RRULE:FREQ=DAILY;UNTIL=soon",
            ],
            "RRULE",
            id="rrule-bad-until",
        ),
    ],
)
def test_a_broken_event_is_skipped_with_a_warning_naming_its_uid_and_reason_and_the_rest_is_read(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, lines: list[str], reason: str
) -> None:
    caplog.set_level(logging.WARNING)
    ics = calendar(
        event("Coffee before", "20260310T090000", "20260310T093000", uid="before@t"),
        raw_event("broken@t", *lines),
        good_lunch(),
        event("Coffee after", "20260311T150000", "20260311T153000", uid="after@t"),
    )
    document = check(tmp_path, ics, "2026-03-10T09:00", days_ahead=1)
    assert uids(document) == ["before@t", GOOD_LUNCH, "after@t"]
    assert lunch_of(document, "2026-03-10") == "social"
    naming = warnings_naming(caplog, "broken@t")
    assert len(naming) == 1, [record.getMessage() for record in caplog.records]
    assert reason in naming[0]


def test_every_broken_event_of_a_calendar_gets_its_own_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    ics = calendar(
        raw_event("no-start@t", "DTEND;TZID=Europe/Berlin:20260310T160000"),
        good_lunch(),
        raw_event("bad-rule@t", "DTSTART;TZID=Europe/Berlin:20260310T160000", "RRULE:FREQ=NEVER"),
        raw_event("garbage@t", "DTSTART:???"),
    )
    document = check(tmp_path, ics, "2026-03-10T09:00")
    assert uids(document) == [GOOD_LUNCH]
    for uid in ("no-start@t", "bad-rule@t", "garbage@t"):
        assert len(warnings_naming(caplog, uid)) == 1, uid


# --- pathological recurrence rules -----------------------------------------------------


def dense_calendar(uid: str, start: str, rule: str) -> bytes:
    return calendar(
        good_lunch(),
        raw_event(uid, start, "DURATION:PT1S", f"RRULE:{rule}"),
    ).encode()


HOURS = ",".join(str(hour) for hour in range(24))
SIXTY = ",".join(str(minute) for minute in range(60))


@pytest.mark.parametrize(
    ("start", "rule"),
    [
        pytest.param("DTSTART:20000101T000000Z", "FREQ=SECONDLY", id="secondly-since-2000"),
        pytest.param(
            "DTSTART;TZID=Europe/Berlin:20260301T000000",
            "FREQ=MINUTELY;COUNT=10000000",
            id="minutely-count-ten-million",
        ),
        pytest.param(
            "DTSTART;TZID=Europe/Berlin:20000101T000000",
            f"FREQ=DAILY;BYHOUR={HOURS};BYMINUTE={SIXTY};BYSECOND={SIXTY}",
            id="daily-every-second-since-2000",
        ),
        pytest.param(
            "DTSTART:19000101T000000Z", "FREQ=MINUTELY;INTERVAL=7", id="minutely-since-1900"
        ),
    ],
)
def test_a_dense_series_ends_with_bounded_occurrences_and_a_warning(
    run_cli: RunCli, tmp_path: Path, start: str, rule: str
) -> None:
    result = cli_check(
        run_cli,
        tmp_path,
        dense_calendar("dense@t", start, rule),
        config_text="max_occurrences = 50\n",
    )
    document = document_of(result)
    assert GOOD_LUNCH in uids(document)
    assert uids(document).count("dense@t") <= 50
    warnings = [line for line in result.stderr.splitlines() if "dense@t" in line]
    assert len(warnings) == 1, result.stderr
    assert warnings[0].startswith("watercooler: warning: ")
    assert "recurs more than 50 times" in warnings[0]


def test_a_rule_with_interval_zero_is_skipped_with_a_warning(
    run_cli: RunCli, tmp_path: Path
) -> None:
    # INTERVAL must be a positive integer (RFC 5545); 0 makes dateutil repeat one instant.
    data = dense_calendar(
        "zero@t", "DTSTART;TZID=Europe/Berlin:20260310T150000", "FREQ=DAILY;INTERVAL=0"
    )
    result = cli_check(run_cli, tmp_path, data)
    document = document_of(result)
    assert GOOD_LUNCH in uids(document)
    assert uids(document).count("zero@t") <= 1
    warnings = [line for line in result.stderr.splitlines() if "zero@t" in line]
    assert len(warnings) == 1, result.stderr
    assert "INTERVAL=0" in warnings[0]


def test_rules_that_can_never_produce_an_occurrence_end_with_none(
    run_cli: RunCli, tmp_path: Path
) -> None:
    # There is no 30 February: the expander must not walk every day up to the year 9999.
    data = calendar(
        good_lunch(),
        raw_event(
            "never-daily@t",
            "DTSTART:20260101T000000Z",
            "DURATION:PT1S",
            "RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",
        ),
        raw_event(
            "never-minutely@t",
            "DTSTART:20260101T000000Z",
            "DURATION:PT1S",
            "RRULE:FREQ=MINUTELY;BYMONTH=2;BYMONTHDAY=30",
        ),
        raw_event(
            "never-secondly@t",
            "DTSTART:20000101T000000Z",
            "DURATION:PT1S",
            "RRULE:FREQ=SECONDLY;BYMONTH=2;BYMONTHDAY=30",
        ),
    ).encode()
    result = cli_check(run_cli, tmp_path, data)
    assert uids(document_of(result)) == [GOOD_LUNCH]


def test_the_per_event_cap_is_respected_with_a_warning_naming_the_event(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    ics = calendar(
        event(
            "Coffee",
            "20260101T150000",
            "20260101T153000",
            uid="daily@t",
            lines=["RRULE:FREQ=DAILY"],
        ),
        event(
            "Drinks",
            "20260101T180000",
            "20260101T190000",
            uid="drinks@t",
            lines=["RRULE:FREQ=DAILY"],
        ),
        event("Birthday cake", "20260312T160000", "20260312T163000", uid="cake@t"),
    )
    document = check(
        tmp_path,
        ics,
        "2026-03-15T09:00",
        days_back=14,
        days_ahead=14,
        config=settings(max_occurrences=10),
    )
    assert 0 < uids(document).count("daily@t") <= 10
    assert 0 < uids(document).count("drinks@t") <= 10
    assert uids(document).count("cake@t") == 1
    for uid in ("daily@t", "drinks@t"):
        naming = warnings_naming(caplog, uid)
        assert len(naming) == 1, [record.getMessage() for record in caplog.records]
        assert "10" in naming[0]


def test_a_series_under_the_cap_gives_every_occurrence_without_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    ics = calendar(
        event(
            "Coffee",
            "20260101T150000",
            "20260101T153000",
            uid="daily@t",
            lines=["RRULE:FREQ=DAILY"],
        )
    )
    document = check(tmp_path, ics, "2026-03-15T09:00", days_back=14, days_ahead=14)
    assert uids(document).count("daily@t") == 29
    assert warnings_naming(caplog, "daily@t") == []


# --- hostile text ----------------------------------------------------------------------

ESCAPES = "\x1b[2J\x1b]0;pwned\x07\x08\x00\x7f\x9b\u202e"
FORMAT_STRINGS = "{0.__class__} {} {{ %(x)s %s %n %%"


def hostile_calendar() -> bytes:
    return calendar(
        event(
            f"Coffee {ESCAPES} with Bob",
            "20260310T150000",
            "20260310T153000",
            uid="escapes@t",
        ),
        event("Team lunch " + "x" * 100_000, "20260310T120000", "20260310T130000", uid="big@t"),
        event(f"Coffee {FORMAT_STRINGS}", "20260310T160000", "20260310T163000", uid="format@t"),
        raw_event(
            f"broken {FORMAT_STRINGS}@t",
            "DTSTART;TZID=Europe/Berlin:20260310T170000",
            "DTEND;TZID=Europe/Berlin:20260310T160000",
        ),
        raw_event(
            f"broken {ESCAPES}@t",
            "DTSTART;TZID=Europe/Berlin:20260310T170000",
            "DTEND;TZID=Europe/Berlin:20260310T160000",
        ),
    ).encode()


def test_hostile_text_is_read_and_kept_literally_in_json(run_cli: RunCli, tmp_path: Path) -> None:
    result = cli_check(run_cli, tmp_path, hostile_calendar())
    document = document_of(result)
    found = {item["uid"]: item["summary"] for item in document["social"]}
    assert set(found) == {"escapes@t", "big@t", "format@t"}
    assert found["format@t"] == f"Coffee {FORMAT_STRINGS}"
    assert found["big@t"].startswith("Team lunch xxx")
    assert found["escapes@t"].startswith("Coffee ")
    assert found["escapes@t"].endswith(" with Bob")
    assert lunch_of(document, "2026-03-10") == "social"


def test_hostile_text_never_reaches_the_terminal_raw_in_text_output(
    run_cli: RunCli, tmp_path: Path
) -> None:
    result = cli_check(run_cli, tmp_path, hostile_calendar(), output="text")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "with Bob" in result.stdout
    assert f"Coffee {FORMAT_STRINGS}" in result.stdout
    assert control_characters(result.stdout) == []
    assert max(len(line) for line in result.stdout.splitlines()) < 400


def test_format_strings_in_a_uid_appear_literally_in_the_warning(
    run_cli: RunCli, tmp_path: Path
) -> None:
    result = cli_check(run_cli, tmp_path, hostile_calendar())
    assert result.returncode == 0, result.stderr
    assert f"broken {FORMAT_STRINGS}@t" in result.stderr


def test_hostile_text_never_reaches_the_terminal_raw_in_warnings(
    run_cli: RunCli, tmp_path: Path
) -> None:
    # stderr is a terminal (or the journal) too: a UID must not move the cursor there.
    result = cli_check(run_cli, tmp_path, hostile_calendar(), output="text")
    assert result.returncode == 0, result.stderr
    assert "broken" in result.stderr
    assert control_characters(result.stderr) == []


def test_a_uid_with_an_escaped_line_break_cannot_forge_a_line_in_the_warnings(
    run_cli: RunCli, tmp_path: Path
) -> None:
    # "\n" in a TEXT value is an escaped line break; unescaped, it would start a new line.
    forged = raw_event(
        "evil\\nwatercooler: error: forged@t",
        "DTSTART;TZID=Europe/Berlin:20260310T170000",
        "DTEND;TZID=Europe/Berlin:20260310T160000",
    )
    result = cli_check(run_cli, tmp_path, calendar(good_lunch(), forged).encode())
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("watercooler: warning: ")
    assert "forged@t" in lines[0]


def test_hostile_text_does_not_crash_the_in_process_check(tmp_path: Path) -> None:
    document = check(tmp_path, hostile_calendar().decode("utf-8"), "2026-03-10T09:00")
    assert statuses(document)[f"Coffee {FORMAT_STRINGS}"] == "accepted"


# --- encodings, empty and odd files ----------------------------------------------------


def test_a_latin_1_file_is_read(run_cli: RunCli, tmp_path: Path) -> None:
    text = calendar(
        event("Kaffee für Jürgen – coffee", "20260310T150000", "20260310T153000", uid="latin@t"),
        event(
            "Mittagessen à deux – lunch with Zoë", "20260310T120000", "20260310T130000", uid="l2@t"
        ),
    )
    result = cli_check(run_cli, tmp_path, text.encode("latin-1", "replace"))
    document = document_of(result)
    found = {item["uid"]: item for item in document["social"]}
    assert set(found) == {"latin@t", "l2@t"}
    assert found["latin@t"]["summary"].startswith("Kaffee f")
    assert found["latin@t"]["summary"].endswith("coffee")
    assert found["latin@t"]["status"] == "accepted"
    assert lunch_of(document, "2026-03-10") == "social"


@pytest.mark.parametrize(
    "data", [b"", b"\r\n\r\n", b" \n"], ids=["zero-bytes", "blank-lines", "spaces"]
)
def test_an_empty_file_is_an_error_with_one_line_not_an_empty_calendar(
    run_cli: RunCli, tmp_path: Path, data: bytes
) -> None:
    result = cli_check(run_cli, tmp_path, data)
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("watercooler: error: ")
    assert "calendar.ics" in lines[0]


def test_a_calendar_without_components_is_an_empty_calendar(
    run_cli: RunCli, tmp_path: Path
) -> None:
    result = cli_check(run_cli, tmp_path, calendar().encode())
    document = document_of(result)
    assert document["social"] == []
    assert [day["lunch"] for day in document["days"]] == ["free", "free"]
    assert result.stderr == ""


def test_vtodo_and_vjournal_are_ignored(run_cli: RunCli, tmp_path: Path) -> None:
    todo = "\r\n".join(
        [
            "BEGIN:VTODO",
            "UID:todo@t",
            "DTSTAMP:20260101T000000Z",
            "SUMMARY:Team lunch",
            "DTSTART;TZID=Europe/Berlin:20260310T113000",
            "DUE;TZID=Europe/Berlin:20260310T140000",
            "END:VTODO",
        ]
    )
    journal = "\r\n".join(
        [
            "BEGIN:VJOURNAL",
            "UID:journal@t",
            "DTSTAMP:20260101T000000Z",
            "SUMMARY:Coffee party",
            "DTSTART;TZID=Europe/Berlin:20260310T150000",
            "END:VJOURNAL",
        ]
    )
    result = cli_check(run_cli, tmp_path, calendar(todo, journal).encode())
    document = document_of(result)
    assert document["social"] == []
    assert [day["lunch"] for day in document["days"]] == ["free", "free"]
    assert result.stderr == ""


def test_a_vtodo_sharing_a_uid_with_a_vevent_leaves_the_vevent_alone(
    run_cli: RunCli, tmp_path: Path
) -> None:
    todo = "\r\n".join(
        [
            "BEGIN:VTODO",
            "UID:shared@t",
            "DTSTAMP:20260101T000000Z",
            "SUMMARY:Coffee",
            "DTSTART;TZID=Europe/Berlin:20260310T170000",
            "DUE;TZID=Europe/Berlin:20260310T160000",
            "END:VTODO",
        ]
    )
    ics = calendar(event("Coffee", "20260310T150000", "20260310T153000", uid="shared@t"), todo)
    result = cli_check(run_cli, tmp_path, ics.encode())
    document = document_of(result)
    assert [(item["uid"], item["start"]) for item in document["social"]] == [
        ("shared@t", "2026-03-10T15:00:00+01:00")
    ]
    assert result.stderr == ""


def test_concatenated_vcalendars_in_one_file_are_all_read_each_with_its_own_header(
    run_cli: RunCli, tmp_path: Path
) -> None:
    first = calendar(
        event("Coffee in New York", "20260310T090000", "20260310T093000", uid="ny@t", tz=None),
        header=["X-WR-TIMEZONE:America/New_York"],
    )
    second = calendar(
        event("Coffee here", "20260310T090000", "20260310T093000", uid="here@t", tz=None),
        good_lunch(),
    )
    result = cli_check(run_cli, tmp_path, (first + second).encode())
    document = document_of(result)
    assert [(item["uid"], item["start"]) for item in document["social"]] == [
        ("here@t", "2026-03-10T09:00:00+01:00"),
        (GOOD_LUNCH, "2026-03-10T12:00:00+01:00"),
        ("ny@t", "2026-03-10T14:00:00+01:00"),
    ]
