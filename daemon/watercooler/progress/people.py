"""Keeping in touch: when you last saw each person, when you meant to see them again, and
whom the history suggests.

Last contact is the latest occurrence, started by then and not cancelled, that you both
attended by the one definition of :mod:`~watercooler.progress.encounters`, with at most
``keep_in_touch.max_group`` people (an all-hands is no contact). Suggestions are people
you met at least ``suggest_min_meetings`` times in such small groups, who are not in
``[[people]]`` and whom you have not seen for ``suggest_after``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from watercooler.progress.encounters import Contact
from watercooler.progress.history import History
from watercooler.settings import Settings

_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True, slots=True)
class PersonStatus:
    """One person to keep in touch with, as of a moment."""

    name: str
    addresses: tuple[str, ...]
    every: timedelta
    last: Contact | None
    meetings: int
    """Contacts in small groups in the history."""
    suggested: bool = False
    """Learned from the history, not in ``[[people]]``."""
    zone: tzinfo = UTC
    """The user's zone, whose wall clock ``every`` is counted on."""

    def next_due(self, now: datetime) -> datetime:
        """When to see them next: ``every`` after the last contact, or now if never. Days
        are counted on the wall clock of the user's zone: a week after Friday 12:00 is the
        next Friday 12:00, across a DST change too."""
        if self.last is None:
            return now
        return self.last.start.astimezone(self.zone) + self.every

    def overdue(self, now: datetime) -> bool:
        return self.next_due(now) <= now

    @property
    def slug(self) -> str:
        """The name as a nudge key's part: lowercase letters, digits and dashes."""
        return _SLUG.sub("-", self.name.casefold()).strip("-") or "someone"


def small_contacts(history: History, settings: Settings, before: datetime) -> list[Contact]:
    """The contacts that count as keeping in touch, started by ``before``, oldest first."""
    limit = settings.keep_in_touch.max_group
    return [c for c in history.contacts if c.size <= limit and c.start <= before]


def configured_people(history: History, settings: Settings, now: datetime) -> list[PersonStatus]:
    """Every ``[[people]]`` entry with its last contact as of ``now``, in config order."""
    found = small_contacts(history, settings, now)
    return [
        _status(person.name, tuple(person.email), person.interval, found, settings.zone)
        for person in settings.people
    ]


def suggested_people(history: History, settings: Settings, now: datetime) -> list[PersonStatus]:
    """People the history shows you often met and have not seen for a while, most met
    first (none when ``keep_in_touch.suggest`` is off)."""
    options = settings.keep_in_touch
    if not options.suggest:
        return []
    configured = {address for person in settings.people for address in person.email}
    me = set(settings.me)
    found = [c for c in small_contacts(history, settings, now) if c.address not in configured | me]
    counts = Counter(c.address for c in found)
    latest = _latest(found)
    chosen = [
        PersonStatus(
            latest[a].name or a, (a,), options.unseen_for, latest[a], counts[a], True, settings.zone
        )
        for a, n in counts.items()
        if n >= options.suggest_min_meetings
        and latest[a].start.astimezone(settings.zone) + options.unseen_for <= now
    ]
    chosen.sort(key=lambda p: (-p.meetings, p.name.casefold()))
    return chosen


def find_person(settings: Settings, history: History, name: str) -> tuple[str, tuple[str, ...]]:
    """A configured person by name or address, or any address the history has: (name,
    addresses); ValueError when nobody matches."""
    wanted = name.strip().casefold()
    for person in settings.people:
        if person.name.casefold() == wanted or wanted in person.email:
            return person.name, tuple(person.email)
    for contact in reversed(history.contacts):
        if wanted in (contact.address, contact.name.casefold()):
            return contact.name or contact.address, (contact.address,)
    raise ValueError(name)


def _status(
    name: str,
    addresses: tuple[str, ...],
    every: timedelta,
    found: Iterable[Contact],
    zone: tzinfo,
) -> PersonStatus:
    mine = [c for c in found if c.address in addresses]
    unique = {c.subject for c in mine}
    last = max(mine, key=lambda c: c.start, default=None)
    return PersonStatus(name, addresses, every, last, len(unique), zone=zone)


def _latest(found: Iterable[Contact]) -> dict[str, Contact]:
    latest: dict[str, Contact] = {}
    for contact in found:
        if contact.address not in latest or contact.start >= latest[contact.address].start:
            latest[contact.address] = contact
    return latest
