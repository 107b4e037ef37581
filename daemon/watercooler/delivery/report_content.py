"""The Friday report's content, made from the stored history: a short text for the
message and the whole HTML report to attach.

With ``notify.redact`` nobody's name is in either (the report never carries event
titles): only counts, goals and runs leave the machine.
"""

from __future__ import annotations

from datetime import datetime

from watercooler.delivery.friday import WeeklyReportContent, WeeklyReportMaker
from watercooler.progress.model import ProgressReport
from watercooler.progress.render_html import render_html
from watercooler.progress.render_words import streak_sentence
from watercooler.progress.report import build_report, dismissed_entries, stored_history
from watercooler.settings import Settings
from watercooler.store import Store


def report_maker(store: Store, settings: Settings) -> WeeklyReportMaker:
    """The maker ``send_due`` calls when the week's report is due."""

    def make(*, until: datetime, weeks: int, redact: bool) -> WeeklyReportContent:
        history = stored_history(store, settings, until)
        report = build_report(
            history, settings, until, weeks=weeks, dismissed=dismissed_entries(store),
            redact=redact,
        )  # fmt: skip
        return WeeklyReportContent(_title(report), _body(report), render_html(report))

    return make


def _title(report: ProgressReport) -> str:
    week = report.weeks[-1] if report.weeks else None
    if week is None:
        return "Your week with watercooler"
    social = week.lunches["social"]
    people = len(week.people)
    return (
        f"Your week {week.iso_week}: {social} social {'lunch' if social == 1 else 'lunches'}, "
        f"{people} {'person' if people == 1 else 'people'} met"
    )


def _body(report: ProgressReport) -> str:
    """The summary, and whom you met (only when not redacted)."""
    week = report.weeks[-1] if report.weeks else None
    text = f"{report.summary} {streak_sentence(report)}"
    if week is None or not week.people or report.redacted:
        return text
    return f"{text}\nMet: {', '.join(week.people[:8])}."
