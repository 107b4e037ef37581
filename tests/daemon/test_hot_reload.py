"""Rule edits while the daemon runs: live within a second, broken ones survived.

Real files in a real rules folder, the real watcher (inotify), ``watercooler run`` as a
subprocess and Apprise posting to a receiver. The calendar holds a coffee I declined at
15:00 on 4 March 2026; the daemon's clock starts at 14:46, so a social rule due 15 minutes
before the start is due at once.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from conftest import RunCli, watercooler_command
from daemon_helpers import DaemonProcess, NotifyListener
from delivery_helpers import declined_coffee, delivery_config, only_rules, social_rule
from helpers import calendar, event
from receiver import Receiver

NOW = "2026-03-04T14:46:00+01:00"
LIVE_PROMISE = 1.0
"""A valid edit is live within this many seconds of the last write (the README)."""


def setup(tmp_path: Path, receiver: Receiver) -> tuple[Path, Path]:
    """The config and the rule file (holding one rule, ``missed``)."""
    rules = only_rules(tmp_path / "rules", social_rule("missed", title="First: {summary}"))
    coffee = declined_coffee(tmp_path / "work.ics")
    config = delivery_config(
        tmp_path, [f"json://127.0.0.1:{receiver.port}/"], rules_dir=rules,
        extra_top=f'poll_interval = 5\n[[sources]]\nurl = "{coffee}"\n', daily_cap=20,
    )  # fmt: skip
    return config, rules / "test.yaml"


def wait_for_titles(receiver: Receiver, wanted: str, timeout: float = 15) -> float:
    """Wait until a message whose title starts with ``wanted`` arrived; return when."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(m.title.startswith(wanted) for m in receiver.messages):
            return time.monotonic()
        time.sleep(0.01)
    raise AssertionError(f"no {wanted!r} in {[m.title for m in receiver.messages]}")


@contextmanager
def started(
    config: Path, tmp_path: Path, receiver: Receiver
) -> Iterator[tuple[NotifyListener, DaemonProcess]]:
    """The daemon at 14:46, ready and with its first nudge delivered."""
    with (
        NotifyListener(tmp_path / "notify.sock") as listener,
        DaemonProcess(config, tmp_path, listener=listener, extra=("--now", NOW)) as daemon,
    ):
        listener.wait_for("READY", "1", timeout=30)
        wait_for_titles(receiver, "First: Coffee with Sam")
        yield listener, daemon


def status_json(run_cli: RunCli, config: Path) -> dict[str, object]:
    result = run_cli("status", "--config", str(config), "--now", NOW, "--format", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert isinstance(document, dict)
    return document


def test_rule_edits_are_live_within_a_second_and_a_broken_one_keeps_the_last_good_rules(
    tmp_path: Path, receiver: Receiver, run_cli: RunCli
) -> None:
    config, rule_file = setup(tmp_path, receiver)
    original = rule_file.read_text(encoding="utf-8")
    with started(config, tmp_path, receiver) as (listener, daemon):
        # The baseline: what a reload costs here, from SIGHUP to its READY.
        readies = len(listener.with_field("READY", "1"))
        sent = time.monotonic()
        daemon.signal(signal.SIGHUP)
        listener.wait_for("READY", "1", count=readies + 1, timeout=10)
        baseline = time.monotonic() - sent
        bound = LIVE_PROMISE + 3 * baseline

        # Written in place: a second rule, sent within the promise.
        written = time.monotonic()
        rule_file.write_text(original + social_rule("second", title="Second: {summary}"))
        assert wait_for_titles(receiver, "Second: Coffee") - written < bound

        # Written to a temporary file and renamed over the rule file, as editors save.
        temporary = rule_file.with_name(".test.yaml.swp")
        temporary.write_text(original + social_rule("third", title="Third: {summary}"))
        written = time.monotonic()
        os.replace(temporary, rule_file)
        assert wait_for_titles(receiver, "Third: Coffee") - written < bound

        # A broken edit: the last good rules stay, the status says degraded, the user is
        # told once, and a calendar change is still judged by the last good rules.
        rule_file.write_text(original + "  - id: [unclosed\n", encoding="utf-8")
        wait_for_titles(receiver, "A watercooler file has an error")
        daemon.wait_log(lambda text: "test.yaml" in text and "last good" in text)
        listener.wait_status(lambda status: "degraded" in status)
        assert "test.yaml" in listener.last_status()
        degraded = status_json(run_cli, config)["daemon"]
        assert isinstance(degraded, dict)
        assert any("test.yaml" in item for item in degraded["degraded"])
        (tmp_path / "work.ics").write_text(
            calendar(
                event("Coffee with Sam", "20260304T150000", "20260304T153000",
                      uid="coffee@test", attendees=[("ana@example.com", "DECLINED")]),
                event("Cake for Kim", "20260304T150000", "20260304T153000",
                      uid="cake@test", attendees=[("ana@example.com", "DECLINED")]),
            ),
            encoding="utf-8",
        )  # fmt: skip
        wait_for_titles(receiver, "First: Cake for Kim", timeout=20)  # the next poll
        assert not any(m.title.startswith("Drop by Cake") for m in receiver.messages)

        # The fix clears it, and says so.
        rule_file.write_text(original, encoding="utf-8")
        daemon.wait_log(lambda text: "fixed" in text)
        listener.wait_status(lambda status: "degraded" not in status)
        told = [m for m in receiver.messages if m.title == "A watercooler file has an error"]
        assert len(told) == 1
        code, _ = daemon.stop()
        assert code == 0, daemon.log


def test_a_burst_of_a_hundred_writes_reloads_at_most_twice(
    tmp_path: Path, receiver: Receiver
) -> None:
    config, rule_file = setup(tmp_path, receiver)
    original = rule_file.read_text(encoding="utf-8")
    with started(config, tmp_path, receiver) as (listener, daemon):
        before = len(listener.with_field("RELOADING", "1"))
        start = time.monotonic()
        for number in range(100):
            rule_file.write_text(original + f"# edit {number}\n", encoding="utf-8")
            time.sleep(max(0.0, start + (number + 1) / 100 - time.monotonic()))
        listener.wait_for("RELOADING", "1", count=before + 1, timeout=10)
        time.sleep(2)  # anything still coming from the burst arrives by now
        reloads = len(listener.with_field("RELOADING", "1")) - before
        assert 1 <= reloads <= 2
        code, _ = daemon.stop()
        assert code == 0, daemon.log


def test_status_shows_the_running_daemon_and_then_that_it_stopped(
    tmp_path: Path, receiver: Receiver, run_cli: RunCli
) -> None:
    config, _ = setup(tmp_path, receiver)
    with started(config, tmp_path, receiver) as (_listener, daemon):
        daemon.wait_log(lambda text: "sent" in text)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            text = run_cli("status", "--config", str(config), "--now", NOW).stdout
            if "last poll" in text:
                break
            time.sleep(0.1)
        assert f"daemon: running since Wed 04 Mar 14:46 (pid {daemon.process.pid})" in text
        assert "last poll Wed 04 Mar 14:46: ok" in text
        assert "next wake-up" in text
        running = status_json(run_cli, config)["daemon"]
        assert isinstance(running, dict)
        assert (running["running"], running["pid"]) == (True, daemon.process.pid)
        code, _ = daemon.stop()
        assert code == 0
    stopped = run_cli("status", "--config", str(config), "--now", NOW).stdout
    assert "daemon: not running (last poll Wed 04 Mar 14:46)" in stopped
    after = status_json(run_cli, config)["daemon"]
    assert isinstance(after, dict)
    assert (after["running"], after["pid"]) == (False, None)


def test_send_due_run_by_hand_beside_the_daemon_sends_nothing_twice(
    tmp_path: Path, receiver: Receiver
) -> None:
    config, _ = setup(tmp_path, receiver)
    command = [*watercooler_command(), "send-due", "--config", str(config), "--now", NOW]
    environment = {k: v for k, v in os.environ.items() if not k.startswith("WATERCOOLER_")}
    with DaemonProcess(config, tmp_path, extra=("--now", NOW)) as daemon:
        by_hand = [
            subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
            for _ in range(3)
        ]  # fmt: skip
        for process in by_hand:
            _, errors = process.communicate(timeout=60)
            assert process.returncode == 0, errors
        wait_for_titles(receiver, "First: Coffee with Sam")
        daemon.wait_log(lambda text: "sent" in text or "polling every" in text)
        time.sleep(1)  # a second copy, if any, would be on its way by now
        assert [m.title for m in receiver.messages] == ["First: Coffee with Sam"]
        code, _ = daemon.stop()
        assert code == 0, daemon.log
