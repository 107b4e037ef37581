"""The journal's notes and dismissals: in the store, and in a plain-text file beside it.

What the user typed is the one thing watercooler cannot read again from a calendar, so
every change is written twice in one step: to the database, and (inside the same
transaction, which rolls back when the file cannot be written) to
``journal-notes.jsonl`` next to it, one JSON record a line, replaced atomically and
readable by its owner alone. When the database has none of them (a damaged one was moved
aside, or it was deleted), they are restored from the file when the notes are opened. A
damaged file is moved aside, never overwritten, and reported with its path and line.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from watercooler.errors import WatercoolerError
from watercooler.private_files import move_aside, write_private
from watercooler.store import Store
from watercooler.timebox import stamp

log = logging.getLogger(__name__)

NOTES_FILE = "journal-notes.jsonl"
HEADER = (
    "# watercooler journal: your notes and dismissed entries, one JSON record a line.\n"
    "# Rewritten on every change; restored from here when the database is lost.\n"
)
MAX_TEXT = 1000
"""Characters one note or reason may have."""


class NotesError(WatercoolerError):
    """A note that does not exist, an empty text, a notes file that cannot be written."""


@dataclass(frozen=True, slots=True)
class Note:
    """A note the user added to a day."""

    id: int
    day: date
    text: str
    created: datetime
    updated: datetime


@dataclass(frozen=True, slots=True)
class Dismissal:
    """A missed chance the user said was not one."""

    entry: str
    reason: str
    created: datetime


def clean_text(text: str, what: str = "the note") -> str:
    """One line of text, whitespace collapsed; a NotesError when empty or too long."""
    cleaned = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    if not cleaned:
        raise NotesError(f"{what} is empty; give some text")
    if len(cleaned) > MAX_TEXT:
        raise NotesError(f"{what} is {len(cleaned)} characters long; at most {MAX_TEXT}")
    return cleaned


class Notes:
    """The notes and dismissals of one store (and of its file)."""

    def __init__(self, store: Store) -> None:
        """Open them; restore them from the file when the database has none."""
        self.store = store
        memory = str(store.path) == ":memory:"
        self.path: Path | None = None if memory else store.path.with_name(NOTES_FILE)
        if self.path is not None:
            self._reconcile(self.path)

    # -- reading ------------------------------------------------------------------------

    def notes(self, first: date = date.min, last: date = date.max) -> list[Note]:
        """The notes of the days between two dates, by day and id."""
        rows = self.store.db.execute(
            "SELECT id, day, text, created, updated FROM journal_notes "
            "WHERE day BETWEEN ? AND ? ORDER BY day, id",
            (first.isoformat(), last.isoformat()),
        )
        return [_note(row) for row in rows]

    def note(self, note_id: int) -> Note:
        """One note; a NotesError naming the known ids when there is none."""
        row = self.store.db.execute(
            "SELECT id, day, text, created, updated FROM journal_notes WHERE id = ?",
            (note_id,),
        ).fetchone()
        if row is None:
            known = [str(n.id) for n in self.notes()]
            listed = f"the notes are {', '.join(known)}" if known else "there are no notes"
            raise NotesError(f"no note {note_id} ({listed}; see `watercooler journal`)")
        return _note(row)

    def dismissed(self) -> dict[str, Dismissal]:
        """Every dismissal, by the key of the entry it dismisses."""
        rows = self.store.db.execute(
            "SELECT entry, reason, created FROM journal_dismissed ORDER BY entry"
        )
        return {
            entry: Dismissal(entry, reason, datetime.fromisoformat(created))
            for entry, reason, created in rows
        }

    # -- changing -----------------------------------------------------------------------

    def add(self, day: date, text: str, now: datetime) -> Note:
        """Add a note to a day."""
        cleaned = clean_text(text)
        with self.store.transaction() as db:
            cursor = db.execute(
                "INSERT INTO journal_notes (day, text, created, updated) VALUES (?, ?, ?, ?)",
                (day.isoformat(), cleaned, stamp(now), stamp(now)),
            )
            note_id = int(cursor.lastrowid or 0)
            self._write(db)
        return self.note(note_id)

    def edit(self, note_id: int, text: str, now: datetime) -> Note:
        """Replace a note's text."""
        cleaned = clean_text(text)
        self.note(note_id)
        with self.store.transaction() as db:
            db.execute(
                "UPDATE journal_notes SET text = ?, updated = ? WHERE id = ?",
                (cleaned, stamp(now), note_id),
            )
            self._write(db)
        return self.note(note_id)

    def delete(self, note_id: int) -> Note:
        """Delete a note, from the database and from the file; return what it was."""
        note = self.note(note_id)
        with self.store.transaction() as db:
            db.execute("DELETE FROM journal_notes WHERE id = ?", (note_id,))
            self._write(db)
        return note

    def dismiss(self, entry: str, reason: str, now: datetime) -> Dismissal:
        """Dismiss an entry (again: its reason is replaced when one is given)."""
        cleaned = clean_text(reason, "the reason") if reason.strip() else ""
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO journal_dismissed (entry, reason, created) VALUES (?, ?, ?) "
                "ON CONFLICT(entry) DO UPDATE SET reason = "
                "CASE WHEN excluded.reason != '' THEN excluded.reason ELSE reason END",
                (entry, cleaned, stamp(now)),
            )
            self._write(db)
        return self.dismissed()[entry]

    def undismiss(self, entry: str) -> bool:
        """Bring a dismissed entry back; False when it was not dismissed."""
        with self.store.transaction() as db:
            gone = db.execute("DELETE FROM journal_dismissed WHERE entry = ?", (entry,))
            if gone.rowcount:
                self._write(db)
        return bool(gone.rowcount)

    # -- the file -----------------------------------------------------------------------

    def _write(self, db: sqlite3.Connection) -> None:
        """Replace the file with what the database holds (inside the open transaction)."""
        if self.path is None:
            return
        lines = [json.dumps(record, ensure_ascii=False) for record in _records(db)]
        try:
            write_private(self.path, (HEADER + "".join(f"{x}\n" for x in lines)).encode())
        except OSError as error:
            raise NotesError(
                f"{self.path}: cannot write the journal's notes ({error.strerror}); "
                "nothing was changed"
            ) from None

    def _reconcile(self, path: Path) -> None:
        """Restore from the file when the database has nothing; else keep the file in step
        with the database, keeping aside a file that holds records the database lacks (an
        older database put back) rather than losing them."""
        with self.store.transaction() as db:
            kept = read_notes_file(path)
            held = _records(db)
            if not held and kept.records:
                notes, dismissals = _restore(db, kept.records)
                log.warning(
                    "%s: the database held no journal notes; restored %s and %s from this "
                    "file", path, _count(notes, "note"), _count(dismissals, "dismissed entry"),
                )  # fmt: skip
                held = _records(db)
            if held == kept.records and kept.moved_to is None:
                return
            lacking = [record for record in kept.records if record not in held]
            if lacking and kept.moved_to is None:
                moved = move_aside(path, "older")
                log.warning(
                    "%s: it held %d notes or dismissals the database does not; it was kept "
                    "as %s, and written anew from the database", path, len(lacking), moved.name,
                )  # fmt: skip
            try:
                self._write(db)
            except NotesError as error:  # the journal can still be shown
                log.warning("%s", error)


def _count(number: int, what: str) -> str:
    plural = what[:-1] + "ies" if what.endswith("y") else what + "s"
    return f"{number} {what if number == 1 else plural}"


def _note(row: tuple[int, str, str, str, str]) -> Note:
    note_id, day, text, created, updated = row
    return Note(
        int(note_id), date.fromisoformat(day), text,
        datetime.fromisoformat(created), datetime.fromisoformat(updated),
    )  # fmt: skip


def _records(db: sqlite3.Connection) -> list[dict[str, object]]:
    """Every note and dismissal as the file writes them, in a stable order."""
    notes: list[dict[str, object]] = [
        {"note": note_id, "day": day, "text": text, "created": created, "updated": updated}
        for note_id, day, text, created, updated in db.execute(
            "SELECT id, day, text, created, updated FROM journal_notes ORDER BY id"
        )
    ]
    dismissals: list[dict[str, object]] = [
        {"dismissed": entry, "reason": reason, "created": created}
        for entry, reason, created in db.execute(
            "SELECT entry, reason, created FROM journal_dismissed ORDER BY entry"
        )
    ]
    return notes + dismissals


def _restore(db: sqlite3.Connection, records: list[dict[str, object]]) -> tuple[int, int]:
    """Insert the file's records (checked by the reader); return (notes, dismissals)."""
    notes = [r for r in records if "note" in r]
    dismissals = [r for r in records if "dismissed" in r]
    db.executemany(
        "INSERT OR REPLACE INTO journal_notes (id, day, text, created, updated) "
        "VALUES (:note, :day, :text, :created, :updated)",
        notes,
    )
    db.executemany(
        "INSERT OR REPLACE INTO journal_dismissed (entry, reason, created) "
        "VALUES (:dismissed, :reason, :created)",
        dismissals,
    )
    return len(notes), len(dismissals)


@dataclass(frozen=True, slots=True)
class KeptFile:
    """What the notes file holds."""

    records: list[dict[str, object]]
    """Its sound records, in its order."""
    moved_to: Path | None = None
    """Where it was moved when some of it was damaged."""


def read_notes_file(path: Path) -> KeptFile:
    """The records of the notes file (none when it is missing). A damaged line is reported
    with the file's path and line number, and the file is moved aside before anything can
    replace it; its sound records are still returned."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return KeptFile([])
    except OSError as error:
        raise NotesError(f"{path}: cannot read the journal's notes ({error.strerror})") from None
    records: list[dict[str, object]] = []
    damaged: list[int] = []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if not raw.strip() or raw.lstrip().startswith(b"#"):
            continue
        record = _parsed_record(raw)
        if record is None:
            damaged.append(number)
        else:
            records.append(record)
    if not damaged:
        return KeptFile(records)
    moved = move_aside(path)
    more = f" (and {len(damaged) - 1} more lines)" if len(damaged) > 1 else ""
    log.warning(
        "%s:%d: not a journal note or dismissal%s; the file was moved to %s, and its %d "
        "sound records are kept",
        path, damaged[0], more, moved.name, len(records),
    )  # fmt: skip
    return KeptFile(records, moved)


def _parsed_record(raw: bytes) -> dict[str, object] | None:
    """One line as the record it holds, None when it is not a sound one."""
    try:
        value = json.loads(raw.decode("utf-8"))
    except ValueError:
        return None
    if not isinstance(value, dict):
        return None
    try:
        if "note" in value:
            note_id, day, text = value["note"], value["day"], value["text"]
            created, updated = value["created"], value["updated"]
            ok = isinstance(note_id, int) and note_id > 0 and isinstance(text, str)
            date.fromisoformat(day)
            datetime.fromisoformat(created)
            datetime.fromisoformat(updated)
            record = {"note": note_id, "day": day, "text": text, "created": created,
                      "updated": updated}  # fmt: skip
        else:
            entry, reason, created = value["dismissed"], value["reason"], value["created"]
            ok = isinstance(entry, str) and bool(entry) and isinstance(reason, str)
            datetime.fromisoformat(created)
            record = {"dismissed": entry, "reason": reason, "created": created}
    except (KeyError, TypeError, ValueError):
        return None
    return record if ok else None
