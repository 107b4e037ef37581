"""The report page's pictures as inline SVG: the heatmap of days and the weekly trends.

The heatmap is GitHub's: a column per week, a row per weekday (Monday on top), one
``rect`` per day filled with the fixed colour of its lunch outcome
(:data:`~watercooler.progress.render_words.OUTCOME_COLOURS`, the same in light and dark
mode). A trend is one ``circle`` per week, joined by a faint line, with the week's goal as
a dashed step. Each SVG scales with its ``viewBox``; text takes the page's colour. Every
piece of text is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

from watercooler.progress.model import WeekSummary
from watercooler.progress.render_words import OUTCOME_COLOURS, OUTCOME_LABELS, WEEKDAYS

CELL = 11
"""A day's square, in SVG units."""
PITCH = 13
"""From one day's square to the next (the square and the gap)."""
LEFT = 30
"""The weekday labels' column, left of the first week."""
TOP = 16
"""The month labels' row, above Monday."""
SCALE = 2
"""A heatmap is drawn at most this many CSS pixels per unit (smaller on a narrow screen)."""
MAX_BLOCK_WEEKS = 26
"""More weeks than this wrap into several heatmaps (half a year each at most)."""
TREND_WIDTH, TREND_HEIGHT = 480, 150
TREND_LEFT, TREND_RIGHT, TREND_TOP, TREND_BOTTOM = 30, 8, 12, 128
SERIES_COLOURS = {"social_lunches": "#0969da", "people": "#bf3989", "socials": "#1a7f37"}
"""The fill of each trend's points (their line is the same colour, faint)."""


@dataclass(frozen=True, slots=True)
class Trend:
    """One measure per week, drawn as one chart."""

    goal: str
    """The goal it is measured against (``social_lunches``, ``people``, ``socials``)."""
    title: str
    value: Callable[[WeekSummary], int]
    """The measure when the week has no such goal (a goal's own ``actual`` wins)."""


TRENDS = (
    Trend("social_lunches", "Social lunches per week", lambda week: week.lunches.get("social", 0)),
    Trend("people", "People met per week", lambda week: len(week.people)),
    Trend("socials", "Socials attended per week", lambda week: week.socials.get("accepted", 0)),
)


def heatmap_blocks(weeks: Sequence[WeekSummary]) -> list[Sequence[WeekSummary]]:
    """The weeks split into as few heatmaps as :data:`MAX_BLOCK_WEEKS` allows, of even size."""
    if not weeks:
        return []
    size = math.ceil(len(weeks) / math.ceil(len(weeks) / MAX_BLOCK_WEEKS))
    return [weeks[start : start + size] for start in range(0, len(weeks), size)]


def heatmap_svg(weeks: Sequence[WeekSummary]) -> str:
    """One heatmap: month labels on top, weekday labels left, a square per day."""
    width, height = LEFT + PITCH * len(weeks), TOP + PITCH * 7
    first, last = weeks[0], weeks[-1]
    label = f"Lunch outcome per day, {first.iso_week} to {last.iso_week}"
    parts = [
        f'<svg class="heatmap" viewBox="0 0 {width} {height}" width="{width * SCALE}" '
        f'role="img" aria-label="{escape(label)}" data-weeks="{len(weeks)}">'
    ]
    parts += [
        f'<text x="0" y="{TOP + PITCH * row + CELL - 2}" class="axis">{name}</text>'
        for row, name in enumerate(WEEKDAYS)
        if row % 2 == 0
    ]
    previous, labelled = "", -2
    for column, week in enumerate(weeks):
        month = f"{week.monday:%b}"
        if month != previous and labelled < column - 1 and column < len(weeks) - 1:
            x = LEFT + PITCH * column
            parts.append(f'<text x="{x}" y="{TOP - 5}" class="axis">{escape(month)}</text>')
            labelled = column
        previous = month
        parts += [_day_rect(week, column, row) for row in range(7)]
    parts.append("</svg>")
    return "\n".join(parts)


def _day_rect(week: WeekSummary, column: int, row: int) -> str:
    day = week.days[row]
    colour = OUTCOME_COLOURS.get(day.outcome, OUTCOME_COLOURS["unknown"])
    what = OUTCOME_LABELS.get(day.outcome, day.outcome)
    if day.missed:
        what += f", {day.missed} missed chance" + ("s" if day.missed > 1 else "")
    if day.future:
        what += " (still ahead)"
    future = ' class="future"' if day.future else ""
    return (
        f'<rect x="{LEFT + PITCH * column}" y="{TOP + PITCH * row}" width="{CELL}" '
        f'height="{CELL}" rx="2" fill="{colour}" data-date="{day.date.isoformat()}" '
        f'data-outcome="{escape(day.outcome)}"{future}>'
        f"<title>{day.date:%a %d %b %Y}: {escape(what)}</title></rect>"
    )


def trends_shown(weeks: Sequence[WeekSummary]) -> list[Trend]:
    """Social lunches and people always; socials attended when that goal is set."""
    goals = {goal.name for week in weeks for goal in week.goals}
    return [trend for trend in TRENDS if trend.goal != "socials" or "socials" in goals]


def trend_svg(weeks: Sequence[WeekSummary], trend: Trend) -> str:
    """One circle per week at its measure, the goal as a dashed step, rest weeks shaded."""
    values = [_measure(week, trend) for week in weeks]
    targets = [_target(week, trend.goal) for week in weeks]
    top = max([*values, *(t for t in targets if t is not None), 1])
    step = (TREND_WIDTH - TREND_LEFT - TREND_RIGHT) / max(len(weeks), 1)
    radius = round(min(4.0, step * 0.35), 2)

    def x(index: int) -> float:
        return round(TREND_LEFT + step * (index + 0.5), 2)

    def y(value: int) -> float:
        return round(TREND_BOTTOM - (TREND_BOTTOM - TREND_TOP) * value / top, 2)

    colour = SERIES_COLOURS.get(trend.goal, "#0969da")
    parts = [
        f'<svg class="trend" viewBox="0 0 {TREND_WIDTH} {TREND_HEIGHT}" role="img" '
        f'aria-label="{escape(trend.title)}" data-goal="{escape(trend.goal)}">',
        *_trend_axes(weeks, step, top, y(0), y(top)),
    ]
    parts += [
        f'<rect x="{round(x(i) - step / 2, 2)}" y="{TREND_TOP}" width="{round(step, 2)}" '
        f'height="{TREND_BOTTOM - TREND_TOP}" class="rest"><title>rest week</title></rect>'
        for i, week in enumerate(weeks)
        if week.rest
    ]
    parts += [
        f'<line x1="{round(x(i) - step / 2, 2)}" x2="{round(x(i) + step / 2, 2)}" '
        f'y1="{y(target)}" y2="{y(target)}" class="goal"/>'
        for i, target in enumerate(targets)
        if target is not None
    ]
    points = " ".join(f"{x(i)},{y(value)}" for i, value in enumerate(values))
    parts.append(f'<polyline points="{points}" stroke="{colour}" class="series"/>')
    parts += [
        f'<circle cx="{x(i)}" cy="{y(value)}" r="{radius}" fill="{colour}">'
        f"<title>{week.iso_week}: {value}{_goal_note(targets[i])}</title></circle>"
        for i, (week, value) in enumerate(zip(weeks, values, strict=True))
    ]
    parts.append("</svg>")
    return "\n".join(parts)


def _trend_axes(
    weeks: Sequence[WeekSummary], step: float, top: int, bottom_y: float, top_y: float
) -> list[str]:
    """The baseline, the scale's 0 and top, and a few week labels along the bottom."""
    parts = [
        f'<line x1="{TREND_LEFT}" x2="{TREND_WIDTH - TREND_RIGHT}" y1="{bottom_y}" '
        f'y2="{bottom_y}" class="baseline"/>',
        f'<text x="{TREND_LEFT - 6}" y="{bottom_y + 4}" class="axis" text-anchor="end">0</text>',
        f'<text x="{TREND_LEFT - 6}" y="{top_y + 4}" class="axis" text-anchor="end">{top}</text>',
    ]
    every = max(1, math.ceil(len(weeks) / 6))
    parts += [
        f'<text x="{round(TREND_LEFT + step * (i + 0.5), 2)}" y="{TREND_HEIGHT - 6}" '
        f'class="axis" text-anchor="middle">{escape(week.iso_week[2:])}</text>'
        for i, week in enumerate(weeks)
        if i % every == 0
    ]
    return parts


def _measure(week: WeekSummary, trend: Trend) -> int:
    for goal in week.goals:
        if goal.name == trend.goal:
            return goal.actual
    return trend.value(week)


def _target(week: WeekSummary, name: str) -> int | None:
    return next((goal.target for goal in week.goals if goal.name == name), None)


def _goal_note(target: int | None) -> str:
    return "" if target is None else f" (goal {target})"
