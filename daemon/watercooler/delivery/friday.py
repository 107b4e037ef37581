"""The week's report, delivered: once a week, at ``report.day`` and ``report.at``.

When the week's moment has come (or came while nothing ran, and its
``report.expires_after_days`` are not over), the tick asks the report's maker for the
title, the text and the HTML once, writes the HTML into the state folder
(``reports/watercooler-2026-W10.html``, ``0600``, atomically) and hands the nudge
``report/2026-W10`` to delivery, which records it before anything is sent: a retry after a
restart sends the same file, and the week's report is never made or sent twice.

It is a message from watercooler itself, like a notice: tip 0, so it never counts against
``notify.daily_cap`` (a busy Friday must not drop the one summary the user asked for, nor
the summary crowd out a nudge), never backs off, and is never dropped because a calendar
changed. Quiet hours defer it, a snooze holds it, a pause drops it, as any message. A day
off changes nothing: the report is about the week, not the day.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Protocol

from watercooler.delivery.ledger import OPEN_STATES, Ledger
from watercooler.errors import WatercoolerError
from watercooler.private_files import write_private
from watercooler.rulebook.nudge import Nudge
from watercooler.settings import Settings
from watercooler.timebox import WEEKDAYS, at_local_time

log = logging.getLogger(__name__)

REPORT_RULE = "report"
"""The rule name of the report's nudges (``report/<ISO year>-W<week>``)."""
REPORTS_DIR = "reports"
"""The folder, inside the state folder, that holds the reports waiting to be sent."""
_PREFIX = "watercooler-"


@dataclass(frozen=True, slots=True)
class WeeklyReportContent:
    """What the week's message says: its title and text, and the full report as HTML."""

    title: str
    body: str
    html: str


class WeeklyReportMaker(Protocol):
    """Makes the week's report: the ``weeks`` weeks up to ``until`` (the week's moment),
    leaving out event titles and people's names when ``redact`` (``notify.redact``)."""

    def __call__(self, *, until: datetime, weeks: int, redact: bool) -> WeeklyReportContent:
        """Return the report's content."""
        ...


@dataclass(frozen=True, slots=True)
class ReportTime:
    """One week's report moment: when it is due, until when it is useful, its week."""

    due: datetime
    expires: datetime
    week: str
    """``2026-W10``: the ISO year and week of the due day."""

    @property
    def key(self) -> str:
        """The nudge key of this week's report."""
        return f"{REPORT_RULE}/{self.week}"


def _report_time(settings: Settings, day: date) -> ReportTime:
    """The report moment of the ISO week holding ``day``."""
    config, zone = settings.report, settings.zone
    monday = day - timedelta(days=day.weekday())
    due_day = monday + timedelta(days=WEEKDAYS.index(config.day))
    due = at_local_time(due_day, config.at, zone)
    expires = at_local_time(due_day + timedelta(days=config.expires_after_days), config.at, zone)
    year, week, _ = due_day.isocalendar()
    return ReportTime(due, expires, f"{year}-W{week:02d}")


def report_due(settings: Settings, now: datetime) -> ReportTime | None:
    """The week's report that is due at ``now`` and still useful: this week's once its
    moment came, else last week's while it has not expired; None when switched off."""
    if not settings.report.deliver:
        return None
    today = now.astimezone(settings.zone).date()
    found = _report_time(settings, today)
    if found.due > now:
        found = _report_time(settings, today - timedelta(days=7))
    return found if found.due <= now < found.expires else None


def next_report_due(settings: Settings, now: datetime) -> datetime | None:
    """When the next week's report falls due after ``now`` (for a daemon's wake-up), None
    when the report is switched off."""
    if not settings.report.deliver:
        return None
    today = now.astimezone(settings.zone).date()
    found = _report_time(settings, today)
    if found.due <= now:
        found = _report_time(settings, today + timedelta(days=7))
    return found.due


def plan_weekly_report(
    ledger: Ledger, settings: Settings, now: datetime, make: WeeklyReportMaker
) -> Nudge | None:
    """The week's report as a nudge for delivery to plan, when it is due at ``now`` and
    was not planned before; its HTML is written first. ``make`` is called only then.

    A maker that fails is a warning, and the next tick tries again; an HTML file that
    cannot be written costs the attachment (the text says where the report is), not the
    message.
    """
    moment = report_due(settings, now)
    if moment is None or ledger.get(moment.key) is not None:
        return None
    try:
        content = make(until=moment.due, weeks=settings.report.weeks, redact=settings.notify.redact)
    except WatercoolerError as error:
        log.warning("could not make the report of %s (trying again): %s", moment.week, error)
        return None
    attach = _write_html(ledger, moment, content.html)
    return Nudge(
        rule=REPORT_RULE,
        tip=0,
        due=moment.due,
        expires=moment.expires,
        title=content.title,
        body=content.body,
        key=moment.key,
        quiet_hours="defer",
        attach=attach,
    )


def _write_html(ledger: Ledger, moment: ReportTime, html: str) -> str | None:
    """Write the report's HTML into the state folder; return its path there (None for a
    database in memory). Reports no longer waiting to be sent are removed."""
    if str(ledger.store.path) == ":memory:":
        return None
    state = ledger.store.path.parent
    name = f"{_PREFIX}{moment.week}.html"
    relative = f"{REPORTS_DIR}/{name}"
    try:
        write_private(state / relative, html.encode("utf-8"))
    except OSError as error:
        log.warning(
            "could not write the report of %s to %s (%s); it goes without its attachment",
            moment.week,
            state / relative,
            error.strerror or error,
        )
    _remove_sent(ledger, state / REPORTS_DIR, keep=name)
    return relative


def _remove_sent(ledger: Ledger, folder: Path, keep: str) -> None:
    """Remove the report files whose nudge is no longer open (sent, expired, dropped, or
    never recorded): ``watercooler report`` makes any week's report again."""
    with contextlib.suppress(OSError):
        for path in folder.glob(f"{_PREFIX}*.html"):
            if path.name == keep:
                continue
            planned = ledger.get(f"{REPORT_RULE}/{path.stem.removeprefix(_PREFIX)}")
            if planned is None or planned.state not in OPEN_STATES:
                path.unlink()
