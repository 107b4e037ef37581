"""A workload for the daemon's robustness tests: a CalDAV calendar of declined socials,
a config that reads it, the test clock the daemon reads, and the ledger as it is on disk.

The clock is :class:`ShiftClock`: the file ``watercooler run --clock-shift-file`` reads
at every clock read holds the seconds between the real clock and the test's, so every
start of the daemon continues the same simulated time, and :meth:`ShiftClock.jump` moves
it as a suspended laptop's clock moves.
"""

from __future__ import annotations

import os
import sqlite3
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

from caldav_servers import put_event
from conftest import DAV_PASSWORD, DAV_USER
from delivery_helpers import delivery_config, only_rules, social_rule
from helpers import ME, calendar, event

ZONE_NOW = "2026-03-04T14:40:00+01:00"
"""The simulated moment each test starts at (a Wednesday afternoon in Berlin)."""
SOCIAL_LEAD = timedelta(minutes=15)
"""The social rule is due this long before the event starts."""


class ShiftClock:
    """The test's clock: the real one moved by the seconds in a file the daemon reads."""

    def __init__(self, path: Path, start: datetime) -> None:
        self.path = path
        self.shift = (start - datetime.now(tz=start.tzinfo)).total_seconds()
        self.tz = start.tzinfo
        self._write()

    def now(self) -> datetime:
        """What the daemon's clock reads now."""
        return datetime.now(tz=self.tz) + timedelta(seconds=self.shift)

    def jump(self, seconds: float) -> None:
        """Move the clock (the file is replaced whole: a half-written file reads as 0)."""
        self.shift += seconds
        self._write()

    def _write(self) -> None:
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(f"{self.shift:.6f}\n", encoding="utf-8")
        os.replace(temporary, self.path)

    def argument(self) -> tuple[str, str]:
        """The daemon's command-line option for it."""
        return ("--clock-shift-file", str(self.path))


def declined_social(summary: str, start: datetime, uid: str) -> str:
    """A calendar with one 30-minute social I declined, starting at ``start``."""
    local = start.replace(microsecond=0)
    return calendar(
        event(
            summary,
            f"{local:%Y%m%dT%H%M%S}",
            f"{local + timedelta(minutes=30):%Y%m%dT%H%M%S}",
            uid=uid,
            attendees=[(ME, "DECLINED"), ("sam@example.com", "ACCEPTED")],
        )
    )


def put_social(collection: str, auth: object, summary: str, due: datetime) -> str:
    """Put a declined social whose nudge falls due at ``due``; return the nudge's title."""
    uid = summary.lower().replace(" ", "-")
    put_event(collection, f"{uid}.ics", declined_social(summary, due + SOCIAL_LEAD, uid), auth)  # type: ignore[arg-type]
    return f"Drop by {summary}"


def daemon_config(
    tmp_path: Path, calendar_url: str, hook: str, *, expires: str = "3d", poll: int = 5
) -> Path:
    """A config reading one CalDAV calendar as the fixture's user, polling every ``poll``
    seconds, with the one social rule (due 15 min before, expiring after ``expires``)."""
    rules = only_rules(tmp_path / "rules", social_rule("missed", expires=expires))
    config = delivery_config(
        tmp_path, [hook], rules_dir=rules, daily_cap=100, extra_top=f"poll_interval = {poll}"
    )
    source = (
        f'[[sources]]\nurl = "{calendar_url}"\nusername = "{DAV_USER}"\n'
        f'password = "{DAV_PASSWORD}"\ntimeout = 10\n'
    )
    config.write_text(config.read_text(encoding="utf-8") + source, encoding="utf-8")
    return config


def database(tmp_path: Path) -> Path:
    """The state database :func:`daemon_config` points at."""
    return tmp_path / "state" / "watercooler.sqlite"


def _has_ledger(path: Path) -> bool:
    """Whether the database exists and has its tables (a kill can come before either)."""
    if not path.exists():
        return False
    with sqlite3.connect(path) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    return {"nudges", "deliveries"} <= tables


def nudge_states(path: Path) -> dict[str, str]:
    """Each nudge's title and state, as the ledger on disk has them."""
    if not _has_ledger(path):
        return {}
    with sqlite3.connect(path) as db:
        return dict(db.execute("SELECT title, state FROM nudges").fetchall())


def in_flight(path: Path) -> list[str]:
    """The titles of the nudges whose delivery was reserved and never confirmed: the
    send in flight when the process died."""
    if not _has_ledger(path):
        return []
    with sqlite3.connect(path) as db:
        rows = db.execute(
            "SELECT nudges.title FROM deliveries JOIN nudges ON nudges.message = "
            "deliveries.message WHERE deliveries.confirmed = 0"
        ).fetchall()
    return sorted(str(row[0]) for row in rows)


def integrity(path: Path) -> str:
    """SQLite's verdict on the file ("ok" before it exists)."""
    if not path.exists():
        return "ok"
    with sqlite3.connect(path) as db:
        return "; ".join(str(row[0]) for row in db.execute("PRAGMA integrity_check"))


def duplicates(titles: list[str]) -> Counter[str]:
    """The titles received more than once, with how many copies beyond the first."""
    return Counter({t: n - 1 for t, n in Counter(titles).items() if n > 1})
