"""``watercooler run`` under a service manager: what systemd hears, and how it stops.

The daemon runs as a real subprocess; a datagram socket of the test's own stands in for
systemd's notify socket. The calendar is real Radicale behind a fault server that can
blackhole every request, so READY, the watchdog cadence and the stop are shown to hold
while the network hangs.
"""

from __future__ import annotations

import itertools
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from caldav_servers import RadicaleServer, make_calendar, put_event
from conftest import DAV_PASSWORD, DAV_USER
from daemon_helpers import DaemonProcess, NotifyListener
from delivery_helpers import delivery_config, only_rules, social_rule
from faultserver import Fault, FaultServer
from helpers import calendar, event
from receiver import Receiver

NOW = "2026-03-04T14:46:00+01:00"
"""The daemon's clock starts here: a social rule due 15 minutes before 15:00 is due."""
STOP_PROMISE = 10.0
"""SIGTERM ends the daemon within this, even with a request in flight (the README)."""


@pytest.fixture
def hanging_calendar(radicale: RadicaleServer) -> Iterator[FaultServer]:
    """Radicale's "work" calendar behind a fault server that answers nothing at all."""
    make_calendar(radicale.home_url(), "work", radicale.auth)
    with FaultServer(upstream=radicale.direct_url) as fault:
        fault.inject(Fault.hang())
        yield fault


def caldav_config(tmp_path: Path, url: str, receiver: Receiver, **top: object) -> Path:
    """A config reading one CalDAV calendar as ana, polling every 5 s."""
    user, password = DAV_USER, DAV_PASSWORD
    extra = "\n".join(f"{key} = {value}" for key, value in top.items())
    rules = only_rules(tmp_path / "rules", social_rule("missed"))
    source = (
        f'[[sources]]\nurl = "{url}"\nusername = "{user}"\npassword = "{password}"\ntimeout = 20\n'
    )
    config = delivery_config(
        tmp_path, [f"json://127.0.0.1:{receiver.port}/"], rules_dir=rules,
        extra_top=f"poll_interval = 5\n{extra}",
    )  # fmt: skip
    config.write_text(config.read_text(encoding="utf-8") + source, encoding="utf-8")
    return config


def test_ready_comes_at_once_and_the_watchdog_keeps_its_cadence_while_the_server_hangs(
    tmp_path: Path, hanging_calendar: FaultServer, receiver: Receiver
) -> None:
    config = caldav_config(tmp_path, hanging_calendar.url + "ana/work/", receiver)
    interval = 0.5  # WATCHDOG_USEC of 1 s: a ping every half second
    with (
        NotifyListener(tmp_path / "notify.sock") as listener,
        DaemonProcess(config, tmp_path, listener=listener, watchdog_usec=1_000_000) as daemon,
    ):
        ready = listener.wait_for("READY", "1", timeout=30)[0]
        # The first poll is hanging on the blackholed server (its timeout is 20 s), and
        # READY did not wait for it.
        deadline = time.monotonic() + 10
        while hanging_calendar.count() == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert hanging_calendar.count() >= 1
        assert daemon.process.poll() is None
        time.sleep(3)  # three seconds of hanging request
        pings = [m.at for m in listener.with_field("WATCHDOG", "1") if m.at >= ready.at]
        assert len(pings) >= 4, pings
        gaps = [later - earlier for earlier, later in itertools.pairwise(pings)]
        assert max(gaps) < 2 * interval + 0.5, gaps

        # SIGHUP: a reload framed by RELOADING=1 (with the monotonic time) and READY=1.
        before = len(listener.with_field("READY", "1"))
        daemon.signal(signal.SIGHUP)
        reloading = listener.wait_for("RELOADING", "1", timeout=10)[-1]
        assert int(reloading.fields["MONOTONIC_USEC"]) > 0
        again = listener.wait_for("READY", "1", count=before + 1, timeout=10)[-1]
        assert again.at >= reloading.at

        # SIGTERM with the poll still hanging: STOPPING=1, exit 0, within the promise.
        code, took = daemon.stop()
        assert code == 0, daemon.log
        assert took < STOP_PROMISE, (took, daemon.log)
        assert listener.with_field("STOPPING", "1")
        assert "Traceback" not in daemon.log


def test_a_second_daemon_on_the_same_state_names_the_first_ones_pid_and_exits_2(
    tmp_path: Path, radicale: RadicaleServer, receiver: Receiver, run_cli: object
) -> None:
    make_calendar(radicale.home_url(), "work", radicale.auth)
    config = caldav_config(tmp_path, radicale.home_url() + "work/", receiver)
    with (
        NotifyListener(tmp_path / "notify.sock") as listener,
        DaemonProcess(config, tmp_path, listener=listener) as first,
    ):
        listener.wait_for("READY", "1", timeout=30)
        with DaemonProcess(config, tmp_path) as second:
            assert second.process.wait(30) == 2
            assert f"pid {first.process.pid}" in second.log
            assert "already runs" in second.log
        code, _ = first.stop()
        assert code == 0


def test_an_event_added_on_the_server_gives_its_nudge_within_one_poll_interval(
    tmp_path: Path, radicale: RadicaleServer, receiver: Receiver
) -> None:
    work = make_calendar(radicale.home_url(), "work", radicale.auth)
    config = caldav_config(tmp_path, work, receiver)
    with (
        NotifyListener(tmp_path / "notify.sock") as listener,
        DaemonProcess(config, tmp_path, listener=listener, extra=("--now", NOW)) as daemon,
    ):
        listener.wait_for("READY", "1", timeout=30)
        daemon.wait_log(lambda text: "polling every 5 s" in text)
        polls = radicale.proxy.count("REPORT")
        deadline = time.monotonic() + 15
        while radicale.proxy.count("REPORT") == polls and time.monotonic() < deadline:
            time.sleep(0.05)  # the first poll is done: the calendar was empty
        coffee = calendar(
            event("Coffee with Sam", "20260304T150000", "20260304T153000", uid="c@test",
                  attendees=[("ana@example.com", "DECLINED"), ("sam@example.com", "ACCEPTED")])
        )  # fmt: skip
        added = time.monotonic()
        put_event(work, "coffee.ics", coffee, radicale.auth)
        deadline = added + 5 + 5  # one poll interval, and as much again for slack
        while not receiver.messages and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [m.title for m in receiver.messages] == ["Drop by Coffee with Sam"]
        code, _ = daemon.stop()
        assert code == 0, daemon.log
