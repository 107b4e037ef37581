"""Who I met, and what a missed chance's evidence is: pure functions over a classification.

One definition of "meeting someone", used by the weekly goals, the rules' placeholders,
the report and keep-in-touch alike: the other people (not resources or rooms, not me, not
those who declined) at a lunch event with others, or at a social occurrence I accepted or
tentatively accepted. A cancelled occurrence is no meeting.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from watercooler.calendar.records import EventInfo, Occurrence, in_window
from watercooler.classify.classifier import (
    Classification,
    Classifier,
    DayFacts,
    Lunch,
    SocialFacts,
    SocialStatus,
)
from watercooler.rulebook.nudge import occurrence_subject
from watercooler.settings import Settings
from watercooler.text import printable

TAKEN_PART = (SocialStatus.ACCEPTED, SocialStatus.TENTATIVE)
"""The social statuses in which I was there."""
EVIDENCE_ITEMS = 5
EVIDENCE_LENGTH = 80


@dataclass(frozen=True, slots=True)
class Contact:
    """One person at one occurrence I took part in."""

    subject: str
    address: str
    name: str
    day: date
    start: datetime
    size: int
    """How many people it had, me included (an all-hands is no contact)."""
    kind: str
    """``lunch`` or ``social``."""


def people_at(info: EventInfo, me: frozenset[str]) -> dict[str, str]:
    """The others at an event, address → name: attendees who are people and did not
    decline, and the organizer (unless they declined or are me)."""
    found = {
        a.address: a.display
        for a in info.attendees
        if a.is_person and a.address not in me and not a.declined
    }
    listed = {a.address for a in info.attendees}
    organizer = info.organizer
    if (
        organizer
        and organizer not in me
        and organizer not in listed
        and info.organizer_partstat not in ("DECLINED", "DELEGATED")
    ):
        found[organizer] = info.organizer_name or organizer.split("@")[0]
    return found


def group_size(info: EventInfo, me: frozenset[str]) -> int:
    """How many people an event has, me included."""
    people = {a.address for a in info.attendees if a.is_person}
    if info.organizer:
        people.add(info.organizer)
    return len(people - me) + 1


def contacts(classification: Classification, settings: Settings) -> list[Contact]:
    """Everyone I met in a classification: at lunches with others and at socials I took
    part in. An occurrence that is both (a team lunch) counts once, as social."""
    classifier = Classifier(settings)
    me = frozenset(settings.me)
    chosen: dict[str, tuple[Occurrence, str]] = {}
    for day in classification.days:
        for occurrence in day.lunch_events:
            if classifier.with_others(occurrence.info):
                chosen[occurrence_subject(occurrence)] = (occurrence, "lunch")
    for item in classification.social:
        subject = occurrence_subject(item.occurrence)
        if item.status in TAKEN_PART:
            chosen[subject] = (item.occurrence, "social")
        elif subject in chosen and item.occurrence.info.cancelled:
            del chosen[subject]
    found = []
    for subject, (occurrence, kind) in chosen.items():
        info = occurrence.info
        size = group_size(info, me)
        for address, name in people_at(info, me).items():
            found.append(
                Contact(subject, address, printable(name, 120), occurrence.start.date(),
                        occurrence.start, size, kind)
            )  # fmt: skip
    return found


def lunch_evidence(
    day: DayFacts, occurrences: Sequence[Occurrence], classifier: Classifier
) -> tuple[str, ...]:
    """What shows how a day's lunch went: the lunch events of a lunch alone, the meetings
    that covered the window of a lunch lost to meetings."""
    if day.lunch is Lunch.ALONE:
        return _titles(o.info.summary for o in day.lunch_events)
    if day.lunch is Lunch.SKIPPED:
        start, end = classifier.lunch_window(day.date)
        meetings = sorted(
            (o for o in occurrences if classifier.is_busy(o) and in_window(o, start, end)),
            key=lambda o: o.start,
        )
        return _titles(o.info.summary for o in meetings)
    return ()


def social_evidence(
    item: SocialFacts, nearby: Sequence[Occurrence], classifier: Classifier
) -> tuple[str, ...]:
    """What a double-booked social event clashed with: the busy, non-social occurrences
    that overlap it."""
    if item.status is not SocialStatus.CONFLICTED:
        return ()
    occurrence = item.occurrence
    clashes = sorted(
        (
            o for o in nearby
            if o is not occurrence and classifier.is_busy(o)
            and not classifier.is_social(o.info)
            and o.start < occurrence.end and o.end > occurrence.start
        ),
        key=lambda o: o.start,
    )  # fmt: skip
    return _titles(o.info.summary for o in clashes)


def _titles(summaries: Iterable[str]) -> tuple[str, ...]:
    unique = dict.fromkeys(printable(s, EVIDENCE_LENGTH) or "(no title)" for s in summaries)
    return tuple(unique)[:EVIDENCE_ITEMS]
