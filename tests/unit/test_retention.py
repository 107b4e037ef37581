"""Retention: what the state database forgets (old settled nudges, old history, parse-cache
entries no read uses), and that a year of daily polling keeps it the same size.

Every test uses a real store in tmp_path, the real ledger, and real vdirs read through the
real timeline.
"""

from __future__ import annotations

import logging
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from helpers import calendar, event, settings
from watercooler.calendar.parse_cache import cache_key
from watercooler.calendar.records import Window
from watercooler.calendar.timeline import read_timeline
from watercooler.classify.classifier import classify
from watercooler.delivery.ledger import Ledger
from watercooler.errors import ConfigError
from watercooler.progress.history import record_history, snapshot
from watercooler.retention import BATCH, PruneReport, prune
from watercooler.rulebook.nudge import Nudge
from watercooler.settings import load_settings
from watercooler.sources.files import VdirSource
from watercooler.store import Store
from watercooler.timebox import stamp

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2027, 6, 1, 9, 0, tzinfo=BERLIN)
CAP = 2000
BODY = (  # as long as the shipped rules' messages
    "3 of your last 5 workday lunches were on your own (Lunch at my desk today). Ask who is "
    "heading out and go along: a meal together is where work friendships start."
)


def nudge(key: str, due: datetime, *, title: str = "Lunch with someone today?") -> Nudge:
    return Nudge(
        rule=key.partition("/")[0],
        tip=2,
        due=due,
        expires=due + timedelta(hours=3),
        title=title,
        body=BODY,
        key=key,
        quiet_hours="drop",
    )


def send(ledger: Ledger, keys: list[str], message: str, when: datetime) -> None:
    """Record a real send of these nudges as one message to one service."""
    ledger.begin_attempt(keys, message, ["svc"], when)
    ledger.delivered(message, "svc", when)
    for key in keys:
        ledger.mark(key, "sent", "", when)


def keys_of(store: Store) -> set[str]:
    return {str(row[0]) for row in store.db.execute("SELECT key FROM nudges")}


def messages_delivered(store: Store) -> set[str]:
    return {str(row[0]) for row in store.db.execute("SELECT message FROM deliveries")}


def prune_now(
    store: Store, now: datetime = NOW, *, retention_days: int = 400, history_days: int = 730
) -> PruneReport:
    """Prune with the default settings (or those given), leaving the parse cache alone."""
    return prune(
        store, now, retention_days=retention_days, history_days=history_days, keep_parsed=None
    )


def test_old_settled_nudges_and_their_deliveries_go_open_and_recent_ones_stay(
    tmp_path: Path,
) -> None:
    store = Store(tmp_path / "watercooler.sqlite")
    ledger = Ledger(store)
    old, recent = NOW - timedelta(days=401), NOW - timedelta(days=399)
    names = ["sent-old", "expired-old", "dropped-old", "pending-old", "failed-old"]
    ledger.plan([nudge(f"r/{name}", old) for name in names], old)
    ledger.plan([nudge("r/sent-recent", recent), nudge("r/digest-old", old)], old)
    ledger.plan([nudge("r/digest-recent", recent)], recent)
    send(ledger, ["r/sent-old"], "r/sent-old", old)
    send(ledger, ["r/sent-recent"], "r/sent-recent", recent)
    # One digest message holds an old and a recent nudge: its delivery record must stay.
    send(ledger, ["r/digest-old", "r/digest-recent"], "digest/one", recent)
    ledger.mark("r/expired-old", "expired", "too late", old)
    ledger.mark("r/dropped-old", "dropped", "the situation changed", old)
    # A failed nudge keeps its reserved delivery, which a retry needs.
    ledger.begin_attempt(["r/failed-old"], "r/failed-old", ["svc"], old)
    ledger.mark("r/failed-old", "failed", "the service did not answer", old)

    report = prune_now(store)

    assert keys_of(store) == {
        "r/pending-old", "r/failed-old", "r/sent-recent", "r/digest-recent",
    }  # fmt: skip
    assert messages_delivered(store) == {"r/failed-old", "r/sent-recent", "digest/one"}
    assert (report.nudges, report.deliveries) == (4, 1)
    assert ledger.delivered_to("digest/one") == {"svc"}
    store.close()


def test_a_nudge_is_kept_retention_days_after_it_was_due_and_no_longer(tmp_path: Path) -> None:
    store = Store(tmp_path / "watercooler.sqlite")
    ledger = Ledger(store)
    due = NOW - timedelta(days=40)
    ledger.plan([nudge("r/one", due)], due)
    send(ledger, ["r/one"], "r/one", due)
    assert prune_now(store, retention_days=41).nudges == 0
    assert keys_of(store) == {"r/one"}
    assert prune_now(store, retention_days=39).nudges == 1
    assert keys_of(store) == set() == messages_delivered(store)
    store.close()


def seen(store: Store, days: list[date], socials: list[tuple[str, datetime]]) -> None:
    """History rows as :meth:`Ledger.record_seen` writes them (one format, ISO text)."""
    with store.transaction() as db:
        db.executemany(
            "INSERT INTO lunch_days (day, outcome, seen) VALUES (?, 'alone', ?)",
            [(day.isoformat(), stamp(NOW)) for day in days],
        )
        db.executemany(
            "INSERT INTO social_seen (subject, start, summary, status, seen) "
            "VALUES (?, ?, 'Coffee', 'declined', ?)",
            [(subject, stamp(start), stamp(NOW)) for subject, start in socials],
        )


def test_history_older_than_history_days_goes_and_the_rest_stays(tmp_path: Path) -> None:
    store = Store(tmp_path / "watercooler.sqlite")
    today = NOW.date()
    seen(
        store,
        [today - timedelta(days=n) for n in (800, 731, 729, 1, 0)] + [today + timedelta(days=3)],
        [("old@1", NOW - timedelta(days=731)), ("new@1", NOW - timedelta(days=729))],
    )
    report = prune_now(store)
    ledger = Ledger(store)
    kept = [today - timedelta(days=n) for n in (729, 1, 0)] + [today + timedelta(days=3)]
    assert sorted(ledger.lunch_outcomes()) == [day.isoformat() for day in kept]
    assert set(ledger.social_statuses()) == {"new@1"}
    assert (report.lunch_days, report.social_seen) == (2, 1)
    store.close()


def write_events(vdir: Path, versions: dict[int, int], start: date) -> None:
    """Write event ``n`` in version ``versions[n]`` (its title and day change with it)."""
    vdir.mkdir(exist_ok=True)
    for number, version in versions.items():
        day = (start + timedelta(days=(number + version) % 7)).strftime("%Y%m%d")
        hour = 9 + number % 8
        summary = ("Coffee with the team", "Lunch at my desk", "Planning")[number % 3]
        if number % 3 == 1:
            hour = 12
        text = calendar(
            event(
                f"{summary} ({version})",
                f"{day}T{hour:02}0000",
                f"{day}T{hour:02}3000",
                uid=f"event-{number}-{version}@retention.test",
            )
        )
        (vdir / f"{number:02}.ics").write_text(text, encoding="utf-8")


def window(now: datetime) -> Window:
    return Window(now - timedelta(days=14), now + timedelta(days=8), BERLIN, CAP)


def test_reading_tells_the_parse_cache_keys_it_used_parsed_or_cached(tmp_path: Path) -> None:
    store = Store(tmp_path / "watercooler.sqlite")
    write_events(tmp_path / "vdir", {0: 0, 1: 0, 2: 0}, NOW.date())
    expected = {cache_key(path.read_bytes(), CAP) for path in (tmp_path / "vdir").iterdir()}
    for _ in range(2):  # parsed the first time, from the cache the second
        used: set[bytes] = set()
        read_timeline([VdirSource(tmp_path / "vdir")], window(NOW), store=store, used=used)
        assert used == expected
    store.close()


def test_parse_cache_entries_the_last_read_did_not_use_go_used_ones_stay(
    tmp_path: Path,
) -> None:
    store = Store(tmp_path / "watercooler.sqlite")
    vdir = tmp_path / "vdir"
    write_events(vdir, {0: 0, 1: 0, 2: 0}, NOW.date())
    read_timeline([VdirSource(vdir)], window(NOW), store=store)
    write_events(vdir, {1: 1}, NOW.date())  # event 1 changed: its old entry is unused
    used: set[bytes] = set()
    read_timeline([VdirSource(vdir)], window(NOW), store=store, used=used)
    entries = {bytes(row[0]) for row in store.db.execute("SELECT key FROM parse_cache")}
    assert len(entries) == 4
    assert len(used) == 3

    assert prune_now(store).parsed == 0  # no keys given: the cache is left alone
    report = prune(store, NOW, retention_days=400, history_days=730, keep_parsed=used)

    assert report.parsed == 1
    assert {bytes(row[0]) for row in store.db.execute("SELECT key FROM parse_cache")} == used
    store.close()


def test_a_large_prune_deletes_in_short_transactions(tmp_path: Path) -> None:
    store = Store(tmp_path / "watercooler.sqlite")
    rows = {number.to_bytes(20, "big"): b"{}" for number in range(BATCH * 3 + 7)}
    store.put_parsed(rows)
    kept = set(list(rows)[::10])
    statements: list[str] = []
    store.db.set_trace_callback(statements.append)
    report = prune(store, NOW, retention_days=400, history_days=730, keep_parsed=kept)
    store.db.set_trace_callback(None)
    assert report.parsed == len(rows) - len(kept)
    # Each transaction deletes at most one batch; a single one would hold the lock for all.
    per_transaction: list[int] = []
    for statement in statements:
        if statement.startswith("BEGIN"):
            per_transaction.append(0)
        elif statement.startswith("DELETE FROM parse_cache"):
            per_transaction[-1] += 1
    assert len(per_transaction) >= 4
    assert max(per_transaction) <= BATCH
    store.close()


def checkpointed_size(store: Store) -> int:
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    return store.path.stat().st_size


def test_free_pages_go_back_to_the_disk_when_the_database_is_set_up_for_it(
    tmp_path: Path,
) -> None:
    sizes: dict[str, tuple[int, int, int]] = {}
    for mode in ("NONE", "INCREMENTAL"):
        path = tmp_path / f"{mode}.sqlite"
        Store(path).close()
        with closing(sqlite3.connect(path)) as db:  # the README's one-off command
            db.executescript(f"PRAGMA auto_vacuum = {mode}; VACUUM;")
        store = Store(path)
        store.put_parsed({number.to_bytes(20, "big"): b"x" * 2000 for number in range(1000)})
        full = checkpointed_size(store)
        report = prune(store, NOW, retention_days=400, history_days=730, keep_parsed=())
        sizes[mode] = (full, checkpointed_size(store), report.pages_freed)
        store.close()
    full, after, freed = sizes["INCREMENTAL"]
    assert freed > 400
    assert after < full / 4
    full, after, freed = sizes["NONE"]
    assert freed == 0
    assert after == full


def test_prune_logs_one_line_with_the_counts(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = Store(tmp_path / "watercooler.sqlite")
    seen(store, [NOW.date() - timedelta(days=800)], [])
    with caplog.at_level(logging.INFO, logger="watercooler"):
        prune(store, NOW, retention_days=400, history_days=730, keep_parsed=[])
    lines = [r.getMessage() for r in caplog.records if r.name == "watercooler.retention"]
    assert len(lines) == 1
    assert "0 unused parsed objects" in lines[0]
    assert "1 lunch days" in lines[0]
    store.close()


def test_retention_and_history_shorter_than_30_days_are_refused(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("retention_days = 29\nhistory_days = 7\n", encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_settings(config)
    assert "retention_days" in str(error.value)
    assert "history_days" in str(error.value)
    config.write_text("retention_days = 30\nhistory_days = 30\n", encoding="utf-8")
    assert load_settings(config).retention_days == 30
    assert load_settings(None).history_days == 730
    store = Store(tmp_path / "watercooler.sqlite")
    with pytest.raises(ValueError, match="at least 30 days"):
        prune_now(store, retention_days=7)
    store.close()


# -- a year of daily polling ------------------------------------------------------------

EVENTS = 10
CHANGED_PER_DAY = 1
DAYS_KEPT = 30


@dataclass
class Year:
    """What the daily polls left: parse-cache entries each day, the file's size after day
    60 and the last day, and the bytes the ledger's tables take at the end."""

    entries: list[int]
    sizes: dict[int, int]
    history_bytes: int


def history_bytes(store: Store) -> int:
    """Bytes on disk (whole pages) of the ledger's tables and their indexes."""
    tables = ("lunch_days", "social_seen", "nudges", "deliveries")
    marks = ", ".join("?" for _ in tables)
    row = store.db.execute(
        f"SELECT sum(pgsize) FROM dbstat WHERE name IN ({marks}) "  # noqa: S608
        f"OR name IN (SELECT name FROM sqlite_master WHERE tbl_name IN ({marks}))",
        tables * 2,
    ).fetchone()
    return int(row[0])


def poll_daily(tmp_path: Path, days: int, kept: int = DAYS_KEPT) -> Year:
    """Poll a vdir whose events change every day, the way the daemon does: read, record
    what was seen, plan, send or expire a nudge, then prune with the last read's keys."""
    store = Store(tmp_path / "watercooler.sqlite")
    # Durability is not under test: without a sync per commit the year takes seconds.
    store.db.execute("PRAGMA synchronous = OFF")
    ledger, config, vdir = Ledger(store), settings(), tmp_path / "vdir"
    versions = dict.fromkeys(range(EVENTS), 0)
    year = Year([], {}, 0)
    for day in range(days):
        now = NOW + timedelta(days=day)
        period = EVENTS // CHANGED_PER_DAY
        changed = {n: day for n in range(EVENTS) if n % period == day % period}
        versions.update(changed)
        write_events(vdir, versions if day == 0 else changed, now.date())
        used: set[bytes] = set()
        seen_window = window(now)
        occurrences = read_timeline([VdirSource(vdir)], seen_window, store=store, used=used)
        dates = [now.date() + timedelta(days=n) for n in range(-1, 2)]
        record_history(
            store, snapshot(classify(occurrences, dates, config), occurrences, config), now
        )
        ledger.plan([nudge(f"lunch/{now:%F}", now), nudge(f"social/{now:%F}", now)], now)
        send(ledger, [f"lunch/{now:%F}"], f"lunch/{now:%F}", now)
        ledger.mark(f"social/{now:%F}", "expired", "its useful time passed", now)
        prune(store, now, retention_days=kept, history_days=kept, keep_parsed=used)
        year.entries.append(store.db.execute("SELECT count(*) FROM parse_cache").fetchone()[0])
        if day + 1 in (60, days):
            year.sizes[day + 1] = checkpointed_size(store)
    year.history_bytes = history_bytes(store)
    store.close()
    return year


def test_a_year_of_daily_polls_keeps_the_parse_cache_and_the_database_bounded(
    tmp_path: Path,
) -> None:
    year = poll_daily(tmp_path, 365)
    assert max(year.entries) <= 2 * EVENTS
    assert year.entries[-1] == EVENTS
    # Without pruning, each day adds a cache entry, 2 nudges, a delivery and its history.
    assert year.sizes[365] <= year.sizes[60] * 1.15
    # The ledger holds 30 days (and the day ahead) at about 1.3 KB a day (see README).
    assert year.history_bytes <= (DAYS_KEPT + 10) * 1536
