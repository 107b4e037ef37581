"""Rules over facts → nudges: a pure function of (rules, classification, settings, range).

Every rule looks at candidate subjects (a day, a social occurrence, an event, a week),
decides whether it fires and when it is due, and keeps a reason either way, so
``watercooler rules explain`` can show what it saw. Cooldown and the weekly maximum are
applied in due order. Calendar text only ever fills placeholders; it is never read as a
template, a format string or markup.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from watercooler.classify import (
    Classification,
    Classifier,
    DayFacts,
    Lunch,
    SocialFacts,
    SocialStatus,
)
from watercooler.expansion import Occurrence
from watercooler.rulebook import (
    PLACEHOLDER,
    LunchTrigger,
    Rule,
    SocialTrigger,
    WeeklyTrigger,
    WordsTrigger,
)
from watercooler.settings import WEEKDAYS, Settings
from watercooler.text import printable
from watercooler.timebox import DateRange, at_local_time
from watercooler.words import WordMatcher

MAX_VALUE = 120
"""Longest text a placeholder receives: a 100 kB summary is cut, never an error."""
MISSED = (SocialStatus.DECLINED, SocialStatus.CONFLICTED)
REDACTED = {
    "summary": "an event",
    "people": "the people there",
    "events": "your plans",
    "missed_events": "some events",
    "person": "a colleague",
}
"""With ``notify.redact``, what stands in for event titles and people's names."""


@dataclass(frozen=True, slots=True)
class Nudge:
    """A suggestion, due at a moment, that delivery sends once (by ``key``)."""

    rule: str
    tip: int
    due: datetime
    expires: datetime
    title: str
    body: str
    key: str
    quiet_hours: str
    tags: tuple[str, ...] = ()

    def document(self) -> dict[str, Any]:
        """The ``check`` JSON of a nudge, in DESIGN.md's shape."""
        return {
            "rule": self.rule,
            "tip": self.tip,
            "due": self.due.isoformat(timespec="seconds"),
            "title": self.title,
            "body": self.body,
            "key": self.key,
        }


@dataclass(frozen=True, slots=True)
class Candidate:
    """One subject a rule looked at: whether it fires, why, and the facts it saw."""

    subject: str
    due: datetime | None
    fires: bool
    reason: str
    values: dict[str, str]


@dataclass(frozen=True, slots=True)
class Facts:
    """What the rules see: the classified days and social events, and the timeline."""

    classification: Classification
    occurrences: tuple[Occurrence, ...]
    days: DateRange
    settings: Settings
    range: DateRange | None = None
    """The days whose nudges are wanted; ``days`` may reach further back, for history."""
    memo: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)
    """Per-run caches: a year of candidates asks about the same weeks over and over."""

    @property
    def wanted(self) -> DateRange:
        """The range nudges are emitted for."""
        return self.range or self.days


@dataclass(frozen=True, slots=True)
class Assessment:
    """What the rules made of the facts: the nudges due in the range, and whether each
    subject every rule looked at fires (delivery drops a planned nudge whose situation
    went away, and judges whether a sent one changed anything)."""

    nudges: list[Nudge]
    situations: dict[str, bool]


def assess(rules: list[Rule], facts: Facts) -> Assessment:
    """Judge every rule's candidates once; return the nudges in due order and, by key,
    whether each candidate fires."""
    nudges: list[Nudge] = []
    situations: dict[str, bool] = {}
    for rule in rules:
        candidates = _candidates(rule, facts)
        situations.update((f"{rule.id}/{c.subject}", c.fires) for c in candidates)
        nudges.extend(nudge for _, nudge in _judge(rule, candidates, facts) if nudge)
    nudges.sort(key=lambda nudge: (nudge.due, nudge.rule, nudge.key))
    return Assessment(nudges, situations)


def explain(rule: Rule, facts: Facts) -> list[tuple[Candidate, Nudge | None]]:
    """Every candidate of a rule with its verdict; firing ones carry their nudge."""
    return _judge(rule, _candidates(rule, facts), facts)


def _judge(
    rule: Rule, candidates: list[Candidate], facts: Facts
) -> list[tuple[Candidate, Nudge | None]]:
    """Apply cooldown, the weekly maximum and the range to a rule's candidates."""
    start, end = facts.wanted.bounds(facts.settings.zone)
    judged = sorted(candidates, key=lambda c: (c.due is None, c.due, c.subject))
    results: list[tuple[Candidate, Nudge | None]] = []
    last: datetime | None = None
    per_week: Counter[tuple[int, int]] = Counter()
    for candidate in judged:
        if not candidate.fires or candidate.due is None:
            results.append((candidate, None))
            continue
        week = candidate.due.isocalendar()[:2]
        verdict = candidate.reason
        if last is not None and candidate.due < last + rule.cooldown:
            verdict = f"cooling down until {last + rule.cooldown:%a %d %b %H:%M}"
        elif per_week[week] >= rule.max_per_week:
            verdict = f"already {rule.max_per_week} this week"
        if verdict != candidate.reason:
            results.append((_with(candidate, fires=False, reason=verdict), None))
            continue
        # Earlier firings count for cooldown and the weekly maximum even outside the range.
        last = candidate.due
        per_week[week] += 1
        if not start <= candidate.due < end:
            outside = f"due {candidate.due:%a %d %b %H:%M}, outside the range"
            results.append((_with(candidate, fires=False, reason=outside), None))
            continue
        results.append((candidate, _nudge(rule, candidate, redact=facts.settings.notify.redact)))
    return results


def _with(candidate: Candidate, *, fires: bool, reason: str) -> Candidate:
    return Candidate(candidate.subject, candidate.due, fires, reason, candidate.values)


def _nudge(rule: Rule, candidate: Candidate, *, redact: bool = False) -> Nudge:
    assert candidate.due is not None  # noqa: S101 - only firing candidates get here
    values = {**candidate.values, "rule": rule.id}
    if redact:
        values |= {name: text for name, text in REDACTED.items() if name in values}
    return Nudge(
        rule=rule.id,
        tip=rule.tip,
        due=candidate.due,
        expires=candidate.due + rule.expires_after,
        title=fill(rule.message.title, values),
        body=fill(rule.message.body, values),
        key=f"{rule.id}/{candidate.subject}",
        quiet_hours=rule.quiet_hours,
        tags=tuple(rule.tags),
    )


def fill(template: str, values: dict[str, str]) -> str:
    """Put values into ``{placeholders}`` in one pass: a value is never scanned again, so
    ``{0.__class__}``, ``${HOME}``, ``{{7*7}}`` or ``%(x)s`` in an event stays text."""
    return PLACEHOLDER.sub(lambda found: values.get(found.group(1), ""), template)


def clean(text: str, limit: int = MAX_VALUE) -> str:
    """A value fit for a message: one line, no control characters, at most ``limit``."""
    return printable(text, limit)


# -- candidates per trigger kind ---------------------------------------------------------


def _candidates(rule: Rule, facts: Facts) -> list[Candidate]:
    trigger = rule.trigger
    if isinstance(trigger, LunchTrigger):
        return _lunch_candidates(rule, trigger, facts)
    if isinstance(trigger, SocialTrigger):
        return _social_candidates(rule, trigger, facts)
    if isinstance(trigger, WordsTrigger):
        return _words_candidates(rule, trigger, facts)
    return _weekly_candidates(rule, trigger, facts)


def _lunch_candidates(rule: Rule, trigger: LunchTrigger, facts: Facts) -> list[Candidate]:
    settings = facts.settings
    workdays = [d for d in facts.classification.days if d.lunch is not Lunch.OFF]
    wanted = set(trigger.outcomes)
    out = []
    for index, day in enumerate(workdays):
        window = workdays[max(0, index - trigger.in_last_workdays + 1) : index + 1]
        count = sum(1 for d in window if d.lunch in wanted)
        values = {
            **_week_values(day.date, facts),
            **_day_values(day, settings),
            "count": str(count),
            "window": str(len(window)),
        }
        lunch_start = at_local_time(day.date, settings.lunch.start, settings.zone)
        due = _due(rule, day.date, settings, anchor=lunch_start)
        if day.lunch not in wanted:
            reason = f"lunch is {day.lunch}, not {' or '.join(sorted(wanted))}"
        elif count < trigger.at_least:
            reason = f"{count} of the last {len(window)} workdays, fewer than {trigger.at_least}"
        else:
            reason = f"lunch is {day.lunch}; {count} of the last {len(window)} workdays"
        fires = day.lunch in wanted and count >= trigger.at_least
        out.append(Candidate(day.date.isoformat(), due, fires, reason, values))
    return out


def _social_candidates(rule: Rule, trigger: SocialTrigger, facts: Facts) -> list[Candidate]:
    out = []
    for item in facts.classification.social:
        occurrence = item.occurrence
        values = {
            **_week_values(occurrence.start.date(), facts),
            **_event_values(occurrence, facts.settings),
            "status": str(item.status),
        }
        fires = item.status in trigger.statuses
        reason = f"status {item.status}" + ("" if fires else ", not one the rule watches")
        due = _due(rule, occurrence.start.date(), facts.settings, occurrence=occurrence)
        out.append(Candidate(occurrence_subject(occurrence), due, fires, reason, values))
    return out


def _words_candidates(rule: Rule, trigger: WordsTrigger, facts: Facts) -> list[Candidate]:
    matcher = WordMatcher(trigger.words)
    classifier = Classifier(facts.settings)
    out = []
    for occurrence in facts.occurrences:
        info = occurrence.info
        word = matcher.search(info.summary, *info.categories)
        if word is None or info.cancelled or classifier.declined_by_me(info):
            continue
        if not occurrence.all_day and not classifier.is_busy(occurrence):
            continue
        values = {
            **_week_values(occurrence.start.date(), facts),
            **_event_values(occurrence, facts.settings),
        }
        due = _due(rule, occurrence.start.date(), facts.settings, occurrence=occurrence)
        reason = f"says {word!r}"
        out.append(Candidate(occurrence_subject(occurrence), due, True, reason, values))
    return out


def _weekly_candidates(rule: Rule, trigger: WeeklyTrigger, facts: Facts) -> list[Candidate]:
    out = []
    weekday = WEEKDAYS.index(trigger.day)
    for day in facts.days.days():
        if day.weekday() != weekday:
            continue
        values = _week_values(day, facts)
        due = _due(rule, day, facts.settings)
        fires, reason = True, "weekly"
        if _is_off(day, facts):
            fires, reason = False, "a day off"
        elif trigger.below_goal == "people":
            met, goal = int(values["people_met"]), int(values["people_goal"])
            fires = met < goal
            reason = f"met {met} of {goal} people this week"
        elif trigger.below_goal == "social_lunches":
            had, goal = int(values["social_lunches"]), int(values["lunch_goal"])
            fires = had < goal
            reason = f"{had} of {goal} social lunches this week"
        year, week, _ = day.isocalendar()
        out.append(Candidate(f"{year}-W{week:02d}", due, fires, reason, values))
    return out


# -- when -----------------------------------------------------------------------------------


def _is_off(day: date, facts: Facts) -> bool:
    return any(d.date == day and d.lunch is Lunch.OFF for d in facts.classification.days)


def _due(
    rule: Rule,
    day: date,
    settings: Settings,
    *,
    anchor: datetime | None = None,
    occurrence: Occurrence | None = None,
) -> datetime:
    due = rule.due
    if due.at is not None:
        return at_local_time(day, due.at, settings.zone)
    offset = due.offset or timedelta(0)
    if due.after == "lunch" and anchor is not None:
        moment = anchor + offset
    elif occurrence is not None:
        moment = (occurrence.end if due.after == "end" else occurrence.start) + offset
    else:
        moment = at_local_time(day, time(9, 0), settings.zone) + offset
    # Wall-clock arithmetic can land in an hour a DST change skips: give the real local time.
    return moment.astimezone(UTC).astimezone(settings.zone)


# -- values ------------------------------------------------------------------------------------


def occurrence_subject(occurrence: Occurrence) -> str:
    moment = occurrence.recurrence or occurrence.start.isoformat(timespec="minutes")
    return f"{occurrence.info.uid}@{moment}"


def _event_values(occurrence: Occurrence, settings: Settings) -> dict[str, str]:
    me = set(settings.me)
    people = sorted(
        {a.display for a in occurrence.info.attendees if a.address not in me and a.is_person}
    )
    return {
        "summary": clean(occurrence.info.summary),
        "time": _span(occurrence.start, occurrence.end),
        "start": f"{occurrence.start:%H:%M}",
        "end": f"{occurrence.end:%H:%M}",
        "date": occurrence.start.date().isoformat(),
        "day": f"{occurrence.start:%A}",
        "people": clean(", ".join(people[:5]) or "the people there"),
    }


def _day_values(day: DayFacts, settings: Settings) -> dict[str, str]:
    gap = day.lunch_gap
    long_gaps = [g for g in day.free_gaps if g[1] - g[0] >= timedelta(minutes=30)]
    return {
        "date": day.date.isoformat(),
        "day": f"{day.date:%A}",
        "outcome": str(day.lunch),
        "gap": _span(*gap) if gap else "",
        "gap_start": f"{gap[0]:%H:%M}" if gap else "",
        "gap_end": f"{gap[1]:%H:%M}" if gap else "",
        "events": clean(", ".join(o.info.summary for o in day.lunch_events) or "nothing"),
        "free_gaps": ", ".join(_span(*g) for g in long_gaps[:3]) or "none",
    }


def _week_values(day: date, facts: Facts) -> dict[str, str]:
    """Progress of the week holding ``day``, up to and including it (computed once a day)."""
    key = ("week", day)
    if key not in facts.memo:
        facts.memo[key] = _compute_week_values(day, facts)
    return dict(facts.memo[key])


def _social_between(facts: Facts, first: date, last: date) -> list[SocialFacts]:
    """The social occurrences starting between two dates, from a per-run index by date."""
    index: dict[date, list[SocialFacts]] | None = facts.memo.get("social_by_day")
    if index is None:
        index = {}
        for item in facts.classification.social:
            index.setdefault(item.occurrence.start.date(), []).append(item)
        facts.memo["social_by_day"] = index
    if last < first:
        return []
    days = (last - first).days + 1
    if days > len(index):
        return [i for d, items in index.items() if first <= d <= last for i in items]
    return [i for n in range(days) for i in index.get(first + timedelta(days=n), ())]


def _days_between(facts: Facts, first: date, last: date) -> list[DayFacts]:
    index: dict[date, DayFacts] | None = facts.memo.get("day_index")
    if index is None:
        index = {d.date: d for d in facts.classification.days}
        facts.memo["day_index"] = index
    count = max((last - first).days + 1, 0)
    found = (index.get(first + timedelta(days=n)) for n in range(count))
    return [d for d in found if d is not None]


def _compute_week_values(day: date, facts: Facts) -> dict[str, str]:
    settings = facts.settings
    monday = day - timedelta(days=day.weekday())
    week_days = _days_between(facts, monday, day)
    social = _social_between(facts, monday, day)
    missed = [s for s in social if s.status in MISSED]
    people = _people_met(facts, monday, day)
    gaps = []
    for later in _days_between(facts, day, monday + timedelta(days=4)):
        if later.lunch is Lunch.OFF:
            continue
        long_enough = [g for g in later.free_gaps if g[1] - g[0] >= timedelta(minutes=30)]
        if long_enough:
            start, end = max(long_enough, key=lambda gap: gap[1] - gap[0])
            gaps.append(f"{start:%a} {_span(start, min(end, start + timedelta(hours=1)))}")
    return {
        "rule": "",
        "social_lunches": str(sum(1 for d in week_days if d.lunch is Lunch.SOCIAL)),
        "alone_lunches": str(sum(1 for d in week_days if d.lunch is Lunch.ALONE)),
        "skipped_lunches": str(sum(1 for d in week_days if d.lunch is Lunch.SKIPPED)),
        "free_lunches": str(sum(1 for d in week_days if d.lunch is Lunch.FREE)),
        "lunch_goal": str(settings.goals.social_lunches_per_week),
        "people_met": str(len(people)),
        "people_goal": str(settings.goals.people_per_week),
        "missed": str(len(missed)),
        "missed_events": clean(", ".join(s.occurrence.info.summary for s in missed) or "none"),
        "free_gaps": ", ".join(gaps[:2]) or "none",
        "person": _someone_to_see(facts, monday, people),
    }


def _people_of(item: SocialFacts, me: set[str]) -> dict[str, str]:
    """The other people at a social occurrence, address → name."""
    info = item.occurrence.info
    people = {a.address: a.display for a in info.attendees if a.is_person and a.address not in me}
    if info.organizer and info.organizer not in me:
        people.setdefault(info.organizer, info.organizer_name or info.organizer.split("@")[0])
    return people


def _people_met(facts: Facts, first: date, last: date) -> set[str]:
    """Other people at social events I took part in (accepted or tentative), between dates."""
    me = set(facts.settings.me)
    met: set[str] = set()
    for item in _social_between(facts, first, last):
        if item.status in (SocialStatus.ACCEPTED, SocialStatus.TENTATIVE):
            met.update(_people_of(item, me))
    return met


def _someone_to_see(facts: Facts, monday: date, met_this_week: set[str]) -> str:
    """The person met most often before this week and not yet this week."""
    key = ("seen before", monday)
    if key not in facts.memo:
        facts.memo[key] = _seen_before(facts, monday)
    counts, names = facts.memo[key]
    ranked = sorted(counts, key=lambda address: (-counts[address], address))
    fresh = [address for address in ranked if address not in met_this_week]
    return clean(names[fresh[0]]) if fresh else "someone you have not seen in a while"


def _seen_before(facts: Facts, monday: date) -> tuple[Counter[str], dict[str, str]]:
    """How often each person I met socially before a week was at social events before it,
    and their names; built week on week, so a year costs one pass over the events."""
    met, counts, names = _history_until(facts, monday)
    return Counter({a: n for a, n in counts.items() if a in met}), names


def _history_until(facts: Facts, monday: date) -> tuple[set[str], Counter[str], dict[str, str]]:
    key = ("history", monday)
    if key in facts.memo:
        return facts.memo[key]  # type: ignore[no-any-return]
    first = facts.days.first
    previous = monday - timedelta(days=7)
    if previous >= first:
        met, counts, names = _history_until(facts, previous)
        met, counts, names = set(met), Counter(counts), dict(names)
        start = previous
    else:
        met, counts, names, start = set(), Counter(), {}, first
    me = set(facts.settings.me)
    for item in _social_between(facts, start, monday - timedelta(days=1)):
        people = _people_of(item, me)
        counts.update(people.keys())
        names.update(people)
        if item.status in (SocialStatus.ACCEPTED, SocialStatus.TENTATIVE):
            met.update(people)
    facts.memo[key] = (met, counts, names)
    return met, counts, names


def _span(start: datetime, end: datetime) -> str:
    return f"{start:%H:%M}–{end:%H:%M}"
