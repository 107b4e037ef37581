"""A bounded soak of the daemon's loop: a thousand cycles in process, nothing growing.

The real loop (:func:`run_loop`) drives the real engine on a simulated clock that jumps
to each wake-up, so every cycle is a poll of real Radicale (a few dozen events, a sync
REPORT each time) and a status record written to a real store; every hundred cycles an
event changes, so the calendar is fetched, parsed and evaluated and a nudge delivered to
a real receiver too. After a warm-up of a hundred cycles the process's open files,
threads and resident memory must not grow by more than 10 % until the end. Each sample
is taken after a full garbage collection: an unreachable cycle still holding a socket
(left by this test or by one that ran before it in the same worker) is not a leak, and
its collection mid-soak once made the count fall by a third and the test fail.
"""

from __future__ import annotations

import gc
import os
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from caldav_servers import RadicaleServer, make_calendar, put_event, update_event
from daemon_workload import ZONE_NOW, daemon_config, declined_social
from helpers import calendar, event
from receiver import Receiver
from watercooler.redaction import Redactor
from watercooler.service.config import load_config
from watercooler.service.engine import Engine, StepResult
from watercooler.service.loop import Control, SimulatedTimer, run_loop
from watercooler.store import Store

CYCLES = 1000
WARM_UP = 100
CHANGE_EVERY = 100
TOLERANCE = 0.10
PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class Sample:
    """What the process holds at one cycle."""

    cycle: int
    files: int
    threads: int
    rss: int

    @classmethod
    def now(cls, cycle: int) -> Sample:
        """The least of five readings 50 ms apart after a full collection: a leak stays,
        while a send's thread (and its socket) may still be ending just after the send
        returned, and garbage waiting for the collector is not held."""
        gc.collect()
        readings = []
        for _ in range(5):
            resident = int(Path("/proc/self/statm").read_text(encoding="ascii").split()[1])
            files, threads = len(os.listdir("/proc/self/fd")), threading.active_count()
            readings.append((files, threads, resident * PAGE))
            time.sleep(0.05)
        return cls(cycle, *(min(values) for values in zip(*readings, strict=True)))


@dataclass
class Soak:
    """Counts the cycles, changes an event now and then, samples, and stops the loop."""

    control: Control
    collection: str
    auth: object
    samples: list[Sample] = field(default_factory=list)
    cycles: int = 0
    polls: int = 0
    evaluations: int = 0
    changes: int = 0

    def __call__(self, engine: Engine, result: StepResult, now: datetime) -> None:
        self.cycles += 1
        self.polls += result.polled
        self.evaluations += result.evaluated
        if self.cycles % CHANGE_EVERY == CHANGE_EVERY // 2:
            # A declined coffee in twenty minutes: its nudge falls due five minutes on.
            self.changes += 1
            ics = declined_social("Coffee moving", now + timedelta(minutes=20), "moving")
            update_event(self.collection, "moving.ics", ics, self.auth)  # type: ignore[arg-type]
        if self.cycles == WARM_UP or self.cycles % 100 == 0:
            self.samples.append(Sample.now(self.cycles))
        if self.cycles >= CYCLES:
            self.control.stop = True


def busy_week(collection: str, auth: object, start: datetime) -> None:
    """Three dozen events over the week around ``start``: meetings, lunches, socials."""
    kinds = ("Planning", "Lunch with Sam", "1:1 with Kim", "Team coffee", "Review", "Drinks")
    day = start.replace(hour=9, minute=0, second=0, microsecond=0) - timedelta(days=3)
    for number in range(36):
        begin = day + timedelta(days=number // 6, hours=number % 6 + (number % 6 >= 3))
        ics = calendar(
            event(
                kinds[number % len(kinds)],
                f"{begin:%Y%m%dT%H%M%S}",
                f"{begin + timedelta(minutes=45):%Y%m%dT%H%M%S}",
                attendees=[("ana@example.com", "ACCEPTED"), ("sam@example.com", "ACCEPTED")],
            )
        )
        put_event(collection, f"event-{number:02d}.ics", ics, auth)  # type: ignore[arg-type]
    moving = declined_social("Coffee moving", start + timedelta(hours=2), "moving")
    put_event(collection, "moving.ics", moving, auth)  # type: ignore[arg-type]


@pytest.mark.long(seconds=30)
def test_a_thousand_cycles_keep_files_threads_and_memory_flat(
    tmp_path: Path, radicale: RadicaleServer, receiver: Receiver
) -> None:
    start = datetime.fromisoformat(ZONE_NOW)
    # Straight to Radicale: the counting proxy would double each poll's time.
    collection = make_calendar(radicale.direct_url + "ana/", "work", radicale.auth)
    busy_week(collection, radicale.auth, start)
    config = load_config(daemon_config(tmp_path, collection, receiver.url()), Redactor())
    timer = SimulatedTimer(start)
    control = Control()
    soak = Soak(control, collection, radicale.auth)
    store = Store.in_state_dir(config.settings.resolved_state_dir())
    try:
        engine = Engine(config=config, store=store, clock=timer.now, started=start)
        run_loop(engine, timer, control, on_step=soak)
    finally:
        store.close()

    table = "\n".join(str(sample) for sample in soak.samples)
    sent = len(receiver.messages)
    print(f"\nsoak: {soak.cycles} cycles, {soak.polls} polls, {soak.evaluations} evaluations, "
          f"{sent} sent, until {timer.now():%a %H:%M}\n{table}")  # fmt: skip
    assert soak.cycles == CYCLES
    assert soak.polls == CYCLES  # the clock jumps to each poll: every cycle polls
    assert soak.evaluations >= soak.changes >= CYCLES // CHANGE_EVERY
    assert len(receiver.messages) >= soak.changes - 1, receiver.titles()
    first, last = soak.samples[0], soak.samples[-1]
    assert (first.cycle, last.cycle) == (WARM_UP, CYCLES)
    for name in ("files", "threads", "rss"):
        before, after = getattr(first, name), getattr(last, name)
        # Only growth is a leak: a count that falls (a pool closing) is not.
        assert after - before <= TOLERANCE * before, f"{name} grew:\n{table}"
