"""The history in the store: each day's lunch, each social occurrence, the people met.

Written by every tick (the daemon's and ``send-due``'s alike) from what it classified, so
a timer running ``send-due`` builds the same history as the daemon. A complete read
replaces what it covered: an edit to a past event, a declined invitation, a deleted event
all change the record. A read that missed a calendar records nothing it saw; it marks the
days it could not see that have no record yet as ``unknown`` (never guessed), and a later
complete read fills them in. Times are stored as UTC ISO text, days as ISO dates.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from watercooler.calendar.records import Occurrence
from watercooler.classify.classifier import Classification, Classifier
from watercooler.progress.encounters import (
    Contact,
    contacts,
    lunch_evidence,
    occurrences_by_day,
    social_evidence,
)
from watercooler.rulebook.nudge import occurrence_subject
from watercooler.settings import Settings
from watercooler.store import Store
from watercooler.text import printable

UNKNOWN = "unknown"


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class DayRecord:
    """One local day's lunch as recorded."""

    day: date
    outcome: str
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SocialRecord:
    """One social occurrence's last status as recorded."""

    subject: str
    day: date
    start: datetime
    summary: str
    status: str
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class History:
    """The recorded days, social occurrences and contacts between two dates."""

    first: date
    last: date
    days: dict[date, DayRecord]
    socials: tuple[SocialRecord, ...]
    contacts: tuple[Contact, ...]

    def socials_on(self, first: date, last: date) -> list[SocialRecord]:
        """The social occurrences whose local day is between two dates."""
        return [s for s in self.socials if first <= s.day <= last]

    def contacts_on(self, first: date, last: date) -> list[Contact]:
        """The contacts whose local day is between two dates."""
        return [c for c in self.contacts if first <= c.day <= last]


def record_history(
    store: Store,
    classification: Classification,
    occurrences: Sequence[Occurrence],
    settings: Settings,
    now: datetime,
) -> None:
    """Replace the history of the classified days with what a complete read saw."""
    if not classification.days:
        return
    first = classification.days[0].date.isoformat()
    last = classification.days[-1].date.isoformat()
    days, socials = _rows(classification, occurrences, settings, _stamp(now))
    people = [
        (c.subject, c.address, c.name, c.day.isoformat(), _stamp(c.start), c.size, c.kind)
        for c in contacts(classification, settings)
    ]
    with store.transaction() as db:
        db.executemany(
            "INSERT INTO lunch_days (day, outcome, seen, evidence) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(day) DO UPDATE SET outcome = excluded.outcome, seen = excluded.seen, "
            "evidence = excluded.evidence",
            days,
        )
        db.execute("DELETE FROM social_seen WHERE day BETWEEN ? AND ?", (first, last))
        db.executemany(
            "INSERT OR REPLACE INTO social_seen "
            "(subject, start, summary, status, seen, day, evidence) VALUES (?, ?, ?, ?, ?, ?, ?)",
            socials,
        )
        db.execute("DELETE FROM contacts WHERE day BETWEEN ? AND ?", (first, last))
        db.executemany(
            "INSERT OR REPLACE INTO contacts (subject, address, name, day, start, size, kind) "
            "SELECT ?, ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM forgotten_people f "
            "WHERE f.address = ?2 AND f.until >= ?5)",
            people,
        )


def _rows(
    classification: Classification,
    occurrences: Sequence[Occurrence],
    settings: Settings,
    seen: str,
) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """The lunch-day rows and social rows to write, with their evidence."""
    keep_titles = not settings.notify.redact
    classifier = Classifier(settings)
    by_day = occurrences_by_day(occurrences)
    days: list[tuple[object, ...]] = [
        (d.date.isoformat(), str(d.lunch), seen,
         _evidence(lunch_evidence(d, by_day.get(d.date, ()), classifier), keep_titles))
        for d in classification.days
    ]  # fmt: skip
    socials: list[tuple[object, ...]] = []
    for item in classification.social:
        start = item.occurrence.start
        nearby = by_day.get(start.date(), ())
        summary = printable(item.occurrence.info.summary, 120) if keep_titles else ""
        socials.append(
            (occurrence_subject(item.occurrence), _stamp(start), summary, str(item.status),
             seen, start.date().isoformat(),
             _evidence(social_evidence(item, nearby, classifier), keep_titles))
        )  # fmt: skip
    return days, socials


def mark_unknown(store: Store, days: Iterable[date], now: datetime) -> None:
    """Days a read could not see (a calendar failed): ``unknown`` where nothing is recorded."""
    seen = _stamp(now)
    with store.transaction() as db:
        db.executemany(
            "INSERT OR IGNORE INTO lunch_days (day, outcome, seen) VALUES (?, ?, ?)",
            [(day.isoformat(), UNKNOWN, seen) for day in days],
        )


def history_start(store: Store, today: date, backfill_weeks: int, days_back: int) -> date:
    """The first day the next read should classify for the history: the backfill's start
    on a first run, else the first day after the last one known (an unknown day, or a gap
    while nothing ran, is read again), never further back than the backfill."""
    earliest = today - timedelta(weeks=backfill_weeks)
    usual = today - timedelta(days=days_back)
    row = store.db.execute(
        "SELECT (SELECT max(day) FROM lunch_days WHERE outcome != ?), "
        "(SELECT min(day) FROM lunch_days WHERE outcome = ? AND day >= ?)",
        (UNKNOWN, UNKNOWN, earliest.isoformat()),
    ).fetchone()
    known, unknown = row
    if known is None:
        return earliest
    wanted = date.fromisoformat(known) + timedelta(days=1)
    if unknown is not None:
        wanted = min(wanted, date.fromisoformat(unknown))
    return max(earliest, min(wanted, usual))


def read_history(store: Store, first: date, last: date) -> History:
    """What is recorded between two dates (both included)."""
    span = (first.isoformat(), last.isoformat())
    db = store.db
    days = {
        date.fromisoformat(day): DayRecord(date.fromisoformat(day), outcome, _parsed(evidence))
        for day, outcome, evidence in db.execute(
            "SELECT day, outcome, evidence FROM lunch_days WHERE day BETWEEN ? AND ?", span
        )
    }
    socials = tuple(
        SocialRecord(subject, date.fromisoformat(day), datetime.fromisoformat(start), summary,
                     status, _parsed(evidence))
        for subject, day, start, summary, status, evidence in db.execute(
            "SELECT subject, day, start, summary, status, evidence FROM social_seen "
            "WHERE day BETWEEN ? AND ? ORDER BY start, subject", span
        )
    )  # fmt: skip
    people = tuple(
        Contact(subject, address, name, date.fromisoformat(day), datetime.fromisoformat(start),
                int(size), kind)
        for subject, address, name, day, start, size, kind in db.execute(
            "SELECT subject, address, name, day, start, size, kind FROM contacts "
            "WHERE day BETWEEN ? AND ? ORDER BY start, subject, address", span
        )
    )  # fmt: skip
    return History(first, last, days, socials, people)


def forget_person(store: Store, addresses: Iterable[str], now: datetime) -> int:
    """Remove every contact with these addresses, and keep them out of what the calendar
    still holds from before ``now``; return how many contacts were removed."""
    until = _stamp(now)
    removed = 0
    with store.transaction() as db:
        for address in addresses:
            removed += db.execute("DELETE FROM contacts WHERE address = ?", (address,)).rowcount
            db.execute(
                "INSERT INTO forgotten_people (address, until) VALUES (?, ?) "
                "ON CONFLICT(address) DO UPDATE SET until = excluded.until",
                (address, until),
            )
    return removed


def _evidence(items: tuple[str, ...], keep_titles: bool) -> str:
    if not items:
        return ""
    return json.dumps(list(items) if keep_titles else [f"{len(items)} events"])


def _parsed(text: str) -> tuple[str, ...]:
    if not text:
        return ()
    try:
        value = json.loads(text)
    except ValueError:
        return ()
    return tuple(str(item) for item in value) if isinstance(value, list) else ()
