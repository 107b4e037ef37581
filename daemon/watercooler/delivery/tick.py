"""One tick of the daemon, also run by ``send-due``: read, evaluate, deliver.

Everything arrives as arguments, the clock's reading included, so a test can run a tick
at any moment: before a DST change, after a night of downtime, inside quiet hours. Given a
maker of the week's report, the tick also plans that report once its moment has come
(see :mod:`~watercooler.delivery.friday`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from watercooler.check import CheckResult, run_check
from watercooler.delivery.deliver import Report, deliver
from watercooler.delivery.friday import WeeklyReportMaker, plan_weekly_report, report_due
from watercooler.delivery.ledger import Ledger
from watercooler.delivery.notifier import Notifier
from watercooler.progress.history import history_start, mark_unknown, record_history, snapshot
from watercooler.rulebook.format import (
    LunchTrigger,
    PeopleTrigger,
    Rule,
    SocialTrigger,
    WeeklyTrigger,
)
from watercooler.settings import Settings
from watercooler.sources import CalendarSource
from watercooler.store import Store

if TYPE_CHECKING:
    from watercooler.calendar.timeline import ParsedMemo

DAYS_BACK = 7
DAYS_AHEAD = 7


def watched_rules(rules: Sequence[Rule]) -> frozenset[str]:
    """Rules about a situation the user can change (how lunch went, whether they go to an
    event, a weekly goal); only these back off. A celebration or a Monday plan cannot be
    "ignored" in a way the calendar shows."""
    return frozenset(
        rule.id
        for rule in rules
        if isinstance(rule.trigger, LunchTrigger | SocialTrigger | PeopleTrigger)
        or (isinstance(rule.trigger, WeeklyTrigger) and rule.trigger.below_goal is not None)
    )


def send_due(
    settings: Settings,
    sources: Sequence[CalendarSource],
    rules: Sequence[Rule],
    store: Store,
    notifier: Notifier,
    now: datetime,
    *,
    days_back: int = DAYS_BACK,
    days_ahead: int = DAYS_AHEAD,
    memo: ParsedMemo | None = None,
    weekly_report: WeeklyReportMaker | None = None,
) -> tuple[CheckResult, Report]:
    """Evaluate the rules around ``now`` and deliver what is due; return both results.

    A source that cannot be read does not silence the others: what was read is delivered
    from, and the failures are in the result's ``failed`` for the caller to report. While a
    source is missing, nothing is concluded from its absence (see :func:`deliver`).
    ``weekly_report`` makes the week's report when it is due; None sends none.
    """
    history_from = history_start(store, now, settings.zone, settings.backfill_weeks, days_back)
    result = run_check(
        settings, sources, now, days_back, days_ahead, store=store, rules=rules,
        tolerate_failures=True, memo=memo, history_from=history_from,
    )  # fmt: skip
    facts = result.facts
    ledger = Ledger(store)
    with store.delivering():  # one process at a time claims and sends
        first_run = not ledger.has_run()
        _record_history(store, result, settings, now)
        nudges = list(result.assessment.nudges)
        if weekly_report is not None and _report_after_first_tick(store, settings, now):
            weekly = plan_weekly_report(ledger, settings, now, weekly_report)
            nudges += [weekly] if weekly is not None else []
        report = deliver(
            ledger,
            notifier,
            settings,
            nudges=nudges,
            dropped=result.assessment.dropped,
            situations=result.assessment.situations,
            covered=facts.days.bounds(settings.zone),
            classification=facts.classification,
            watched=watched_rules(rules),
            now=now,
            complete=not result.failed,
            first_run=first_run,
        )
    return result, report


def _record_history(store: Store, result: CheckResult, settings: Settings, now: datetime) -> None:
    """What this tick saw, into the history; after a failed read, only "unknown" for the
    days up to today that have no record."""
    if result.failed:
        today = now.astimezone(settings.zone).date()
        mark_unknown(store, (d for d in result.days.days() if d <= today), now)
        return
    facts = result.facts
    seen = facts.snapshot or snapshot(facts.classification, facts.occurrences, settings)
    record_history(store, seen, now)


def _report_after_first_tick(store: Store, settings: Settings, now: datetime) -> bool:
    """Whether the week's report due now fell due on or after the day watercooler first
    ran here: one due days before that (last Friday's, on a first run on Monday) would
    only repeat the backfill."""
    moment = report_due(settings, now)
    if moment is None:
        return False
    row = store.db.execute("SELECT min(seen) FROM lunch_days").fetchone()
    if row[0] is None:
        return True
    zone = settings.zone
    first = datetime.fromisoformat(str(row[0])).astimezone(zone).date()
    return first <= moment.due.astimezone(zone).date()
