"""One daemon per state folder: an exclusive lock that names the process holding it.

Two daemons on one state folder would poll twice and race for every nudge. The lock is
``flock`` on ``daemon.lock`` in the state folder, which the kernel releases when the
holder exits, however it exits (``kill -9`` included), so a crash never leaves a stale
lock behind. The file holds the holder's pid and start time: the second ``run`` names
the pid, and ``status`` tells whether a daemon runs (and since when) by trying the lock.
"""

from __future__ import annotations

import fcntl
import os
from dataclasses import dataclass
from pathlib import Path

from watercooler.errors import WatercoolerError
from watercooler.private_files import private_dir

LOCK_NAME = "daemon.lock"


class AlreadyRunningError(WatercoolerError):
    """Another daemon holds the state folder."""


@dataclass(frozen=True, slots=True)
class Holder:
    """The daemon holding a state folder, as its lock file names it."""

    pid: int
    since: str
    """When it started (ISO 8601, as it wrote it), or "" when it did not say."""


class InstanceLock:
    """The held lock; released by :meth:`release` or when the process ends."""

    def __init__(self, state_dir: Path, started: str) -> None:
        """Take the lock for this process; raise AlreadyRunningError naming the holder."""
        private_dir(state_dir)
        self.path = state_dir / LOCK_NAME
        self._descriptor: int | None = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self._descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._descriptor)
            self._descriptor = None
            holder = read_holder(self.path)
            who = f"pid {holder.pid}" if holder else "another process"
            since = f", running since {holder.since}" if holder and holder.since else ""
            raise AlreadyRunningError(
                f"a watercooler daemon already runs on {state_dir} ({who}{since}); "
                "stop it first, or give this one another state_dir"
            ) from None
        os.ftruncate(self._descriptor, 0)
        os.write(self._descriptor, f"{os.getpid()} {started}\n".encode())

    def release(self) -> None:
        """Let go of the lock (idempotent)."""
        if self._descriptor is not None:
            os.close(self._descriptor)
            self._descriptor = None


def read_holder(path: Path) -> Holder | None:
    """What the lock file says, or None when it says nothing readable."""
    try:
        words = path.read_text(encoding="utf-8").split()
    except (OSError, UnicodeDecodeError):
        return None
    if not words or not words[0].isdigit():
        return None
    return Holder(int(words[0]), words[1] if len(words) > 1 else "")


def running_daemon(state_dir: Path) -> Holder | None:
    """The daemon running on this state folder, or None: a held lock is the proof (a pid
    in a file could be stale; a lock is released by the kernel when its holder dies)."""
    path = state_dir / LOCK_NAME
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return read_holder(path) or Holder(0, "")
    finally:
        os.close(descriptor)  # also drops a shared lock just taken
    return None
