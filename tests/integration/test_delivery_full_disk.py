"""A full disk is survived: the state folder is a real, small tmpfs that the test fills.

The disk fills at the worst moment: while the receiver holds the first nudge's post (it has
been sent), the test fills the tmpfs to the last byte, then lets the post through. The
record of that send must still land (its log space was made before the send); a later
write that needs new space stops the run with one line saying the disk is full, and the
nudge it was for is not sent. With space freed, the next run sends the rest: the receiver
has every message exactly once. A disk full before the run is one line and sends nothing.
Needs root (to mount); skipped with the reason otherwise.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import RunCli, watercooler_command
from delivery_helpers import delivery_config, only_rules, social_rule
from helpers import ME, calendar, event
from receiver import Receiver

GUESTS = [(ME, "DECLINED"), ("sam@example.com", "ACCEPTED")]
NOW = "2026-03-04T14:50+01:00"
TITLES = [f"Drop by Coffee {n}" for n in range(3)]


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MiB tmpfs mounted at ``tmp_path / 'state'``, unmounted afterwards."""
    mount_point = tmp_path / "state"
    mount_point.mkdir(mode=0o700)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", str(mount_point)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount_point
    finally:
        # Checked and retried, lazy only as the last resort: one full run left this
        # tmpfs mounted under pytest's folders, which then could not be removed.
        for attempt in (["umount"], ["umount"], ["umount", "-l"]):
            if not os.path.ismount(mount_point):
                break
            subprocess.run([*attempt, str(mount_point)], capture_output=True, check=False)
            time.sleep(0.1)


def fill(folder: Path) -> Path:
    """Write a file until the disk is full, to the last byte; return it."""
    filler = folder / "filler"
    descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for size in (1 << 16, 1 << 12, 1 << 9, 1):
            with contextlib.suppress(OSError):
                while True:
                    os.write(descriptor, b"\0" * size)
        assert os.statvfs(folder).f_bavail == 0
    finally:
        os.close(descriptor)
    return filler


def _world(tmp_path: Path, receiver: Receiver) -> tuple[Path, Path]:
    events = [
        event(f"Coffee {n}", f"20260304T15{n}000", f"20260304T15{n}500", attendees=GUESTS)
        for n in range(3)
    ]
    ics = tmp_path / "work.ics"
    ics.write_text(calendar(*events), encoding="utf-8")
    rules = only_rules(tmp_path / "rules", social_rule(offset="-30m", expires="3h"))
    return delivery_config(tmp_path, [receiver.url()], rules_dir=rules, timeout=60), ics


def _environment() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if not key.startswith("WATERCOOLER_")}


def test_a_disk_that_fills_after_a_send_sends_each_nudge_once(
    tmp_path: Path, small_disk: Path, run_cli: RunCli, receiver: Receiver
) -> None:
    config, ics = _world(tmp_path, receiver)
    args = ("send-due", "--config", str(config), "--source", str(ics))
    # A first run before anything is due: the ledger exists and is warm.
    assert run_cli(*args, "--now", "2026-03-04T13:00+01:00").returncode == 0
    receiver.hold = threading.Event()
    running = subprocess.Popen(
        [*watercooler_command(), *args, "--now", NOW],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_environment(),
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while receiver.arrived == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert receiver.arrived == 1, "the first post never arrived"
        filler = fill(small_disk)
    finally:
        receiver.hold.set()
    _, stderr = running.communicate(timeout=60)
    assert "Traceback" not in stderr
    # The records after the send reuse log space made before it, so the run may well
    # finish; if a later write needs new space, the run stops there, saying so in one line.
    errors = [line for line in stderr.splitlines() if line.startswith("watercooler: error:")]
    if running.returncode != 0:
        assert running.returncode == 2
        assert len(errors) == 1, stderr
        assert "disk is full" in errors[0]
    assert receiver.titles()[:1] == TITLES[:1]

    filler.unlink()
    again = run_cli(*args, "--now", "2026-03-04T14:52+01:00")
    assert again.returncode == 0, again.stderr

    assert Counter(receiver.titles()) == Counter(TITLES)


def test_a_full_disk_before_the_run_is_one_line_and_sends_nothing(
    tmp_path: Path, small_disk: Path, run_cli: RunCli, receiver: Receiver
) -> None:
    config, ics = _world(tmp_path, receiver)
    args = ("send-due", "--config", str(config), "--source", str(ics))
    assert run_cli(*args, "--now", "2026-03-04T13:00+01:00").returncode == 0
    filler = fill(small_disk)
    full = run_cli(*args, "--now", NOW)
    assert full.returncode == 2
    [line] = full.stderr.splitlines()
    assert line.startswith("watercooler: error:"), full.stderr
    assert "disk is full" in line
    assert receiver.messages == []
    filler.unlink()
    with contextlib.suppress(FileNotFoundError):
        (small_disk / "filler").unlink()
    assert run_cli(*args, "--now", "2026-03-04T14:52+01:00").returncode == 0
    assert Counter(receiver.titles()) == Counter(TITLES)
