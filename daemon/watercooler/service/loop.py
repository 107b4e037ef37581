"""The daemon's work loop: step the engine, then sleep until the next thing is due.

The same loop runs on a real clock in the daemon's worker thread and on a simulated clock
in the demo (where sleeping moves the clock forward at once, so a week passes in
seconds). Everything the loop needs from outside — the time, how to sleep, what the
supervisor asks — arrives as values: a :class:`Timer` and a :class:`Control`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from watercooler.service.config import Config
from watercooler.service.engine import Engine, StepResult

log = logging.getLogger(__name__)

LONGEST_NAP = 60.0
"""The longest the worker sleeps without looking at the clock again (seconds): a clock
that jumped is also caught by the supervisor within its check interval."""
AFTER_A_BUG = timedelta(seconds=60)


class Timer(Protocol):
    """Where the loop gets the time and how it waits."""

    def now(self) -> datetime:
        """The wall-clock time."""
        ...

    def sleep_until(self, moment: datetime, wake: threading.Event) -> None:
        """Wait until ``moment`` or until ``wake`` is set, whichever comes first."""
        ...


@dataclass(slots=True)
class RealTimer:
    """The real clock, read through the function the command line hands in."""

    clock: Callable[[], datetime]

    def now(self) -> datetime:
        """The wall-clock time (as the command line reads it)."""
        return self.clock()

    def sleep_until(self, moment: datetime, wake: threading.Event) -> None:
        """Sleep on the event, at most :data:`LONGEST_NAP` seconds."""
        seconds = (moment - self.clock()).total_seconds()
        if seconds > 0:
            wake.wait(min(seconds, LONGEST_NAP))
        wake.clear()


@dataclass(slots=True)
class SimulatedTimer:
    """A clock that jumps to each wake-up at once (the demo's week in seconds)."""

    moment: datetime

    def now(self) -> datetime:
        """The simulated time."""
        return self.moment

    def sleep_until(self, moment: datetime, wake: threading.Event) -> None:
        """Move the clock to ``moment``."""
        self.moment = max(self.moment, moment)
        wake.clear()


@dataclass(slots=True)
class Control:
    """What the supervisor asks of the worker, and what the worker shows it back.

    Plain attributes, read and written whole: the supervisor sets a request and the
    :attr:`wake` event; the worker takes requests at the top of each turn.
    """

    wake: threading.Event = field(default_factory=threading.Event)
    stop: bool = False
    config: Config | None = None
    """A reloaded config, waiting for the worker to take it."""
    poll_now: bool = False
    busy_since: float | None = None
    """``time.monotonic()`` when the current step began (None between steps)."""
    status: str = ""
    ready: threading.Event = field(default_factory=threading.Event)
    failure: BaseException | None = None
    """Why the worker could not start (the state database could not be opened)."""
    on_status: Callable[[str], None] = lambda _status: None

    def ask(self, *, config: Config | None = None, poll: bool = False) -> None:
        """Hand the worker a request and wake it."""
        if config is not None:
            self.config = config
        self.poll_now = self.poll_now or poll
        self.wake.set()

    def stuck_for(self, monotonic: float) -> float:
        """How long the current step has run (0 between steps)."""
        since = self.busy_since
        return 0.0 if since is None else monotonic - since


OnStep = Callable[[Engine, StepResult, datetime], None]


def run_loop(
    engine: Engine,
    timer: Timer,
    control: Control,
    *,
    until: datetime | None = None,
    on_step: OnStep | None = None,
) -> None:
    """Step and sleep until asked to stop (or, simulated, until ``until``)."""
    while not control.stop:
        _take_requests(engine, control)
        now = timer.now()
        if until is not None and now >= until:
            return
        control.busy_since = time.monotonic()
        try:
            result = engine.step(now)
        except Exception as error:  # a bug in one step never stops the loop
            log.error(
                "a step failed: %s: %s; trying again in a minute",
                type(error).__name__, error, exc_info=log.isEnabledFor(logging.DEBUG),
            )  # fmt: skip
            control.busy_since = None
            timer.sleep_until(now + AFTER_A_BUG, control.wake)
            continue
        control.busy_since = None
        if on_step is not None:
            on_step(engine, result, now)
        _publish(engine, control, now)
        wake = engine.next_wake(now)
        if until is not None:
            wake = min(wake, until)
        while not _asked(control) and timer.now() < wake:
            timer.sleep_until(wake, control.wake)  # naps end early to look at the clock


def _asked(control: Control) -> bool:
    """Whether the supervisor wants something of the worker."""
    return control.stop or control.poll_now or control.config is not None


def _take_requests(engine: Engine, control: Control) -> None:
    config, control.config = control.config, None
    if config is not None:
        engine.replace_config(config)
    if control.poll_now:
        control.poll_now = False
        engine.poll_soon()


def _publish(engine: Engine, control: Control, now: datetime) -> None:
    status = engine.status_line(now)
    if status != control.status:
        control.status = status
        control.on_status(status)
