"""A nudge: the suggestion a rule gives, due at a moment, sent once by its key.

The rules stage produces nudges and delivery keeps them (its ``Planned`` builds on this
type), so the one definition sits between the two.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
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
    so a nudge about it keeps its key when the event moves."""
    moment = occurrence.recurrence or occurrence.start.isoformat(timespec="minutes")
    return f"{occurrence.info.uid}@{moment}"
