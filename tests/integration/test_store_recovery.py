"""A damaged state database is moved aside and a fresh one started; nothing is sent twice.

Real damaged files: random bytes where the database was, and a real ledger with one of its
pages zeroed. Every command still runs; the warning names where the damaged file went.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from conftest import RunCli
from delivery_helpers import declined_coffee, delivery_config, only_rules, social_rule
from receiver import Receiver
from watercooler.store import Store, StoreError

PAGE = 4096


@pytest.fixture
def config(tmp_path: Path, receiver: Receiver) -> Path:
    rules = only_rules(tmp_path / "rules", social_rule(expires="3h"))
    return delivery_config(tmp_path, [receiver.url()], rules_dir=rules)


def database(tmp_path: Path) -> Path:
    return tmp_path / "state" / "watercooler.sqlite"


def moved_aside(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "state").glob("watercooler.sqlite.corrupt-*[0-9Z]"))


def zero_a_page(path: Path, page: int) -> None:
    with path.open("r+b") as file:
        file.seek(page * PAGE)
        file.write(b"\0" * PAGE)


def test_random_bytes_are_moved_aside_and_check_still_reads(
    run_cli: RunCli, tmp_path: Path, config: Path
) -> None:
    ics = declined_coffee(tmp_path / "cal.ics")
    path = database(tmp_path)
    path.parent.mkdir(parents=True)
    damaged = os.urandom(3 * PAGE)
    path.write_bytes(damaged)
    args = ("check", "--config", str(config), "--source", str(ics), "--now", "2026-03-04T09:00")
    result = run_cli(*args, "--format", "json")
    assert result.returncode == 0, result.stderr
    assert '"status": "declined"' in result.stdout
    [aside] = moved_aside(tmp_path)
    assert aside.read_bytes() == damaged  # nothing of it is lost
    warnings = [line for line in result.stderr.splitlines() if "damaged" in line]
    assert len(warnings) == 1, result.stderr
    assert aside.name in warnings[0]
    again = run_cli(*args)
    assert again.returncode == 0, again.stderr
    assert "damaged" not in again.stderr  # warned once: the fresh database is sound
    assert len(moved_aside(tmp_path)) == 1


def test_a_zeroed_page_in_the_ledger_sends_nothing_a_second_time(
    run_cli: RunCli, tmp_path: Path, config: Path, receiver: Receiver
) -> None:
    ics = declined_coffee(tmp_path / "cal.ics")
    args = ("send-due", "--config", str(config), "--source", str(ics))
    first = run_cli(*args, "--now", "2026-03-04T14:50:00+01:00")
    assert first.returncode == 0, first.stderr
    assert receiver.titles() == ["Drop by Coffee with Sam"]
    path = database(tmp_path)
    with sqlite3.connect(path) as db:  # the WAL into the file, as after a clean close
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    pages = path.stat().st_size // PAGE
    assert pages > 3
    zero_a_page(path, pages - 1)
    later = run_cli(*args, "--now", "2026-03-04T14:55:00+01:00")
    assert later.returncode == 0, later.stderr
    assert "damaged" in later.stderr
    assert "dropped" in later.stdout
    assert "due before the state database was recovered" in later.stdout
    assert receiver.titles() == ["Drop by Coffee with Sam"]  # not sent again
    status = run_cli("status", "--config", str(config), "--now", "2026-03-04T15:00:00+01:00")
    assert status.returncode == 0, status.stderr
    assert "damaged" not in status.stderr


def test_a_locked_or_unreadable_database_is_an_error_not_a_recovery(tmp_path: Path) -> None:
    """Only damage moves a file aside: a database that cannot be opened for another reason
    (here a folder where the file should be) is an error, and nothing is moved."""
    path = database(tmp_path)
    path.mkdir(parents=True)
    with pytest.raises(StoreError, match="cannot open the state database"):
        Store(path)
    assert path.is_dir()
    assert moved_aside(tmp_path) == []
