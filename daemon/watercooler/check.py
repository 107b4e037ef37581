"""The ``check`` job: read the sources, build the timeline and classify a range of days.

Everything it needs arrives as arguments (settings, sources, ``now``), so the same
function serves the CLI, the demo, the tests and, later, the daemon's poll loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from watercooler.calendar.records import Occurrence, Window, in_window
from watercooler.calendar.timeline import ParsedMemo, Progress, read_timeline
from watercooler.classify.classifier import Classification, classify
from watercooler.errors import ConfigError, SourceError, validation_message
from watercooler.progress.history import overlay, snapshot, without_forgotten
from watercooler.progress.report import dismissed_entries, stored_history
from watercooler.rulebook.evaluate import Assessment, assess
from watercooler.rulebook.format import LunchTrigger, PeopleTrigger, Rule, WeeklyTrigger
from watercooler.rulebook.values import Facts
from watercooler.settings import Settings, SourceSettings
from watercooler.sources import CalendarSource, open_source
from watercooler.sources.base import Clock
from watercooler.store import Store
from watercooler.timebox import DateRange
from watercooler.urls import redact_url


@dataclass(frozen=True, slots=True)
class CheckResult:
    """What ``check`` found: the moment it looked, the days and the social events."""

    now: datetime
    timezone: str
    days: DateRange
    classification: Classification
    facts: Facts
    """Everything the rules saw, history before the range included."""
    assessment: Assessment
    failed: tuple[str, ...] = ()
    """Why each source that could not be read failed (only when failures were tolerated:
    then the rest was read, and the result lacks the failed sources' events)."""
    empty: tuple[str, ...] = ()
    """The sources that were read but have no event in the range."""
    read: int = 0
    """How many sources were read."""

    @property
    def nothing_in_range(self) -> bool:
        """Whether every source was read and none has an event in the range."""
        return self.read > 0 and len(self.empty) == self.read and not self.failed

    @property
    def nudges(self) -> list[dict[str, Any]]:
        """The nudges due in the range, in due order, as ``check`` JSON."""
        return [nudge.document() for nudge in self.assessment.nudges]


def day_range(now: datetime, days_back: int, days_ahead: int) -> DateRange:
    """Whole local days from ``now``'s date minus ``days_back`` to plus ``days_ahead``."""
    today = now.date()
    return DateRange(today - timedelta(days=days_back), today + timedelta(days=days_ahead))


def open_sources(
    settings: Settings,
    overrides: Sequence[str],
    store: Store,
    clock: Clock,
    *,
    honour_backoff: bool = False,
) -> list[CalendarSource]:
    """Return the configured sources, or the ``--source`` overrides in their place.

    An override URL takes its credentials from the configured source with the same URL.
    The same calendar given twice is read once (its events would otherwise count twice).
    """
    configured = {source.url.strip(): source for source in settings.sources}
    chosen = (
        [configured.get(url.strip()) or _override(url) for url in overrides]
        if overrides
        else list(settings.sources)
    )
    unique: dict[str, SourceSettings] = {}
    for source in chosen:
        unique.setdefault(_same_calendar(source.url), source)
    chosen = list(unique.values())
    cache_dir = settings.resolved_state_dir() / "cache"
    return [
        open_source(
            source, cache_dir=cache_dir, store=store, clock=clock, honour_backoff=honour_backoff
        )
        for source in chosen
    ]


def _same_calendar(url: str) -> str:
    """One form for URLs and paths that name the same calendar: ``~`` expanded, a path made
    absolute, a trailing slash dropped."""
    text = url.strip()
    if "://" in text:
        return text.rstrip("/")
    return str(Path(text).expanduser().resolve())


def _override(url: str) -> SourceSettings:
    """A ``--source`` that no ``[[sources]]`` entry configures; ConfigError if unusable."""
    try:
        return SourceSettings(url=url)
    except ValidationError as error:
        reasons = "; ".join(validation_message(detail) for detail in error.errors())
        raise ConfigError(f"--source {redact_url(url)}: {reasons}") from None


def run_check(
    settings: Settings,
    sources: Sequence[CalendarSource],
    now: datetime,
    days_back: int = 7,
    days_ahead: int = 7,
    progress: Progress | None = None,
    store: Store | None = None,
    rules: Sequence[Rule] = (),
    *,
    tolerate_failures: bool = False,
    memo: ParsedMemo | None = None,
    history_from: date | None = None,
) -> CheckResult:
    """Read every source and classify the days around ``now`` (in the user's zone).

    With rules, the days before the range are read too (back to its first Monday and far
    enough for the longest lunch streak) and a day after it, so a nudge does not depend on
    where the range starts: a Friday reflection counts its whole week, a streak its days.
    With ``tolerate_failures``, a source that cannot be read is listed in ``failed``
    instead of raising, and the others are still read. The daemon passes its ``memo`` so
    that objects unchanged since its last tick are not read again. ``history_from`` reaches
    the classified days back to that date (the history's backfill), not the nudges' range.
    """
    zone = settings.zone
    local_now = now.astimezone(zone)
    days = day_range(local_now, days_back, days_ahead)
    seen = _with_history(days, rules) if rules else days
    if history_from is not None and history_from < seen.first:
        seen = DateRange(history_from, seen.last)
    start, end = seen.bounds(zone)
    window = Window(start=start, end=end, zone=zone, cap=settings.max_occurrences)
    tally = _Tally(days.bounds(zone))
    on_failure = tally.failure if tolerate_failures else None
    occurrences = read_timeline(sources, window, progress, store, on_failure, tally.read, memo)
    classification = classify(occurrences, seen.days(), settings)
    facts = _facts(classification, occurrences, seen, days, settings, local_now, store, rules)
    return CheckResult(
        now=local_now,
        timezone=zone_name(settings),
        days=days,
        classification=_within(classification, days),
        facts=facts,
        assessment=assess(list(rules), facts),
        failed=tuple(tally.failed),
        empty=tuple(tally.empty),
        read=tally.read_count,
    )


def _facts(
    classification: Classification,
    occurrences: list[Occurrence],
    seen: DateRange,
    days: DateRange,
    settings: Settings,
    now: datetime,
    store: Store | None,
    rules: Sequence[Rule],
) -> Facts:
    """What the rules see. With a store: this read's snapshot of the history (which a tick
    records), and, when a rule looks back further (a weekly or people rule), the stored
    history with the snapshot laid over it, and the journal's dismissals."""
    if store is None or not rules:
        return Facts(classification, tuple(occurrences), seen, settings, days)
    fresh = without_forgotten(snapshot(classification, occurrences, settings), store)
    history, dismissed = None, frozenset[str]()
    if any(isinstance(rule.trigger, WeeklyTrigger | PeopleTrigger) for rule in rules):
        history = overlay(stored_history(store, settings, now), fresh)
        dismissed = frozenset(dismissed_entries(store))
    return Facts(
        classification, tuple(occurrences), seen, settings, days, history=history,
        dismissed=dismissed, snapshot=fresh,
    )  # fmt: skip


@dataclass(slots=True)
class _Tally:
    """What happened to each source while the timeline was read."""

    range: tuple[datetime, datetime]
    failed: list[str] = field(default_factory=list)
    empty: list[str] = field(default_factory=list)
    read_count: int = 0

    def failure(self, _source: CalendarSource, error: SourceError) -> None:
        self.failed.append(str(error))

    def read(self, source: CalendarSource, occurrences: list[Occurrence]) -> None:
        self.read_count += 1
        if not any(in_window(occurrence, *self.range) for occurrence in occurrences):
            self.empty.append(source.label)


def _with_history(days: DateRange, rules: Sequence[Rule]) -> DateRange:
    streak = max(
        (r.trigger.in_last_workdays for r in rules if isinstance(r.trigger, LunchTrigger)),
        default=1,
    )
    back = max(days.first.weekday(), streak * 7 // 5 + 7)
    return DateRange(days.first - timedelta(days=back), days.last + timedelta(days=2))


def _within(classification: Classification, days: DateRange) -> Classification:
    """The part of a classification inside the range: its days, and social events starting
    in it."""
    return Classification(
        tuple(d for d in classification.days if days.first <= d.date <= days.last),
        tuple(
            s for s in classification.social if days.first <= s.occurrence.start.date() <= days.last
        ),
    )


def zone_name(settings: Settings) -> str:
    """The user's zone as an IANA name."""
    return settings.timezone or str(getattr(settings.zone, "key", settings.zone))
