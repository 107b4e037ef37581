"""The daemon as a real subprocess, and a notify socket of the test's own.

:class:`NotifyListener` binds a datagram socket, as systemd does for a ``Type=notify``
service, and records every message with the monotonic time it arrived, so a test can ask
when READY came, how far apart the watchdog pings were, and what STATUS said last.
:class:`DaemonProcess` starts ``watercooler run`` with ``NOTIFY_SOCKET`` (and, if asked,
``WATCHDOG_USEC``) pointing at it, stderr kept in a file for the test to read.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Self

from conftest import watercooler_command


@dataclass(frozen=True)
class Datagram:
    """One sd_notify message: its fields and when it arrived (``time.monotonic``)."""

    at: float
    fields: dict[str, str]


class NotifyListener:
    """A datagram socket standing in for systemd's notify socket."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.messages: list[Datagram] = []
        self._lock = threading.Lock()
        self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._socket.bind(str(path))
        self._socket.settimeout(0.2)
        self._running = True
        self._thread = threading.Thread(target=self._receive, daemon=True)
        self._thread.start()

    def _receive(self) -> None:
        while self._running:
            try:
                data = self._socket.recv(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            lines = data.decode("utf-8", "replace").splitlines()
            fields = dict(line.split("=", 1) for line in lines if "=" in line)
            with self._lock:
                self.messages.append(Datagram(time.monotonic(), fields))

    def close(self) -> None:
        """Stop listening."""
        self._running = False
        self._thread.join(2)
        self._socket.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def with_field(self, name: str, value: str | None = None) -> list[Datagram]:
        """The messages carrying ``name`` (with this value, when given), in order."""
        with self._lock:
            found = list(self.messages)
        return [m for m in found if name in m.fields and value in (None, m.fields[name])]

    def wait_for(
        self, name: str, value: str | None = None, *, count: int = 1, timeout: float = 30
    ) -> list[Datagram]:
        """Wait until ``count`` messages carry the field; fail the test after ``timeout``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.with_field(name, value)
            if len(found) >= count:
                return found
            time.sleep(0.02)
        raise AssertionError(
            f"no {count} × {name}={value or '*'} within {timeout} s; got {self.messages}"
        )

    def wait_status(self, predicate: Callable[[str], bool], timeout: float = 10) -> str:
        """Wait until the last STATUS= satisfies ``predicate``; fail after ``timeout``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.last_status()
            if predicate(status):
                return status
            time.sleep(0.02)
        raise AssertionError(f"STATUS= did not get there in {timeout} s: {self.last_status()!r}")

    def last_status(self) -> str:
        """What the last STATUS= said ("" before any)."""
        found = self.with_field("STATUS")
        return found[-1].fields["STATUS"] if found else ""


class DaemonProcess:
    """``watercooler run`` as a subprocess, talking to a :class:`NotifyListener`."""

    def __init__(
        self,
        config: Path,
        workdir: Path,
        *,
        listener: NotifyListener | None = None,
        watchdog_usec: int | None = None,
        extra: tuple[str, ...] = (),
        env: dict[str, str] | None = None,
    ) -> None:
        self.log_path = workdir / f"daemon-{time.monotonic_ns()}.log"
        environment = {k: v for k, v in os.environ.items() if not k.startswith("WATERCOOLER_")}
        environment.pop("NOTIFY_SOCKET", None)
        environment.update(env or {})
        if listener is not None:
            environment["NOTIFY_SOCKET"] = str(listener.path)
        if watchdog_usec is not None:
            environment["WATCHDOG_USEC"] = str(watchdog_usec)
        self._log = self.log_path.open("w", encoding="utf-8")
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            [*watercooler_command(), "run", "--config", str(config), *extra],
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=environment,
        )

    @property
    def log(self) -> str:
        """Everything it wrote so far."""
        self._log.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_log(self, predicate: Callable[[str], bool], timeout: float = 30) -> str:
        """Wait until the log satisfies ``predicate``; fail the test after ``timeout``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.log
            if predicate(text):
                return text
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"the daemon's log did not show it in {timeout} s:\n{self.log}")

    def signal(self, number: int) -> None:
        """Send a signal."""
        self.process.send_signal(number)

    def stop(self, timeout: float = 20) -> tuple[int, float]:
        """SIGTERM; return the exit code and the seconds it took to exit."""
        sent = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout)
        return code, time.monotonic() - sent

    def kill(self) -> None:
        """SIGKILL, and wait for it to be gone."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(10)

    def close(self) -> None:
        """Make sure it is gone (a test that failed midway)."""
        self.kill()
        self._log.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
