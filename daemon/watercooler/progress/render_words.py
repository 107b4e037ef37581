"""The words every format of the progress report shares: outcome names and characters,
week labels, counts, people, goals and the streak sentence.

Text, Markdown and HTML lay these out differently but say the same thing in the same words,
so what a user reads in the terminal matches the page they open. Pure functions of the
report's plain data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from watercooler.progress.model import LUNCH_OUTCOMES, NO_RECORD, ProgressReport, WeekSummary
from watercooler.text import one_line, printable

OUTCOME_LABELS = {
    "social": "lunch with others",
    "alone": "lunch alone",
    "skipped": "lunch skipped (no free gap)",
    "free": "free, no lunch planned",
    "off": "day off",
    "unknown": "unknown (calendar not read)",
    NO_RECORD: "no record",
}
"""What each lunch outcome of a day means, for legends and tooltips."""
OUTCOME_CHARS = {
    "social": "#",
    "alone": "o",
    "skipped": "x",
    "free": "=",
    "off": "-",
    "unknown": "?",
    NO_RECORD: ".",
}
"""One distinct character per outcome: the heatmap reads without colour too."""
OUTCOME_COLOURS = {
    "social": "#2da44e",
    "alone": "#e3b341",
    "skipped": "#cf222e",
    "free": "#54aeff",
    "off": "#6e7781",
    "unknown": "#8250df",
    NO_RECORD: "#d0d7de",
}
"""One fixed colour per outcome (and the neutral no-record cell), the same in light and
dark mode and in the terminal, so a screenshot can be checked cell by cell."""
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
NAMES_SHOWN = 3
"""At most this many names per week; the rest are counted ("+2")."""
NAME_LIMIT = 40
"""A name is cut to this many characters (it comes from a calendar)."""


def plural(count: int, noun: str) -> str:
    """``1 week``, ``3 weeks``."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def week_label(week: WeekSummary) -> str:
    """``2026-W10 · Mon 02 Mar 2026``: the ISO week and its Monday."""
    return f"{week.iso_week} · Mon {week.monday:%d %b %Y}"


def counts_text(counts: Mapping[str, int], order: Iterable[str]) -> str:
    """``2 social, 1 alone``: the non-zero counts in ``order``; ``none`` when all are 0."""
    parts = [f"{counts[key]} {key}" for key in order if counts.get(key, 0)]
    return ", ".join(parts) or "none"


def people_names(week: WeekSummary, redacted: bool) -> str:
    """The first few names and ``+N`` for the rest; "" when redacted or nobody was met."""
    names = [printable(name, NAME_LIMIT) for name in week.people if name.strip()]
    if redacted or not names:
        return ""
    shown = ", ".join(names[:NAMES_SHOWN])
    rest = len(week.people) - min(len(names), NAMES_SHOWN)
    return f"{shown} +{rest}" if rest > 0 else shown


def people_text(week: WeekSummary, redacted: bool) -> str:
    """``4 (Ana, Ben, Chloé +1)``, or just the count when redacted."""
    names = people_names(week, redacted)
    return f"{len(week.people)} ({names})" if names else str(len(week.people))


def goal_mark(week: WeekSummary) -> str:
    """``✓``, ``✗``, ``rest week`` or ``no goals``."""
    if week.rest:
        return "rest week"
    if week.met is None:
        return "no goals"
    return "✓" if week.met else "✗"


def goal_details(week: WeekSummary) -> str:
    """``social lunches 2/2, people met 3/3``: each goal set, actual against target."""
    return ", ".join(f"{one_line(goal.label)} {goal.actual}/{goal.target}" for goal in week.goals)


def streak_sentence(report: ProgressReport) -> str:
    """The report's run sentence (see :func:`run_sentence`)."""
    return run_sentence(report.weeks, report.streak, report.best_streak)


def run_sentence(weeks: Sequence[WeekSummary], streak: int, best_streak: int) -> str:
    """The current run and the best one, in words that look forward: a week without its
    goals is where a new run can start, never a loss. One sentence for every place that
    speaks of the run (the report's formats, the Friday report, the weekly reflection)."""
    if not weeks or not any(week.goals for week in weeks):
        return "No weekly goals are set, so there is no streak to keep yet."
    latest = weeks[-1]
    best = f"Best run: {plural(best_streak, 'week')}." if best_streak else ""
    if streak == 0:
        start = "Next week" if latest.complete else "This week"
        return " ".join(filter(None, [f"{start} can start a new streak.", best]))
    run = f"Streak: {plural(streak, 'week')} in a row with every goal met"
    if latest.met:
        run += ", this week included."
    elif latest.rest:
        run += "; this rest week keeps it."
    else:
        upcoming = "next week" if latest.complete else "this week"
        run += f"; {upcoming} can make it {streak + 1}."
    return " ".join(filter(None, [run, best]))


def goal_streaks_sentence(report: ProgressReport) -> str:
    """``social lunches: 2 weeks (best 4) · people met: 1 week (best 3)``; "" without goals."""
    labels = {goal.name: goal.label for week in report.weeks for goal in week.goals}
    parts = [
        f"{labels.get(name, name)}: {plural(current, 'week')} (best {best})"
        for name, (current, best) in report.goal_streaks.items()
    ]
    return " · ".join(parts)


def summary_text(report: ProgressReport) -> str:
    """The report's summary sentence on one line, without control characters."""
    return " ".join(one_line(report.summary).split())


def legend_items() -> list[tuple[str, str]]:
    """(outcome, label) for every outcome and the no-record cell, in the report's order."""
    return [(outcome, OUTCOME_LABELS[outcome]) for outcome in (*LUNCH_OUTCOMES, NO_RECORD)]
