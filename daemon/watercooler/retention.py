"""Retention: what the state database forgets, so months of running keep it the same size.

Once a day (the daemon; ``send-due`` may too) :func:`prune` deletes

- parse-cache entries the last full read did not use (a changed object gets a new key, so
  without this every version of every event would stay forever);
- settled nudges (sent, expired, dropped) due more than ``retention_days`` ago, with the
  delivery rows of their messages; a pending or failed nudge stays, whatever its age;
- lunch days and social occurrences more than ``history_days`` old.

Each delete runs in short transactions of at most :data:`BATCH` rows, with a pause between
full batches, so a ``check`` or ``send-due`` writing at the same time waits milliseconds,
not for the whole prune. The rows to delete are chosen by a read outside the write lock;
the delete repeats the conditions, so a row that changed meanwhile is left alone.

Space: the pages freed are kept by SQLite and reused by the next writes (the parse cache
churns by about the same amount every day), so the file settles at its high-water mark
instead of growing. It is not VACUUMed: that rewrites the whole file under an exclusive
lock and needs its size again in free disk. A database set up for incremental vacuum
(``PRAGMA auto_vacuum = INCREMENTAL`` and one ``VACUUM``, done by hand while watercooler is
stopped) gets its free pages given back to the disk, a few at a time. ``PRAGMA optimize``
(bounded by ``analysis_limit``) keeps the query planner's statistics fresh.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from watercooler.store import Store
from watercooler.timebox import stamp

log = logging.getLogger(__name__)

MIN_DAYS = 30
"""Shortest retention: far beyond the week back a tick plans nudges for, so a nudge
forgotten can never be planned (and sent) again."""
BATCH = 500
"""Most rows one write transaction deletes."""
PAUSE = 0.02
"""Seconds between two full batches, so a waiting writer gets the lock in between."""
VACUUM_STEP = 256
"""Most free pages one incremental-vacuum step gives back."""
ANALYSIS_LIMIT = 400
"""Rows ``PRAGMA optimize`` may look at per index (keeps it quick on a large cache)."""

SETTLED = ("sent", "expired", "dropped")


@dataclass(frozen=True, slots=True)
class PruneReport:
    """How many rows of each kind one prune deleted, and the pages given back."""

    parsed: int = 0
    nudges: int = 0
    deliveries: int = 0
    lunch_days: int = 0
    social_seen: int = 0
    contacts: int = 0
    pages_freed: int = 0

    @property
    def total(self) -> int:
        """Rows deleted in all."""
        return self.parsed + self.nudges + self.deliveries + self.lunch_days + self.social_seen

    def line(self) -> str:
        """The one log line saying what was deleted."""
        return (
            f"pruned the state database: {self.parsed} unused parsed objects, "
            f"{self.nudges} settled nudges with {self.deliveries} delivery records, "
            f"{self.lunch_days} lunch days, {self.social_seen} social occurrences and "
            f"{self.contacts} people met; "
            f"{self.pages_freed} free pages given back to the disk"
        )


def prune(
    store: Store,
    now: datetime,
    *,
    retention_days: int,
    history_days: int,
    keep_parsed: Collection[bytes] | None,
) -> PruneReport:
    """Delete what the state database no longer needs (see the module) and log one line.

    ``keep_parsed``: the parse-cache keys of the last read of every configured source
    (:func:`~watercooler.calendar.timeline.read_timeline`'s ``used``); every other entry
    is deleted. Pass None when that read was not complete (a source failed): the cache is
    then left as it is, since what a missing source needs is not known.
    Raise ValueError for fewer than :data:`MIN_DAYS` days of either kind.
    """
    if min(retention_days, history_days) < MIN_DAYS:
        raise ValueError(f"retention and history are kept at least {MIN_DAYS} days")
    parsed = 0 if keep_parsed is None else _prune_parsed(store, keep_parsed)
    nudges, deliveries = _prune_nudges(store, stamp(now - timedelta(days=retention_days)))
    history = now - timedelta(days=history_days)
    report = PruneReport(
        parsed=parsed,
        nudges=nudges,
        deliveries=deliveries,
        lunch_days=_prune_history(store, "lunch_days", "day", "day", history.date().isoformat()),
        social_seen=_prune_history(store, "social_seen", "subject", "start", stamp(history)),
        contacts=_prune_contacts(store, history.date().isoformat()),
        pages_freed=_give_back(store),
    )
    _optimize(store)
    # A prune that found nothing to delete is not news (the first days of a new state).
    deleted = report.parsed + report.nudges + report.deliveries + report.lunch_days
    say = (
        log.info
        if deleted + report.social_seen + report.contacts + report.pages_freed
        else log.debug
    )
    say("%s: %s", store.path, report.line())
    return report


def _batches(pick: Callable[[], list[tuple[object, ...]]]) -> Iterable[list[tuple[object, ...]]]:
    """Yield what ``pick`` chooses (a read, outside any write lock) until it chooses nothing,
    pausing after each full batch so other writers get their turn."""
    while True:
        rows = pick()
        if not rows:
            return
        yield rows
        if len(rows) < BATCH:
            return
        time.sleep(PAUSE)


def _prune_parsed(store: Store, keep: Collection[bytes]) -> int:
    """Delete every parse-cache entry whose key is not in ``keep``, walking the keys in
    order one batch at a time."""
    kept = keep if isinstance(keep, set | frozenset) else set(keep)
    after = b""
    deleted = 0
    while True:
        keys = [
            bytes(row[0])
            for row in store.db.execute(
                "SELECT key FROM parse_cache WHERE key > ? ORDER BY key LIMIT ?", (after, BATCH)
            )
        ]
        if not keys:
            return deleted
        after = keys[-1]
        unused = [(key,) for key in keys if key not in kept]
        if unused:
            with store.transaction() as db:
                db.executemany("DELETE FROM parse_cache WHERE key = ?", unused)
            deleted += len(unused)
        if len(keys) < BATCH:
            return deleted
        if unused:
            time.sleep(PAUSE)


def _prune_nudges(store: Store, before: str) -> tuple[int, int]:
    """Delete settled nudges due before ``before``, and the deliveries of messages no
    nudge is left to name; return both counts."""
    marks = ", ".join("?" for _ in SETTLED)
    chosen = (
        f"SELECT key, message FROM nudges WHERE state IN ({marks}) AND due < ? "  # noqa: S608
        "ORDER BY due LIMIT ?"
    )
    nudges = deliveries = 0
    for rows in _batches(lambda: store.db.execute(chosen, (*SETTLED, before, BATCH)).fetchall()):
        messages = {str(message) for _, message in rows if message is not None}
        with store.transaction() as db:
            cursor = db.executemany(
                f"DELETE FROM nudges WHERE key = ? AND state IN ({marks}) AND due < ?",  # noqa: S608
                [(key, *SETTLED, before) for key, _ in rows],
            )
            nudges += cursor.rowcount
            deliveries += _forget_deliveries(db, messages)
    return nudges, deliveries


def _forget_deliveries(db: sqlite3.Connection, messages: set[str]) -> int:
    """Delete the delivery rows of those messages that no remaining nudge belongs to."""
    if not messages:
        return 0
    marks = ", ".join("?" for _ in messages)
    named = {
        str(row[0])
        for row in db.execute(
            f"SELECT DISTINCT message FROM nudges WHERE message IN ({marks})",  # noqa: S608
            tuple(messages),
        )
    }
    cursor = db.executemany(
        "DELETE FROM deliveries WHERE message = ?",
        [(message,) for message in sorted(messages - named)],
    )
    return cursor.rowcount


def _prune_history(store: Store, table: str, key: str, column: str, before: str) -> int:
    """Delete the rows of a history table (primary key ``key``) whose ``column`` sorts
    before ``before``."""
    # The table and column names are the constants of prune(), never input.
    chosen = f"SELECT {key} FROM {table} WHERE {column} < ? LIMIT ?"  # noqa: S608
    delete = f"DELETE FROM {table} WHERE {key} = ? AND {column} < ?"  # noqa: S608
    deleted = 0
    for rows in _batches(lambda: store.db.execute(chosen, (before, BATCH)).fetchall()):
        with store.transaction() as db:
            deleted += db.executemany(delete, [(row[0], before) for row in rows]).rowcount
    return deleted


def _prune_contacts(store: Store, before: str) -> int:
    """Delete the people met on days before ``before``, a batch at a time."""
    chosen = "SELECT subject, address FROM contacts WHERE day < ? LIMIT ?"
    delete = "DELETE FROM contacts WHERE subject = ? AND address = ?"
    deleted = 0
    for rows in _batches(lambda: store.db.execute(chosen, (before, BATCH)).fetchall()):
        with store.transaction() as db:
            deleted += db.executemany(delete, rows).rowcount
    return deleted


def _give_back(store: Store) -> int:
    """Return free pages to the disk, a step at a time, when the database was set up for
    incremental vacuum (``auto_vacuum`` 2); else leave them for the next writes.

    Each step is its own short transaction (``executescript`` runs the pragma to its end;
    one ``execute`` would free a single page). Failing to give pages back loses nothing.
    """
    if int(store.db.execute("PRAGMA auto_vacuum").fetchone()[0]) != 2:
        return 0
    freed, free = 0, _free_pages(store)
    while free > 0:
        try:
            store.db.executescript(f"PRAGMA incremental_vacuum({min(free, VACUUM_STEP)});")
        except sqlite3.OperationalError as error:
            log.warning(
                "%s: free pages were not given back to the disk (%s); later writes reuse them",
                store.path, error,
            )  # fmt: skip
            break
        left = _free_pages(store)
        if left >= free:
            break
        freed, free = freed + free - left, left
        if free:
            time.sleep(PAUSE)
    return freed


def _free_pages(store: Store) -> int:
    return int(store.db.execute("PRAGMA freelist_count").fetchone()[0])


def _optimize(store: Store) -> None:
    """Refresh the planner's statistics where SQLite thinks it worthwhile, bounded."""
    store.db.execute(f"PRAGMA analysis_limit = {ANALYSIS_LIMIT}")
    store.db.execute("PRAGMA optimize")
