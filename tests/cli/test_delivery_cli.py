"""The delivery commands as users run them: send-due, status, snooze, pause, resume.

Every test runs the installed console script against real files, a real state database
and Apprise posting to a real receiver on 127.0.0.1, with ``--now`` fixing the moment.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from conftest import RunCli
from delivery_helpers import delivery_config, only_rules, social_rule
from helpers import ME, calendar, event
from receiver import Receiver


@pytest.fixture
def ics(tmp_path: Path) -> Path:
    path = tmp_path / "work.ics"
    path.write_text(
        calendar(
            event(
                "Coffee with Sam",
                "20260304T150000",
                "20260304T153000",
                attendees=[(ME, "DECLINED"), ("sam@example.com", "ACCEPTED")],
            ),
            event(
                "Cake for Jonas",
                "20260305T150000",
                "20260305T153000",
                attendees=[(ME, "DECLINED")],
            ),
        ),
        encoding="utf-8",
    )
    return path


@pytest.fixture
def config(tmp_path: Path, receiver: Receiver) -> Path:
    rules = only_rules(tmp_path / "rules", social_rule(expires="3h"))
    return delivery_config(tmp_path, [receiver.url()], rules_dir=rules)


def test_send_due_sends_once_and_says_what_it_did(
    run_cli: RunCli, config: Path, ics: Path, receiver: Receiver
) -> None:
    args = ("send-due", "--config", str(config), "--source", str(ics))
    first = run_cli(*args, "--now", "2026-03-04T14:50:00+01:00")
    assert first.returncode == 0, first.stderr
    assert "sent      Wed 04 Mar 14:45  Drop by Coffee with Sam  [missed]" in first.stdout
    assert "1 sent · 0 failed · 0 expired · 0 dropped · 0 waiting · 2 newly planned" in first.stdout
    assert "next due  Thu 05 Mar 14:45" in first.stdout
    again = run_cli(*args, "--now", "2026-03-04T14:55:00+01:00", "--format", "json")
    assert again.returncode == 0, again.stderr
    document = json.loads(again.stdout)
    assert document["outcomes"] == []
    assert document["next_due"]["title"] == "Drop by Cake for Jonas"
    assert receiver.titles() == ["Drop by Coffee with Sam"]


def test_send_due_exits_1_when_a_delivery_failed(
    run_cli: RunCli, config: Path, ics: Path, receiver: Receiver
) -> None:
    receiver.stop()
    result = run_cli(
        "send-due", "--config", str(config), "--source", str(ics), "--now", "2026-03-04T14:50"
    )
    assert result.returncode == 1
    assert "failed    Wed 04 Mar 14:45" in result.stdout
    assert "retry Wed 04 Mar 14:51" in result.stdout


def test_status_shows_counts_the_next_nudge_and_recent_ones(
    run_cli: RunCli, config: Path, ics: Path
) -> None:
    run_cli("send-due", "--config", str(config), "--source", str(ics), "--now", "2026-03-04T14:50")
    result = run_cli("status", "--config", str(config), "--now", "2026-03-04T15:00")
    assert result.returncode == 0, result.stderr
    assert "not snoozed or paused" in result.stdout
    assert "1 pending · 1 sent · 0 failed · 0 expired · 0 dropped" in result.stdout
    assert "next due  Thu 05 Mar 14:45  tip 2  Drop by Cake for Jonas  [missed]" in result.stdout
    assert "Wed 04 Mar 14:45  sent" in result.stdout
    document = json.loads(
        run_cli(
            "status", "--config", str(config), "--now", "2026-03-04T15:00", "--format", "json"
        ).stdout
    )
    assert document["counts"] == {
        "pending": 1, "sent": 1, "failed": 0, "expired": 0, "dropped": 0
    }  # fmt: skip
    assert document["next_due"]["due"] == "2026-03-05T14:45:00+01:00"
    assert document["snoozed_until"] is None


def test_snooze_then_resume(run_cli: RunCli, config: Path, ics: Path, receiver: Receiver) -> None:
    snoozed = run_cli("snooze", "2h", "--config", str(config), "--now", "2026-03-04T14:00")
    assert snoozed.returncode == 0, snoozed.stderr
    assert snoozed.stdout == "snoozed until Wed 04 Mar 16:00\n"
    status = run_cli("status", "--config", str(config), "--now", "2026-03-04T14:30")
    assert "snoozed until Wed 04 Mar 16:00" in status.stdout
    args = ("send-due", "--config", str(config), "--source", str(ics))
    held = run_cli(*args, "--now", "2026-03-04T14:50")
    assert "waiting" in held.stdout
    assert "snoozed until Wed 04 Mar 16:00" in held.stdout
    assert receiver.messages == []
    resumed = run_cli("resume", "--config", str(config), "--now", "2026-03-04T14:55")
    assert resumed.stdout == "resumed: snooze\n"
    run_cli(*args, "--now", "2026-03-04T16:00")  # the snooze no longer holds it
    assert receiver.titles() == ["Drop by Coffee with Sam"]


def test_pause_until_a_date_drops_nudges_until_then(
    run_cli: RunCli, config: Path, ics: Path, receiver: Receiver
) -> None:
    paused = run_cli(
        "pause", "--until", "2026-03-05", "--config", str(config), "--now", "2026-03-04T09:00"
    )
    assert paused.returncode == 0, paused.stderr
    assert paused.stdout.startswith("paused until Thu 05 Mar 00:00")
    args = ("send-due", "--config", str(config), "--source", str(ics))
    run_cli(*args, "--now", "2026-03-04T14:50")
    run_cli(*args, "--now", "2026-03-05T14:50")
    assert receiver.titles() == ["Drop by Cake for Jonas"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("snooze", "soon"), "snooze: not a duration like 30m, 2h or 1d: 'soon'"),
        (("snooze", "40d"), "snooze: give a length between 1m and 30d"),
        (("pause", "--until", "next week"), "pause --until: not a date like 2027-01-04"),
        (("pause", "--until", "2026-03-01"), "pause --until: 2026-03-01 has already begun"),
    ],
)
def test_bad_snooze_and_pause_arguments_are_one_line_errors(
    run_cli: RunCli, config: Path, args: tuple[str, ...], message: str
) -> None:
    result = run_cli(*args, "--config", str(config), "--now", "2026-03-04T09:00")
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_resume_with_nothing_to_resume_says_so(run_cli: RunCli, config: Path) -> None:
    result = run_cli("resume", "--config", str(config))
    assert result.returncode == 0
    assert result.stdout == "not snoozed or paused; nothing to resume\n"
    result = run_cli("resume", "missed", "--config", str(config))
    assert result.stdout == "rule missed is not paused; nothing to resume\n"


def test_resume_of_a_rule_that_does_not_exist_is_an_error(run_cli: RunCli, config: Path) -> None:
    result = run_cli("resume", "no-such-rule", "--config", str(config))
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("watercooler: error: resume: no rule 'no-such-rule' (known: ")
    assert "missed" in line


def test_pause_until_a_date_and_time_keeps_the_time(run_cli: RunCli, config: Path) -> None:
    args = ("--config", str(config), "--now", "2026-03-04T09:00")
    paused = run_cli("pause", "--until", "2026-03-04T13:30", *args)
    assert paused.returncode == 0, paused.stderr
    assert paused.stdout.startswith("paused until Wed 04 Mar 13:30")
    status = run_cli("status", "--format", "json", *args)
    assert '"paused_until": "2026-03-04T13:30:00+01:00"' in status.stdout
    earlier = run_cli("pause", "--until", "2026-03-04T08:00", *args)
    assert earlier.returncode == 2
    assert "2026-03-04T08:00 has already begun" in earlier.stderr


def test_check_records_no_nudges(run_cli: RunCli, config: Path, ics: Path) -> None:
    result = run_cli(
        "check", "--config", str(config), "--source", str(ics), "--now", "2026-03-04T14:50"
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(
        run_cli("check", "--config", str(config), "--source", str(ics), "--format", "json",
                "--now", "2026-03-04T14:50").stdout
    )["nudges"]  # fmt: skip
    database = config.parent / "state" / "watercooler.sqlite"
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT count(*) FROM nudges").fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM lunch_days").fetchone() == (0,)


def test_send_due_records_lunch_outcomes_and_social_statuses(
    run_cli: RunCli, config: Path, ics: Path
) -> None:
    run_cli("send-due", "--config", str(config), "--source", str(ics), "--now", "2026-03-04T14:50")
    database = config.parent / "state" / "watercooler.sqlite"
    with sqlite3.connect(database) as db:
        days = dict(db.execute("SELECT day, outcome FROM lunch_days").fetchall())
        social = db.execute("SELECT summary, status FROM social_seen ORDER BY start").fetchall()
    assert days["2026-03-04"] == "free"
    assert days["2026-03-07"] == "off"
    assert social == [("Coffee with Sam", "declined"), ("Cake for Jonas", "declined")]


def test_the_state_database_is_private(run_cli: RunCli, config: Path, ics: Path) -> None:
    run_cli("send-due", "--config", str(config), "--source", str(ics), "--now", "2026-03-04T14:50")
    state = config.parent / "state"
    assert state.stat().st_mode & 0o777 == 0o700
    assert (state / "watercooler.sqlite").stat().st_mode & 0o777 == 0o600
