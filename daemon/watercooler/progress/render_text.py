"""The progress report for the terminal: the weeks, a heatmap of days, the streak.

Every line fits 100 columns. The heatmap has a row per weekday and a column per week, as
on GitHub; each day is one character per outcome (readable without colour, with a
legend), coloured with 24-bit ANSI codes when asked. Many weeks wrap into blocks.
"""

from __future__ import annotations

import math
import textwrap

from watercooler.progress.model import LUNCH_OUTCOMES, SOCIAL_STATUSES, ProgressReport, WeekSummary
from watercooler.progress.render_words import (
    OUTCOME_CHARS,
    OUTCOME_COLOURS,
    WEEKDAYS,
    counts_text,
    goal_details,
    goal_mark,
    goal_streaks_sentence,
    legend_items,
    people_text,
    plural,
    streak_sentence,
    summary_text,
    week_label,
)

WIDTH = 100
"""No line is longer than this."""
LABEL = 5
"""The width of the weekday labels left of the heatmap (and of the year above them)."""
MAX_BLOCK_WEEKS = (WIDTH - LABEL) // 2
RESET = "\x1b[0m"
MARK_COLOURS = {"✓": "#2da44e", "✗": "#cf222e"}


def render_text(report: ProgressReport, *, color: bool) -> str:
    """The whole report as terminal text, ending in a newline."""
    lines = [_fit(_title(report))]
    if report.summary:
        lines += textwrap.wrap(summary_text(report), WIDTH)
    lines.append("")
    for week in report.weeks:
        lines += _week_lines(week, report.redacted, color=color)
    lines.append("")
    lines += heatmap_lines(report, color=color)
    lines.append("")
    lines += textwrap.wrap(streak_sentence(report), WIDTH)
    per_goal = goal_streaks_sentence(report)
    if per_goal:
        lines += textwrap.wrap(f"Per goal: {per_goal}.", WIDTH)
    return "\n".join(lines) + "\n"


def _title(report: ProgressReport) -> str:
    span = ""
    if report.weeks:
        span = f" · {report.weeks[0].iso_week} – {report.weeks[-1].iso_week}"
    made = f"{report.generated:%a %d %b %Y %H:%M} ({report.timezone})"
    return f"watercooler progress{span} · {plural(len(report.weeks), 'week')}, made {made}"


def _week_lines(week: WeekSummary, redacted: bool, *, color: bool) -> list[str]:
    """A header line (week, goal, streak) and the week's details wrapped under it."""
    mark = goal_mark(week)
    state = "" if week.complete else "  (under way)"
    head = f"{week_label(week)}   goal {mark:<9}  streak {week.streak}{state}"
    if color and mark in MARK_COLOURS:
        head = head.replace(f"goal {mark}", f"goal {_paint(mark, MARK_COLOURS[mark])}", 1)
    details = [
        f"lunches {counts_text(week.lunches, LUNCH_OUTCOMES)}",
        f"socials {counts_text(week.socials, SOCIAL_STATUSES)}",
        f"people met {people_text(week, redacted)}",
    ]
    if week.goals:
        details.append(f"goals {goal_details(week)}")
    if week.missed:
        details.append(f"missed chances {week.missed}")
    body = textwrap.wrap(
        " · ".join(details),
        WIDTH,
        initial_indent=" " * 4,
        subsequent_indent=" " * 6,
        break_on_hyphens=False,
    )
    return [head, *body]


def heatmap_lines(report: ProgressReport, *, color: bool) -> list[str]:
    """The heatmap, in blocks of weeks that fit the width, and its legend."""
    weeks = report.weeks
    lines: list[str] = []
    if weeks:
        blocks = math.ceil(len(weeks) / MAX_BLOCK_WEEKS)
        size = math.ceil(len(weeks) / blocks)
        for start in range(0, len(weeks), size):
            if lines:
                lines.append("")
            lines += _block(weeks[start : start + size], color=color)
    return [*lines, *legend_lines(color=color)]


def _block(weeks: tuple[WeekSummary, ...], *, color: bool) -> list[str]:
    """The year and month names over the columns, then a row per weekday."""
    header = [" "] * (LABEL + 2 * len(weeks))
    header[: LABEL - 1] = f"{weeks[0].monday.year:<{LABEL - 1}}"
    previous = None
    for column, week in enumerate(weeks):
        month = week.monday.strftime("%b")
        at = LABEL + 2 * column
        if month != previous and all(c == " " for c in header[max(at - 1, 0) : at + 3]):
            header[at : at + 3] = month
        previous = month
    rows = ["".join(header).rstrip()]
    for weekday, name in enumerate(WEEKDAYS):
        cells = [_cell(week.days[weekday].outcome, color=color) for week in weeks]
        rows.append(f"{name:<{LABEL}}" + " ".join(cells))
    return rows


def _cell(outcome: str, *, color: bool) -> str:
    char = OUTCOME_CHARS.get(outcome, "?")
    return _paint(char, OUTCOME_COLOURS[outcome]) if color and outcome in OUTCOME_COLOURS else char


def legend_lines(*, color: bool) -> list[str]:
    """``# lunch with others  o lunch alone …``, in as few lines as fit."""
    lines: list[str] = []
    line, length = "", 0
    for outcome, label in legend_items():
        item = f"{_cell(outcome, color=color)} {label}"
        item_length = len(label) + 2
        if line and length + 2 + item_length > WIDTH:
            lines.append(line)
            line, length = "", 0
        line = f"{line}  {item}" if line else item
        length += item_length + (2 if length else 0)
    return [*lines, line]


def _paint(text: str, colour: str) -> str:
    """``text`` in a 24-bit ANSI foreground colour (``#rrggbb``), bold."""
    red, green, blue = (int(colour[index : index + 2], 16) for index in (1, 3, 5))
    return f"\x1b[1;38;2;{red};{green};{blue}m{text}{RESET}"


def _fit(line: str) -> str:
    return line if len(line) <= WIDTH else line[: WIDTH - 1] + "…"
