"""A send to an Apprise service ends within ``notify.timeout`` (plus a second), whatever
the service does: here one that answers a byte every half second, so that no single read
ever times out. Through the installed CLI, against the real Apprise and a real receiver.

The bound comes with slack from a baseline measured in the same test: the same command
against a healthy receiver (``tests/receiver.py``).
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from conftest import RunCli
from delivery_helpers import delivery_config, only_rules, social_rule
from drip_receiver import DripReceiver
from helpers import calendar, event, timeout_bound
from receiver import Receiver

TIMEOUT = 1
NOW = "2026-03-04T14:50:00+01:00"  # the social rule nudges 15 minutes before 15:00


@pytest.fixture
def dripping() -> Iterator[DripReceiver]:
    with DripReceiver(interval=0.5) as server:
        yield server


def timed(
    run: Callable[[], subprocess.CompletedProcess[str]],
) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.monotonic()
    result = run()
    return time.monotonic() - started, result


def two_declined_socials(path: Path) -> Path:
    """Two social events I declined at 15:00 on Wed 4 March 2026: two nudges due at 14:45."""
    declined = [("ana@example.com", "DECLINED"), ("sam@example.com", "ACCEPTED")]
    path.write_text(
        calendar(
            event("Coffee with Sam", "20260304T150000", "20260304T153000", attendees=declined),
            event("Cake for Max", "20260304T150000", "20260304T153000", attendees=declined),
        ),
        encoding="utf-8",
    )
    return path


def test_notify_test_gives_up_on_a_dripping_service_within_the_timeout(
    run_cli: RunCli, tmp_path: Path, receiver: Receiver, dripping: DripReceiver
) -> None:
    healthy = tmp_path / "healthy"
    healthy.mkdir()
    control = delivery_config(healthy, [receiver.url()], timeout=TIMEOUT)
    baseline, _ = timed(lambda: run_cli("notify-test", "--config", str(control)))
    config = delivery_config(tmp_path, [dripping.url()], timeout=TIMEOUT)
    elapsed, result = timed(lambda: run_cli("notify-test", "--config", str(config)))
    bound = timeout_bound(TIMEOUT + 1, baseline)
    output = result.stdout + result.stderr
    assert elapsed < bound, f"took {elapsed:.1f} s, bound {bound:.1f} s\n{output}"
    assert result.returncode == 1, output
    (failed,) = [line for line in result.stdout.splitlines() if line.startswith("FAILED")]
    assert "notify.timeout" in failed
    assert dripping.connections == 1


def test_send_due_abandons_a_stuck_send_and_starts_no_second_one_to_that_service(
    run_cli: RunCli, tmp_path: Path, receiver: Receiver, dripping: DripReceiver
) -> None:
    rules = only_rules(tmp_path / "rules", social_rule())
    ics = two_declined_socials(tmp_path / "cal.ics")

    def send_due(folder: Path, url: str) -> subprocess.CompletedProcess[str]:
        folder.mkdir(exist_ok=True)
        config = delivery_config(folder, [url], rules_dir=rules, timeout=TIMEOUT)
        args = ("--config", str(config), "--source", str(ics), "--now", NOW)
        return run_cli("send-due", *args)

    baseline, _ = timed(lambda: send_due(tmp_path / "healthy", receiver.url()))
    assert sorted(receiver.titles()) == ["Drop by Cake for Max", "Drop by Coffee with Sam"]
    elapsed, result = timed(lambda: send_due(tmp_path / "stuck", dripping.url()))
    bound = timeout_bound(TIMEOUT + 1, baseline)  # one deadline waited for, not two
    output = result.stdout + result.stderr
    assert elapsed < bound, f"took {elapsed:.1f} s, bound {bound:.1f} s\n{output}"
    assert result.returncode == 1, output
    assert result.stdout.count("failed") >= 2, output
    assert "still running" in result.stdout
    assert dripping.connections == 1  # the second nudge did not start a second send
