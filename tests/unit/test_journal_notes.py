"""The journal's notes and dismissals: the store and the plain-text file beside it.

A real SQLite store in a temporary folder; the file is read and damaged as a user or a
crash would leave it.
"""

from __future__ import annotations

import json
import logging
import stat
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from watercooler.progress.notes import NOTES_FILE, Notes, NotesError, read_notes_file
from watercooler.store import Store

NOW = datetime(2026, 3, 12, 18, 0, tzinfo=ZoneInfo("Europe/Berlin"))
LATER = datetime(2026, 3, 13, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))


def _delete_database(path: Path) -> None:
    for name in (path.name, path.name + "-wal", path.name + "-shm"):
        path.with_name(name).unlink(missing_ok=True)


def _records(path: Path) -> list[dict[str, object]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if not line.startswith("#")]


def test_every_change_is_in_the_file_and_a_lost_database_gets_it_all_back(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    database = tmp_path / "state" / "watercooler.sqlite"
    with Store(database) as store:
        notes = Notes(store)
        first = notes.add(date(2026, 3, 10), "was ill, stayed in", NOW)
        second = notes.add(date(2026, 3, 11), "lunch with Bo, not booked", NOW)
        notes.edit(first.id, "was ill; stayed home", LATER)
        notes.dismiss("lunch/2026-03-11", "not a desk lunch", NOW)
        notes.dismiss("social/x@20260310T140000Z", "", NOW)
        notes.undismiss("social/x@20260310T140000Z")
        before = (notes.notes(), notes.dismissed())
    kept = tmp_path / "state" / NOTES_FILE
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert [r.get("note") or r.get("dismissed") for r in _records(kept)] == [
        first.id, second.id, "lunch/2026-03-11",
    ]  # fmt: skip
    _delete_database(database)
    with caplog.at_level(logging.WARNING), Store(database) as store:
        notes = Notes(store)
        assert (notes.notes(), notes.dismissed()) == before
        assert notes.note(first.id).updated == LATER
        # the next note does not reuse an id the file had
        assert notes.add(date(2026, 3, 12), "third", NOW).id == second.id + 1
    restored = [r.getMessage() for r in caplog.records if "restored" in r.getMessage()]
    assert restored == [
        f"{kept}: the database held no journal notes; restored 2 notes and 1 dismissed "
        "entry from this file"
    ]


def test_a_deleted_note_is_gone_from_the_file_too(tmp_path: Path) -> None:
    database = tmp_path / "watercooler.sqlite"
    with Store(database) as store:
        notes = Notes(store)
        note = notes.add(date(2026, 3, 10), "a secret I regret", NOW)
        notes.delete(note.id)
        with pytest.raises(NotesError, match="no note 1"):
            notes.delete(note.id)
    assert "regret" not in (tmp_path / NOTES_FILE).read_text(encoding="utf-8")
    _delete_database(database)
    with Store(database) as store:
        assert Notes(store).notes() == []


def test_a_damaged_file_is_moved_aside_and_its_sound_lines_restored(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    kept = tmp_path / NOTES_FILE
    sound = {"note": 4, "day": "2026-03-10", "text": "was ill", "created": NOW.isoformat(),
             "updated": NOW.isoformat()}  # fmt: skip
    damaged = (
        "# a comment\n" + json.dumps(sound) + "\n"
        '{"note": 5, "day": "2026-03-1\n'
        '{"dismissed": "lunch/2026-03-11", "reason": 3, "created": "x"}\n'
    ).encode() + b"\xff\xfe\n"
    kept.write_bytes(damaged)
    with caplog.at_level(logging.WARNING), Store(tmp_path / "watercooler.sqlite") as store:
        notes = Notes(store)
        assert [(n.id, n.text) for n in notes.notes()] == [(4, "was ill")]
    moved = list(tmp_path.glob(f"{NOTES_FILE}.corrupt-*"))
    assert len(moved) == 1
    assert moved[0].read_bytes() == damaged
    warning = next(r.getMessage() for r in caplog.records if "not a journal" in r.getMessage())
    assert warning.startswith(f"{kept}:3: not a journal note or dismissal (and 2 more lines)")
    assert moved[0].name in warning
    assert _records(kept) == [sound]
    assert read_notes_file(kept).moved_to is None


def test_a_file_that_cannot_be_written_changes_nothing(tmp_path: Path) -> None:
    with Store(tmp_path / "watercooler.sqlite") as store:
        notes = Notes(store)
        notes.add(date(2026, 3, 10), "first", NOW)
        kept = tmp_path / NOTES_FILE
        kept.unlink()
        kept.mkdir()  # a real fault: the file's place is taken by a folder
        with pytest.raises(NotesError, match="cannot write the journal's notes"):
            notes.add(date(2026, 3, 11), "second", NOW)
        assert [n.text for n in notes.notes()] == ["first"]


def test_an_empty_or_overlong_text_is_refused(tmp_path: Path) -> None:
    with Store(tmp_path / "watercooler.sqlite") as store:
        notes = Notes(store)
        with pytest.raises(NotesError, match="empty"):
            notes.add(date(2026, 3, 10), " \t\x1b ", NOW)
        with pytest.raises(NotesError, match="at most 1000"):
            notes.add(date(2026, 3, 10), "x" * 1001, NOW)
        note = notes.add(date(2026, 3, 10), "two\nlines\x1b[31m", NOW)
        assert note.text == "two lines [31m"


def test_a_file_with_notes_the_database_lacks_is_kept_aside_not_overwritten(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """An older database put back (a backup): the file's newer notes are not lost."""
    database = tmp_path / "watercooler.sqlite"
    with Store(database) as store:
        Notes(store).add(date(2026, 3, 10), "in the backup", NOW)
    backup = database.read_bytes()
    with Store(database) as store:
        Notes(store).add(date(2026, 3, 11), "after the backup", NOW)
    kept = tmp_path / NOTES_FILE
    newer = kept.read_bytes()
    database.write_bytes(backup)
    for name in ("watercooler.sqlite-wal", "watercooler.sqlite-shm"):
        (tmp_path / name).unlink(missing_ok=True)
    with caplog.at_level(logging.WARNING), Store(database) as store:
        assert [n.text for n in Notes(store).notes()] == ["in the backup"]
    older = list(tmp_path.glob(f"{NOTES_FILE}.older-*"))
    assert [path.read_bytes() for path in older] == [newer]
    assert any(older[0].name in r.getMessage() for r in caplog.records)
    assert [r["text"] for r in _records(kept)] == ["in the backup"]
