"""Rules over facts → nudges: a pure function of (rules, classification, settings, range).

Every rule looks at candidate subjects (a day, a social occurrence, an event, a week),
decides whether it fires and when it is due, and keeps a reason either way, so
``watercooler rules explain`` can show what it saw. Cooldown and the weekly maximum are
applied in due order.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta

from watercooler.calendar.records import Occurrence
from watercooler.classify.classifier import Classifier, Lunch
from watercooler.classify.words import WordMatcher
from watercooler.rulebook.format import (
    LunchTrigger,
    PeopleTrigger,
    Rule,
    SocialTrigger,
    WeeklyTrigger,
    WordsTrigger,
)
from watercooler.rulebook.keep_in_touch import judge_people
from watercooler.rulebook.nudge import Nudge, occurrence_subject
from watercooler.rulebook.progress_values import progress_values
from watercooler.rulebook.values import (
    REDACTED,
    Facts,
    day_values,
    event_values,
    fill,
    week_values,
)
from watercooler.rulebook.workdays import is_day_off, next_working_morning
from watercooler.settings import Settings
from watercooler.text import short_time
from watercooler.timebox import WEEKDAYS, at_local_time


@dataclass(frozen=True, slots=True)
class Candidate:
    """One subject a rule looked at: whether it fires, why, and the facts it saw."""

    subject: str
    due: datetime | None
    fires: bool
    reason: str
    values: dict[str, str]
    first_due: datetime | None = None
    """When it was due before a day off moved it (its expiry counts from then)."""
    day_off: bool = False
    """It would fire, but falls due on a day off and its rule (or the lack of a working
    morning while it is still useful) drops it."""


@dataclass(frozen=True, slots=True)
class Assessment:
    """What the rules made of the facts: the nudges due in the range, and whether each
    subject every rule looked at fires (delivery drops a planned nudge whose situation
    went away, and judges whether a sent one changed anything). ``dropped`` are nudges due
    in the range on a day off that are not given, each with the reason delivery records."""

    nudges: list[Nudge]
    situations: dict[str, bool]
    dropped: list[tuple[Nudge, str]] = field(default_factory=list)


def assess(rules: list[Rule], facts: Facts) -> Assessment:
    """Judge every rule's candidates once; return the nudges in due order and, by key,
    whether each candidate fires."""
    nudges: list[Nudge] = []
    situations: dict[str, bool] = {}
    dropped: list[tuple[Nudge, str]] = []
    start, end = facts.wanted.bounds(facts.settings.zone)
    redact = facts.settings.notify.redact
    for rule in rules:
        candidates = _candidates(rule, facts)
        situations.update((f"{rule.id}/{c.subject}", c.fires) for c in candidates)
        for candidate, nudge in _judge(rule, candidates, facts):
            if nudge is not None:
                nudges.append(nudge)
            elif candidate.day_off and candidate.due and start <= candidate.due < end:
                off = _nudge(rule, candidate, candidate.due, redact=redact)
                dropped.append((off, candidate.reason))
    nudges.sort(key=lambda nudge: (nudge.due, nudge.rule, nudge.key))
    return Assessment(nudges, situations, dropped)


def explain(rule: Rule, facts: Facts) -> list[tuple[Candidate, Nudge | None]]:
    """Every candidate of a rule with its verdict; firing ones carry their nudge."""
    return _judge(rule, _candidates(rule, facts), facts)


def _judge(
    rule: Rule, candidates: list[Candidate], facts: Facts
) -> list[tuple[Candidate, Nudge | None]]:
    """Apply cooldown, the weekly maximum and the range to a rule's candidates."""
    start, end = facts.wanted.bounds(facts.settings.zone)
    working = [_on_a_working_day(rule, candidate, facts) for candidate in candidates]
    judged = sorted(working, key=lambda c: (c.due is None, c.due, c.subject))
    results: list[tuple[Candidate, Nudge | None]] = []
    last: datetime | None = None
    per_week: Counter[tuple[int, int]] = Counter()
    for candidate in judged:
        due = candidate.due
        if not candidate.fires or due is None:
            results.append((candidate, None))
            continue
        week = due.isocalendar()[:2]
        verdict = candidate.reason
        if last is not None and due < last + rule.cooldown:
            verdict = f"cooling down until {short_time(last + rule.cooldown)}"
        elif per_week[week] >= rule.max_per_week:
            verdict = f"already {rule.max_per_week} this week"
        if verdict != candidate.reason:
            results.append((_with(candidate, fires=False, reason=verdict), None))
            continue
        # Earlier firings count for cooldown and the weekly maximum even outside the range.
        last = due
        per_week[week] += 1
        if not start <= due < end:
            outside = f"due {short_time(due)}, outside the range"
            results.append((_with(candidate, fires=False, reason=outside), None))
            continue
        redact = facts.settings.notify.redact
        results.append((candidate, _nudge(rule, candidate, due, redact=redact)))
    return results


def _with(candidate: Candidate, *, fires: bool, reason: str) -> Candidate:
    return replace(candidate, fires=fires, reason=reason)


def _on_a_working_day(rule: Rule, candidate: Candidate, facts: Facts) -> Candidate:
    """A firing candidate due on a day off, as its rule's ``days_off`` has it: moved to the
    next working morning while still useful (``defer``), else (or with ``drop``) dropped;
    ``send`` leaves it."""
    due = candidate.due
    if not candidate.fires or due is None or rule.days_off == "send":
        return candidate
    if not is_day_off(due.astimezone(facts.settings.zone).date(), facts):
        return candidate
    when = short_time(due, facts.settings.zone)
    if rule.days_off == "drop":
        reason = f"due {when}, a day off, and its rule drops nudges on days off"
        return replace(candidate, fires=False, reason=reason, day_off=True)
    morning = next_working_morning(due, due + rule.expires_after, facts)
    if morning is None:
        reason = f"due {when}, a day off, and no longer useful by the next working morning"
        return replace(candidate, fires=False, reason=reason, day_off=True)
    reason = f"{candidate.reason}; moved from {when}, a day off, to the next working morning"
    return replace(candidate, due=morning, reason=reason, first_due=due)


def _nudge(rule: Rule, candidate: Candidate, due: datetime, *, redact: bool) -> Nudge:
    values = {**candidate.values, "rule": rule.id}
    if redact:
        values |= {name: text for name, text in REDACTED.items() if name in values}
    return Nudge(
        rule=rule.id,
        tip=rule.tip,
        due=due,
        expires=(candidate.first_due or due) + rule.expires_after,
        title=fill(rule.message.title, values),
        body=fill(rule.message.body, values),
        key=f"{rule.id}/{candidate.subject}",
        quiet_hours=rule.quiet_hours,
        tags=tuple(rule.tags),
    )


# -- candidates per trigger kind ---------------------------------------------------------


def _candidates(rule: Rule, facts: Facts) -> list[Candidate]:
    trigger = rule.trigger
    if isinstance(trigger, LunchTrigger):
        return _lunch_candidates(rule, trigger, facts)
    if isinstance(trigger, SocialTrigger):
        return _social_candidates(rule, trigger, facts)
    if isinstance(trigger, WordsTrigger):
        return _words_candidates(rule, trigger, facts)
    if isinstance(trigger, PeopleTrigger):
        judged = judge_people(
            facts, trigger.day, trigger.suggested, lambda day: _due(rule, day, facts.settings)
        )
        return [Candidate(j.subject, j.due, j.fires, j.reason, j.values) for j in judged]
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
            **week_values(day.date, facts),
            **day_values(day, settings),
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
            **week_values(occurrence.start.date(), facts),
            **event_values(occurrence, facts.settings),
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
            **week_values(occurrence.start.date(), facts),
            **event_values(occurrence, facts.settings),
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
        values = {
            **week_values(day, facts),
            **progress_values(day, facts),
            "date": day.isoformat(),
            "day": f"{day:%A}",
        }
        due = _due(rule, day, facts.settings)
        fires, reason = True, "weekly"
        if rule.days_off != "send" and _is_off(day, facts):
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
