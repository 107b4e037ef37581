"""The progress report as Markdown, to paste into notes: a table with a row per week, the
heatmap as a text block, and the streak.

The table's cells are escaped (a name from a calendar cannot break the table or add
markup); the heatmap is the terminal's, without colour, in a fenced block.
"""

from __future__ import annotations

import re

from watercooler.progress.model import SOCIAL_STATUSES, ProgressReport, WeekSummary
from watercooler.progress.render_text import heatmap_lines
from watercooler.progress.render_words import (
    counts_text,
    goal_details,
    goal_mark,
    goal_streaks_sentence,
    people_text,
    plural,
    streak_sentence,
    summary_text,
)

COLUMNS = (
    "Week",
    "Monday",
    "Social",
    "Alone",
    "Skipped",
    "Free",
    "Off",
    "Unknown",
    "Socials",
    "People met",
    "Goals",
    "Streak",
)
OUTCOME_COLUMNS = ("social", "alone", "skipped", "free", "off", "unknown")
ALIGN = ("---", "---", *["--:"] * 6, "---", "---", "---", "--:")
"""Counts right-aligned, words left."""
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")


def render_markdown(report: ProgressReport) -> str:
    """The whole report as Markdown, ending in a newline."""
    made = f"{report.generated:%a %d %b %Y %H:%M} ({report.timezone})"
    lines = [
        "# watercooler progress",
        "",
        f"{plural(len(report.weeks), 'week')}, made {escape(made)}.",
    ]
    if report.summary:
        lines += ["", escape(summary_text(report))]
    lines += ["", *table_lines(report), ""]
    lines += ["```", *heatmap_lines(report, color=False), "```", ""]
    lines.append(escape(streak_sentence(report)))
    per_goal = goal_streaks_sentence(report)
    if per_goal:
        lines += ["", escape(f"Per goal: {per_goal}.")]
    return "\n".join(lines) + "\n"


def table_lines(report: ProgressReport) -> list[str]:
    """The header, the alignment row and one row per week, oldest first."""
    lines = [_row(COLUMNS), "|" + "|".join(ALIGN) + "|"]
    lines += [_row(_cells(week, report.redacted)) for week in report.weeks]
    return lines


def _cells(week: WeekSummary, redacted: bool) -> list[str]:
    goals = goal_mark(week)
    if week.goals and not week.rest:
        goals = f"{goals} {goal_details(week)}"
    state = "" if week.complete else " (under way)"
    return [
        f"{week.iso_week}{state}",
        week.monday.isoformat(),
        *(str(week.lunches.get(outcome, 0)) for outcome in OUTCOME_COLUMNS),
        counts_text(week.socials, SOCIAL_STATUSES),
        people_text(week, redacted),
        goals,
        str(week.streak),
    ]


def _row(cells: tuple[str, ...] | list[str]) -> str:
    return "| " + " | ".join(escape(cell) for cell in cells) + " |"


def escape(text: str) -> str:
    """``text`` as literal Markdown: its markup characters backslash-escaped, line breaks
    made spaces (a table row is one line)."""
    return _SPECIAL.sub(r"\\\1", " ".join(text.split()))
