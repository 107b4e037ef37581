"""Classification: what became of each day's lunch and of each social event.

A pure function of (occurrences, days, settings): no clock, no I/O. The rules are the
contract in DESIGN.md, implemented as written; the order of the checks is the order of the
"first match wins" lists there.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from enum import StrEnum

from watercooler.calendar.records import PARTSTATS, EventInfo, Occurrence, in_window
from watercooler.classify.words import WordMatcher
from watercooler.settings import Settings
from watercooler.timebox import at_local_time, overlap


class Lunch(StrEnum):
    """How a day's lunch went."""

    OFF = "off"
    SOCIAL = "social"
    ALONE = "alone"
    SKIPPED = "skipped"
    FREE = "free"


class SocialStatus(StrEnum):
    """What became of a social event."""

    CANCELLED = "cancelled"
    DECLINED = "declined"
    CONFLICTED = "conflicted"
    TENTATIVE = "tentative"
    UNANSWERED = "unanswered"
    ACCEPTED = "accepted"


Interval = tuple[datetime, datetime]


@dataclass(frozen=True, slots=True)
class DayFacts:
    """The facts of one local day."""

    date: date
    lunch: Lunch
    lunch_events: tuple[Occurrence, ...]
    free_gaps: tuple[Interval, ...]
    lunch_gap: Interval | None
    """The longest free gap inside the lunch window, None when busy throughout."""


@dataclass(frozen=True, slots=True)
class SocialFacts:
    """A social occurrence and its status."""

    occurrence: Occurrence
    status: SocialStatus


@dataclass(frozen=True, slots=True)
class Classification:
    """Every day of the range, and every social occurrence starting in it."""

    days: tuple[DayFacts, ...]
    social: tuple[SocialFacts, ...]


class Classifier:
    """Applies the classification rules with one settings object's words and windows."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.zone: tzinfo = settings.zone
        self.me = frozenset(settings.me)
        words = settings.words
        self.absence = WordMatcher(words.absence)
        self.lunch_words = WordMatcher(words.lunch)
        self.company = WordMatcher(words.company)
        self.alone = WordMatcher(words.alone)
        self.social_words = WordMatcher(words.social)
        self._social_cache: dict[int, bool] = {}

    # -- me and busy -------------------------------------------------------------------

    def my_status(self, info: EventInfo) -> str:
        """My PARTSTAT: my ATTENDEE's (NEEDS-ACTION if unknown); ACCEPTED if not invited."""
        for attendee in info.attendees:
            if attendee.address in self.me:
                status = attendee.partstat
                if status == "DELEGATED":
                    return "DECLINED"
                return status if status in PARTSTATS else "NEEDS-ACTION"
        return "ACCEPTED"

    def declined_by_me(self, info: EventInfo) -> bool:
        """Whether I declined (or delegated) the occurrence."""
        return self.my_status(info) == "DECLINED"

    def is_busy(self, occurrence: Occurrence) -> bool:
        """Whether the occurrence keeps me from doing anything else."""
        info = occurrence.info
        return not (
            occurrence.all_day
            or info.cancelled
            or info.transparent
            or info.busy_status == "FREE"
            or self.declined_by_me(info)
        )

    def is_social(self, info: EventInfo) -> bool:
        """Whether the event's words make it a social event."""
        key = id(info)
        cached = self._social_cache.get(key)
        if cached is None:
            cached = self.social_words.search(info.summary, *info.categories) is not None
            self._social_cache[key] = cached
        return cached

    def _says(self, matcher: WordMatcher, info: EventInfo) -> bool:
        return matcher.search(info.summary, *info.categories) is not None

    # -- days --------------------------------------------------------------------------

    def lunch_window(self, day: date) -> Interval:
        """The lunch window of a local day."""
        lunch = self.settings.lunch
        return at_local_time(day, lunch.start, self.zone), at_local_time(day, lunch.end, self.zone)

    def is_day_off(self, day: date, occurrences: Sequence[Occurrence]) -> bool:
        """Not a workday, or a day an absence covers (all day or the whole lunch window)."""
        if day.weekday() not in self.settings.workday_numbers:
            return True
        lunch_start, lunch_end = self.lunch_window(day)
        for occurrence in occurrences:
            info = occurrence.info
            if info.cancelled or self.declined_by_me(info):
                continue
            if occurrence.all_day:
                covers = occurrence.start.date() <= day < occurrence.end.date()
            else:
                covers = occurrence.start <= lunch_start and occurrence.end >= lunch_end
            if covers and (info.busy_status == "OOF" or self._says(self.absence, info)):
                return True
        return False

    def lunch_events(self, day: date, occurrences: Sequence[Occurrence]) -> tuple[Occurrence, ...]:
        """Timed, live occurrences over the day's lunch window that say lunch."""
        lunch_start, lunch_end = self.lunch_window(day)
        found = []
        for occurrence in occurrences:
            info = occurrence.info
            if occurrence.all_day or info.cancelled or self.declined_by_me(info):
                continue
            if not in_window(occurrence, lunch_start, lunch_end):
                continue
            if self._says(self.lunch_words, info):
                found.append(occurrence)
        return tuple(found)

    def with_others(self, info: EventInfo) -> bool:
        """Whether a lunch event is shared: alone words first, then company words, then people."""
        if self._says(self.alone, info):
            return False
        if self._says(self.company, info):
            return True
        listed = set()
        for attendee in info.attendees:
            listed.add(attendee.address)
            if attendee.address not in self.me and attendee.is_person and not attendee.declined:
                return True
        organizer = info.organizer
        return bool(
            organizer
            and organizer not in self.me
            and organizer not in listed
            and info.organizer_partstat not in ("DECLINED", "DELEGATED")
        )

    def busy_intervals(self, occurrences: Iterable[Occurrence]) -> list[Interval]:
        """Merged intervals of the busy occurrences, in order."""
        return merge((o.start, o.end) for o in occurrences if self.is_busy(o) and o.end > o.start)

    def day_facts(self, day: date, occurrences: Sequence[Occurrence]) -> DayFacts:
        """Classify one day given the occurrences that touch it."""
        busy = self.busy_intervals(occurrences)
        hours = self.settings.working_hours
        work_start = at_local_time(day, hours.start, self.zone)
        work_end = at_local_time(day, hours.end, self.zone)
        gaps = tuple(free_gaps(busy, work_start, work_end))
        lunch_events = self.lunch_events(day, occurrences)
        lunch_gap = max(
            free_gaps(busy, *self.lunch_window(day)),
            key=lambda gap: gap[1] - gap[0],
            default=None,
        )
        lunch = self._lunch(day, occurrences, lunch_events, lunch_gap)
        return DayFacts(day, lunch, lunch_events, gaps, lunch_gap)

    def _lunch(
        self,
        day: date,
        occurrences: Sequence[Occurrence],
        lunch_events: tuple[Occurrence, ...],
        lunch_gap: Interval | None,
    ) -> Lunch:
        if self.is_day_off(day, occurrences):
            return Lunch.OFF
        if lunch_events:
            if any(self.with_others(o.info) for o in lunch_events):
                return Lunch.SOCIAL
            return Lunch.ALONE
        longest = lunch_gap[1] - lunch_gap[0] if lunch_gap else timedelta(0)
        if longest >= timedelta(minutes=self.settings.lunch.min_minutes):
            return Lunch.FREE
        return Lunch.SKIPPED

    # -- social events -----------------------------------------------------------------

    def social_status(self, occurrence: Occurrence, nearby: Iterable[Occurrence]) -> SocialStatus:
        """The status of a social occurrence; ``nearby`` are the occurrences around it."""
        info = occurrence.info
        if info.cancelled:
            return SocialStatus.CANCELLED
        mine = self.my_status(info)
        if mine == "DECLINED":
            return SocialStatus.DECLINED
        if self._conflicted(occurrence, nearby):
            return SocialStatus.CONFLICTED
        if mine == "TENTATIVE" or info.status == "TENTATIVE":
            return SocialStatus.TENTATIVE
        if mine == "NEEDS-ACTION":
            return SocialStatus.UNANSWERED
        return SocialStatus.ACCEPTED

    def _conflicted(self, occurrence: Occurrence, nearby: Iterable[Occurrence]) -> bool:
        """Busy non-social occurrences together cover at least half of it."""
        start, end = occurrence.start, occurrence.end
        others = [
            o for o in nearby
            if o is not occurrence and overlap_or_contains(o, start, end)
            and self.is_busy(o) and not self.is_social(o.info)
        ]  # fmt: skip
        busy = self.busy_intervals(others)
        if end == start:
            return any(s <= start < e for s, e in busy)
        covered = sum(
            (min(e, end) - max(s, start) for s, e in busy if s < end and e > start),
            timedelta(0),
        )
        return covered * 2 >= end - start


def classify(
    occurrences: Sequence[Occurrence], days: Sequence[date], settings: Settings
) -> Classification:
    """Classify every day in ``days`` and every social occurrence starting in them."""
    classifier = Classifier(settings)
    by_day = bucket_by_day(occurrences)
    day_facts = tuple(classifier.day_facts(day, by_day.get(day, ())) for day in days)
    social = []
    if days:
        first, after = days[0], days[-1] + timedelta(days=1)
        for occurrence in occurrences:
            start_day = occurrence.start.date()
            if first <= start_day < after and classifier.is_social(occurrence.info):
                nearby = _nearby(by_day, occurrence)
                status = classifier.social_status(occurrence, nearby)
                social.append(SocialFacts(occurrence, status))
    return Classification(day_facts, tuple(social))


def bucket_by_day(occurrences: Iterable[Occurrence]) -> dict[date, list[Occurrence]]:
    """Map each local date to the occurrences that touch it."""
    by_day: dict[date, list[Occurrence]] = defaultdict(list)
    for occurrence in occurrences:
        first = occurrence.start.date()
        last = (occurrence.end - timedelta(microseconds=1)).date()
        last = max(first, last)
        day = first
        while day <= last:
            by_day[day].append(occurrence)
            day += timedelta(days=1)
    return by_day


def _nearby(by_day: dict[date, list[Occurrence]], occurrence: Occurrence) -> list[Occurrence]:
    seen: dict[int, Occurrence] = {}
    day = occurrence.start.date()
    last = max(day, (occurrence.end - timedelta(microseconds=1)).date())
    while day <= last:
        for other in by_day.get(day, ()):
            seen[id(other)] = other
        day += timedelta(days=1)
    return list(seen.values())


def overlap_or_contains(occurrence: Occurrence, start: datetime, end: datetime) -> bool:
    """Whether an occurrence shares time with an interval (instants count at their start)."""
    if start == end:
        return occurrence.start <= start < occurrence.end
    return overlap(occurrence.start, occurrence.end, start, end)


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Merge overlapping or touching intervals."""
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def free_gaps(busy: Sequence[Interval], start: datetime, end: datetime) -> list[Interval]:
    """The maximal intervals of ``[start, end)`` that no merged busy interval covers."""
    gaps = []
    cursor = start
    for busy_start, busy_end in busy:
        if busy_end <= cursor:
            continue
        if busy_start >= end:
            break
        if busy_start > cursor:
            gaps.append((cursor, busy_start))
        cursor = max(cursor, busy_end)
    if cursor < end:
        gaps.append((cursor, end))
    return gaps
