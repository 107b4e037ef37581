"""Nudges and days off, through the console script: a nudge due on a weekend or a
vacation day moves to the next working morning (09:00, the start of the working hours)
while it is still useful, and is dropped with that reason otherwise; a rule with
``days_off: send`` is sent where it falls, one with ``days_off: drop`` is dropped.

Sunday 8 March 2026 is the day off under test (Berlin, +01:00); Monday 9 March the next
workday.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conftest import RunCli
from delivery_helpers import delivery_config, only_rules, social_rule
from helpers import ME, calendar, event
from receiver import Receiver


def unanswered(path: Path, day: str = "20260309", start: str = "103000") -> Path:
    """A coffee I have not answered, on Monday 9 March at 10:30 unless told otherwise."""
    path.write_text(
        calendar(
            event(
                "Monday coffee",
                f"{day}T{start}",
                f"{day}T{int(start[:2]) + 1:02d}{start[2:]}",
                attendees=[(ME, "NEEDS-ACTION"), ("sam@example.com", "ACCEPTED")],
            )
        ),
        encoding="utf-8",
    )
    return path


def rules_with(tmp_path: Path, *, expires: str, extra: str = "") -> Path:
    """Only one social rule: 'undecided', due 24 h before the event."""
    return only_rules(
        tmp_path / "rules",
        social_rule(
            "undecided",
            offset="-24h",
            expires=expires,
            statuses="[unanswered]",
            title="Still undecided: {summary}",
            extra=extra,
        ),
    )


def check_nudges(run_cli: RunCli, config: Path, ics: Path, now: str) -> list[dict[str, Any]]:
    result = run_cli(
        *("check", "--format", "json", "--config", str(config), "--source", str(ics)),
        *("--now", now, "--days-back", "1", "--days-ahead", "2"),
    )
    assert result.returncode == 0, result.stderr
    nudges: list[dict[str, Any]] = json.loads(result.stdout)["nudges"]
    return nudges


def send_due(run_cli: RunCli, config: Path, ics: Path, now: str) -> dict[str, Any]:
    result = run_cli(
        *("send-due", "--format", "json", "--config", str(config), "--source", str(ics)),
        *("--now", now),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def test_the_demo_sends_still_undecided_monday_coffee_on_monday_morning_not_on_sunday(
    run_cli: RunCli,
) -> None:
    result = run_cli("demo", "--format", "json")
    assert result.returncode == 0, result.stderr
    dues = {
        n["due"]
        for n in json.loads(result.stdout)["nudges"]
        if n["title"].endswith("Monday coffee")
    }
    assert dues == {"2026-03-09T09:00:00+01:00"}
    text = run_cli("demo").stdout
    arrivals = text.split("How the two weeks went")[0]
    assert (
        "Mon 09 Mar 09:00  tip 2  Still undecided: Monday coffee  [social-unanswered]" in arrivals
    )
    assert "Sun 08 Mar" not in arrivals


def test_check_lists_a_nudge_due_on_sunday_at_the_next_working_morning(
    run_cli: RunCli, tmp_path: Path, receiver: Receiver
) -> None:
    config = delivery_config(
        tmp_path, [receiver.url()], rules_dir=rules_with(tmp_path, expires="23h")
    )
    ics = unanswered(tmp_path / "work.ics")
    nudges = check_nudges(run_cli, config, ics, "2026-03-08T08:00")
    assert [(n["rule"], n["due"]) for n in nudges] == [("undecided", "2026-03-09T09:00:00+01:00")]


def test_send_due_sends_nothing_on_sunday_and_the_moved_nudge_on_monday_morning(
    run_cli: RunCli, tmp_path: Path, receiver: Receiver
) -> None:
    config = delivery_config(
        tmp_path, [receiver.url()], rules_dir=rules_with(tmp_path, expires="23h")
    )
    ics = unanswered(tmp_path / "work.ics")
    sunday = send_due(run_cli, config, ics, "2026-03-08T12:00")
    assert sunday["outcomes"] == []
    assert receiver.titles() == []
    monday = send_due(run_cli, config, ics, "2026-03-09T09:05")
    assert [(o["action"], o["title"]) for o in monday["outcomes"]] == [
        ("sent", "Still undecided: Monday coffee")
    ]
    assert receiver.titles() == ["Still undecided: Monday coffee"]


def test_a_nudge_no_longer_useful_by_the_next_working_morning_is_dropped_with_that_reason(
    run_cli: RunCli, tmp_path: Path, receiver: Receiver
) -> None:
    """Due Sun 10:30 and useful for 2 hours: Monday 09:00 is too late."""
    config = delivery_config(
        tmp_path, [receiver.url()], rules_dir=rules_with(tmp_path, expires="2h")
    )
    ics = unanswered(tmp_path / "work.ics")
    assert check_nudges(run_cli, config, ics, "2026-03-08T08:00") == []
    sunday = send_due(run_cli, config, ics, "2026-03-08T10:40")
    assert [(o["action"], o["reason"]) for o in sunday["outcomes"]] == [
        (
            "dropped",
            "due Sun 08 Mar 10:30, a day off, and no longer useful by the next working morning",
        )
    ]
    later = send_due(run_cli, config, ics, "2026-03-09T09:05")
    assert later["outcomes"] == []
    assert receiver.titles() == []
    status = run_cli("status", "--config", str(config))
    assert "dropped" in status.stdout, status.stdout


def test_a_rule_that_says_days_off_send_is_sent_on_sunday(
    run_cli: RunCli, tmp_path: Path, receiver: Receiver
) -> None:
    rules = rules_with(tmp_path, expires="23h", extra="    days_off: send\n")
    config = delivery_config(tmp_path, [receiver.url()], rules_dir=rules)
    ics = unanswered(tmp_path / "work.ics")
    nudges = check_nudges(run_cli, config, ics, "2026-03-08T08:00")
    assert [n["due"] for n in nudges] == ["2026-03-08T10:30:00+01:00"]
    sunday = send_due(run_cli, config, ics, "2026-03-08T10:40")
    assert [o["action"] for o in sunday["outcomes"]] == ["sent"]
    assert receiver.titles() == ["Still undecided: Monday coffee"]


def test_a_rule_that_says_days_off_drop_is_dropped_even_while_still_useful(
    run_cli: RunCli, tmp_path: Path, receiver: Receiver
) -> None:
    rules = rules_with(tmp_path, expires="23h", extra="    days_off: drop\n")
    config = delivery_config(tmp_path, [receiver.url()], rules_dir=rules)
    ics = unanswered(tmp_path / "work.ics")
    assert check_nudges(run_cli, config, ics, "2026-03-08T08:00") == []
    sunday = send_due(run_cli, config, ics, "2026-03-08T10:40")
    assert [(o["action"], o["reason"]) for o in sunday["outcomes"]] == [
        ("dropped", "due Sun 08 Mar 10:30, a day off, and its rule drops nudges on days off")
    ]
    assert receiver.titles() == []


def test_a_vacation_day_is_a_day_off_and_the_next_working_morning_follows_it(
    run_cli: RunCli, tmp_path: Path, receiver: Receiver
) -> None:
    """The coffee is on Tuesday 10:30; its nudge would be due Monday, which is a vacation."""
    rules = rules_with(tmp_path, expires="1d")
    config = delivery_config(tmp_path, [receiver.url()], rules_dir=rules)
    ics = tmp_path / "work.ics"
    ics.write_text(
        calendar(
            event("Vacation", "20260309", "20260310"),
            event(
                "Tuesday coffee",
                "20260310T103000",
                "20260310T113000",
                attendees=[(ME, "NEEDS-ACTION"), ("sam@example.com", "ACCEPTED")],
            ),
        ),
        encoding="utf-8",
    )
    nudges = check_nudges(run_cli, config, ics, "2026-03-09T08:00")
    assert [n["due"] for n in nudges] == ["2026-03-10T09:00:00+01:00"]


def test_working_hours_set_the_next_working_morning(
    run_cli: RunCli, tmp_path: Path, receiver: Receiver
) -> None:
    rules = rules_with(tmp_path, expires="23h")
    config = delivery_config(
        tmp_path,
        [receiver.url()],
        rules_dir=rules,
        extra_top='[working_hours]\nstart = "08:15"\nend = "17:00"',
    )
    ics = unanswered(tmp_path / "work.ics")
    nudges = check_nudges(run_cli, config, ics, "2026-03-08T08:00")
    assert [n["due"] for n in nudges] == ["2026-03-09T08:15:00+01:00"]
