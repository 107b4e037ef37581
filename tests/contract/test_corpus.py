"""Every real-world file of the corpus through the installed ``watercooler check``.

``tests/corpus/`` (described in its README) holds byte-for-byte copies of what real clients
and servers write, limited to files under permissive licences. Every file must be read
without a crash and give the JSON contract of DESIGN.md; the files whose content gives a
known answer under the DESIGN.md rules are also checked for that answer.

The full corpus, GPL-family files included, lives outside the repository. Set
``WATERCOOLER_CORPUS`` to its folder to run the every-file tests over it too. A named test
on a GPL-family file reads the real file from that folder (or from ``../shared/corpus/ics``
beside the clone) when it is there, and otherwise a hand-written fixture in
``tests/corpus/fixtures/`` with the same quirk.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import unicodedata
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from conftest import CORPUS, REPO, RunCli

LUNCH_OUTCOMES = {"off", "social", "alone", "skipped", "free"}
SOCIAL_STATUSES = {"cancelled", "declined", "conflicted", "tentative", "unanswered", "accepted"}
DAYS_BACK = 3
DAYS_AHEAD = 10
BERLIN = "Europe/Berlin"

FULL_CORPUS_VARIABLE = "WATERCOOLER_CORPUS"
# Read at import time: the autouse clean_environment fixture removes every WATERCOOLER_*
# variable before a test runs.
FULL_CORPUS_SETTING = os.environ.get(FULL_CORPUS_VARIABLE)
FULL_CORPUS = (
    Path(FULL_CORPUS_SETTING).resolve()
    if FULL_CORPUS_SETTING
    else REPO.parent / "shared" / "corpus" / "ics"
)
FIXTURES = CORPUS / "fixtures"

# The GPL-family files the named tests use are kept out of the repository; each has a
# hand-written fixture with the quirk the test checks (tests/corpus/README.md).
STAND_INS = {
    "recurring-ical-events__thunderbird_one_occurrence_cancelled": (
        "daily_series_one_override_cancelled"
    ),
    "recurring-ical-events__dtend_before_dtstart": "event_ends_before_it_starts",
    "recurring-ical-events__davx5_exdates_in_utc_across_dst": (
        "weekly_series_utc_exdates_across_dst"
    ),
    "nylas__google_method_cancel": "method_cancel_cancelled_meeting",
    "tine20-qcal__apple_ical1_coffee_date_start_datetime_end": (
        "date_start_with_tzid_datetime_end"
    ),
    "radicale__thunderbird_stored_exchange_teams_series": (
        "windows_zone_series_floating_exdate_moved_override"
    ),
}


def ics_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.ics")) if folder.is_dir() else []


def full_corpus_problem() -> str | None:
    """Why the folder WATERCOOLER_CORPUS names cannot be used, or None (also when unset)."""
    if FULL_CORPUS_SETTING is None:
        return None
    if not FULL_CORPUS_SETTING:
        return f"{FULL_CORPUS_VARIABLE} is set but empty; unset it or name the corpus folder"
    if not FULL_CORPUS.is_dir():
        return f"{FULL_CORPUS_VARIABLE}={FULL_CORPUS_SETTING!r}: no such folder"
    if not ics_files(FULL_CORPUS):
        return f"{FULL_CORPUS_VARIABLE}={FULL_CORPUS_SETTING!r}: the folder holds no .ics file"
    return None


FULL_CORPUS_PROBLEM = full_corpus_problem()


def every_corpus_file() -> list[Path]:
    """The copies in tests/corpus plus the WATERCOOLER_CORPUS files, one per file name."""
    by_name = {path.name: path for path in ics_files(CORPUS)}
    if FULL_CORPUS_SETTING:
        for path in ics_files(FULL_CORPUS):
            by_name.setdefault(path.name, path)
    return [by_name[name] for name in sorted(by_name)]


CORPUS_FILES = every_corpus_file()


def corpus_params() -> list[Any]:
    """One parameter per file; a None parameter reports a missing or unusable folder."""
    params: list[Any] = [pytest.param(path, id=path.stem) for path in CORPUS_FILES]
    if FULL_CORPUS_PROBLEM is not None:
        params.append(pytest.param(None, id=FULL_CORPUS_VARIABLE))
    return params or [pytest.param(None, id="no-corpus-files")]


def parametrized_file(path: Path | None) -> Path:
    assert path is not None, (
        FULL_CORPUS_PROBLEM or f"the corpus folder {CORPUS} is missing or holds no .ics files"
    )
    assert path.is_file(), f"no corpus file at {path}"
    return path


def corpus_file(name: str) -> Path:
    """The named file: its copy in tests/corpus, or for a GPL-family file the real file
    in the full corpus when it is there, otherwise the fixture that stands in for it."""
    copy = CORPUS / f"{name}.ics"
    if copy.is_file():
        return copy
    assert name in STAND_INS, f"{name}.ics is not in {CORPUS} and no fixture stands in for it"
    real = FULL_CORPUS / f"{name}.ics"
    if real.is_file():
        return real
    fixture = FIXTURES / f"{STAND_INS[name]}.ics"
    assert fixture.is_file(), f"fixture {fixture} is missing"
    return fixture


def first_event_date(path: Path) -> date:
    """The date in the first DTSTART of the first VEVENT (VTIMEZONE starts are skipped)."""
    text = path.read_bytes().decode("utf-8", "replace")
    unfolded = re.sub(r"\r?\n[ \t]", "", text)
    stack: list[str] = []
    for line in unfolded.splitlines():
        name, _, value = line.partition(":")
        name = name.split(";")[0].strip().upper()
        if name == "BEGIN":
            stack.append(value.strip().upper())
        elif name == "END" and stack:
            stack.pop()
        elif name == "DTSTART" and stack and stack[-1] == "VEVENT":
            found = re.search(r"(\d{4})(\d{2})(\d{2})", line)
            if found:
                return date(*(int(part) for part in found.groups()))
    raise AssertionError(f"{path.name} has no VEVENT with a DTSTART")


def write_config(
    tmp_path: Path,
    *,
    timezone: str = BERLIN,
    me: tuple[str, ...] = ("ana@example.com",),
    workdays: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri"),
    social: tuple[str, ...] = (),
) -> Path:
    """A config file; ``social`` replaces the social word list when given."""
    lines = [
        f"timezone = {json.dumps(timezone)}",
        f"me = {json.dumps(list(me))}",
        f"workdays = {json.dumps(list(workdays))}",
    ]
    if social:
        lines += ["[words]", f"social = {json.dumps(list(social))}"]
    path = tmp_path / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run_check(
    run_cli: RunCli,
    config: Path,
    source: Path,
    now: str,
    days_back: int = DAYS_BACK,
    days_ahead: int = DAYS_AHEAD,
    output: str = "json",
) -> subprocess.CompletedProcess[str]:
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
    )


def check_document(
    run_cli: RunCli,
    config: Path,
    source: Path,
    now: str,
    days_back: int = DAYS_BACK,
    days_ahead: int = DAYS_AHEAD,
) -> tuple[dict[str, Any], str]:
    """Run check in JSON; assert it succeeded cleanly; return the document and stderr."""
    result = run_check(run_cli, config, source, now, days_back, days_ahead)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document, result.stderr


def assert_contract(
    document: dict[str, Any], timezone: str, today: date, days_back: int, days_ahead: int
) -> None:
    """The JSON shape and the range rules of DESIGN.md's command-line contract."""
    zone = ZoneInfo(timezone)
    assert set(document) == {"now", "timezone", "days", "social", "nudges"}
    assert document["timezone"] == timezone
    now = datetime.fromisoformat(document["now"])
    assert now.utcoffset() == now.astimezone(zone).utcoffset()
    assert now.date() == today

    first = today - timedelta(days=days_back)
    expected = [(first + timedelta(days=n)).isoformat() for n in range(days_back + days_ahead + 1)]
    assert [day["date"] for day in document["days"]] == expected
    for day in document["days"]:
        assert set(day) == {"date", "lunch"}
        assert day["lunch"] in LUNCH_OUTCOMES

    starts = []
    for item in document["social"]:
        assert set(item) == {"uid", "start", "end", "summary", "status"}
        assert isinstance(item["uid"], str)
        assert isinstance(item["summary"], str)
        assert item["status"] in SOCIAL_STATUSES
        start = datetime.fromisoformat(item["start"])
        end = datetime.fromisoformat(item["end"])
        for moment in (start, end):
            assert moment.utcoffset() == moment.astimezone(zone).utcoffset(), item
        assert start <= end, item
        assert first <= start.date() <= today + timedelta(days=days_ahead), item
        starts.append(start)
    assert starts == sorted(starts)
    assert isinstance(document["nudges"], list)


def assert_only_warnings(stderr: str) -> None:
    """Exit 0 means every line on stderr is a one-line warning, never a traceback."""
    assert "Traceback" not in stderr, stderr
    for line in stderr.splitlines():
        assert line.startswith("watercooler: warning: "), stderr


def socials(document: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(item["summary"], item["start"], item["status"]) for item in document["social"]]


def lunches(document: dict[str, Any]) -> dict[str, str]:
    return {day["date"]: day["lunch"] for day in document["days"]}


# --- every file ------------------------------------------------------------------------


def test_the_corpus_folder_holds_the_real_world_files() -> None:
    assert CORPUS.is_dir(), f"the corpus folder {CORPUS} is missing"
    assert ics_files(CORPUS), f"the corpus folder {CORPUS} holds no .ics files"


def test_the_folder_named_by_watercooler_corpus_holds_ics_files_when_it_is_set() -> None:
    assert FULL_CORPUS_PROBLEM is None, FULL_CORPUS_PROBLEM


@pytest.mark.parametrize("path", corpus_params())
def test_check_reads_every_corpus_file_and_prints_the_json_contract(
    run_cli: RunCli, tmp_path: Path, path: Path | None
) -> None:
    path = parametrized_file(path)
    today = first_event_date(path)
    config = write_config(tmp_path)
    result = run_check(run_cli, config, path, f"{today.isoformat()}T12:00:00")
    assert result.returncode == 0, result.stderr
    assert_only_warnings(result.stderr)
    document = json.loads(result.stdout)
    assert_contract(document, BERLIN, today, DAYS_BACK, DAYS_AHEAD)


@pytest.mark.parametrize("path", corpus_params())
def test_check_prints_every_corpus_file_as_text_without_control_characters(
    run_cli: RunCli, tmp_path: Path, path: Path | None
) -> None:
    path = parametrized_file(path)
    today = first_event_date(path)
    config = write_config(tmp_path)
    result = run_check(run_cli, config, path, f"{today.isoformat()}T12:00:00", output="text")
    assert result.returncode == 0, result.stderr
    assert_only_warnings(result.stderr)
    assert result.stdout.strip()
    raw = [char for char in result.stdout if unicodedata.category(char) == "Cc" and char != "\n"]
    assert raw == []


# --- files whose answer the DESIGN.md rules give ---------------------------------------


def test_a_thunderbird_series_with_one_cancelled_occurrence_shows_only_that_one_cancelled(
    run_cli: RunCli, tmp_path: Path
) -> None:
    # Daily 22:00-23:00 Berlin, COUNT=3 from 28 Jan 2020; the override of the 29th has
    # STATUS:CANCELLED. The summary is made a social word so the occurrences are listed.
    config = write_config(tmp_path, social=("one is cancelled",))
    source = corpus_file("recurring-ical-events__thunderbird_one_occurrence_cancelled")
    document, _ = check_document(run_cli, config, source, "2020-01-29T09:00", 2, 2)
    assert socials(document) == [
        ("one is cancelled", "2020-01-28T22:00:00+01:00", "accepted"),
        ("one is cancelled", "2020-01-29T22:00:00+01:00", "cancelled"),
        ("one is cancelled", "2020-01-30T22:00:00+01:00", "accepted"),
    ]


def test_an_exchange_all_day_out_of_office_series_makes_its_days_off_and_follows_the_move(
    run_cli: RunCli, tmp_path: Path
) -> None:
    # "Away", all-day, Wed and Fri, X-MICROSOFT-CDO-BUSYSTATUS:OOF ("Away" is no absence
    # word: only the busy status says OOF). The Friday 9 April 2021 occurrence is moved to
    # Saturday the 10th, made a workday here so the move shows.
    config = write_config(tmp_path, workdays=("mon", "tue", "wed", "thu", "fri", "sat"))
    source = corpus_file("icalevents__exchange_oof_allday_moved_occurrence")
    document, _ = check_document(run_cli, config, source, "2021-04-08T09:00", 3, 8)
    assert lunches(document) == {
        "2021-04-05": "free",
        "2021-04-06": "free",
        "2021-04-07": "off",
        "2021-04-08": "free",
        "2021-04-09": "free",
        "2021-04-10": "off",
        "2021-04-11": "off",
        "2021-04-12": "free",
        "2021-04-13": "free",
        "2021-04-14": "off",
        "2021-04-15": "free",
        "2021-04-16": "off",
    }


def test_an_exchange_out_of_office_series_ends_at_its_until(
    run_cli: RunCli, tmp_path: Path
) -> None:
    # UNTIL=20210701T220000Z: Wednesday 30 June is the last occurrence, Friday 2 July is not.
    config = write_config(tmp_path)
    source = corpus_file("icalevents__exchange_oof_allday_moved_occurrence")
    document, _ = check_document(run_cli, config, source, "2021-06-30T09:00", 2, 2)
    assert lunches(document) == {
        "2021-06-28": "free",
        "2021-06-29": "free",
        "2021-06-30": "off",
        "2021-07-01": "free",
        "2021-07-02": "free",
    }


def test_a_google_weekly_lunch_block_is_lunch_alone_except_on_its_excluded_date(
    run_cli: RunCli, tmp_path: Path
) -> None:
    # "LUNCH" Mon/Wed/Thu 13:00-13:50 America/Boise from 29 Sep 2021, UNTIL=20211020 (a
    # DATE), EXDATE 13 Oct 13:00. No attendees: lunch alone. 20 Oct (the UNTIL date
    # itself) is left out: a DATE UNTIL on a DATE-TIME series is the RFC violation here.
    config = write_config(tmp_path, timezone="America/Boise")
    source = corpus_file("icalevents__google_lunch_weekly_until_date_exdate")
    document, _ = check_document(run_cli, config, source, "2021-10-08T09:00", 10, 13)
    days = lunches(document)
    del days["2021-10-20"]
    assert days == {
        "2021-09-28": "free",
        "2021-09-29": "alone",
        "2021-09-30": "alone",
        "2021-10-01": "free",
        "2021-10-02": "off",
        "2021-10-03": "off",
        "2021-10-04": "alone",
        "2021-10-05": "free",
        "2021-10-06": "alone",
        "2021-10-07": "alone",
        "2021-10-08": "free",
        "2021-10-09": "off",
        "2021-10-10": "off",
        "2021-10-11": "alone",
        "2021-10-12": "free",
        "2021-10-13": "free",
        "2021-10-14": "alone",
        "2021-10-15": "free",
        "2021-10-16": "off",
        "2021-10-17": "off",
        "2021-10-18": "alone",
        "2021-10-19": "free",
        "2021-10-21": "free",
    }


def test_an_event_ending_before_it_starts_is_skipped_with_a_warning_naming_its_uid(
    run_cli: RunCli, tmp_path: Path
) -> None:
    config = write_config(tmp_path)
    source = corpus_file("recurring-ical-events__dtend_before_dtstart")
    document, stderr = check_document(run_cli, config, source, "2023-12-18T09:00", 0, 1)
    warnings = [line for line in stderr.splitlines() if "84A72-65798A00-5-20465200" in line]
    assert len(warnings) == 1, stderr
    assert warnings[0].startswith("watercooler: warning: ")
    assert "DTEND" in warnings[0]
    assert lunches(document) == {"2023-12-18": "free", "2023-12-19": "free"}


def test_a_windows_zone_name_without_a_vtimezone_is_read_as_its_iana_zone(
    run_cli: RunCli, tmp_path: Path
) -> None:
    # "Uffe" 14:00-15:00 in "W. Europe Standard Time" (Europe/Berlin, +02:00 in April) is
    # 08:00-09:00 in New York (-04:00).
    config = write_config(tmp_path, timezone="America/New_York", social=("uffe",))
    source = corpus_file("allenporter-ical__office365_w_europe_tzid_without_vtimezone")
    document, stderr = check_document(run_cli, config, source, "2024-04-26T09:00", 0, 0)
    assert [(item["start"], item["end"]) for item in document["social"]] == [
        ("2024-04-26T08:00:00-04:00", "2024-04-26T09:00:00-04:00")
    ]
    assert "time zone" not in stderr


def test_windows_zone_names_defined_by_vtimezones_give_their_offsets(
    run_cli: RunCli, tmp_path: Path
) -> None:
    # "test" 09:00 W. Europe Standard Time on 10 Sep 2020, and "Not the actual summary 1"
    # 08:30 Pacific Standard Time on 15 Sep 2020 (15:30 UTC, 17:30 in Berlin).
    config = write_config(tmp_path, social=("test", "not the actual summary 1"))
    source = corpus_file("node-ical__exchange_windows_tzids_misquoted_tzid")
    document, _ = check_document(run_cli, config, source, "2020-09-10T09:00", 0, 5)
    assert ("test", "2020-09-10T09:00:00+02:00", "accepted") in socials(document)
    assert ("Not the actual summary 1", "2020-09-15T17:30:00+02:00", "accepted") in socials(
        document
    )


def test_a_misquoted_windows_tzid_is_recovered_and_its_series_keeps_its_wall_time(
    run_cli: RunCli, tmp_path: Path
) -> None:
    # DTSTART;TZID="W. Europe Standard Time:20200609T090000" — the quote swallowed the value.
    # The series runs Mon-Sat 09:00 Berlin; FREE and TRANSPARENT, so it is never busy.
    config = write_config(tmp_path, social=("jira",))
    source = corpus_file("node-ical__exchange_windows_tzids_misquoted_tzid")
    document, _ = check_document(run_cli, config, source, "2020-10-23T09:00", 0, 4)
    assert [item["start"] for item in document["social"]] == [
        "2020-10-23T09:00:00+02:00",
        "2020-10-24T09:00:00+02:00",
        "2020-10-26T09:00:00+01:00",
        "2020-10-27T09:00:00+01:00",
    ]


def test_an_undefined_tzid_is_read_in_the_users_zone_with_a_warning_naming_the_uid(
    run_cli: RunCli, tmp_path: Path
) -> None:
    # TZID=Customized Time Zone, which none of the file's VTIMEZONEs defines.
    uid = (
        "040000008200E00074C5B7101A82E00800000000687C546B5596DA01000000000000000"
        "010000000309AE93C8C3A94489F90ADBEA30C2F2B"
    )
    config = write_config(tmp_path, timezone="America/New_York", social=("uffe",))
    source = corpus_file("allenporter-ical__office365_customized_time_zone_undefined")
    document, stderr = check_document(run_cli, config, source, "2024-04-26T09:00", 0, 0)
    assert [(item["start"], item["end"]) for item in document["social"]] == [
        ("2024-04-26T14:00:00-04:00", "2024-04-26T15:00:00-04:00")
    ]
    warnings = [line for line in stderr.splitlines() if uid in line]
    assert len(warnings) == 1, stderr
    assert "Customized Time Zone" in warnings[0]


def test_x_wr_timezone_reads_floating_times_in_that_zone_and_keeps_utc_instants(
    run_cli: RunCli, tmp_path: Path
) -> None:
    # X-WR-TIMEZONE:US/Pacific (PST, -08:00, on 28 Oct 2002). The floating 01:20:30 is
    # Pacific time; the UTC event keeps its instant; the New York TZID is honoured; both
    # all-day events (one without VALUE=DATE) are the user's local day.
    config = write_config(
        tmp_path, social=("no timezone", "utc timezone", "inline timezone", "date only")
    )
    source = corpus_file("node-ical__apple_ical1_floating_utc_date_without_value")
    document, _ = check_document(run_cli, config, source, "2002-10-28T09:00", 1, 1)
    found = {item["summary"]: (item["start"], item["end"]) for item in document["social"]}
    assert found == {
        "No Timezone": ("2002-10-28T10:20:30+01:00", "2002-10-29T10:20:30+01:00"),
        "UTC Timezone": ("2002-10-28T02:20:30+01:00", "2002-10-29T02:20:30+01:00"),
        "Inline Timezone": ("2002-10-28T07:20:30+01:00", "2002-10-29T07:20:30+01:00"),
        "Date Only (Explicit)": ("2002-10-28T00:00:00+01:00", "2002-10-29T00:00:00+01:00"),
        "Date Only (Implicit)": ("2002-10-28T00:00:00+01:00", "2002-10-29T00:00:00+01:00"),
    }


def test_davx5_exdates_written_in_utc_remove_their_occurrences_on_both_sides_of_dst(
    run_cli: RunCli, tmp_path: Path
) -> None:
    # Weekly Tuesday 16:15 Berlin from 15 Oct 2019. The EXDATEs are UTC: 14:15Z before the
    # 27 Oct change (16:15 CEST) and 15:15Z after it (16:15 CET). UNTIL 4 Feb 2020 15:14:59Z
    # falls just before that day's 16:15.
    config = write_config(tmp_path, social=("test",))
    source = corpus_file("recurring-ical-events__davx5_exdates_in_utc_across_dst")
    document, _ = check_document(run_cli, config, source, "2019-12-01T09:00", 60, 70)
    assert [item["start"] for item in document["social"]] == [
        "2019-10-29T16:15:00+01:00",
        "2019-11-12T16:15:00+01:00",
        "2019-12-10T16:15:00+01:00",
        "2020-01-07T16:15:00+01:00",
        "2020-01-14T16:15:00+01:00",
        "2020-01-21T16:15:00+01:00",
        "2020-01-28T16:15:00+01:00",
    ]
    assert {item["end"][11:] for item in document["social"]} == {"17:45:00+01:00"}


def test_apple_statuses_and_invalid_partstats_give_the_documented_social_statuses(
    run_cli: RunCli, tmp_path: Path
) -> None:
    # Each event's only attendee is "me": PARTSTAT=TENTATIVE, PARTSTAT=CONFIRMED (unknown,
    # so NEEDS-ACTION), and a STATUS:CANCELLED event; the last event has no attendees.
    config = write_config(
        tmp_path,
        timezone="America/Vancouver",
        me=("tentative@example.com", "confirmed@example.com", "cancelled@example.com"),
        social=("tentative", "confirmed", "cancelled", "no status"),
    )
    source = corpus_file("node-ical__apple_macos_status_tentative_cancelled_bad_partstat")
    document, _ = check_document(run_cli, config, source, "2022-07-05T09:00", 1, 2)
    assert socials(document) == [
        ("Tentative", "2022-07-04T16:00:00-07:00", "tentative"),
        ("Confirmed", "2022-07-05T09:00:00-07:00", "unanswered"),
        ("Cancelled", "2022-07-06T13:00:00-07:00", "cancelled"),
        ("No Status", "2022-07-07T09:00:00-07:00", "accepted"),
    ]


def test_a_google_method_cancel_event_is_a_cancelled_social_event(
    run_cli: RunCli, tmp_path: Path
) -> None:
    config = write_config(tmp_path, social=("buffalo",))
    source = corpus_file("nylas__google_method_cancel")
    document, _ = check_document(run_cli, config, source, "2015-04-01T09:00", 0, 0)
    assert socials(document) == [("Buffalo Buffalo", "2015-04-01T16:00:00+02:00", "cancelled")]


def test_an_apple_coffee_with_a_date_start_is_an_all_day_event_from_local_midnight(
    run_cli: RunCli, tmp_path: Path
) -> None:
    # DTSTART;VALUE=DATE;TZID=US/Pacific:20021028 — a DATE (RFC 5545 forbids TZID on one),
    # so an all-day social event, which starts at local midnight (DESIGN.md).
    config = write_config(tmp_path)
    source = corpus_file("tine20-qcal__apple_ical1_coffee_date_start_datetime_end")
    document, _ = check_document(run_cli, config, source, "2002-10-28T09:00", 0, 1)
    assert [(item["summary"], item["start"], item["status"]) for item in document["social"]] == [
        ("Coffee with: Jason", "2002-10-28T00:00:00+01:00", "accepted")
    ]


def test_a_thunderbird_stored_teams_series_honours_its_floating_exdate_and_moved_override(
    run_cli: RunCli, tmp_path: Path
) -> None:
    # Weekly Friday 11:00 "W. Europe Standard Time" from 23 Jan 2026. The 30 Jan occurrence
    # is moved to 10:30; EXDATE:20260403T110000 is floating, so the wall time of the series.
    config = write_config(tmp_path, me=("xx@xxxxxxx.xxx",), social=("billings",))
    source = corpus_file("radicale__thunderbird_stored_exchange_teams_series")
    document, _ = check_document(run_cli, config, source, "2026-03-27T09:00", 60, 14)
    assert [item["start"] for item in document["social"]] == [
        "2026-01-30T10:30:00+01:00",
        "2026-02-06T11:00:00+01:00",
        "2026-02-13T11:00:00+01:00",
        "2026-02-20T11:00:00+01:00",
        "2026-02-27T11:00:00+01:00",
        "2026-03-06T11:00:00+01:00",
        "2026-03-13T11:00:00+01:00",
        "2026-03-20T11:00:00+01:00",
        "2026-03-27T11:00:00+01:00",
        "2026-04-10T11:00:00+02:00",
    ]
    assert {item["status"] for item in document["social"]} == {"accepted"}
