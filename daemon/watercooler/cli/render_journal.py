"""What ``watercooler journal`` prints, as text or JSON.

Text groups the entries by week, then by day: each missed chance on one line with the key
``journal dismiss`` takes, its evidence under it, then the day's notes with the id
``journal edit`` and ``journal delete`` take. The titles were made printable when the
history was recorded, the notes when they were typed.
"""

from __future__ import annotations

import json
from datetime import datetime, tzinfo
from typing import Any

from watercooler.progress.journal import (
    Journal,
    JournalEntry,
    day_label,
    evidence_line,
    headline,
    week_label,
)
from watercooler.progress.notes import Note

DAY_WIDTH = len("Wed 10 Mar")


def journal_text(journal: Journal) -> str:
    """The journal for a terminal."""
    lines = [
        f"Journal of missed chances, {day_label(journal.first)} to "
        f"{day_label(journal.last)} {journal.last.year}"
    ]
    if not journal.recorded:
        lines.append(
            "(no history is recorded for these weeks yet: each `watercooler send-due` or "
            "daemon tick records it, the first one backfill_weeks (12) back)"
        )
    if journal.redacted:
        lines.append("(notify.redact is on: event titles are not kept, only how many)")
    for week in journal.weeks:
        lines.append("")
        count = week.missed
        said = "nothing missed" if not count else f"{count} missed"
        lines.append(f"{week_label(week)}: {said}")
        for day in week.days:
            label = day_label(day.day).ljust(DAY_WIDTH)
            for entry in day.entries:
                lines.extend(_entry_lines(label, entry, journal.generated.tzinfo))
                label = " " * DAY_WIDTH
            for note in day.notes:
                lines.append(f"{label}  note {note.id}: {note.text}")
                label = " " * DAY_WIDTH
    total = sum(week.missed for week in journal.weeks)
    lines += ["", _footer(total)]
    return "\n".join(lines) + "\n"


def _entry_lines(label: str, entry: JournalEntry, zone: tzinfo | None) -> list[str]:
    chance = entry.chance
    lines = [f"{label}  {headline(chance, zone)}  [{chance.key}]"]
    evidence = evidence_line(chance)
    if evidence:
        lines.append(f"{' ' * DAY_WIDTH}    {evidence}")
    if entry.dismissed is not None:
        reason = entry.dismissed.reason
        lines.append(f"{' ' * DAY_WIDTH}    dismissed{': ' + reason if reason else ''}")
    return lines


def _footer(total: int) -> str:
    note = "A note for a day: watercooler journal add TEXT [--date DATE]"
    if not total:
        return f"No missed chances.\n{note}"
    return (
        f"{total} missed chance{'' if total == 1 else 's'}. Not one? "
        f"watercooler journal dismiss KEY (a lunch: its date) [--reason TEXT]\n{note}"
    )


def journal_document(journal: Journal) -> dict[str, Any]:
    """The journal as a JSON document: the weeks, each day's entries and notes."""
    return {
        "generated": _iso(journal.generated),
        "first": journal.first.isoformat(),
        "last": journal.last.isoformat(),
        "redacted": journal.redacted,
        "recorded_days": journal.recorded,
        "weeks": [
            {
                "monday": week.monday.isoformat(),
                "iso_week": week.iso_week,
                "missed": week.missed,
                "days": [
                    {
                        "date": day.day.isoformat(),
                        "entries": [
                            _entry_document(entry, journal.generated.tzinfo)
                            for entry in day.entries
                        ],
                        "notes": [_note_document(note) for note in day.notes],
                    }
                    for day in week.days
                ],
            }
            for week in journal.weeks
        ],
    }


def journal_json(journal: Journal) -> str:
    """:func:`journal_document` as indented JSON."""
    return json.dumps(journal_document(journal), ensure_ascii=False, indent=2) + "\n"


def _entry_document(entry: JournalEntry, zone: tzinfo | None) -> dict[str, Any]:
    chance = entry.chance
    dismissal = entry.dismissed
    return {
        "key": chance.key,
        "kind": chance.kind,
        "title": chance.title,
        "start": _iso(chance.start.astimezone(zone) if chance.start else None),
        "evidence": list(chance.evidence),
        "dismissed": dismissal is not None,
        "reason": dismissal.reason if dismissal is not None else None,
    }


def _note_document(note: Note) -> dict[str, Any]:
    return {
        "id": note.id,
        "text": note.text,
        "created": _iso(note.created),
        "updated": _iso(note.updated),
    }


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="seconds")
