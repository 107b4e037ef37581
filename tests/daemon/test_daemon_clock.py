"""``watercooler run`` when its clock jumps, and when a calendar stays unreadable for hours.

The daemon is a real subprocess reading real Radicale (behind a fault server when the
test needs one) and delivering to a real receiver. Its wall clock is the test's
(``--clock-shift-file``): moving it by hours is what a suspended laptop or a clock set by
hand does, so nothing here waits more than seconds.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from caldav_servers import RadicaleServer, make_calendar
from daemon_helpers import DaemonProcess, NotifyListener
from daemon_workload import (
    ZONE_NOW,
    ShiftClock,
    daemon_config,
    database,
    nudge_states,
    put_social,
)
from faultserver import Fault, FaultServer
from receiver import Receiver

NOTICED_WITHIN = 30.0
"""The issue's promise: a suspend or a clock jump is noticed within 30 s."""
CANNOT_READ = "watercooler cannot read your calendar"
READ_AGAIN = "watercooler reads your calendar again"

RunCli = Callable[..., Any]


def status(run_cli: RunCli, config: Path) -> dict[str, Any]:
    """``watercooler status --format json``, read."""
    done = run_cli("status", "--format", "json", "--config", str(config))
    assert done.returncode == 0, done.stderr
    document: dict[str, Any] = json.loads(done.stdout)
    return document


def polls(state: Path) -> int:
    """How many polls the daemon has recorded."""
    if not state.exists():
        return 0
    with sqlite3.connect(state) as db:
        row = db.execute("SELECT value FROM daemon_status WHERE name = 'polls'").fetchone()
    return int(row[0]) if row else 0


def wait_until(what: str, condition: Callable[[], bool], timeout: float = 20) -> float:
    """Wait for ``condition``; the seconds it took (the test fails after ``timeout``)."""
    began = time.monotonic()
    while not condition():
        if time.monotonic() - began > timeout:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.05)
    return time.monotonic() - began


def test_a_jump_of_eight_hours_expires_the_stale_nudge_unsent_and_is_noticed_at_once(
    tmp_path: Path, radicale: RadicaleServer, receiver: Receiver, run_cli: RunCli
) -> None:
    collection = make_calendar(radicale.home_url(), "work", radicale.auth)
    clock = ShiftClock(tmp_path / "clock-shift", datetime.fromisoformat(ZONE_NOW))
    start = clock.now()
    soon = put_social(collection, radicale.auth, "Coffee soon", start + timedelta(seconds=3))
    stale = put_social(collection, radicale.auth, "Coffee in an hour", start + timedelta(hours=1))
    tonight = put_social(collection, radicale.auth, "Coffee tonight", start + timedelta(hours=9))
    config = daemon_config(tmp_path, collection, receiver.url(), expires="2h")
    state = database(tmp_path)
    with DaemonProcess(config, tmp_path, extra=clock.argument()) as daemon:
        wait_until("the first nudge arrives", lambda: soon in receiver.titles())
        assert nudge_states(state)[stale] == "pending"

        clock.jump(8 * 3600)  # 22:40: the coffee's nudge (15:25 until 17:25) is stale
        jumped = clock.now()
        took = wait_until(
            "the daemon notices the jump",
            lambda: "the clock moved +28800 s" in daemon.log,
            timeout=NOTICED_WITHIN,
        )
        wait_until("the stale nudge is expired", lambda: nudge_states(state)[stale] != "pending")
        document = status(run_cli, config)
        code, _ = daemon.stop()
        assert code == 0, daemon.log
        log = daemon.log

    assert took < NOTICED_WITHIN
    assert "polling now" in log
    assert datetime.fromisoformat(document["daemon"]["last_poll"]) >= jumped - timedelta(seconds=1)
    states = {item["title"]: item for item in document["open"] + document["recent"]}
    assert states[stale]["state"] == "expired", states[stale]
    assert "useful time was over" in states[stale]["reason"]
    assert states[soon]["state"] == "sent"
    assert states[tonight]["state"] == "pending"  # not stale: 23:25 is still ahead
    assert document["counts"]["expired"] == 1
    assert receiver.titles() == [soon]
    assert "Traceback" not in log


@pytest.fixture
def guarded_calendar(radicale: RadicaleServer) -> Iterator[tuple[FaultServer, str]]:
    """Radicale's "work" calendar behind a fault server (proxying until told otherwise),
    and the calendar's URL through it."""
    make_calendar(radicale.home_url(), "work", radicale.auth)
    with FaultServer(upstream=radicale.direct_url) as fault:
        yield fault, fault.url + "ana/work/"


@pytest.mark.long(seconds=30)
def test_a_calendar_unreadable_for_an_hour_is_told_once_and_its_recovery_once(
    tmp_path: Path,
    guarded_calendar: tuple[FaultServer, str],
    receiver: Receiver,
    run_cli: RunCli,
) -> None:
    """503s for an hour (the cached copy in use), then a 401 (the login refused), then
    the server is fine again: one word when the hour is over, none when the failure
    changes its kind, one when it recovers; ``status`` and ``STATUS=`` follow along."""
    server, url = guarded_calendar
    clock = ShiftClock(tmp_path / "clock-shift", datetime.fromisoformat(ZONE_NOW))
    config = daemon_config(tmp_path, url, receiver.url())
    state = database(tmp_path)

    def told(title: str) -> int:
        return receiver.titles().count(title)

    with (
        NotifyListener(tmp_path / "notify.sock") as listener,
        DaemonProcess(config, tmp_path, listener=listener, extra=clock.argument()) as daemon,
    ):
        wait_until("a first good poll", lambda: "ok" in listener.last_status())
        server.inject(Fault.unavailable(retry_after=120))
        wait_until("a failed poll", lambda: "failed" in listener.last_status())
        assert "could not be reached" in status(run_cli, config)["daemon"]["last_poll_result"]
        assert told(CANNOT_READ) == 0  # a failing poll is not yet worth a word

        clock.jump(3700)  # the calendar has been unreadable for over an hour
        wait_until("the user is told", lambda: told(CANNOT_READ) == 1)
        server.inject(Fault.unauthorized())
        clock.jump(150)  # past the server's Retry-After: the daemon asks again
        wait_until("auth failing", lambda: "auth failing" in listener.last_status())
        document = status(run_cli, config)
        assert document["daemon"]["auth_failing"] == [f"{url} as ana"], document["daemon"]
        counted = polls(state)
        wait_until("another failing poll", lambda: polls(state) > counted)
        assert told(CANNOT_READ) == 1, receiver.titles()  # once, not at every poll

        server.clear()
        clock.jump(3700)  # a refusal is not asked again within the hour
        wait_until("the user is told it recovered", lambda: told(READ_AGAIN) == 1)
        wait_until("STATUS= says ok", lambda: "failed" not in listener.last_status())
        assert "auth failing" not in listener.last_status()
        counted = polls(state)
        wait_until("another good poll", lambda: polls(state) > counted)
        document = status(run_cli, config)
        code, _ = daemon.stop()
        assert code == 0, daemon.log
        log = daemon.log

    assert receiver.titles() == [CANNOT_READ, READ_AGAIN]
    assert f"watercooler cannot read {url} as ana: " in receiver.messages[0].body
    assert "can be read again" in receiver.messages[1].body
    # The log says each failure once as it begins (the 503s every attempt).
    assert log.count("the server refused the credentials (HTTP 401)") == 1, log
    assert "HTTP 503" in log
    assert f"{url} as ana: readable again" in log
    assert document["daemon"]["auth_failing"] == []
    assert document["daemon"]["last_poll_result"] == "ok"
    assert "Traceback" not in log
