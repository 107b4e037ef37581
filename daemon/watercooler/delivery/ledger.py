"""The delivery ledger: what was seen, every nudge planned and what became of it.

Every write is its own committed transaction, in the order that makes a crash harmless:
a nudge is recorded ``pending`` before anything is sent, each service's delivery is
reserved before the send and confirmed the moment it succeeds, and ``sent`` comes last.
A ``kill -9`` between a send and its record repeats that one send; nothing is ever
forgotten. A full disk cannot split a send from its record: the confirmation rewrites the
reserved row in place, into log space made before the send (:meth:`Store.make_room`).
Times are stored as UTC ISO 8601 text, which sorts like the instants it names.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from watercooler.rulebook.nudge import Nudge
from watercooler.store import Store
from watercooler.text import printable
from watercooler.timebox import stamp, unstamp

State = Literal["pending", "sent", "failed", "expired", "dropped"]
STATES: tuple[State, ...] = ("pending", "sent", "failed", "expired", "dropped")
OPEN_STATES: tuple[State, ...] = ("pending", "failed")
REASON_LIMIT = 300
SNOOZE = "snooze"
PAUSE = "pause"
RULE_HOLD = "rule:"

_COLUMNS = (
    "key, rule, tip, due, expires, title, body, tags, quiet_hours, state, reason, attempts, "
    "next_attempt, message, sent_at, verdict, attach"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Planned(Nudge):
    """A nudge as the ledger holds it: the nudge, and what has become of it so far."""

    state: State
    reason: str
    attempts: int
    next_attempt: datetime | None
    message: str | None
    sent_at: datetime | None
    verdict: str | None

    @classmethod
    def from_row(cls, row: tuple[object, ...]) -> Planned:
        (key, rule, tip, due, expires, title, body, tags, quiet, state, reason, attempts,
         next_attempt, message, sent_at, verdict, attach) = row  # fmt: skip
        return cls(
            key=str(key),
            rule=str(rule),
            tip=int(str(tip)),
            due=unstamp(str(due)),
            expires=unstamp(str(expires)),
            title=str(title),
            body=str(body),
            tags=tuple(t for t in str(tags).split(",") if t),
            quiet_hours=str(quiet),
            state=str(state),  # type: ignore[arg-type]
            reason=str(reason),
            attempts=int(str(attempts)),
            next_attempt=unstamp(str(next_attempt)) if next_attempt else None,
            message=str(message) if message else None,
            sent_at=unstamp(str(sent_at)) if sent_at else None,
            verdict=str(verdict) if verdict else None,
            attach=str(attach) if attach else None,
        )


@dataclass(frozen=True, slots=True)
class Hold:
    """A snooze, a pause, or a rule's back-off: from ``since`` until ``until``."""

    name: str
    since: datetime
    until: datetime


class Ledger:
    """Reads and writes the delivery tables of the one store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.db = store.db

    # -- what was seen -----------------------------------------------------------------

    def has_run(self) -> bool:
        """Whether a tick ever recorded anything here (every tick records its days)."""
        row = self.db.execute(
            "SELECT EXISTS (SELECT 1 FROM lunch_days) OR EXISTS (SELECT 1 FROM nudges)"
        ).fetchone()
        return bool(row[0])

    def lunch_outcomes(self) -> dict[str, str]:
        """Every remembered day's lunch outcome, by ISO date."""
        return dict(self.db.execute("SELECT day, outcome FROM lunch_days ORDER BY day"))

    def social_statuses(self) -> dict[str, str]:
        """Every remembered social occurrence's last status, by subject."""
        return dict(self.db.execute("SELECT subject, status FROM social_seen ORDER BY start"))

    # -- planning ----------------------------------------------------------------------

    def plan(self, nudges: Iterable[Nudge], now: datetime) -> int:
        """Record nudges not seen before as ``pending``; refresh the text and times of those
        still pending (the event may have moved). Return how many were new."""
        when = stamp(now)
        rows = [
            (n.key, n.rule, n.tip, stamp(n.due), stamp(n.expires), n.title, n.body,
             ",".join(n.tags), n.quiet_hours, n.attach, when, when)
            for n in nudges
        ]  # fmt: skip
        before = self.count()
        with self.store.transaction() as db:
            db.executemany(
                "INSERT INTO nudges (key, rule, tip, due, expires, title, body, tags, "
                "quiet_hours, attach, state, created, updated) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET due = excluded.due, expires = excluded.expires, "
                "title = excluded.title, body = excluded.body, tags = excluded.tags, "
                "quiet_hours = excluded.quiet_hours, attach = excluded.attach, "
                "updated = excluded.updated "
                "WHERE nudges.state = 'pending' AND nudges.attempts = 0",
                rows,
            )
        return self.count() - before

    def add_notice(self, planned: Nudge, now: datetime) -> bool:
        """Record a one-off notice; return False when it was recorded before."""
        when = stamp(now)
        with self.store.transaction() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO nudges (key, rule, tip, due, expires, title, body, tags, "
                "quiet_hours, attach, state, created, updated) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
                (planned.key, planned.rule, planned.tip, stamp(planned.due),
                 stamp(planned.expires), planned.title, planned.body, ",".join(planned.tags),
                 planned.quiet_hours, planned.attach, when, when),
            )  # fmt: skip
        return cursor.rowcount == 1

    def settle(
        self, situations: dict[str, bool], covered: tuple[datetime, datetime], now: datetime
    ) -> list[Planned]:
        """Compare planned and sent nudges with the situation as seen now.

        An open nudge that reached no service yet is dropped when its situation went away
        or its subject left the calendar (its due time is in the ``covered`` span but no
        rule looked at it); those are returned. A sent nudge gets its verdict:
        ``changed`` when its situation went away, ``unchanged`` when it is still there.
        """
        start, end = covered
        rules_on = {key.partition("/")[0] for key in situations}
        gone: list[tuple[Planned, str]] = []
        for planned in self.in_states(*OPEN_STATES):
            if planned.message is not None and self.delivered_to(planned.message):
                continue
            fires = situations.get(planned.key)
            if fires is False:
                gone.append((planned, "the situation changed before it was sent"))
            elif fires is None and start <= planned.due < end and planned.tip > 0:
                gone.append(
                    (planned, "its event is no longer in the calendar")
                    if planned.rule in rules_on
                    else (planned, "its rule is switched off or gives nothing now")
                )
        when = stamp(now)
        with self.store.transaction() as db:
            for planned, reason in gone:
                db.execute(
                    "UPDATE nudges SET state = 'dropped', reason = ?, updated = ? WHERE key = ?",
                    (reason, when, planned.key),
                )
            for verdict, fires in (("unchanged", True), ("changed", False)):
                keys = [k for k, f in situations.items() if f is fires]
                db.executemany(
                    "UPDATE nudges SET verdict = ? WHERE key = ? AND state = 'sent'",
                    [(verdict, key) for key in keys],
                )
        return [planned for planned, _ in gone]

    # -- reading -----------------------------------------------------------------------

    def count(self) -> int:
        """How many nudges the ledger holds."""
        return int(self.db.execute("SELECT count(*) FROM nudges").fetchone()[0])

    def get(self, key: str) -> Planned | None:
        """One nudge by key."""
        row = self.db.execute(f"SELECT {_COLUMNS} FROM nudges WHERE key = ?", (key,)).fetchone()  # noqa: S608
        return None if row is None else Planned.from_row(row)

    def in_states(self, *states: State) -> list[Planned]:
        """Nudges in any of the states, by due time."""
        marks = ", ".join("?" for _ in states)
        rows = self.db.execute(
            f"SELECT {_COLUMNS} FROM nudges WHERE state IN ({marks}) ORDER BY due, key",  # noqa: S608
            states,
        )
        return [Planned.from_row(row) for row in rows]

    def actionable(self, now: datetime) -> list[Planned]:
        """Open nudges that are due and not waiting for a retry or the end of a hold."""
        when = stamp(now)
        rows = self.db.execute(
            f"SELECT {_COLUMNS} FROM nudges WHERE state IN ('pending', 'failed') "  # noqa: S608
            "AND due <= ? AND (next_attempt IS NULL OR next_attempt <= ?) ORDER BY due, key",
            (when, when),
        )
        return [Planned.from_row(row) for row in rows]

    def recent(self, limit: int = 10) -> list[Planned]:
        """The nudges most recently due up to now, newest first."""
        rows = self.db.execute(
            f"SELECT {_COLUMNS} FROM nudges WHERE state NOT IN ('pending', 'failed') "  # noqa: S608
            "ORDER BY due DESC, key LIMIT ?",
            (limit,),
        )
        return [Planned.from_row(row) for row in rows]

    def counts(self) -> Counter[str]:
        """How many nudges are in each state."""
        rows = self.db.execute("SELECT state, count(*) FROM nudges GROUP BY state")
        return Counter({str(state): int(count) for state, count in rows})

    def messages_sent_between(self, start: datetime, end: datetime) -> int:
        """Messages (a digest is one) sent in ``[start, end)``; notices are not counted."""
        row = self.db.execute(
            "SELECT count(DISTINCT message) FROM nudges WHERE state = 'sent' "
            "AND sent_at >= ? AND sent_at < ? AND tip > 0",
            (stamp(start), stamp(end)),
        ).fetchone()
        return int(row[0])

    def last_concluded(
        self, rule: str, after: datetime | None, now: datetime, limit: int
    ) -> list[Planned]:
        """A rule's most recently sent nudges whose useful time is over by ``now`` (so the
        user had every chance to act on them), sent at or after ``after``; newest first."""
        rows = self.db.execute(
            f"SELECT {_COLUMNS} FROM nudges WHERE rule = ? AND state = 'sent' "  # noqa: S608
            "AND sent_at >= ? AND expires <= ? ORDER BY sent_at DESC, key LIMIT ?",
            (rule, stamp(after) if after else "", stamp(now), limit),
        )
        return [Planned.from_row(row) for row in rows]

    # -- writing states ----------------------------------------------------------------

    def mark(
        self,
        key: str,
        state: State,
        reason: str,
        now: datetime,
        *,
        next_attempt: datetime | None = None,
    ) -> None:
        """Set a nudge's state and reason (and when to look at it again)."""
        with self.store.transaction() as db:
            db.execute(
                "UPDATE nudges SET state = ?, reason = ?, next_attempt = ?, updated = ?, "
                "sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END WHERE key = ?",
                (state, printable(reason, REASON_LIMIT),
                 stamp(next_attempt) if next_attempt else None, stamp(now), state, stamp(now),
                 key),
            )  # fmt: skip

    def begin_attempt(
        self, keys: list[str], message: str, services: list[str], now: datetime
    ) -> None:
        """Before anything is sent: count an attempt, tie the nudges to their message, and
        reserve each service's delivery row (unconfirmed: a crash before the confirmation
        sends it again), so the record after a send only changes a row in place."""
        when = stamp(now)
        with self.store.transaction() as db:
            db.executemany(
                "UPDATE nudges SET attempts = attempts + 1, message = ?, updated = ? WHERE key = ?",
                [(message, when, key) for key in keys],
            )
            db.executemany(
                "INSERT OR IGNORE INTO deliveries (message, service, sent_at, confirmed) "
                "VALUES (?, ?, ?, 0)",
                [(message, service, when) for service in services],
            )

    def delivered(self, message: str, service: str, now: datetime) -> None:
        """Record, at once, that a service has the message (confirming its reservation)."""
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO deliveries (message, service, sent_at, confirmed) "
                "VALUES (?, ?, ?, 1) ON CONFLICT (message, service) DO UPDATE SET "
                "sent_at = excluded.sent_at, confirmed = 1",
                (message, service, stamp(now)),
            )

    def delivered_to(self, message: str) -> set[str]:
        """The services that already have a message (confirmed, not only reserved)."""
        rows = self.db.execute(
            "SELECT service FROM deliveries WHERE message = ? AND confirmed = 1", (message,)
        )
        return {str(row[0]) for row in rows}

    # -- holds: snooze, pause and rule back-off -----------------------------------------

    def hold(self, name: str) -> Hold | None:
        """A hold by name, whether or not it is still in force."""
        row = self.db.execute(
            "SELECT name, since, until FROM holds WHERE name = ?", (name,)
        ).fetchone()
        return None if row is None else Hold(str(row[0]), unstamp(row[1]), unstamp(row[2]))

    def active_hold(self, name: str, now: datetime) -> Hold | None:
        """A hold that is in force at ``now``."""
        found = self.hold(name)
        return found if found is not None and found.since <= now < found.until else None

    def holds(self) -> list[Hold]:
        """Every hold, by name."""
        rows = self.db.execute("SELECT name, since, until FROM holds ORDER BY name")
        return [Hold(str(n), unstamp(s), unstamp(u)) for n, s, u in rows]

    def set_hold(self, name: str, since: datetime, until: datetime) -> None:
        """Start (or replace) a hold."""
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO holds (name, since, until) VALUES (?, ?, ?) ON CONFLICT(name) "
                "DO UPDATE SET since = excluded.since, until = excluded.until",
                (name, stamp(since), stamp(until)),
            )

    def end_hold(self, name: str, now: datetime) -> bool:
        """End a hold now; return whether one was in force. Its record stays, so a rule's
        back-off only counts nudges sent after it."""
        found = self.active_hold(name, now)
        if found is None:
            return False
        self.set_hold(name, found.since, now)
        return True
