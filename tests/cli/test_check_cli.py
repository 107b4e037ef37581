"""``watercooler check`` and ``watercooler demo`` through the installed console script."""

from __future__ import annotations

import base64
import json
import os
import subprocess
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from conftest import RunCli, watercooler_command
from helpers import calendar, event
from httpserver import FeedServer, Route

NOW = "2026-03-12T09:00:00+01:00"  # a Thursday in Berlin's winter time
SECRET = "s3cret-hunter2"
LUNCH_OUTCOMES = {"off", "social", "alone", "skipped", "free"}
SOCIAL_STATUSES = {"cancelled", "declined", "conflicted", "tentative", "unanswered", "accepted"}
DEMO_OPTIONS = ("--days-back", "--days-ahead", "--now", "--format")


def week() -> str:
    """Mon 9 to Sun 15 March 2026 with one lunch outcome a day, and a few social events."""
    return calendar(
        event("Lunch at my desk", "20260309T120000", "20260309T123000", uid="desk@test"),
        event(
            "Team lunch",
            "20260310T120000",
            "20260310T130000",
            uid="team-lunch@test",
            organizer="lea@example.com",
            attendees=[("ana@example.com", "ACCEPTED"), ("lea@example.com", "ACCEPTED")],
        ),
        event("Planning", "20260311T113000", "20260311T140000", uid="planning@test"),
        event("Coffee with Sam", "20260311T150000Z", "20260311T153000Z", uid="coffee@test"),
        event("Vacation", "20260313", "20260314", uid="vacation@test"),
        event("Coffee too late", "20260325T100000", "20260325T103000", uid="late@test"),
        event("Spring drinks", "20260402T170000", "20260402T190000", uid="drinks@test"),
    )


@pytest.fixture
def ics(tmp_path: Path) -> Path:
    path = tmp_path / "work.ics"
    path.write_text(week(), encoding="utf-8")
    return path


def write_config(tmp_path: Path, text: str = "") -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        'timezone = "Europe/Berlin"\nme = ["ana@example.com"]\n' + text, encoding="utf-8"
    )
    return path


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return write_config(tmp_path)


def check_json(run_cli: RunCli, *args: str) -> dict[str, Any]:
    result = run_cli("check", "--format", "json", *args)
    assert result.returncode == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def dates(document: dict[str, Any]) -> list[str]:
    return [day["date"] for day in document["days"]]


def expected_dates(first: str, count: int) -> list[str]:
    start = date.fromisoformat(first)
    return [(start + timedelta(days=offset)).isoformat() for offset in range(count)]


def assert_one_line_error(result: subprocess.CompletedProcess[str], *fragments: str) -> str:
    """Exit 2, nothing on stdout, one ``watercooler: error:`` line, no traceback."""
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("watercooler: error: ")
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0]
    return lines[0]


# --- the JSON contract -----------------------------------------------------------------


def test_check_json_has_exactly_the_documented_shape(
    run_cli: RunCli, config: Path, ics: Path
) -> None:
    document = check_json(run_cli, "--config", str(config), "--source", str(ics), "--now", NOW)
    assert set(document) == {"now", "timezone", "days", "social", "nudges"}
    assert document["now"] == NOW
    assert document["timezone"] == "Europe/Berlin"
    for nudge in document["nudges"]:
        assert set(nudge) == {"rule", "tip", "due", "title", "body", "key"}
        assert nudge["due"].endswith("+01:00")
    assert document["days"]
    for day in document["days"]:
        assert set(day) == {"date", "lunch"}
        assert day["lunch"] in LUNCH_OUTCOMES
    assert document["social"]
    for social in document["social"]:
        assert set(social) == {"uid", "start", "end", "summary", "status"}
        assert all(isinstance(value, str) for value in social.values())
        assert social["status"] in SOCIAL_STATUSES


def test_check_json_classifies_each_day_of_the_week(
    run_cli: RunCli, config: Path, ics: Path
) -> None:
    args = ("--days-back", "3", "--days-ahead", "3")
    document = check_json(
        run_cli, "--config", str(config), "--source", str(ics), "--now", NOW, *args
    )
    assert {day["date"]: day["lunch"] for day in document["days"]} == {
        "2026-03-09": "alone",
        "2026-03-10": "social",
        "2026-03-11": "skipped",
        "2026-03-12": "free",
        "2026-03-13": "off",
        "2026-03-14": "off",
        "2026-03-15": "off",
    }
    assert [(item["uid"], item["status"]) for item in document["social"]] == [
        ("team-lunch@test", "accepted"),
        ("coffee@test", "accepted"),
    ]


def test_the_default_range_is_seven_days_back_and_seven_ahead(
    run_cli: RunCli, config: Path, ics: Path
) -> None:
    document = check_json(run_cli, "--config", str(config), "--source", str(ics), "--now", NOW)
    assert dates(document) == expected_dates("2026-03-05", 15)


@pytest.mark.parametrize(("back", "ahead"), [(0, 0), (3, 2), (0, 10), (40, 1)])
def test_days_back_and_ahead_give_every_date_of_the_range_in_order(
    run_cli: RunCli, config: Path, ics: Path, back: int, ahead: int
) -> None:
    document = check_json(
        run_cli,
        *("--config", str(config), "--source", str(ics), "--now", NOW),
        *("--days-back", str(back), "--days-ahead", str(ahead)),
    )
    first = (date(2026, 3, 12) - timedelta(days=back)).isoformat()
    assert dates(document) == expected_dates(first, back + ahead + 1)


def test_social_events_are_those_starting_in_the_range_ordered_by_start(
    run_cli: RunCli, config: Path, ics: Path
) -> None:
    document = check_json(run_cli, "--config", str(config), "--source", str(ics), "--now", NOW)
    uids = [item["uid"] for item in document["social"]]
    assert uids == ["team-lunch@test", "coffee@test"]  # the 25 March coffee is out of range
    starts = [item["start"] for item in document["social"]]
    assert starts == sorted(starts)


def test_times_carry_the_offset_of_the_users_zone(run_cli: RunCli, config: Path, ics: Path) -> None:
    document = check_json(
        run_cli,
        *("--config", str(config), "--source", str(ics), "--now", "2026-03-12T08:00:00Z"),
        *("--days-back", "3", "--days-ahead", "21"),
    )
    assert document["now"] == "2026-03-12T09:00:00+01:00"
    by_uid = {item["uid"]: item for item in document["social"]}
    # written in UTC, shown in Berlin winter time
    assert by_uid["coffee@test"]["start"] == "2026-03-11T16:00:00+01:00"
    assert by_uid["coffee@test"]["end"] == "2026-03-11T16:30:00+01:00"
    # after the change to summer time on 29 March
    assert by_uid["drinks@test"]["start"] == "2026-04-02T17:00:00+02:00"
    assert by_uid["drinks@test"]["end"] == "2026-04-02T19:00:00+02:00"


def test_times_follow_the_configured_zone_not_the_events_zone(
    run_cli: RunCli, tmp_path: Path, ics: Path
) -> None:
    config = tmp_path / "tokyo.toml"
    config.write_text('timezone = "Asia/Tokyo"\nme = ["ana@example.com"]\n', encoding="utf-8")
    document = check_json(run_cli, "--config", str(config), "--source", str(ics), "--now", NOW)
    assert document["timezone"] == "Asia/Tokyo"
    assert document["now"] == "2026-03-12T17:00:00+09:00"
    coffee = next(item for item in document["social"] if item["uid"] == "coffee@test")
    assert coffee["start"] == "2026-03-12T00:00:00+09:00"


def test_now_without_an_offset_is_the_users_local_time(
    run_cli: RunCli, config: Path, ics: Path
) -> None:
    document = check_json(
        run_cli, "--config", str(config), "--source", str(ics), "--now", "2026-03-12T09:00"
    )
    assert document["now"] == "2026-03-12T09:00:00+01:00"


def test_now_without_an_offset_is_read_in_the_zone_in_force_that_day(
    run_cli: RunCli, tmp_path: Path, ics: Path
) -> None:
    config = tmp_path / "new-york.toml"
    config.write_text('timezone = "America/New_York"\n', encoding="utf-8")
    document = check_json(
        run_cli, "--config", str(config), "--source", str(ics), "--now", "2026-03-12T09:00"
    )
    assert document["now"] == "2026-03-12T09:00:00-04:00"  # US summer time began 8 March


def test_the_timezone_from_the_environment_beats_the_config_file(
    run_cli: RunCli, config: Path, ics: Path
) -> None:
    result = run_cli(
        *("check", "--format", "json", "--config", str(config), "--source", str(ics)),
        *("--now", "2026-03-12T09:00"),
        env={"WATERCOOLER_TIMEZONE": "Europe/London"},
    )
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["timezone"] == "Europe/London"
    assert document["now"] == "2026-03-12T09:00:00+00:00"


def test_check_without_a_config_file_reads_the_source_in_the_systems_zone(
    run_cli: RunCli, ics: Path
) -> None:
    result = run_cli(
        "check", "--format", "json", "--source", str(ics), "--now", NOW, env={"TZ": "UTC"}
    )
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["now"] == "2026-03-12T08:00:00+00:00"


def test_a_vdir_folder_is_read_as_one_calendar(
    run_cli: RunCli, config: Path, tmp_path: Path
) -> None:
    vdir = tmp_path / "vdir"
    vdir.mkdir()
    (vdir / "a.ics").write_text(
        calendar(event("Coffee", "20260312T100000", "20260312T103000", uid="a@test")), "utf-8"
    )
    (vdir / "b.ics").write_text(
        calendar(event("Cake", "20260312T150000", "20260312T153000", uid="b@test")), "utf-8"
    )
    (vdir / "notes.txt").write_text("not a calendar", "utf-8")
    document = check_json(run_cli, "--config", str(config), "--source", str(vdir), "--now", NOW)
    assert [item["uid"] for item in document["social"]] == ["a@test", "b@test"]


def test_the_text_format_shows_each_day_and_its_lunch(
    run_cli: RunCli, config: Path, ics: Path
) -> None:
    args = ("--days-back", "3", "--days-ahead", "3", "--now", NOW, "--format", "text")
    result = run_cli("check", "--config", str(config), "--source", str(ics), *args)
    assert result.returncode == 0, result.stderr
    assert "Thu 12 Mar  free" in result.stdout
    assert "Coffee with Sam" in result.stdout
    assert "\033[" not in result.stdout  # NO_COLOR is set and stdout is not a terminal


# --- errors ----------------------------------------------------------------------------


def test_a_missing_ics_file_exits_2_with_one_line(
    run_cli: RunCli, config: Path, tmp_path: Path
) -> None:
    missing = tmp_path / "nowhere.ics"
    result = run_cli("check", "--config", str(config), "--source", str(missing), "--now", NOW)
    assert_one_line_error(result, str(missing), "no such file")


def run_without_root_powers(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the console script; as root, without the capabilities that let root read anything.

    Root ignores ``chmod 000``; dropping CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH (as a
    hardened systemd unit may) makes the permission bits count again.
    """
    command = [*watercooler_command(), *args]
    if os.geteuid() == 0:
        caps = "-dac_override,-dac_read_search"
        command = ["setpriv", f"--inh-caps={caps}", f"--bounding-set={caps}", *command]
    environment = {k: v for k, v in os.environ.items() if not k.startswith("WATERCOOLER_")}
    return subprocess.run(
        command, capture_output=True, text=True, timeout=60, env=environment, check=False
    )


def test_a_folder_that_cannot_be_listed_exits_2_with_one_line(config: Path, tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "a.ics").write_text(week(), encoding="utf-8")
    locked.chmod(0)
    try:
        result = run_without_root_powers(
            "check", "--config", str(config), "--source", str(locked), "--now", NOW
        )
    finally:
        locked.chmod(0o755)
    assert_one_line_error(result, str(locked), "cannot read folder", "Permission denied")


def test_a_source_path_through_a_regular_file_exits_2_with_one_line(
    run_cli: RunCli, config: Path, tmp_path: Path
) -> None:
    not_a_folder = tmp_path / "notes.txt"
    not_a_folder.write_text("just text", encoding="utf-8")
    source = not_a_folder / "work.ics"
    result = run_cli("check", "--config", str(config), "--source", str(source), "--now", NOW)
    assert_one_line_error(result, str(source), "cannot read", "Not a directory")


def test_a_config_with_an_unknown_key_exits_2_with_one_line(
    run_cli: RunCli, tmp_path: Path, ics: Path
) -> None:
    config = write_config(tmp_path, '[lunch]\ncolour = "green"\n')
    result = run_cli("check", "--config", str(config), "--source", str(ics), "--now", NOW)
    assert_one_line_error(result, str(config), "at 'lunch.colour'", "unknown key")


def test_a_config_with_several_errors_lists_each_and_exits_2(
    run_cli: RunCli, tmp_path: Path, ics: Path
) -> None:
    config = write_config(tmp_path, 'max_occurrences = 1\n[lunch]\ncolour = "green"\n')
    result = run_cli("check", "--config", str(config), "--source", str(ics), "--now", NOW)
    assert result.returncode == 2
    assert "at 'max_occurrences'" in result.stderr
    assert "at 'lunch.colour'" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_missing_config_file_given_with_config_exits_2(
    run_cli: RunCli, tmp_path: Path, ics: Path
) -> None:
    missing = tmp_path / "missing.toml"
    result = run_cli("check", "--config", str(missing), "--source", str(ics), "--now", NOW)
    assert_one_line_error(result, str(missing), "not found")


def test_an_invalid_environment_variable_exits_2_naming_it(
    run_cli: RunCli, config: Path, ics: Path
) -> None:
    result = run_cli(
        *("check", "--config", str(config), "--source", str(ics), "--now", NOW),
        env={"WATERCOOLER_LUNCH__MIN_MINUTES": "many"},
    )
    assert_one_line_error(result, "WATERCOOLER_LUNCH__MIN_MINUTES", "lunch.min_minutes")


@pytest.mark.parametrize("now", ["yesterday", "2026-13-01", "12/03/2026 09:00", ""])
def test_an_invalid_now_exits_2_with_one_line(
    run_cli: RunCli, config: Path, ics: Path, now: str
) -> None:
    result = run_cli("check", "--config", str(config), "--source", str(ics), "--now", now)
    assert_one_line_error(result, "--now")


def test_a_config_without_sources_and_no_source_option_exits_2(
    run_cli: RunCli, config: Path
) -> None:
    result = run_cli("check", "--config", str(config), "--now", NOW)
    assert_one_line_error(result, "no calendar to read", "--source")


def test_no_config_at_all_and_no_source_option_exits_2(run_cli: RunCli) -> None:
    assert_one_line_error(run_cli("check", "--now", NOW), "no calendar to read")


@pytest.mark.parametrize("days", ["-1", "two", "100000"])
def test_a_bad_day_count_is_a_usage_error(
    run_cli: RunCli, config: Path, ics: Path, days: str
) -> None:
    result = run_cli("check", "--config", str(config), "--source", str(ics), "--days-back", days)
    assert result.returncode == 2
    assert "--days-back" in result.stderr
    assert "Traceback" not in result.stderr


def test_debug_shows_the_traceback_of_an_error(
    run_cli: RunCli, config: Path, tmp_path: Path
) -> None:
    missing = tmp_path / "nowhere.ics"
    result = run_cli(
        "check", "--debug", "--config", str(config), "--source", str(missing), "--now", NOW
    )
    assert result.returncode == 2
    assert "Traceback (most recent call last)" in result.stderr
    assert "no such file" in result.stderr


def test_options_given_before_the_command_are_honoured(
    run_cli: RunCli, tmp_path: Path, ics: Path
) -> None:
    config = write_config(tmp_path, '[lunch]\ncolour = "green"\n')
    result = run_cli("--config", str(config), "check", "--source", str(ics), "--now", NOW)
    assert_one_line_error(result, "at 'lunch.colour'")


def test_a_file_that_is_not_icalendar_exits_2(
    run_cli: RunCli, config: Path, tmp_path: Path
) -> None:
    page = tmp_path / "calendar.ics"
    page.write_text(
        "<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body>Login</body></html>\n",
        encoding="utf-8",
    )
    result = run_cli("check", "--config", str(config), "--source", str(page), "--now", NOW)
    assert result.returncode == 2
    assert result.stdout == ""
    errors = [line for line in result.stderr.splitlines() if line.startswith("watercooler: error:")]
    assert len(errors) == 1
    assert str(page) in errors[0]
    assert "Traceback" not in result.stderr


def test_a_calendar_with_one_broken_event_exits_0_and_warns_naming_its_uid(
    run_cli: RunCli, config: Path, tmp_path: Path
) -> None:
    path = tmp_path / "broken.ics"
    path.write_text(
        calendar(
            event("Coffee", "20260312T100000", "20260312T103000", uid="good@test"),
            event("Backwards cake", "20260312T150000", "20260312T140000", uid="backwards@test"),
        ),
        encoding="utf-8",
    )
    result = run_cli(
        "check", "--format", "json", "--config", str(config), "--source", str(path), "--now", NOW
    )
    assert result.returncode == 0, result.stderr
    assert [item["uid"] for item in json.loads(result.stdout)["social"]] == ["good@test"]
    warnings = result.stderr.splitlines()
    assert len(warnings) == 1, result.stderr
    assert warnings[0].startswith("watercooler: warning: ")
    assert "backwards@test" in warnings[0]


# --- credentials for --source ----------------------------------------------------------


def private_feed(feed_server: FeedServer) -> str:
    feed_server.routes["/private/ana.ics"] = Route(
        body=week().encode(), headers={"Content-Type": "text/calendar"}
    )
    return feed_server.url("/private/ana.ics")


def test_a_source_url_takes_its_credentials_from_the_config_entry_with_that_url(
    run_cli: RunCli, tmp_path: Path, feed_server: FeedServer
) -> None:
    url = private_feed(feed_server)
    config = write_config(
        tmp_path,
        f'[[sources]]\nurl = "{feed_server.url("/other.ics")}"\nusername = "bob"\n'
        f'password = "wrong"\n'
        f'[[sources]]\nurl = "{url}"\nusername = "ana"\npassword = "{SECRET}"\n',
    )
    result = run_cli(
        "check", "--debug", "--format", "json", "--config", str(config), "--source", url,
        "--now", NOW,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert len(feed_server.requests) == 1  # only the --source, not the configured sources
    expected = "Basic " + base64.b64encode(f"ana:{SECRET}".encode()).decode()
    assert feed_server.requests[0].headers.get("Authorization") == expected
    assert SECRET not in result.stdout
    assert SECRET not in result.stderr
    assert json.loads(result.stdout)["social"]


def test_source_credentials_may_come_from_a_password_file(
    run_cli: RunCli, tmp_path: Path, feed_server: FeedServer
) -> None:
    url = private_feed(feed_server)
    (tmp_path / "feed-password").write_text(SECRET + "\n", encoding="utf-8")
    (tmp_path / "feed-password").chmod(0o600)  # as a password file should be
    config = write_config(
        tmp_path,
        f'[[sources]]\nurl = "{url}"\nusername = "ana"\n'
        f'password_file = "{tmp_path / "feed-password"}"\n',
    )
    result = run_cli("check", "--debug", "--config", str(config), "--source", url, "--now", NOW)
    assert result.returncode == 0, result.stderr
    expected = "Basic " + base64.b64encode(f"ana:{SECRET}".encode()).decode()
    assert feed_server.requests[0].headers.get("Authorization") == expected
    assert SECRET not in result.stdout + result.stderr


def test_a_source_url_not_in_the_config_is_fetched_without_credentials(
    run_cli: RunCli, tmp_path: Path, feed_server: FeedServer
) -> None:
    url = private_feed(feed_server)
    config = write_config(
        tmp_path,
        f'[[sources]]\nurl = "{feed_server.url("/other.ics")}"\nusername = "ana"\n'
        f'password = "{SECRET}"\n',
    )
    result = run_cli("check", "--config", str(config), "--source", url, "--now", NOW)
    assert result.returncode == 0, result.stderr
    assert "Authorization" not in feed_server.requests[0].headers


def test_the_password_never_appears_when_the_private_feed_fails(
    run_cli: RunCli, tmp_path: Path, feed_server: FeedServer
) -> None:
    url = feed_server.url("/private/gone.ics")
    config = write_config(
        tmp_path, f'[[sources]]\nurl = "{url}"\nusername = "ana"\npassword = "{SECRET}"\n'
    )
    result = run_cli("check", "--debug", "--config", str(config), "--now", NOW)
    assert result.returncode == 2
    assert "404" in result.stderr
    assert SECRET not in result.stdout + result.stderr


# --- demo and help ---------------------------------------------------------------------


@pytest.mark.parametrize("output", ["text", "json"])
def test_demo_exits_0_and_gives_the_same_output_twice(run_cli: RunCli, output: str) -> None:
    first = run_cli("demo", "--format", output)
    second = run_cli("demo", "--format", output)
    assert first.returncode == 0, first.stderr
    assert first.stderr == ""
    assert first.stdout
    assert first.stdout == second.stdout


def test_demo_shows_every_lunch_outcome_and_every_social_status(run_cli: RunCli) -> None:
    result = run_cli("demo", "--format", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert {day["lunch"] for day in document["days"]} == LUNCH_OUTCOMES
    assert {item["status"] for item in document["social"]} == SOCIAL_STATUSES
    assert document["timezone"] == "Europe/Berlin"


def test_demo_text_names_every_lunch_outcome_and_every_social_status(run_cli: RunCli) -> None:
    result = run_cli("demo")
    assert result.returncode == 0, result.stderr
    for word in LUNCH_OUTCOMES | SOCIAL_STATUSES:
        assert f" {word} " in result.stdout, word


@pytest.mark.parametrize(
    "environment",
    [
        {"WATERCOOLER_TIMEZONE": "Pacific/Auckland"},
        {"WATERCOOLER_LUNCH__START": "13:00", "WATERCOOLER_ME": '["tom@example.com"]'},
        {"TZ": "America/Los_Angeles"},
    ],
    ids=["timezone", "lunch-and-me", "system-zone"],
)
@pytest.mark.parametrize("output", ["text", "json"])
def test_demo_is_not_affected_by_the_environment(
    run_cli: RunCli, environment: dict[str, str], output: str
) -> None:
    plain = run_cli("demo", "--format", output)
    changed = run_cli("demo", "--format", output, env=environment)
    assert changed.returncode == 0, changed.stderr
    assert changed.stdout == plain.stdout


def test_demo_ignores_a_broken_config_file(run_cli: RunCli, tmp_path: Path) -> None:
    user_config = tmp_path / "xdg-config" / "watercooler" / "config.toml"
    user_config.parent.mkdir(parents=True)
    user_config.write_text("colour = 'green'\n", encoding="utf-8")
    result = run_cli("demo", "--format", "json")
    assert result.returncode == 0, result.stderr


def test_check_help_lists_its_options(run_cli: RunCli) -> None:
    result = run_cli("check", "--help")
    assert result.returncode == 0
    for option in ("--config", "--source", "--now", "--days-back", "--days-ahead", "--format"):
        assert option in result.stdout
    assert "--debug" in result.stdout
    assert "text,json" in result.stdout or "{text,json}" in result.stdout


def test_demo_help_lists_its_options(run_cli: RunCli) -> None:
    result = run_cli("demo", "--help")
    assert result.returncode == 0
    for option in DEMO_OPTIONS:
        assert option in result.stdout


def test_the_same_calendar_given_twice_is_read_once(run_cli: RunCli, tmp_path: Path) -> None:
    ics = tmp_path / "cal.ics"
    ics.write_text(calendar(event("Coffee with Sam", "20260310T150000")), encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text(
        f'timezone = "Europe/Berlin"\n[[sources]]\nurl = "{ics}"\n'
        f'[[sources]]\nurl = "{tmp_path}/./cal.ics"\n',
        encoding="utf-8",
    )
    now = ("--now", "2026-03-10T09:00", "--format", "json")
    configured = run_cli("check", "--config", str(config), *now)
    assert configured.returncode == 0, configured.stderr
    assert json.loads(configured.stdout)["social"][0]["summary"] == "Coffee with Sam"
    assert len(json.loads(configured.stdout)["social"]) == 1
    given = run_cli(
        "check", "--source", str(ics), "--source", f"{tmp_path}/../{tmp_path.name}/cal.ics", *now
    )
    assert given.returncode == 0, given.stderr
    assert len(json.loads(given.stdout)["social"]) == 1
