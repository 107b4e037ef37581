"""Nudge keys that do not move: one format, the same from a fresh parse and the cache, and
an upgrade that rewrites the old keys in place so nothing is sent a second time.

Through the real console script, a real ``.ics`` file, a real SQLite ledger and Apprise's
``json://`` service posting to the receiver on 127.0.0.1.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from conftest import RunCli
from delivery_helpers import delivery_config, only_rules, social_rule
from helpers import ME, calendar, event
from receiver import Receiver

GUESTS = [(ME, "DECLINED"), ("sam@example.com", "ACCEPTED")]


def _send(run_cli: RunCli, config: Path, ics: Path, now: str) -> dict[str, object]:
    done = run_cli(
        "send-due", "--config", str(config), "--source", str(ics), "--now", now,
        "--format", "json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    document: dict[str, object] = json.loads(done.stdout)
    return document


def _keys(state: Path) -> list[tuple[str, str, str | None]]:
    with sqlite3.connect(state / "watercooler.sqlite") as db:
        rows = db.execute("SELECT key, state, message FROM nudges ORDER BY key").fetchall()
    return [(str(k), str(s), None if m is None else str(m)) for k, s, m in rows]


def test_an_event_in_the_spring_forward_gap_is_placed_and_keyed_alike_from_the_cache(
    tmp_path: Path, run_cli: RunCli, receiver: Receiver
) -> None:
    # 02:30 on 29 March 2026 does not exist in Berlin: RFC 5545 reads it with the offset
    # before the gap, 01:30 UTC, which the wall clock shows as 03:30 CEST.
    ics = tmp_path / "work.ics"
    ics.write_text(
        calendar(
            event("Night coffee", "20260329T023000", "20260329T033000", uid="gap", attendees=GUESTS)
        ),
        encoding="utf-8",
    )
    # a Sunday: the rule says it is wanted on a day off too
    rule = social_rule(offset="-15m", expires="3h", extra="    days_off: send\n")
    rules = only_rules(tmp_path / "rules", rule)
    config = delivery_config(tmp_path, [receiver.url()], rules_dir=rules)
    checks = []
    for _ in range(2):  # the first parses the file, the second reads the parse cache
        done = run_cli(
            "check", "--config", str(config), "--source", str(ics),
            "--now", "2026-03-29T00:00+01:00", "--days-ahead", "1", "--format", "json",
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        checks.append(json.loads(done.stdout))
    fresh, cached = checks
    assert fresh == cached
    [nudge] = fresh["nudges"]
    assert nudge["key"] == "missed/gap@20260329T013000Z"
    assert nudge["due"] == "2026-03-29T03:15:00+02:00"
    # Two ticks, the first from a fresh parse of a changed file, the second from its cache.
    for now in ("2026-03-29T03:16+02:00", "2026-03-29T03:20+02:00"):
        _send(run_cli, config, ics, now)
    assert receiver.titles() == ["Drop by Night coffee"]
    ledger = [(key, state) for key, state, _ in _keys(tmp_path / "state")]
    assert ledger == [("missed/gap@20260329T013000Z", "sent")]


def _downgrade_to_schema_5(state: Path) -> None:
    """Rewrite the ledger as schema 5's code wrote it: single events named by their local
    start to the minute with its offset (``uid@2026-03-04T15:00+01:00``), in the key, the
    message, the deliveries and the social statuses."""
    old = {
        "missed/coffee@20260304T140000Z": "missed/coffee@2026-03-04T15:00+01:00",
        "done/launch@20260304": "done/launch@2026-03-04T00:00+01:00",
    }
    with sqlite3.connect(state / "watercooler.sqlite") as db:
        for new, was in old.items():
            db.execute("UPDATE nudges SET key = ?, message = ? WHERE key = ?", (was, was, new))
            db.execute("UPDATE deliveries SET message = ? WHERE message = ?", (was, new))
        db.execute(
            "UPDATE social_seen SET subject = 'coffee@2026-03-04T15:00+01:00' "
            "WHERE subject = 'coffee@20260304T140000Z'"
        )
        db.execute("ALTER TABLE deliveries DROP COLUMN confirmed")  # schema 7's
        db.execute("DROP TABLE IF EXISTS caldav_sources")  # schema 8's
        db.execute("DROP TABLE IF EXISTS daemon_status")  # schema 9's
        for table in ("contacts", "journal_notes", "journal_dismissed", "forgotten_people"):
            db.execute(f"DROP TABLE IF EXISTS {table}")  # schema 10's
        db.execute("DROP INDEX IF EXISTS social_seen_by_day")
        for table, column in (("lunch_days", "evidence"), ("social_seen", "day"),
                              ("social_seen", "evidence")):  # fmt: skip
            db.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        db.execute("ALTER TABLE nudges DROP COLUMN attach")  # the report attachment's
        db.execute("PRAGMA user_version = 5")


def test_an_upgrade_rewrites_the_old_keys_and_sends_nothing_again(
    tmp_path: Path, run_cli: RunCli, receiver: Receiver
) -> None:
    ics = tmp_path / "work.ics"
    ics.write_text(
        calendar(
            event(
                "Coffee with Sam",
                "20260304T150000",
                "20260304T153000",
                uid="coffee",
                attendees=GUESTS,
            ),
            event("Launch day", "20260304", "20260305", uid="launch"),
        ),
        encoding="utf-8",
    )
    words = (
        "  - id: done\n    tip: 4\n    trigger: {kind: words, words: [launch]}\n"
        "    due: {offset: 10h, after: start}\n    expires_after: 1d\n"
        "    message: {title: '{summary} is done', body: Celebrate.}\n"
    )
    rules = only_rules(tmp_path / "rules", social_rule(offset="-15m", expires="3h"), words)
    config = delivery_config(tmp_path, [receiver.url()], rules_dir=rules)
    _send(run_cli, config, ics, "2026-03-04T14:50+01:00")
    assert sorted(receiver.titles()) == ["Drop by Coffee with Sam", "Launch day is done"]
    state = tmp_path / "state"
    new_keys = _keys(state)
    assert [key for key, _, _ in new_keys] == [
        "done/launch@20260304",
        "missed/coffee@20260304T140000Z",
    ]
    _downgrade_to_schema_5(state)
    assert "missed/coffee@2026-03-04T15:00+01:00" in [key for key, _, _ in _keys(state)]

    report = _send(run_cli, config, ics, "2026-03-04T14:55+01:00")

    assert report["outcomes"] == []
    assert report["planned"] == 0
    assert len(receiver.messages) == 2
    assert _keys(state) == new_keys
    with sqlite3.connect(state / "watercooler.sqlite") as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] >= 6
        subjects = [row[0] for row in db.execute("SELECT subject FROM social_seen")]
        messages = sorted(row[0] for row in db.execute("SELECT message FROM deliveries"))
    assert subjects == ["coffee@20260304T140000Z"]
    assert messages == ["done/launch@20260304", "missed/coffee@20260304T140000Z"]
