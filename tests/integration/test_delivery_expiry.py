"""Expiry is said once: nudges whose time passed while nothing ran are one summary line, and
on the very first run the ones due before it are recorded without a word.

Through the real console script against a real ``.ics`` file and the receiver.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from conftest import RunCli
from delivery_helpers import delivery_config, only_rules, social_rule
from helpers import ME, calendar, event
from receiver import Receiver

GUESTS = [(ME, "DECLINED"), ("sam@example.com", "ACCEPTED")]
NOW = "2026-03-04T14:50+01:00"


def _world(tmp_path: Path, receiver: Receiver) -> tuple[Path, Path]:
    """Five declined coffees on Monday and Tuesday (long expired by NOW) and one due now."""
    first = datetime(2026, 3, 2, 10, 0)
    events = [
        event(f"Coffee {n}", f"{first + timedelta(hours=3 * n):%Y%m%dT%H%M%S}",
              f"{first + timedelta(hours=3 * n, minutes=30):%Y%m%dT%H%M%S}", attendees=GUESTS)
        for n in range(5)
    ]  # fmt: skip
    events.append(event("Coffee now", "20260304T150000", "20260304T153000", attendees=GUESTS))
    ics = tmp_path / "work.ics"
    ics.write_text(calendar(*events), encoding="utf-8")
    rules = only_rules(tmp_path / "rules", social_rule(expires="2h"))
    return delivery_config(tmp_path, [receiver.url()], rules_dir=rules), ics


def _send_due(run_cli: RunCli, config: Path, ics: Path, now: str, *extra: str) -> str:
    done = run_cli("send-due", "--config", str(config), "--source", str(ics), "--now", now, *extra)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_nudges_that_expired_while_nothing_ran_are_one_line(
    tmp_path: Path, run_cli: RunCli, receiver: Receiver
) -> None:
    config, ics = _world(tmp_path, receiver)
    before = _send_due(run_cli, config, ics, "2026-03-02T08:00+01:00")  # ran once, then down
    assert "nothing due" in before

    out = _send_due(run_cli, config, ics, NOW)

    expired = [line for line in out.splitlines() if line.startswith("expired")]
    assert len(expired) == 1, out
    assert "5 nudges whose time passed while nothing ran" in expired[0]
    assert "(due Mon 02 Mar 09:45 to Mon 02 Mar 21:45)" in expired[0]
    assert [line for line in out.splitlines() if line.startswith("sent")] != []
    assert "1 sent · 0 failed · 5 expired" in out
    assert receiver.titles() == ["Drop by Coffee now"]


def test_the_first_run_records_what_was_due_before_it_quietly(
    tmp_path: Path, run_cli: RunCli, receiver: Receiver
) -> None:
    config, ics = _world(tmp_path, receiver)

    out = _send_due(run_cli, config, ics, NOW)

    assert not [line for line in out.splitlines() if line.startswith("expired")], out
    assert "1 sent · 0 failed · 0 expired" in out
    assert receiver.titles() == ["Drop by Coffee now"]
    status = run_cli("status", "--config", str(config), "--now", NOW, "--format", "json")
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["counts"]["expired"] == 5
    again = _send_due(run_cli, config, ics, "2026-03-04T14:55+01:00")
    assert "nothing due" in again
