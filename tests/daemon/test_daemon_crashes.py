"""``watercooler run`` killed with SIGKILL at random moments, and started again each time.

The daemon reads real Radicale and delivers to a real receiver while a workload of
declined socials falls due over the run, on the test clock every start continues
(``--clock-shift-file``); more socials are added on the server between restarts. Half the
kills land at a random moment, half while a post is at the receiver (which answers
slowly), so a send is often cut between the post and its record.

At the end every nudge was received, and a copy beyond the first only of a nudge that
was in flight at a kill: after each kill the ledger on disk shows which delivery was
reserved and never confirmed, and the receiver shows it already had that nudge. The
random moments come from a seeded generator (``DAEMON_CRASH_SEED`` picks another), and
every failure names the seed; timing varies between machines, so a replay is close, not
exact.
"""

from __future__ import annotations

import os
import random
import signal
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from caldav_servers import RadicaleServer, make_calendar
from daemon_helpers import DaemonProcess
from daemon_workload import (
    ZONE_NOW,
    ShiftClock,
    daemon_config,
    database,
    duplicates,
    in_flight,
    integrity,
    nudge_states,
    put_social,
)
from receiver import Receiver

SEED = int(os.environ.get("DAEMON_CRASH_SEED", "20261201"))
KILLS = 10
EARLY = 10
"""Socials on the calendar before the first start; their nudges fall due 2 s apart."""
DELAY = 0.2
"""Seconds the receiver holds each post before answering: the window a kill aims at."""


@dataclass(frozen=True)
class Kill:
    """One SIGKILL, and the send it cut, if any: a nudge whose delivery the ledger holds
    reserved and not confirmed, of which a copy reached the receiver during this run."""

    number: int
    moment: str
    cut: str | None


def kill_at_random(daemon: DaemonProcess, receiver: Receiver, rng: random.Random) -> str:
    """Wait for a random moment to kill at; say which kind it was."""
    arrived, draw = receiver.arrived, rng.random()
    if draw < 0.2:
        time.sleep(rng.uniform(0.1, 1.5))
        return "starting"
    daemon.wait_log(lambda text: "started; polling" in text)
    if draw < 0.5:
        time.sleep(rng.uniform(0, 1.5))
        return "running"
    deadline = time.monotonic() + 2.5
    while receiver.arrived == arrived and time.monotonic() < deadline:
        time.sleep(0.005)
    time.sleep(rng.uniform(0, DELAY))
    return "sending" if receiver.arrived > arrived else "running"


@pytest.mark.long(seconds=30)
def test_sigkill_at_random_moments_loses_no_nudge_and_repeats_only_one_in_flight(
    tmp_path: Path, radicale: RadicaleServer, receiver: Receiver
) -> None:
    rng = random.Random(SEED)
    where = f"seed {SEED} (DAEMON_CRASH_SEED)"
    receiver.delay = DELAY
    collection = make_calendar(radicale.home_url(), "work", radicale.auth)
    clock = ShiftClock(tmp_path / "clock-shift", datetime.fromisoformat(ZONE_NOW))
    expected = [
        put_social(
            collection, radicale.auth, f"Coffee {n:02d}", clock.now() + timedelta(seconds=3 + 2 * n)
        )
        for n in range(EARLY)
    ]
    config = daemon_config(tmp_path, collection, receiver.url())
    state = database(tmp_path)
    kills: list[Kill] = []
    before: Counter[str] = Counter()
    print(f"\ndaemon crash test: {where}, {KILLS} kills, receiver delay {DELAY} s")

    while len(kills) < KILLS:
        with DaemonProcess(config, tmp_path, extra=clock.argument()) as daemon:
            moment = kill_at_random(daemon, receiver, rng)
            if daemon.process.poll() is not None:
                raise AssertionError(f"{where}: the daemon ended by itself:\n{daemon.log}")
            daemon.process.send_signal(signal.SIGKILL)
            assert daemon.process.wait(10) == -signal.SIGKILL
        time.sleep(DELAY + 0.1)  # a post the dead process left at the receiver lands
        reserved, now = in_flight(state), Counter(receiver.titles())
        assert len(reserved) <= 1, f"{where}, kill {len(kills) + 1}: {reserved}"
        cut = next((title for title in reserved if now[title] > before[title]), None)
        kill, before = Kill(len(kills) + 1, moment, cut), now
        kills.append(kill)
        assert integrity(state) == "ok", f"{where}, kill {kill.number}"
        if kill.number % 3 == 0:  # a new social on the server, due in a few seconds
            summary = f"Late coffee {kill.number:02d}"
            due = clock.now() + timedelta(seconds=2)
            expected.append(put_social(collection, radicale.auth, summary, due))

    # A last start left alone delivers what is left (the last nudge is due by now).
    with DaemonProcess(config, tmp_path, extra=clock.argument()) as daemon:
        deadline = time.monotonic() + 20
        while set(expected) - set(receiver.titles()) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # nothing more comes
        code, _ = daemon.stop()
        assert code == 0, daemon.log
        assert "Traceback" not in daemon.log

    received = receiver.titles()
    extra = duplicates(received)
    summary = (
        f"{where}: {len(kills)} kills ({dict(Counter(k.moment for k in kills))}), "
        f"{sum(1 for k in kills if k.cut)} cut a send, "
        f"{sum(extra.values())} duplicates {dict(extra)}"
    )
    print(summary)
    assert sorted(set(received)) == sorted(expected), f"{summary}; received {received}"
    assert nudge_states(state) == dict.fromkeys(expected, "sent"), summary
    assert integrity(state) == "ok"
    # A copy beyond the first is a send a kill cut: reserved, posted, not confirmed.
    for title, copies in extra.items():
        cutters = [k.number for k in kills if k.cut == title]
        assert copies <= len(cutters), (
            f"{summary}: {title} sent {copies + 1} times, cut by {cutters}"
        )
    assert sum(extra.values()) <= len(kills), summary
