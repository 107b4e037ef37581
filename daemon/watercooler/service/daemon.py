"""``watercooler run`` put together: the instance lock, the worker, the supervisor.

The command line reads the environment and the clock and hands them here; this module
wires the parts — one daemon per state folder, the worker that owns the database, the
main thread that speaks to systemd — and returns the exit code.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path

from watercooler.redaction import Redactor
from watercooler.service.config import Config
from watercooler.service.engine import Engine
from watercooler.service.instance import InstanceLock
from watercooler.service.loop import Control, RealTimer, run_loop
from watercooler.service.sd_notify import Notifier as ServiceManager
from watercooler.service.sd_notify import watchdog_interval
from watercooler.service.supervisor import Supervisor
from watercooler.store import Store, StoreError

ABANDONED = -1
"""What :func:`serve` returns when a step in flight was abandoned at the stop: the
process must end at once (``os._exit``), the worker thread cannot be joined."""


def serve(
    config: Config,
    config_arg: Path | None,
    redactor: Redactor,
    clock: Callable[[], datetime],
    environment: Mapping[str, str],
) -> int:
    """Run the daemon until a stop signal; raise WatercoolerError when it cannot start
    (another daemon holds the state folder, the database cannot be opened)."""
    started = clock()
    state_dir = config.settings.resolved_state_dir()
    lock = InstanceLock(state_dir, started.isoformat(timespec="seconds"))
    timer = RealTimer(clock)
    try:
        supervisor = Supervisor(
            config=config,
            config_arg=config_arg,
            redactor=redactor,
            timer=timer,
            manager=ServiceManager.from_environment(environment),
            watchdog_every=watchdog_interval(environment, os.getpid()),
            work=lambda control: _work(control, config, state_dir, timer, started),
        )
        return supervisor.run()
    finally:
        lock.release()


def _work(
    control: Control, config: Config, state_dir: Path, timer: RealTimer, started: datetime
) -> None:
    """The worker thread: it alone opens and uses the database (SQLite connections stay
    in the thread that made them)."""
    try:
        store = Store.in_state_dir(state_dir)
    except StoreError as error:
        control.failure = error
        control.ready.set()
        return
    try:
        engine = Engine(config=config, store=store, clock=timer.now, started=started)
        control.status = engine.status_line(started)
        control.ready.set()
        run_loop(engine, timer, control)
    finally:
        store.close()
