"""The one SQLite store: calendar cache now, history, journal and sent nudges later.

The schema carries its version in ``PRAGMA user_version`` and grows through ordered
migrations, each applied in its own transaction; a database from a newer watercooler is
refused rather than damaged. Nothing here ever asks the user to delete the database.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from watercooler.errors import WatercoolerError

log = logging.getLogger(__name__)

MIGRATIONS: tuple[str, ...] = (
    # 1: calendar cache — collections with their sync state, objects by href, digests.
    """
    CREATE TABLE collections (
        id INTEGER PRIMARY KEY,
        url TEXT NOT NULL UNIQUE,
        display_name TEXT NOT NULL DEFAULT '',
        sync_token TEXT,
        ctag TEXT,
        last_success TEXT,
        failures INTEGER NOT NULL DEFAULT 0,
        next_attempt TEXT
    );
    CREATE TABLE objects (
        collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
        href TEXT NOT NULL,
        etag TEXT NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (collection_id, href)
    ) WITHOUT ROWID;
    CREATE TABLE digests (
        key BLOB PRIMARY KEY,
        body BLOB NOT NULL,
        used TEXT NOT NULL DEFAULT (datetime('now'))
    ) WITHOUT ROWID;
    """,
)


class StoreError(WatercoolerError):
    """The state database cannot be opened or is from a newer version."""


@dataclass(frozen=True, slots=True)
class CollectionState:
    """What the store remembers of one CalDAV collection."""

    id: int
    url: str
    display_name: str
    sync_token: str | None
    ctag: str | None
    failures: int
    next_attempt: str | None


class Store:
    """The state database, opened once per process and passed where it is needed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path, timeout=30, isolation_level=None)
        except (OSError, sqlite3.Error) as error:
            raise StoreError(f"{path}: cannot open the state database: {error}") from None
        self.db.execute("PRAGMA foreign_keys = ON")
        self.db.execute("PRAGMA journal_mode = WAL")
        self.db.execute("PRAGMA synchronous = NORMAL")
        self._migrate()

    @classmethod
    def in_state_dir(cls, state_dir: Path) -> Store:
        """Open ``watercooler.sqlite`` in the state directory."""
        return cls(state_dir / "watercooler.sqlite")

    def close(self) -> None:
        """Close the database."""
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """An explicit write transaction: all of it lands, or none of it."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def _migrate(self) -> None:
        version = int(self.db.execute("PRAGMA user_version").fetchone()[0])
        if version > len(MIGRATIONS):
            raise StoreError(
                f"{self.path}: written by a newer watercooler (schema {version}, "
                f"this one knows {len(MIGRATIONS)}); upgrade watercooler"
            )
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            log.info("%s: migrating the state database to schema %d", self.path, number)
            with self.transaction() as db:
                for statement in script.split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version = {number}")

    # -- digests: parsed objects, keyed by a hash of their content ------------------------

    def digest(self, key: bytes) -> bytes | None:
        """Return the stored digest body of a key, or None."""
        row = self.db.execute("SELECT body FROM digests WHERE key = ?", (key,)).fetchone()
        return None if row is None else bytes(row[0])

    def digests(self, keys: list[bytes]) -> dict[bytes, bytes]:
        """Return the stored digest bodies of the given keys that exist."""
        found: dict[bytes, bytes] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(
                f"SELECT key, body FROM digests WHERE key IN ({marks})",  # noqa: S608 - marks only
                chunk,
            )
            found.update((bytes(key), bytes(body)) for key, body in rows)
        return found

    def put_digests(self, items: dict[bytes, bytes]) -> None:
        """Store digest bodies by key."""
        if not items:
            return
        with self.transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO digests (key, body) VALUES (?, ?)", list(items.items())
            )
