"""One network call bounded by a deadline, whatever the server does.

HTTP libraries time each read, not a whole request: a server that sends its answer one
byte every half second is never cut off. :class:`Worker` runs the call in a daemon thread
and waits for it at most the given seconds; a call that overruns is abandoned there (its
thread ends when its connection does) and the caller gets :class:`DeadlineExceeded`. While
an abandoned call still runs, the worker refuses to start another (:class:`StillBusy`), so
a stuck server never costs more than one thread per worker.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class DeadlineExceeded(Exception):  # noqa: N818 - the name says what happened
    """The call did not end in time; it was abandoned."""


class StillBusy(DeadlineExceeded):
    """An earlier call that overran has not ended yet: no new one was started."""


class Worker:
    """Runs one call at a time in a daemon thread, for at most a given number of seconds."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._abandoned: threading.Thread | None = None

    @property
    def busy(self) -> bool:
        """Whether a call that overran is still running."""
        return self._abandoned is not None and self._abandoned.is_alive()

    def run(self, call: Callable[[], T], seconds: float) -> T:
        """Return what ``call`` returns, or raise what it raises; raise DeadlineExceeded
        after ``seconds``, or StillBusy at once while an abandoned call still runs."""
        if self.busy:
            raise StillBusy(self.name)
        results: list[T] = []
        errors: list[BaseException] = []

        def target() -> None:
            try:
                results.append(call())
            except BaseException as error:  # noqa: BLE001 - handed to the caller
                errors.append(error)

        thread = threading.Thread(target=target, name=self.name, daemon=True)
        thread.start()
        thread.join(max(seconds, 0.0))
        if thread.is_alive():
            self._abandoned = thread
            raise DeadlineExceeded(self.name)
        self._abandoned = None
        if errors:
            raise errors[0]
        return results[0]
