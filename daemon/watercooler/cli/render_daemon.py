"""How ``status`` shows the daemon: running or not (and since when), its last poll, its
next wake-up and its broken files.

Whether it runs comes from its instance lock (held only by a live process); the rest is
what it last recorded in the store. A record without a running daemon is history: it is
shown as what the daemon last said, not as the present.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from watercooler.service.instance import Holder
from watercooler.service.record import DaemonRecord
from watercooler.text import short_time


def daemon_lines(
    running: Holder | None, record: DaemonRecord | None, zone: tzinfo, now: datetime
) -> list[str]:
    """The daemon's lines of ``status``'s text."""

    def when(text: str) -> str:
        try:
            return short_time(datetime.fromisoformat(text), zone, now=now)
        except ValueError:
            return text

    if running is None:
        last = f" (last poll {when(record.last_poll)})" if record and record.last_poll else ""
        return [f"daemon: not running{last}; start it with `watercooler run`\n"]
    since = f" since {when(running.since)}" if running.since else ""
    pid = f" (pid {running.pid})" if running.pid else ""
    lines = [f"daemon: running{since}{pid}\n"]
    if record is None:
        return lines
    if record.last_poll:
        result = "ok" if record.last_poll_result == "ok" else "failed"
        lines.append(f"  last poll {when(record.last_poll)}: {result}\n")
        if result != "ok":
            lines += [f"    {line}\n" for line in record.last_poll_result.splitlines()]
    if record.next_wake:
        lines.append(f"  next wake-up {when(record.next_wake)}\n")
    for label in record.auth_failing:
        lines.append(f"  auth failing: {label}\n")
    for problem in record.degraded:
        lines.append(f"  degraded: {problem}\n")
    return lines


def daemon_document(running: Holder | None, record: DaemonRecord | None) -> dict[str, Any]:
    """The daemon's part of ``status``'s JSON."""
    document: dict[str, Any] = {
        "running": running is not None,
        "pid": running.pid if running and running.pid else None,
        "since": running.since if running and running.since else None,
    }
    fields = ("last_poll", "last_poll_result", "next_wake", "next_nudge")
    for name in fields:
        value = getattr(record, name) if record else ""
        document[name] = value or None
    document["degraded"] = list(record.degraded) if record else []
    document["auth_failing"] = list(record.auth_failing) if record else []
    return document
