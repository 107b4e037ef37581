"""The state database upgrades in place: an older schema keeps its data, a newer one is
refused rather than damaged."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from watercooler.schema import MIGRATIONS
from watercooler.store import Store, StoreError


def test_a_schema_3_database_gains_the_delivery_tables_and_keeps_its_cache(
    tmp_path: Path,
) -> None:
    path = tmp_path / "watercooler.sqlite"
    with sqlite3.connect(path) as db:
        for number, script in enumerate(MIGRATIONS[:3], start=1):
            db.executescript(script)
            db.execute(f"PRAGMA user_version = {number}")
        db.execute("INSERT INTO collections (url) VALUES ('https://dav.example.com/cal/')")
    store = Store(path)
    try:
        version = store.db.execute("PRAGMA user_version").fetchone()[0]
        assert version == len(MIGRATIONS) >= 4
        assert store.collection("https://dav.example.com/cal/") is not None
        tables = {row[0] for row in store.db.execute("SELECT name FROM sqlite_master")}
        assert {"nudges", "deliveries", "holds", "lunch_days", "social_seen"} <= tables
        assert store.db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        store.close()


def test_a_database_from_a_newer_watercooler_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "watercooler.sqlite"
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    with pytest.raises(StoreError, match="newer watercooler"):
        Store(path)


def test_a_nudge_state_outside_the_five_is_rejected_by_the_database(tmp_path: Path) -> None:
    store = Store(tmp_path / "watercooler.sqlite")
    try:
        with pytest.raises(sqlite3.IntegrityError):
            store.db.execute(
                "INSERT INTO nudges (key, rule, tip, due, expires, title, body, quiet_hours, "
                "state, created, updated) VALUES ('k', 'r', 1, '', '', '', '', 'defer', "
                "'lost', '', '')"
            )
    finally:
        store.close()
