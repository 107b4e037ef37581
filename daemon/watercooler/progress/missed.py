"""The missed chances: what the journal lists on its own, from the history's evidence.

A lunch alone, a lunch lost to meetings, and a social occurrence declined, double-booked
or left unanswered, once its moment has passed (a lunch when the lunch window is over, a
social event when it has started). Each has a stable key (``lunch/2026-03-09``,
``social/<occurrence>``), which a dismissal names; nothing is typed by the user.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time

from watercooler.progress.history import History
from watercooler.timebox import at_local_time

LUNCH_KINDS = {"alone": "desk lunch", "skipped": "lunch lost to meetings"}
SOCIAL_KINDS = {
    "declined": "declined",
    "conflicted": "double-booked",
    "unanswered": "left unanswered",
}


@dataclass(frozen=True, slots=True)
class MissedChance:
    """One entry the journal writes itself."""

    key: str
    day: date
    kind: str
    """What was missed: one of the values of :data:`LUNCH_KINDS` or :data:`SOCIAL_KINDS`."""
    title: str
    """The event's title for a social event ("" for a lunch, or when titles are not kept)."""
    evidence: tuple[str, ...]
    """The lunch events of a desk lunch, the meetings that took the lunch window, what a
    double-booked event clashed with."""
    start: datetime | None = None
    """When the social event started."""


def missed_chances(
    history: History,
    now: datetime,
    lunch_end: time,
    dismissed: Collection[str] = (),
) -> list[MissedChance]:
    """Every missed chance in the history whose moment has passed by ``now``, by day,
    without the dismissed ones."""
    zone = now.tzinfo
    found: list[MissedChance] = []
    for day in sorted(history.days):
        record = history.days[day]
        kind = LUNCH_KINDS.get(record.outcome)
        if kind is None or zone is None or at_local_time(day, lunch_end, zone) > now:
            continue
        found.append(MissedChance(f"lunch/{day.isoformat()}", day, kind, "", record.evidence))
    for social in history.socials:
        kind = SOCIAL_KINDS.get(social.status)
        if kind is None or social.start > now:
            continue
        found.append(
            MissedChance(f"social/{social.subject}", social.day, kind, social.summary,
                         social.evidence, social.start)
        )  # fmt: skip
    found.sort(key=lambda m: (m.day, m.start is not None, m.start or now, m.key))
    return [m for m in found if m.key not in dismissed]
