"""The one SQLite store: the calendar cache, what was seen, and every nudge's delivery.

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
        used TEXT NOT NULL DEFAULT ''
    ) WITHOUT ROWID;
    """,
    # 2: remember which configured source found each collection, so a poll can skip
    # discovery and go straight to the one sync REPORT per collection.
    """
    ALTER TABLE collections ADD COLUMN source TEXT NOT NULL DEFAULT '';
    CREATE INDEX collections_by_source ON collections (source);
    """,
    # 3: a poll compares etags; this index answers it without reading the event data.
    """
    CREATE INDEX objects_etags ON objects (collection_id, href, etag);
    """,
    # 4: delivery — what was seen, every nudge planned with its state, the deliveries to
    # each service (exactly-once across restarts), and holds (snooze, pause, back-off).
    """
    CREATE TABLE lunch_days (
        day TEXT PRIMARY KEY,
        outcome TEXT NOT NULL,
        seen TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE social_seen (
        subject TEXT PRIMARY KEY,
        start TEXT NOT NULL,
        summary TEXT NOT NULL,
        status TEXT NOT NULL,
        seen TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE nudges (
        key TEXT PRIMARY KEY,
        rule TEXT NOT NULL,
        tip INTEGER NOT NULL,
        due TEXT NOT NULL,
        expires TEXT NOT NULL,
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        tags TEXT NOT NULL DEFAULT '',
        quiet_hours TEXT NOT NULL,
        state TEXT NOT NULL
            CHECK (state IN ('pending', 'sent', 'failed', 'expired', 'dropped')),
        reason TEXT NOT NULL DEFAULT '',
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt TEXT,
        message TEXT,
        created TEXT NOT NULL,
        updated TEXT NOT NULL,
        sent_at TEXT,
        verdict TEXT
    ) WITHOUT ROWID;
    CREATE INDEX nudges_by_state ON nudges (state, due);
    CREATE INDEX nudges_by_rule ON nudges (rule, sent_at);
    CREATE TABLE deliveries (
        message TEXT NOT NULL,
        service TEXT NOT NULL,
        sent_at TEXT NOT NULL,
        PRIMARY KEY (message, service)
    ) WITHOUT ROWID;
    CREATE TABLE holds (
        name TEXT PRIMARY KEY,
        since TEXT NOT NULL,
        until TEXT NOT NULL
    ) WITHOUT ROWID;
    """,
    # 5: the parse cache under its own name, without the clock-reading default its
    # unused 'used' column had (every time in the store comes from the injected clock).
    """
    CREATE TABLE parse_cache (
        key BLOB PRIMARY KEY,
        body BLOB NOT NULL
    ) WITHOUT ROWID;
    INSERT INTO parse_cache (key, body) SELECT key, body FROM digests;
    DROP TABLE digests;
    """,
)


def _private(path: Path) -> None:
    """Create the database (and its WAL files) readable by the user alone: it holds the
    calendars' full text."""
    for name in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if not name.exists() and name == path:
            name.touch(mode=0o600)
        if name.exists():
            name.chmod(0o600)


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
            if str(path) != ":memory:":
                path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                _private(path)
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

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

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
        version = self._version()
        if version > len(MIGRATIONS):
            raise StoreError(
                f"{self.path}: written by a newer watercooler (schema {version}, "
                f"this one knows {len(MIGRATIONS)}); upgrade watercooler"
            )
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            with self.transaction() as db:
                # Another process may have migrated while this one waited for the lock.
                if self._version() >= number:
                    continue
                log.info("%s: migrating the state database to schema %d", self.path, number)
                for statement in script.split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version = {number}")

    def _version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    # -- the parse cache: parsed objects, keyed by a hash of their content ----------------

    def parsed(self, key: bytes) -> bytes | None:
        """Return the stored parsed object under a key, or None."""
        row = self.db.execute("SELECT body FROM parse_cache WHERE key = ?", (key,)).fetchone()
        return None if row is None else bytes(row[0])

    def put_parsed(self, items: dict[bytes, bytes]) -> None:
        """Store parsed objects by key."""
        if not items:
            return
        with self.transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO parse_cache (key, body) VALUES (?, ?)",
                list(items.items()),
            )

    # -- CalDAV collections and their objects ---------------------------------------------

    def collection(self, url: str) -> CollectionState | None:
        """The stored state of a collection, None if it was never synced."""
        row = self.db.execute(
            "SELECT id, url, display_name, sync_token, ctag, failures, next_attempt "
            "FROM collections WHERE url = ?",
            (url,),
        ).fetchone()
        return None if row is None else CollectionState(*row)

    def ensure_collection(self, url: str, display_name: str, source: str) -> CollectionState:
        """The stored state of a collection, created empty when new."""
        with self.transaction() as db:
            db.execute(
                "INSERT INTO collections (url, display_name, source) VALUES (?, ?, ?) "
                "ON CONFLICT(url) DO UPDATE SET display_name = excluded.display_name, "
                "source = excluded.source",
                (url, display_name, source),
            )
        state = self.collection(url)
        if state is None:  # pragma: no cover - the row was just written
            raise StoreError(f"{self.path}: collection {url} vanished")
        return state

    def collections_of(self, source: str) -> list[CollectionState]:
        """The collections a configured source found, by URL."""
        rows = self.db.execute(
            "SELECT id, url, display_name, sync_token, ctag, failures, next_attempt "
            "FROM collections WHERE source = ? ORDER BY url",
            (source,),
        )
        return [CollectionState(*row) for row in rows]

    def forget_collections(self, source: str, keep: set[str]) -> None:
        """Drop a source's collections (and their objects) that are no longer selected."""
        with self.transaction() as db:
            for state in self.collections_of(source):
                if state.url not in keep:
                    db.execute("DELETE FROM collections WHERE id = ?", (state.id,))

    def etags(self, collection_id: int) -> dict[str, str]:
        """href → etag of every cached object of a collection."""
        rows = self.db.execute(
            "SELECT href, etag FROM objects WHERE collection_id = ?", (collection_id,)
        )
        return dict(rows.fetchall())

    def objects(self, collection_id: int) -> Iterator[tuple[str, str, bytes]]:
        """(href, etag, data) of every cached object of a collection, by href."""
        rows = self.db.execute(
            "SELECT href, etag, data FROM objects WHERE collection_id = ? ORDER BY href",
            (collection_id,),
        )
        for href, etag, data in rows:
            yield str(href), str(etag), bytes(data)

    def put_objects(self, collection_id: int, fetched: dict[str, tuple[str, bytes]]) -> None:
        """Store fetched objects (one batch of a sync) in one transaction."""
        with self.transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO objects (collection_id, href, etag, data) "
                "VALUES (?, ?, ?, ?)",
                [(collection_id, href, etag, data) for href, (etag, data) in fetched.items()],
            )

    def apply_sync(
        self,
        collection_id: int,
        fetched: dict[str, tuple[str, bytes]],
        deleted: set[str],
        token: str | None,
        ctag: str | None,
        when: str,
    ) -> None:
        """Store one successful sync in one transaction: objects, deletions, token."""
        with self.transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO objects (collection_id, href, etag, data) "
                "VALUES (?, ?, ?, ?)",
                [(collection_id, href, etag, data) for href, (etag, data) in fetched.items()],
            )
            db.executemany(
                "DELETE FROM objects WHERE collection_id = ? AND href = ?",
                [(collection_id, href) for href in deleted],
            )
            db.execute(
                "UPDATE collections SET sync_token = ?, ctag = ?, last_success = ?, "
                "failures = 0, next_attempt = NULL WHERE id = ?",
                (token, ctag, when, collection_id),
            )

    def record_failure(self, collection_id: int, next_attempt: str) -> int:
        """Count a failed poll and when to try again; return the failures in a row."""
        with self.transaction() as db:
            db.execute(
                "UPDATE collections SET failures = failures + 1, next_attempt = ? WHERE id = ?",
                (next_attempt, collection_id),
            )
        row = self.db.execute(
            "SELECT failures FROM collections WHERE id = ?", (collection_id,)
        ).fetchone()
        return int(row[0]) if row else 0

    def last_success(self, collection_id: int) -> str | None:
        """When the collection was last synced successfully (ISO 8601), None if never."""
        row = self.db.execute(
            "SELECT last_success FROM collections WHERE id = ?", (collection_id,)
        ).fetchone()
        return None if row is None or row[0] is None else str(row[0])
