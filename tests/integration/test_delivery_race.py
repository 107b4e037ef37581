"""One writer at a time: two ``send-due`` processes never send the same nudge twice.

The interleaving is made on purpose, not hoped for: the receiver holds the first process's
post (it has claimed the nudge and is sending it), the second process is started then and
must wait for the first at the delivery lock (it says so in its debug log), and only then is
the post let through. Without the lock the second one sends its own copy while the first
is held, and the receiver gets two.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import pytest

from conftest import watercooler_command
from delivery_helpers import declined_coffee, delivery_config, only_rules, social_rule
from receiver import Receiver
from watercooler.store import Store, StoreError

NOW = "2026-03-04T14:50:00+01:00"
WAITING = "another watercooler is delivering; waiting for it"


def _environment() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if not key.startswith("WATERCOOLER_")}


def _attempts(database: Path) -> int:
    if not database.exists():
        return 0
    try:
        with sqlite3.connect(database, timeout=5) as db:
            row = db.execute("SELECT max(attempts) FROM nudges").fetchone()
    except sqlite3.OperationalError:  # the schema is still being created
        return 0
    return int(row[0] or 0)


def _until(condition: object, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return True
        time.sleep(0.02)
    return False


def test_a_second_send_due_waits_at_the_claim_and_sends_nothing_twice(
    tmp_path: Path, receiver: Receiver
) -> None:
    ics = declined_coffee(tmp_path / "work.ics")
    rules = only_rules(tmp_path / "rules", social_rule())
    # A service timeout longer than the hold, so a held post is slow, not failed.
    config = delivery_config(tmp_path, [receiver.url()], rules_dir=rules, timeout=60)
    database = tmp_path / "state" / "watercooler.sqlite"
    receiver.hold = threading.Event()
    command = [*watercooler_command(), "send-due", "--config", str(config),
               "--source", str(ics), "--now", NOW, "--format", "json"]  # fmt: skip
    first = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_environment()
    )
    try:
        # The first has recorded its attempt (claimed the nudge) and is sending it.
        assert _until(lambda: _attempts(database) == 1, 30), "the first run never claimed"
        second = subprocess.Popen(
            [*watercooler_command(), "--debug", *command[len(watercooler_command()) :]],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_environment(),
        )  # fmt: skip
        said: list[str] = []
        waiting = threading.Event()

        def read_stderr() -> None:
            assert second.stderr is not None
            for line in second.stderr:
                said.append(line)
                if WAITING in line:
                    waiting.set()

        reader = threading.Thread(target=read_stderr, daemon=True)
        reader.start()
        held = waiting.wait(20)
    finally:
        receiver.hold.set()
    first_out, first_err = first.communicate(timeout=60)
    second_out, _ = second.communicate(timeout=60)
    reader.join(10)
    assert first.returncode == 0, first_err
    assert second.returncode == 0, "".join(said)
    assert receiver.titles() == ["Drop by Coffee with Sam"]
    assert held, "the second run did not wait for the first"
    assert [o["action"] for o in json.loads(first_out)["outcomes"]] == ["sent"]
    assert json.loads(second_out)["outcomes"] == []


def test_a_delivery_lock_held_too_long_is_a_one_line_error(tmp_path: Path) -> None:
    store = Store(tmp_path / "watercooler.sqlite")
    descriptor = os.open(tmp_path / "watercooler.sqlite.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)  # another process's lock, as the kernel sees it
        with pytest.raises(StoreError, match=r"another watercooler has been delivering"):  # noqa: SIM117
            with store.delivering(wait=0.3):
                pytest.fail("entered while another holds the lock")
        fcntl.flock(descriptor, fcntl.LOCK_UN)
        with store.delivering(wait=0.3):
            pass
    finally:
        os.close(descriptor)
        store.close()


def test_two_runs_started_together_on_an_empty_state_both_succeed_and_send_once(
    tmp_path: Path, receiver: Receiver
) -> None:
    ics = declined_coffee(tmp_path / "work.ics")
    rules = only_rules(tmp_path / "rules", social_rule())
    config = delivery_config(tmp_path, [receiver.url()], rules_dir=rules)
    command = [*watercooler_command(), "send-due", "--config", str(config),
               "--source", str(ics), "--now", NOW]  # fmt: skip
    runs = [
        subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_environment()
        )
        for _ in range(2)
    ]
    for run in runs:
        _, stderr = run.communicate(timeout=60)
        assert run.returncode == 0, stderr  # no "table collections already exists"
    assert receiver.titles() == ["Drop by Coffee with Sam"]
