"""What the daemon records about itself in the store, for ``watercooler status``.

``status`` runs in another process: it learns *whether* a daemon runs from the instance
lock (see :mod:`watercooler.service.instance`), and everything else — when it last polled
and with what result, when it wakes next, which files are broken — from this record,
written by the daemon in one short transaction whenever one of those changes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields

from watercooler.store import Store


@dataclass(slots=True)
class DaemonRecord:
    """The daemon's own account of how it is doing (times as ISO 8601 text)."""

    started: str = ""
    last_poll: str = ""
    last_poll_result: str = ""
    """"ok", or one line per calendar that could not be read."""
    next_wake: str = ""
    next_nudge: str = ""
    degraded: list[str] = field(default_factory=list)
    """The broken files, each with its first problem; empty when all is well."""
    auth_failing: list[str] = field(default_factory=list)
    """The calendars whose server refuses the credentials."""
    polls: int = 0
    failed_polls: int = 0
    failed_sends: int = 0

    def summary(self, short_time: Callable[[str], str]) -> str:
        """The one line the service manager shows (``STATUS=``); ``short_time`` formats
        an ISO 8601 moment for a person."""
        parts = []
        if self.last_poll:
            result = "ok" if self.last_poll_result == "ok" else "failed"
            parts.append(f"last poll {short_time(self.last_poll)} {result}")
        else:
            parts.append("first poll under way")
        if self.next_nudge:
            parts.append(f"next nudge {short_time(self.next_nudge)}")
        if self.auth_failing:
            parts.append("auth failing: " + ", ".join(self.auth_failing))
        if self.degraded:
            parts.append("degraded: " + "; ".join(self.degraded))
        return " · ".join(parts)


def write_record(store: Store, record: DaemonRecord) -> None:
    """Store the record (replacing the last one)."""
    values = [(name, json.dumps(value)) for name, value in asdict(record).items()]
    with store.transaction() as db:
        db.executemany(
            "INSERT INTO daemon_status (name, value) VALUES (?, ?) "
            "ON CONFLICT(name) DO UPDATE SET value = excluded.value",
            values,
        )


def read_record(store: Store) -> DaemonRecord | None:
    """The last record a daemon wrote, or None when none ever ran on this state."""
    rows = dict(store.db.execute("SELECT name, value FROM daemon_status").fetchall())
    if not rows:
        return None
    record = DaemonRecord()
    for spec in fields(DaemonRecord):
        text = rows.get(spec.name)
        if text is None:
            continue
        try:
            value = json.loads(text)
        except ValueError:
            continue
        default = getattr(record, spec.name)
        if isinstance(value, type(default)):
            setattr(record, spec.name, value)
    return record
