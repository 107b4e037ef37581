"""The daemon's work, one step at a time: poll, and evaluate and deliver only when needed.

The engine is the stages put together — sources, timeline, rules, delivery — with what
a long-running process adds: it keeps what it parsed in memory between steps, it knows
when the next thing falls due, and it remembers which calendars have been failing and
since when. It never reads a clock: each :meth:`Engine.step` is handed ``now``, so the
real daemon, the demo's simulated week and the tests drive the same code.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from watercooler.calendar.timeline import ParsedMemo
from watercooler.check import open_sources
from watercooler.delivery.deliver import Report
from watercooler.delivery.friday import next_report_due
from watercooler.delivery.ledger import Ledger
from watercooler.delivery.tick import send_due
from watercooler.errors import WatercoolerError
from watercooler.retention import prune
from watercooler.service.config import Config
from watercooler.service.polling import Polled, is_caldav, poll
from watercooler.service.record import DaemonRecord, write_record
from watercooler.service.trouble import Troubles
from watercooler.sources.base import CalendarSource, Clock
from watercooler.sources.caldav_state import clear_refusal
from watercooler.store import Store
from watercooler.text import short_time

log = logging.getLogger(__name__)

UNREACHABLE = "the server could not be reached; the last copy read stays in use"
"""A poll's result for a calendar served from its cache (its error is in the log)."""
RETRY_AFTER_ERROR = timedelta(seconds=60)
"""When a step failed for a reason of our own (a full disk, a bug), look again after this."""


@dataclass(slots=True)
class StepResult:
    """What one step did, for the caller's log and status."""

    polled: bool = False
    changed: bool = False
    evaluated: bool = False
    report: Report | None = None


@dataclass(slots=True)
class Engine:
    """The state a running daemon keeps between steps."""

    config: Config
    store: Store
    clock: Clock
    """Handed to the sources (CalDAV keeps its backoff schedule by it)."""
    started: datetime
    memo: ParsedMemo = field(default_factory=ParsedMemo)
    sources: list[CalendarSource] = field(default_factory=list)
    polled: list[Polled] = field(default_factory=list)
    revisions: tuple[str, ...] | None = None
    next_poll: datetime | None = None
    next_due: datetime | None = None
    evaluated_day: str = ""
    pruned_day: str = ""
    dirty: bool = True
    """The config changed (or nothing was evaluated yet): evaluate at the next step."""
    record: DaemonRecord = field(default_factory=DaemonRecord)
    saved: DaemonRecord | None = None
    """The record as last written."""
    opened: bool = False
    troubles: Troubles = field(default_factory=Troubles)

    def __post_init__(self) -> None:
        self.record.started = self.started.isoformat()
        self.record.degraded = list(self.config.degraded)
        # The sources are opened by the first step, in the worker after READY: opening a
        # CalDAV one loads its client library, which a start must not wait for.
        self.opened = False

    # -- what the loop calls ----------------------------------------------------------

    def replace_config(self, config: Config) -> None:
        """Take a reloaded config: its rules apply at the next step, and the calendars are
        polled again at once with it (a password file may have changed: a refusal the
        server gave the old password is forgotten, so the new one is tried now)."""
        self.config = config
        self.dirty = True
        self.record.degraded = list(config.degraded)
        for source in self.sources:
            if is_caldav(source):
                clear_refusal(self.store, source.url)  # type: ignore[attr-defined]
        self._open_sources()
        self.next_poll = None

    def poll_soon(self) -> None:
        """Poll at the next step (after a suspend, a clock jump, or a signal)."""
        self.next_poll = None

    def step(self, now: datetime) -> StepResult:
        """Poll if a poll is due, then evaluate and deliver if anything calls for it."""
        result = StepResult()
        if not self.opened:
            self._open_sources()
        if self.next_poll is None or now >= self.next_poll:
            result.polled = True
            result.changed = self._poll(now)
        if result.changed or self._evaluation_due(now):
            result.evaluated = True
            result.report = self._evaluate(now)
        self.troubles.announce(self.config, now)
        self._save(now)
        return result

    def next_wake(self, now: datetime) -> datetime:
        """The earliest moment something is due: a poll, a nudge (or its retry, the end of
        its snooze or of quiet hours), or the next local day."""
        zone = self.config.settings.zone
        tomorrow = (now.astimezone(zone) + timedelta(days=1)).date()
        midnight = datetime(tomorrow.year, tomorrow.month, tomorrow.day, tzinfo=zone)
        moments = [midnight, self.next_poll or now]
        if self.next_due is not None:
            moments.append(self.next_due)
        return max(now, min(moments))

    # -- polling ------------------------------------------------------------------------

    def _open_sources(self) -> None:
        self.opened = True
        settings = self.config.settings
        try:
            self.sources = open_sources(settings, (), self.store, self.clock, honour_backoff=True)
        except WatercoolerError as error:
            log.error("%s", error)
            self.sources = []
        if not self.sources:
            log.warning("%s", settings.missing_sources_message())
        self.revisions = None

    def _poll(self, now: datetime) -> bool:
        """Poll every source; True when a calendar's content changed (or a source failed
        or recovered, which changes what can be concluded)."""
        interval = timedelta(seconds=self.config.settings.poll_interval)
        self.next_poll = now + interval
        polled = [poll(source) for source in self.sources]
        self.polled = polled
        self.troubles.observe(polled, now)
        revisions = tuple(p.revision for p in polled)
        failed = [str(p.error) for p in polled if p.error is not None]
        failed += [f"{p.snapshot.label}: {UNREACHABLE}" for p in polled if p.unreachable]
        self.record.polls += 1
        self.record.failed_polls += 1 if failed else 0
        self.record.last_poll = now.isoformat()
        self.record.last_poll_result = "\n".join(failed) if failed else "ok"
        self.record.auth_failing = [p.snapshot.label for p in polled if p.refused]
        changed = revisions != self.revisions
        self.revisions = revisions
        return changed

    # -- evaluating and delivering ------------------------------------------------------

    def _evaluation_due(self, now: datetime) -> bool:
        if self.dirty or not self.polled:
            return self.dirty and bool(self.polled)
        if now.astimezone(self.config.settings.zone).date().isoformat() != self.evaluated_day:
            return True
        return self.next_due is not None and now >= self.next_due

    def _evaluate(self, now: datetime) -> Report | None:
        # The report's renderers are needed on Fridays only: not before READY.
        from watercooler.delivery.report_content import report_maker

        config = self.config
        self.dirty = False
        self.evaluated_day = now.astimezone(config.settings.zone).date().isoformat()
        try:
            result, report = send_due(
                config.settings,
                [p.snapshot for p in self.polled],
                list(config.rules),
                self.store,
                config.notifier,
                now,
                memo=self.memo,
                weekly_report=report_maker(self.store, config.settings),
            )
        except WatercoolerError as error:
            log.error("the tick failed: %s; trying again in a minute", error)
            self.next_due = now + RETRY_AFTER_ERROR
            return None
        self._prune_daily(now, complete=not result.failed)
        moments = [next_due(Ledger(self.store), now), next_report_due(config.settings, now)]
        self.next_due = min((m for m in moments if m is not None), default=None)
        self.record.failed_sends += report.count("failed")
        self.record.next_nudge = self.next_due.isoformat() if self.next_due else ""
        _say_missed(report, config, now)
        return report

    def _prune_daily(self, now: datetime, *, complete: bool) -> None:
        """Once a local day, drop what the store no longer needs (see retention); the
        parse cache only after a read of every calendar (it says what is still used)."""
        if self.pruned_day == self.evaluated_day:
            return
        settings = self.config.settings
        try:
            prune(
                self.store,
                now,
                retention_days=settings.retention_days,
                history_days=settings.history_days,
                keep_parsed=self.memo.used if complete else None,
            )
        except (WatercoolerError, sqlite3.Error) as error:
            log.warning("could not prune the state database (tried again tomorrow): %s", error)
        self.pruned_day = self.evaluated_day

    def _save(self, now: datetime) -> None:
        """Record the status for ``status``, when it changed (a quiet minute writes
        nothing: every commit is a sync to the disk)."""
        self.record.next_wake = self.next_wake(now).isoformat()
        if self.record == self.saved:
            return
        try:
            write_record(self.store, self.record)
        except WatercoolerError as error:
            log.warning("cannot record the daemon's status: %s", error)
            return
        self.saved = replace(self.record, degraded=list(self.record.degraded),
                             auth_failing=list(self.record.auth_failing))  # fmt: skip

    def status_line(self, now: datetime) -> str:
        """The one line for the service manager."""
        zone = self.config.settings.zone
        return self.record.summary(
            lambda text: short_time(datetime.fromisoformat(text), zone, now=now)
        )


def next_due(ledger: Ledger, now: datetime) -> datetime | None:
    """When the ledger next needs a look: the earliest open nudge's due time, or its
    next attempt (a retry, the end of a snooze or of quiet hours) when that is later."""
    moments = []
    for planned in ledger.in_states("pending", "failed"):
        moment = planned.due
        if planned.next_attempt is not None and planned.next_attempt > moment:
            moment = planned.next_attempt
        moments.append(moment)
    later = [moment for moment in moments if moment > now]
    return min(later) if later else None


def _say_missed(report: Report, config: Config, now: datetime) -> None:
    """Nudges whose time passed while the daemon was not running: one line, not one each."""
    missed = report.missed()
    if not missed:
        return
    zone = config.settings.zone
    names = ", ".join(
        f"{short_time(outcome.due, zone, now=now)} {outcome.title}" for outcome in missed[:3]
    )
    more = f" and {len(missed) - 3} more" if len(missed) > 3 else ""
    log.warning(
        "%d nudge(s) expired before they could be sent (watercooler was not running, or "
        "the machine slept): %s%s",
        len(missed),
        names,
        more,
    )
