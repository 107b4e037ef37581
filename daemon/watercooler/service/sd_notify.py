"""The sd_notify protocol, spoken with the standard library.

systemd learns that a ``Type=notify`` service is ready, reloading, stopping or still alive
(the watchdog) from datagrams sent to the socket named in ``NOTIFY_SOCKET``: a file path,
or ``@name`` for an abstract socket. libsystemd is not needed for that, and a Python
binding would be one more dependency to install on every machine; the protocol is a line
of ``KEY=value`` pairs in one datagram.

Nothing here reads the environment itself: the entry point hands in what it found, so a
test speaks to a socket of its own. A supervisor that went away never stops the service:
a failed send is logged once at debug level and otherwise ignored, as libsystemd does.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Mapping
from dataclasses import dataclass

log = logging.getLogger(__name__)

NOTIFY_SOCKET = "NOTIFY_SOCKET"
WATCHDOG_USEC = "WATCHDOG_USEC"
WATCHDOG_PID = "WATCHDOG_PID"


def socket_address(name: str) -> str | bytes:
    """The address to send to: ``@name`` is Linux's abstract namespace (a leading NUL)."""
    if name.startswith("@"):
        return b"\0" + name[1:].encode()
    return name


@dataclass(slots=True)
class Notifier:
    """Sends state changes to the supervisor; does nothing when there is none."""

    address: str | bytes | None
    failed: bool = False

    @classmethod
    def from_environment(cls, environment: Mapping[str, str]) -> Notifier:
        """The supervisor named by ``NOTIFY_SOCKET`` in ``environment``, if any."""
        name = environment.get(NOTIFY_SOCKET, "")
        return cls(socket_address(name) if name else None)

    @property
    def supervised(self) -> bool:
        """Whether a supervisor listens (``NOTIFY_SOCKET`` was set)."""
        return self.address is not None

    def send(self, **fields: str | int) -> bool:
        """Send ``KEY=value`` lines in one datagram; True when it was sent."""
        if self.address is None:
            return False
        lines = [f"{key}={one_line(str(value))}" for key, value in fields.items()]
        message = "\n".join(lines).encode()
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as peer:
                peer.sendto(message, self.address)
        except OSError as error:
            if not self.failed:
                log.debug("cannot notify the service manager: %s", error.strerror or error)
            self.failed = True
            return False
        return True

    def ready(self, status: str) -> bool:
        """Config and state are loaded: the service is up (never waits for the network)."""
        return self.send(READY=1, STATUS=status)

    def status(self, text: str) -> bool:
        """The one line ``systemctl status`` shows."""
        return self.send(STATUS=text)

    def reloading(self, monotonic_usec: int) -> bool:
        """A reload begins; ``monotonic_usec`` is CLOCK_MONOTONIC, as systemd requires."""
        return self.send(RELOADING=1, MONOTONIC_USEC=monotonic_usec)

    def watchdog(self) -> bool:
        """Still alive: sent at half the watchdog interval."""
        return self.send(WATCHDOG=1)

    def stopping(self) -> bool:
        """Shutting down."""
        return self.send(STOPPING=1)


def watchdog_interval(environment: Mapping[str, str], pid: int) -> float | None:
    """Seconds between watchdog pings (half of ``WATCHDOG_USEC``), or None when the
    watchdog is off or meant for another process (``WATCHDOG_PID``)."""
    owner = environment.get(WATCHDOG_PID, "").strip()
    if owner and owner != str(pid):
        return None
    try:
        usec = int(environment.get(WATCHDOG_USEC, "").strip())
    except ValueError:
        return None
    return usec / 2_000_000 if usec > 0 else None


def one_line(text: str) -> str:
    """A value cannot span lines: each newline would start a new assignment."""
    return " ".join(text.splitlines())
