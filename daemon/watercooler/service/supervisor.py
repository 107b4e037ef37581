"""The daemon's main thread: signals, reloads, the service manager, and the clock.

The work (polling, evaluating, sending) runs in one worker thread; this thread never
waits on the network, so it keeps the systemd watchdog fed while a CalDAV request hangs —
and stops feeding it when the worker's step has run far longer than any request may, so
a truly stuck daemon is restarted. It sleeps in ``select`` on a pipe that signal
handlers (which only set a flag, through :func:`signal.set_wakeup_fd`), the file watcher
and the worker write to, and wakes on its own only for watchdog pings, the clock check
and the slow fallback scan of the watched files.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from watercooler.redaction import Redactor
from watercooler.service.config import Config, reload_config
from watercooler.service.loop import Control, Timer
from watercooler.service.sd_notify import Notifier as ServiceManager
from watercooler.service.watch import ChangeWatch

log = logging.getLogger(__name__)

CLOCK_CHECK = 10.0
"""Seconds between comparisons of the wall clock with the monotonic one: a suspend or a
clock jump is noticed within this (the issue promises 30 s)."""
JUMP = 5.0
"""A wall clock this many seconds off the monotonic one has jumped (or slept)."""
FALLBACK_SCAN = 60.0
"""Seconds between the modification-time checks that catch a missed file event."""
STOP_WAIT = 8.0
"""How long a stop waits for a poll or send in flight (systemd's stop budget is 10 s)."""
STUCK_AFTER = 900.0
"""A step running this long is stuck (every network call is bounded far below it)."""


@dataclass(slots=True)
class Flags:
    """What the signal handlers and the watcher ask for; set, never acted on, there."""

    stop: bool = False
    reload: bool = False
    files: bool = False


@dataclass(slots=True)
class Supervisor:
    """Runs the worker and everything around it until a stop signal."""

    config: Config
    config_arg: Path | None
    redactor: Redactor
    timer: Timer
    manager: ServiceManager
    watchdog_every: float | None
    work: Callable[[Control], None]
    """The worker's body (opens the state, then runs the loop until asked to stop)."""
    control: Control = field(default_factory=Control)
    flags: Flags = field(default_factory=Flags)
    _pipe: tuple[int, int] = (-1, -1)

    def run(self) -> int:
        """Start, serve until SIGTERM/SIGINT, stop within 10 s; the exit code."""
        self._pipe = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        previous = self._install_signals()
        self.control.on_status = self._status_changed
        worker = threading.Thread(target=self._work, name="watercooler-worker", daemon=True)
        watch = ChangeWatch(self.config.targets(), self._files_changed)
        try:
            worker.start()
            if not self._wait_ready(worker):
                return self._start_failed()
            self.manager.ready(self.control.status or "started; first poll under way")
            log.info("started; polling every %d s", self.config.settings.poll_interval)
            watch.start()
            self._serve(worker, watch)
        finally:
            self.manager.stopping()
            watch.stop()
            self._restore_signals(previous)
        return self._stop(worker)

    # -- starting and stopping ------------------------------------------------------------

    def _work(self) -> None:
        try:
            self.work(self.control)
        finally:
            self._poke()

    def _wait_ready(self, worker: threading.Thread) -> bool:
        while not self.control.ready.wait(0.1):
            if not worker.is_alive() or self.flags.stop:
                return False
        return self.control.failure is None

    def _start_failed(self) -> int:
        failure = self.control.failure
        if failure is not None:
            raise failure
        return 0  # stopped before the state was open

    def _stop(self, worker: threading.Thread) -> int:
        self.control.stop = True
        self.control.wake.set()
        worker.join(STOP_WAIT)
        os.close(self._pipe[0])
        os.close(self._pipe[1])
        if worker.is_alive():
            log.warning(
                "a poll or send was still in flight after %.0f s and was abandoned; a nudge "
                "it was sending stays pending and is sent by the next start",
                STOP_WAIT,
            )
            return -1  # the caller exits at once: the worker cannot be joined
        log.info("stopped")
        return 0

    def _install_signals(self) -> dict[int, object]:
        previous: dict[int, object] = {}

        def stop(_number: int, _frame: object) -> None:
            self.flags.stop = True

        def reload(_number: int, _frame: object) -> None:
            self.flags.reload = True

        for number, handler in ((signal.SIGTERM, stop), (signal.SIGINT, stop)):
            previous[number] = signal.signal(number, handler)
        previous[signal.SIGHUP] = signal.signal(signal.SIGHUP, reload)
        previous[-1] = signal.set_wakeup_fd(self._pipe[1], warn_on_full_buffer=False)
        return previous

    def _restore_signals(self, previous: dict[int, object]) -> None:
        wakeup = previous.pop(-1)
        signal.set_wakeup_fd(wakeup if isinstance(wakeup, int) else -1)
        for number, handler in previous.items():
            signal.signal(number, handler)  # type: ignore[arg-type]

    # -- serving ----------------------------------------------------------------------

    def _serve(self, worker: threading.Thread, watch: ChangeWatch) -> None:
        monotonic = time.monotonic()
        wall = self.timer.now()
        next_check = monotonic + CLOCK_CHECK
        next_scan = monotonic + FALLBACK_SCAN
        next_ping = monotonic
        while not self.flags.stop:
            if not worker.is_alive():
                raise RuntimeError("the worker thread ended unexpectedly")
            now = time.monotonic()
            if self.watchdog_every is not None and now >= next_ping:
                self._ping(now)
                next_ping = now + self.watchdog_every
            if now >= next_check:
                wall, monotonic = self._check_clock(wall, monotonic)
                next_check = now + CLOCK_CHECK
            if now >= next_scan:
                next_scan = now + FALLBACK_SCAN
                if watch.scan():
                    log.info("a watched file changed without a file event; reloading")
                    self.flags.files = True
            if self.flags.reload or self.flags.files:
                self._reload(watch)
                continue
            deadline = min(next_check, next_scan)
            if self.watchdog_every is not None:
                deadline = min(deadline, next_ping)
            self._sleep(max(0.0, deadline - time.monotonic()))

    def _sleep(self, seconds: float) -> None:
        readable, _, _ = select.select([self._pipe[0]], [], [], seconds)
        if readable:
            try:
                while os.read(self._pipe[0], 512):
                    pass
            except BlockingIOError:
                pass

    def _poke(self) -> None:
        """Wake the main thread (from any thread)."""
        with contextlib.suppress(OSError):  # full (it wakes anyway), or closed at the end
            os.write(self._pipe[1], b"!")

    def _ping(self, monotonic: float) -> None:
        stuck = self.control.stuck_for(monotonic)
        if stuck < STUCK_AFTER:
            self.manager.watchdog()
        else:
            log.error("a step has run for %.0f s; no watchdog ping until it ends", stuck)

    def _check_clock(self, wall: datetime, monotonic: float) -> tuple[datetime, float]:
        """Compare the wall clock's progress with the monotonic clock's (which stands
        still in a suspend); a difference means a suspend or a jump: poll at once."""
        now_wall, now_monotonic = self.timer.now(), time.monotonic()
        drift = (now_wall - wall).total_seconds() - (now_monotonic - monotonic)
        if abs(drift) >= JUMP:
            log.info(
                "the clock moved %+.0f s more than time passed here (a suspend, or the "
                "clock was set); polling now",
                drift,
            )
            self.control.ask(poll=True)
        return now_wall, now_monotonic

    # -- reloading ----------------------------------------------------------------------

    def _files_changed(self) -> None:
        self.flags.files = True
        self._poke()

    def _reload(self, watch: ChangeWatch) -> None:
        why = "SIGHUP" if self.flags.reload else "a file changed"
        self.flags.reload = self.flags.files = False
        self.manager.reloading(time.monotonic_ns() // 1000)
        before = self.config
        self.config = reload_config(before, self.config_arg, self.redactor)
        for problem in self.config.problems:
            log.warning("%s", problem)
        if before.problems and not self.config.problems:
            log.info("the broken file is fixed; everything it holds is in use again")
        if self.config.problems:
            log.warning("reloaded (%s) with problems: the last good version stays in use", why)
        else:
            log.info("reloaded (%s)", why)
        watch.retarget(self.config.targets())
        self.control.ask(config=self.config)
        self.manager.ready(self.control.status or "reloaded")

    def _status_changed(self, status: str) -> None:
        self.manager.status(status)
