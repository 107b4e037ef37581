"""The progress report as a JSON-ready document, for scripts.

Dates are ISO 8601 (``2026-03-09``), ``generated`` with its offset; keys always come in the
order below, every outcome and status is present (0 when none), and a redacted report has
no names (``names`` is empty; ``count`` stays)::

    {"generated": "2026-03-27T17:00:00+01:00", "timezone": "Europe/Berlin",
     "redacted": false, "summary": "This week: …",
     "streak": {"current": 2, "best": 4,
                "goals": {"social_lunches": {"current": 2, "best": 4}}},
     "weeks": [
       {"week": "2026-W10", "monday": "2026-03-02", "complete": true, "rest": false,
        "met": true, "streak": 4, "missed": 1,
        "lunches": {"social": 2, "alone": 1, "skipped": 1, "free": 1, "off": 0,
                    "unknown": 0},
        "socials": {"accepted": 2, "tentative": 0, "unanswered": 0, "conflicted": 0,
                    "declined": 1, "cancelled": 0},
        "people": {"count": 4, "names": ["Ana", "Ben", "Chloé", "Dmitri"]},
        "goals": [{"name": "social_lunches", "label": "social lunches", "target": 2,
                   "actual": 2, "met": true, "streak": 4}],
        "days": [{"date": "2026-03-02", "outcome": "skipped", "missed": 0,
                  "future": false}]}]}

``met`` is null in a rest week and in a week without goals. ``outcome`` is one of
``social alone skipped free off unknown``, or ``none`` for a day without any record.
"""

from __future__ import annotations

from typing import Any

from watercooler.progress.model import (
    LUNCH_OUTCOMES,
    SOCIAL_STATUSES,
    DayCell,
    GoalProgress,
    ProgressReport,
    WeekSummary,
)


def report_document(report: ProgressReport) -> dict[str, Any]:
    """The report as plain JSON types, in the documented shape and key order."""
    return {
        "generated": report.generated.isoformat(),
        "timezone": report.timezone,
        "redacted": report.redacted,
        "summary": report.summary,
        "streak": {
            "current": report.streak,
            "best": report.best_streak,
            "goals": {
                name: {"current": current, "best": best}
                for name, (current, best) in report.goal_streaks.items()
            },
        },
        "weeks": [week_document(week, report.redacted) for week in report.weeks],
    }


def week_document(week: WeekSummary, redacted: bool) -> dict[str, Any]:
    """One week: its counts, people, goals and seven days."""
    return {
        "week": week.iso_week,
        "monday": week.monday.isoformat(),
        "complete": week.complete,
        "rest": week.rest,
        "met": week.met,
        "streak": week.streak,
        "missed": week.missed,
        "lunches": {outcome: week.lunches.get(outcome, 0) for outcome in LUNCH_OUTCOMES},
        "socials": {status: week.socials.get(status, 0) for status in SOCIAL_STATUSES},
        "people": {
            "count": len(week.people),
            "names": [] if redacted else [name for name in week.people if name],
        },
        "goals": [_goal(goal) for goal in week.goals],
        "days": [_day(day) for day in week.days],
    }


def _goal(goal: GoalProgress) -> dict[str, Any]:
    return {
        "name": goal.name,
        "label": goal.label,
        "target": goal.target,
        "actual": goal.actual,
        "met": goal.met,
        "streak": goal.streak,
    }


def _day(day: DayCell) -> dict[str, Any]:
    return {
        "date": day.date.isoformat(),
        "outcome": day.outcome,
        "missed": day.missed,
        "future": day.future,
    }
