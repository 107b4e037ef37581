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
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, tzinfo

from watercooler.calendar.records import Occurrence
from watercooler.classify.classifier import Classification, Classifier, bucket_by_day
from watercooler.progress.encounters import Contact, contacts, lunch_evidence, social_evidence
from watercooler.rulebook.nudge import occurrence_subject
from watercooler.settings import Settings
from watercooler.store import Store
from watercooler.text import printable
from watercooler.timebox import stamp

UNKNOWN = "unknown"


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


def snapshot(
    classification: Classification, occurrences: Sequence[Occurrence], settings: Settings
) -> History:
    """What a classification makes of the history, as a value: the rules see the days they
    judge this way, and :func:`record_history` writes it. With ``notify.redact`` it holds
    no event titles (the evidence only says how many events)."""
    if not classification.days:
        return History(date.min, date.min, {}, (), ())
    keep = not settings.notify.redact
    classifier = Classifier(settings)
    by_day = bucket_by_day(occurrences)
    days = {
        d.date: DayRecord(
            d.date, str(d.lunch), _kept(lunch_evidence(d, by_day.get(d.date, ()), classifier), keep)
        )
        for d in classification.days
    }
    socials = []
    for item in classification.social:
        start = item.occurrence.start
        evidence = social_evidence(item, by_day.get(start.date(), ()), classifier)
        socials.append(
            SocialRecord(occurrence_subject(item.occurrence), start.date(), start,
                         printable(item.occurrence.info.summary, 120) if keep else "",
                         str(item.status), _kept(evidence, keep))
        )  # fmt: skip
    first, last = classification.days[0].date, classification.days[-1].date
    return History(first, last, days, tuple(socials), tuple(contacts(classification, settings)))


def record_history(store: Store, seen: History, now: datetime) -> None:
    """Replace the history of the days ``seen`` covers (a :func:`snapshot` of a complete
    read) with it; a person forgotten since is left out."""
    if not seen.days:
        return
    when = stamp(now)
    span = (seen.first.isoformat(), seen.last.isoformat())
    days = [(d.day.isoformat(), d.outcome, when, _json(d.evidence)) for d in seen.days.values()]
    socials = [
        (s.subject, stamp(s.start), s.summary, s.status, when, s.day.isoformat(),
         _json(s.evidence))
        for s in seen.socials
    ]  # fmt: skip
    with store.transaction() as db:
        people = [
            (c.subject, c.address, c.name, c.day.isoformat(), stamp(c.start), c.size, c.kind)
            for c in without_forgotten(seen, store).contacts
        ]
        db.executemany(
            "INSERT INTO lunch_days (day, outcome, seen, evidence) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(day) DO UPDATE SET outcome = excluded.outcome, seen = excluded.seen, "
            "evidence = excluded.evidence",
            days,
        )
        db.execute("DELETE FROM social_seen WHERE day BETWEEN ? AND ?", span)
        db.executemany(
            "INSERT OR REPLACE INTO social_seen "
            "(subject, start, summary, status, seen, day, evidence) VALUES (?, ?, ?, ?, ?, ?, ?)",
            socials,
        )
        db.execute("DELETE FROM contacts WHERE day BETWEEN ? AND ?", span)
        db.executemany(
            "INSERT OR REPLACE INTO contacts (subject, address, name, day, start, size, kind) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            people,
        )


def overlay(stored: History, fresh: History) -> History:
    """The stored history with the days ``fresh`` covers replaced by it."""
    if not fresh.days:
        return stored
    first, last = fresh.first, fresh.last

    def outside(day: date) -> bool:
        return not first <= day <= last

    days = {d: r for d, r in stored.days.items() if outside(d)} | fresh.days
    socials = sorted(
        [s for s in stored.socials if outside(s.day)] + list(fresh.socials),
        key=lambda s: (s.start, s.subject),
    )
    people = sorted(
        [c for c in stored.contacts if outside(c.day)] + list(fresh.contacts),
        key=lambda c: (c.start, c.subject, c.address),
    )
    return History(
        min(stored.first, first), max(stored.last, last), days, tuple(socials), tuple(people)
    )


def mark_unknown(store: Store, days: Iterable[date], now: datetime) -> None:
    """Days a read could not see (a calendar failed): ``unknown`` where nothing is recorded."""
    seen = stamp(now)
    with store.transaction() as db:
        db.executemany(
            "INSERT OR IGNORE INTO lunch_days (day, outcome, seen) VALUES (?, ?, ?)",
            [(day.isoformat(), UNKNOWN, seen) for day in days],
        )


def history_start(
    store: Store, now: datetime, zone: tzinfo, backfill_weeks: int, days_back: int
) -> date:
    """The first day the next read should classify for the history.

    On a first run, the backfill's start. Else the first day after the last one known (an
    unknown day, or a gap while nothing ran, is read again), and once a local day the whole
    backfill span again, so an edit to an event weeks ago reaches the history by the next
    day; never further back than the backfill.
    """
    local = now.astimezone(zone)
    today = local.date()
    earliest = today - timedelta(weeks=backfill_weeks)
    usual = today - timedelta(days=days_back)
    midnight = stamp(datetime.combine(today, time(0), zone))
    row = store.db.execute(
        "SELECT (SELECT max(day) FROM lunch_days WHERE outcome != ?), "
        "(SELECT min(day) FROM lunch_days WHERE outcome = ? AND day >= ?), "
        "(SELECT min(seen) FROM lunch_days WHERE day >= ? AND day < ?)",
        (UNKNOWN, UNKNOWN, earliest.isoformat(), earliest.isoformat(), usual.isoformat()),
    ).fetchone()
    known, unknown, oldest_look = row
    if known is None or (oldest_look is not None and oldest_look < midnight):
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
    until = stamp(now)
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


def without_forgotten(seen: History, store: Store) -> History:
    """``seen`` without the contacts of people forgotten since (``people forget``): what the
    calendar still holds from before then is theirs no more, for the rules as for the record."""
    forgotten = dict(store.db.execute("SELECT address, until FROM forgotten_people"))
    if not forgotten or not seen.contacts:
        return seen
    kept = tuple(
        c for c in seen.contacts
        if c.address not in forgotten or stamp(c.start) > forgotten[c.address]
    )  # fmt: skip
    return replace(seen, contacts=kept)


def _kept(items: tuple[str, ...], keep_titles: bool) -> tuple[str, ...]:
    """Evidence as kept: the titles, or (redacted) only how many events there were."""
    if keep_titles or not items:
        return items
    return (f"{len(items)} events",)


def _json(items: tuple[str, ...]) -> str:
    return json.dumps(list(items)) if items else ""


def _parsed(text: str) -> tuple[str, ...]:
    if not text:
        return ()
    try:
        value = json.loads(text)
    except ValueError:
        return ()
    return tuple(str(item) for item in value) if isinstance(value, list) else ()
