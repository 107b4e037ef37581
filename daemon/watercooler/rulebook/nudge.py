"""A nudge: the suggestion a rule gives, due at a moment, sent once by its key.

The rules stage produces nudges and delivery keeps them (its ``Planned`` builds on this
type), so the one definition sits between the two.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from watercooler.calendar.records import Occurrence


@dataclass(frozen=True, slots=True)
class Nudge:
    """A suggestion, due at a moment, that delivery sends once (by ``key``)."""

    rule: str
    tip: int
    due: datetime
    expires: datetime
    title: str
    body: str
    key: str
    quiet_hours: str
    tags: tuple[str, ...] = ()
    attach: str | None = None
    """A file sent with the message where the service takes one (a path relative to the
    state folder, or absolute); the Friday report's HTML. Rules give none."""

    def document(self) -> dict[str, Any]:
        """The ``check`` JSON of a nudge, in DESIGN.md's shape."""
        return {
            "rule": self.rule,
            "tip": self.tip,
            "due": self.due.isoformat(timespec="seconds"),
            "title": self.title,
            "body": self.body,
            "key": self.key,
        }


def occurrence_subject(occurrence: Occurrence) -> str:
    """An occurrence's name across runs: its UID and where its series put it (or its start),
    so a nudge about it keeps its key when the event moves.

    One format, the one a series' RECURRENCE-ID takes: a timed occurrence is named by its
    UTC instant (``uid@20260311T160000Z``), which no zone offset or DST gap can move, an
    all-day one by its local date (``uid@20260311``); a series with floating times (no zone
    in the calendar) names its occurrences by their wall time (``uid@20260311T170000``).
    """
    if occurrence.recurrence:
        moment = occurrence.recurrence
    elif occurrence.all_day:
        moment = occurrence.start.strftime("%Y%m%d")
    else:
        moment = occurrence.start.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{occurrence.info.uid}@{moment}"
