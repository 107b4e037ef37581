"""The daemon's engine in-process: it works only when something changed or fell due.

Real files, a real store in ``tmp_path``, the shipped rules replaced by one social rule,
and a notifier that posts to a real receiver. The clock is whatever each step is handed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from delivery_helpers import delivery_config, only_rules, social_rule
from helpers import calendar, event
from receiver import Receiver
from watercooler.calendar import reading
from watercooler.redaction import Redactor
from watercooler.service.config import load_config
from watercooler.service.engine import Engine
from watercooler.service.instance import AlreadyRunningError, InstanceLock, running_daemon
from watercooler.service.record import DaemonRecord, read_record, write_record
from watercooler.store import Store

BERLIN = "+01:00"
START = datetime.fromisoformat(f"2026-03-04T09:00:00{BERLIN}")
ME = "ana@example.com"


def declined(summary: str, start: str, uid: str) -> str:
    return event(summary, start, uid=uid, attendees=[(ME, "DECLINED"), ("sam@example.com", "")])


@pytest.fixture
def vdir(tmp_path: Path) -> Path:
    """A folder of 30 events, one a coffee I declined at 15:00 on Wed 4 March."""
    folder = tmp_path / "work"
    folder.mkdir()
    for number in range(29):
        day = 2 + number % 10
        (folder / f"meeting-{number}.ics").write_text(
            calendar(event(f"Meeting {number}", f"202603{day:02d}T100000", uid=f"m{number}@t"))
        )
    (folder / "coffee.ics").write_text(calendar(declined("Coffee", "20260304T150000", "c@t")))
    return folder


@pytest.fixture
def engine(tmp_path: Path, vdir: Path, receiver: Receiver) -> Iterator[Engine]:
    rules = only_rules(tmp_path / "rules", social_rule("missed"))
    config_path = delivery_config(
        tmp_path, [f"json://127.0.0.1:{receiver.port}/"], rules_dir=rules,
        extra_top=f'[[sources]]\nurl = "{vdir}"\n',
    )  # fmt: skip
    config = load_config(config_path, Redactor())
    store = Store.in_state_dir(tmp_path / "state")
    clock = lambda: START  # noqa: E731 - the sources' backoff clock, unused by files
    yield Engine(config=config, store=store, clock=clock, started=START)
    store.close()


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every object the real parser is asked to parse (a counting wrapper, not a mock)."""
    seen: list[str] = []
    real = reading.Parser.parse

    def counting(self: reading.Parser, data: bytes, origin: str, *rest: Any) -> Any:
        seen.append(origin)
        return real(self, data, origin, *rest)

    monkeypatch.setattr(reading.Parser, "parse", counting)
    return seen


def test_a_poll_where_nothing_changed_parses_and_evaluates_nothing(
    engine: Engine, parses: list[str], vdir: Path
) -> None:
    first = engine.step(START)
    assert (first.polled, first.changed, first.evaluated) == (True, True, True)
    assert len(parses) == 30
    parses.clear()
    later = START + timedelta(minutes=6)
    quiet = engine.step(later)
    assert (quiet.polled, quiet.changed, quiet.evaluated) == (True, False, False)
    assert parses == []
    # One event changes: the next poll parses that one object, not the calendar.
    (vdir / "meeting-3.ics").write_text(calendar(event("Moved", "20260305T110000", uid="m3@t")))
    changed = engine.step(later + timedelta(minutes=6))
    assert (changed.changed, changed.evaluated) == (True, True)
    assert len(parses) == 1
    assert parses[0].endswith("meeting-3.ics")


def test_the_engine_sleeps_until_the_next_nudge_then_sends_it_once(
    engine: Engine, receiver: Receiver
) -> None:
    engine.step(START)
    due = datetime.fromisoformat(f"2026-03-04T14:45:00{BERLIN}")  # 15 min before 15:00
    assert engine.next_due == due
    assert engine.next_wake(START) == START + timedelta(minutes=5)  # the next poll first
    engine.next_poll = START + timedelta(days=1)
    assert engine.next_wake(START) == due
    assert engine.step(due - timedelta(seconds=1)).evaluated is False
    assert receiver.messages == []
    assert engine.step(due).evaluated is True
    assert [m.title for m in receiver.messages] == ["Drop by Coffee"]
    assert engine.step(due + timedelta(minutes=1)).evaluated is False
    assert len(receiver.messages) == 1


def test_the_day_rolling_over_is_a_reason_to_evaluate(engine: Engine) -> None:
    engine.step(START)
    engine.step(datetime.fromisoformat(f"2026-03-04T17:00:00{BERLIN}"))  # the coffee is past
    engine.next_poll = START + timedelta(days=3)
    midnight = datetime.fromisoformat(f"2026-03-05T00:00:00{BERLIN}")
    assert engine.next_wake(datetime.fromisoformat(f"2026-03-04T23:00:00{BERLIN}")) == midnight
    assert engine.step(midnight).evaluated is True


def test_one_daemon_per_state_folder_and_status_can_tell_it_runs(tmp_path: Path) -> None:
    state = tmp_path / "state"
    assert running_daemon(state) is None
    first = InstanceLock(state, "2026-03-04T09:00:00+01:00")
    holder = running_daemon(state)
    assert holder is not None
    assert (holder.pid, holder.since) == (os.getpid(), "2026-03-04T09:00:00+01:00")
    with pytest.raises(AlreadyRunningError, match=f"pid {os.getpid()}"):
        InstanceLock(state, "later")
    first.release()
    assert running_daemon(state) is None
    InstanceLock(state, "again").release()  # free again once released


def test_the_daemon_record_survives_a_round_trip_through_the_store(tmp_path: Path) -> None:
    with Store.in_state_dir(tmp_path) as store:
        assert read_record(store) is None
        record = DaemonRecord(started="s", last_poll="p", degraded=["rules/x.yaml:3: bad"])
        write_record(store, record)
        assert read_record(store) == record
        store.db.execute("UPDATE daemon_status SET value = 'not json' WHERE name = 'polls'")
        assert read_record(store) == record  # a damaged value is the default, not a crash
