"""The one SQLite store: the calendar cache, what was seen, and every nudge's delivery.

The schema carries its version in ``PRAGMA user_version`` and grows through ordered
migrations, each applied in its own transaction; a database from a newer watercooler is
refused rather than damaged. Nothing here ever asks the user to delete the database.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import logging
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from watercooler.errors import WatercoolerError
from watercooler.private_files import move_aside, private_file
from watercooler.schema import MIGRATIONS

log = logging.getLogger(__name__)

JOURNAL_LIMIT = 4 << 20
"""Bytes the write-ahead log is cut back to after a checkpoint."""
DELIVERY_WAIT = 60.0
"""Seconds one process waits for another to finish delivering before it gives up."""


def _move_aside(path: Path) -> Path:
    """Move a damaged database (and its WAL files) to ``<name>.corrupt-<when it was last
    written>``, so nothing of it is lost and a fresh one can start; return the new path."""
    target = move_aside(path)
    for suffix in ("-wal", "-shm"):
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            companion.replace(target.with_name(target.name + suffix))
    return target


class StoreError(WatercoolerError):
    """The state database cannot be opened or written, or is from a newer version."""


def _disk_full(path: Path, error: BaseException) -> StoreError | None:
    """The one-line error for a write that failed because the disk is full (SQLITE_FULL, or
    an I/O error on a disk with no space left), None for any other failure."""
    code = getattr(error, "sqlite_errorcode", None)
    full = code == sqlite3.SQLITE_FULL or getattr(error, "errno", None) == errno.ENOSPC
    if not full and code is not None and code & 0xFF == sqlite3.SQLITE_IOERR:
        with contextlib.suppress(OSError):
            full = os.statvfs(path.parent).f_bavail == 0
    if not full:
        return None
    return StoreError(
        f"{path}: the disk is full, so nothing more was recorded or sent; free some space "
        "and the next run goes on from there"
    )


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
        self.recovered_from: Path | None = None
        """Where a damaged database was moved when this one was started fresh."""
        try:
            self.db = self._open()
        except sqlite3.DatabaseError as error:
            if str(path) == ":memory:" or isinstance(error, sqlite3.OperationalError):
                raise _disk_full(path, error) or StoreError(
                    f"{path}: cannot open the state database: {error}"
                ) from None
            self.recovered_from = _move_aside(path)
            log.warning(
                "%s: the state database was damaged (%s); it was moved to %s and a fresh "
                "one started: calendars are read again, and nudges due before now are "
                "recorded without being sent again",
                path, error, self.recovered_from.name,
            )  # fmt: skip
            try:
                self.db = self._open()
            except sqlite3.Error as again:
                raise StoreError(f"{path}: cannot open the state database: {again}") from None
        except OSError as error:
            raise _disk_full(path, error) or StoreError(
                f"{path}: cannot open the state database: {error}"
            ) from None

    def _open(self) -> sqlite3.Connection:
        """Connect, check the file is a sound database and bring its schema up to date;
        raise sqlite3.DatabaseError when it is damaged."""
        if str(self.path) != ":memory:":
            # The database holds the calendars' full text (SQLite gives its WAL files the
            # same mode).
            private_file(self.path)
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        self.db = db
        try:
            db.execute("PRAGMA foreign_keys = ON")
            db.execute("PRAGMA journal_mode = WAL")
            # Every commit is on the disk before the next step (a send) is taken: a power
            # cut loses nothing committed, at most the one send not yet recorded repeats.
            db.execute("PRAGMA synchronous = FULL")
            # The log is folded into the database every 1000 pages, and cut back to 4 MiB
            # after that when a large write grew it, so it cannot fill a small disk.
            db.execute("PRAGMA wal_autocheckpoint = 1000")
            db.execute(f"PRAGMA journal_size_limit = {JOURNAL_LIMIT}")
            verdict = str(db.execute("PRAGMA quick_check(1)").fetchone()[0])
            if verdict != "ok":
                raise sqlite3.DatabaseError(f"integrity check: {verdict}")
            self._migrate()
        except BaseException:
            db.close()
            raise
        return db

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
        """An explicit write transaction: all of it lands, or none of it. A full disk is a
        one-line StoreError (SQLite may have rolled back already)."""
        try:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
                self.db.execute("COMMIT")
            except BaseException:
                if self.db.in_transaction:
                    self.db.execute("ROLLBACK")
                raise
        except sqlite3.OperationalError as error:
            raise (_disk_full(self.path, error) or error) from None

    def make_room(self) -> None:
        """Fold the log into the database and start it again from its beginning, so the
        next few writes reuse the log's space instead of asking the disk for more: the
        records written right after a send cannot fail for want of space. A full disk is a
        StoreError; a reader that keeps the log from restarting only costs the guarantee.
        """
        if str(self.path) == ":memory:":
            return
        try:
            self.db.execute("PRAGMA wal_checkpoint(RESTART)").fetchone()
        except sqlite3.OperationalError as error:
            raise (_disk_full(self.path, error) or error) from None

    @contextmanager
    def delivering(self, wait: float = DELIVERY_WAIT) -> Iterator[None]:
        """Be the one process delivering from this database until the block ends.

        An exclusive lock on ``<database>.lock`` (``flock``, which the kernel releases when
        the holder dies, even by ``kill -9``): a second ``send-due`` or the daemon waits
        here, then reads the ledger the first one left, so no nudge is claimed twice. Raise
        StoreError when the other one is still at it after ``wait`` seconds.
        """
        if str(self.path) == ":memory:":
            yield
            return
        lock_path = self.path.with_name(self.path.name + ".lock")
        descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            self._lock(descriptor, wait)
            yield
        finally:
            os.close(descriptor)  # closing the only descriptor releases the lock

    def _lock(self, descriptor: int, wait: float) -> None:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        log.info("%s: another watercooler is delivering; waiting for it", self.path)
        deadline = time.monotonic() + wait
        while True:
            time.sleep(0.05)
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise StoreError(
                        f"{self.path}: another watercooler has been delivering for "
                        f"{wait:.0f} s; this run sent nothing (the next one will)"
                    ) from None

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
                say = log.info if version else log.debug  # a new database: nothing to tell
                say("%s: migrating the state database to schema %d", self.path, number)
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
