"""A crash harness for exactly-once delivery: ``send-due`` killed with SIGKILL, many times.

The ledger promises that a ``kill -9`` at any moment repeats at most the one send in flight
and forgets nothing: a nudge is recorded before it is sent, each service's delivery right
after it succeeds, and ``sent`` last, each write its own transaction. Unit tests can only
check the order of those writes; this harness checks the promise itself, end to end, with
the real console script, the real SQLite file and a real HTTP receiver, and a signal that
gives the process no chance to clean up.

It runs in rounds. Each round starts from an empty state folder and a calendar of
declined social events, all due and none expired, so every run has many nudges to send;
the receiver answers slowly, so a kill often lands while a post is in flight. The round
starts ``send-due``, kills it after a random delay, and again, until one run ends by
itself. Then it counts, per round: every title received at least once (nothing lost), at
most one duplicate per kill, every nudge ``sent`` in the ledger, and ``PRAGMA
integrity_check`` ok (checked after every kill as well). The random delays come from a
seeded generator (``CRASH_SEED`` picks another), and a failure names the
seed; timing still varies from machine to machine, so a replay is close, not exact.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from conftest import watercooler_command
from delivery_helpers import delivery_config, only_rules, social_rule
from helpers import ME, calendar, event
from receiver import Receiver

SEED = int(os.environ.get("CRASH_SEED", "20260304"))
NOW = "2026-03-04T14:50:00+01:00"
EVENTS = 30
MIN_KILLS = 20
"""Kills that must land while nudges were still unsent, over all rounds."""
KILLS_PER_ROUND = 5
DELAY = 0.04
"""Seconds the receiver sleeps before answering each post: the window a kill can hit."""
RUNS_PER_KILL = 4
"""The harness's time budget per kill it needs, in uninterrupted runs (as measured at the
start): a killed run costs at most one, and each round adds one whole run and a tick that
sends nothing, so four leave room for a machine that slows down midway."""
SLACK_PER_KILL = 1.0
"""Seconds per kill on top: starting a process, the integrity check, draining the receiver."""


@dataclass
class Round:
    """One scenario from an empty ledger until a run of ``send-due`` ended by itself."""

    number: int
    kills: int = 0
    """Processes killed while still running."""
    mid_delivery: int = 0
    """Of those, the kills after which the ledger still had a nudge not sent."""
    runs: int = 0
    received: Counter[str] = field(default_factory=Counter)

    def duplicates(self) -> int:
        return sum(count - 1 for count in self.received.values() if count > 1)


def social_calendar() -> tuple[str, list[str]]:
    """Declined coffees over the two days before ``NOW``; their distinct nudge titles."""
    first = datetime(2026, 3, 2, 8, 0)
    events, titles = [], []
    for number in range(1, EVENTS + 1):
        start = first + timedelta(minutes=50 * number)
        summary = f"Coffee {number:02d}"
        events.append(
            event(
                summary,
                f"{start:%Y%m%dT%H%M%S}",
                f"{start + timedelta(minutes=30):%Y%m%dT%H%M%S}",
                attendees=[(ME, "DECLINED"), ("sam@example.com", "ACCEPTED")],
            )
        )
        titles.append(f"Drop by {summary}")
    return calendar(*events), titles


def ledger_states(database: Path) -> Counter[str]:
    """How many nudges the ledger holds in each state (none when it does not exist yet)."""
    if not database.exists():
        return Counter()
    with sqlite3.connect(database) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
        if "nudges" not in tables:
            return Counter()
        return Counter(dict(db.execute("SELECT state, count(*) FROM nudges GROUP BY state")))


def integrity(database: Path) -> str:
    """SQLite's verdict on the file, after whatever recovery opening it takes."""
    if not database.exists():
        return "ok"
    with sqlite3.connect(database) as db:
        return "; ".join(str(row[0]) for row in db.execute("PRAGMA integrity_check"))


@pytest.mark.long(seconds=200)
def test_sigkill_at_random_moments_loses_nothing_and_repeats_at_most_one_send_per_kill(
    tmp_path: Path, receiver: Receiver
) -> None:
    rng = random.Random(SEED)
    receiver.delay = DELAY
    source = tmp_path / "calendar.ics"
    text, titles = social_calendar()
    source.write_text(text, encoding="utf-8")
    rules = only_rules(tmp_path / "rules", social_rule(expires="3d"))

    running: list[subprocess.Popen[bytes]] = []
    logs: dict[int, Path] = {}
    inboxes: list[Receiver] = []

    def scenario(folder: Path, to: Receiver) -> tuple[Path, Path]:
        folder.mkdir()
        # Back-off stays on: it judges only nudges whose useful time is over, and these
        # last three days, so a burst after each restart must not pause the rule.
        config = delivery_config(folder, [to.url()], rules_dir=rules, daily_cap=100)
        return config, folder / "state" / "watercooler.sqlite"

    def start(config: Path) -> subprocess.Popen[bytes]:
        """Start one tick; its output goes to a file next to the config (no pipe to drain)."""
        log = config.with_name(f"run-{time.monotonic_ns()}.log")
        with log.open("wb") as sink:
            process = subprocess.Popen(
                [*watercooler_command(), "send-due", "--config", str(config),
                 "--source", str(source), "--now", NOW],
                stdout=sink,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        running.append(process)
        logs[process.pid] = log
        return process

    def output(process: subprocess.Popen[bytes]) -> str:
        return logs[process.pid].read_text(encoding="utf-8", errors="replace")

    try:
        # One uninterrupted run: how long it takes, and when the first post arrives.
        config, database = scenario(tmp_path / "measure", receiver)
        began = time.monotonic()
        process = start(config)
        first_post: float | None = None
        while process.poll() is None:
            if first_post is None and receiver.messages:
                first_post = time.monotonic() - began
            time.sleep(0.005)
        whole = time.monotonic() - began
        assert process.wait() == 0, output(process)
        assert sorted(receiver.titles()) == sorted(titles), "the uninterrupted run is off"
        startup = first_post if first_post is not None else whole / 2
        # A slow machine gets a proportionally bigger budget for the kills it must land.
        budget = MIN_KILLS * (RUNS_PER_KILL * whole + SLACK_PER_KILL)
        print(
            f"\ncrash harness: seed {SEED}, {EVENTS} nudges, receiver delay {DELAY}s; "
            f"one run takes {whole:.2f}s, the first post after {startup:.2f}s; "
            f"budget {budget:.0f}s"
        )

        rounds: list[Round] = []
        killing = time.monotonic()
        deadline = killing + budget
        while sum(r.mid_delivery for r in rounds) < MIN_KILLS:
            # Rounds are not counted: a run that beats its kill ends a round early, more
            # often when the machine's speed varies; the budget bounds them all.
            assert time.monotonic() < deadline, (
                f"seed {SEED}: the harness ran out of time ({budget:.0f}s, {len(rounds)} rounds, "
                f"{sum(r.mid_delivery for r in rounds)} of {MIN_KILLS} kills landed)"
            )
            this = Round(len(rounds) + 1)
            rounds.append(this)
            # A fresh receiver too: a post a killed process of an earlier round left in
            # flight must not count here.
            inbox = Receiver().start()
            inboxes.append(inbox)
            inbox.delay = DELAY
            config, database = scenario(tmp_path / f"round-{this.number}", inbox)
            unsent = EVENTS
            while True:
                this.runs += 1
                process = start(config)
                if unsent and this.kills < KILLS_PER_ROUND:
                    # A random moment from late start-up to the end of the work left, so
                    # most kills land while posting, some before and some after.
                    left = startup + (whole - startup) * unsent / EVENTS
                    time.sleep(rng.uniform(0.6 * startup, left))
                    if process.poll() is None:
                        os.kill(process.pid, signal.SIGKILL)
                        if process.wait() == -signal.SIGKILL:  # not if it was just ending
                            this.kills += 1
                            verdict = integrity(database)
                            assert verdict == "ok", (
                                f"seed {SEED}, round {this.number}, kill {this.kills}: {verdict}"
                            )
                            unsent = EVENTS - ledger_states(database).get("sent", 0)
                            if unsent:
                                this.mid_delivery += 1
                            continue
                # The round ends with a run left alone (or one that beat its kill).
                assert process.wait(timeout=60) == 0, (
                    f"seed {SEED}, round {this.number}: {output(process)}"
                )
                break
            # A post a killed process left in flight lands after the receiver's delay.
            time.sleep(DELAY * 4)
            this.received = Counter(inbox.titles())

            lost = [title for title in titles if this.received[title] == 0]
            strangers = set(this.received) - set(titles)
            states = ledger_states(database)
            print(
                f"round {this.number}: {this.runs} runs, {this.kills} kills "
                f"({this.mid_delivery} while nudges were unsent), "
                f"{this.duplicates()} duplicates, {len(lost)} lost, ledger {dict(states)}"
            )
            where = f"seed {SEED}, round {this.number}"
            assert not lost, f"{where}: lost {lost}"
            assert not strangers, f"{where}: unexpected messages {strangers}"
            assert this.duplicates() <= this.kills, (
                f"{where}: {this.duplicates()} duplicates after {this.kills} kills: "
                f"{ {t: c for t, c in this.received.items() if c > 1} }"
            )
            assert states == Counter(sent=EVENTS), f"{where}: ledger {dict(states)}"
            assert integrity(database) == "ok"

            # Once all is sent, another tick sends nothing.
            again = start(config)
            assert again.wait(timeout=60) == 0, output(again)
            assert Counter(inbox.titles()) == this.received, f"{where}: a later tick resent"
    finally:
        for process in running:
            if process.poll() is None:
                process.kill()
                process.wait()
        for inbox in inboxes:
            inbox.stop()

    kills = sum(r.kills for r in rounds)
    duplicates = sum(r.duplicates() for r in rounds)
    print(
        f"crash harness: seed {SEED}, {len(rounds)} rounds, {kills} kills "
        f"({sum(r.mid_delivery for r in rounds)} while nudges were unsent), "
        f"{duplicates} duplicates, 0 lost, integrity ok; "
        f"{time.monotonic() - killing:.1f}s of the {budget:.0f}s budget"
    )
    assert kills >= MIN_KILLS
