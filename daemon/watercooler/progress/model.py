"""The progress report as plain data: what every format (text, Markdown, JSON, HTML) shows.

Built from the stored history by :mod:`watercooler.progress.report`; the renderers only
lay it out, so every format says the same thing and each can be tested on a hand-made
value. Nothing here reads the store or the clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

LUNCH_OUTCOMES = ("social", "alone", "skipped", "free", "off", "unknown")
"""Every day's lunch outcome in the report: the classification's five, and ``unknown`` for
a day whose calendar could not be read (never guessed)."""
SOCIAL_STATUSES = ("accepted", "tentative", "unanswered", "conflicted", "declined", "cancelled")
NO_RECORD = "none"
"""A day without any record: before the history starts, or still ahead."""


@dataclass(frozen=True, slots=True)
class DayCell:
    """One day of the heatmap."""

    date: date
    outcome: str
    """One of :data:`LUNCH_OUTCOMES`, or :data:`NO_RECORD`."""
    missed: int = 0
    """Missed chances the journal holds for the day (not dismissed)."""
    future: bool = False
    """The day has not ended yet: what it shows may still change."""


@dataclass(frozen=True, slots=True)
class GoalProgress:
    """One weekly goal in one week."""

    name: str
    """``social_lunches``, ``people`` or ``socials``."""
    label: str
    """What people read: "social lunches", "people met", "socials attended"."""
    target: int
    actual: int
    streak: int
    """Weeks in a row this goal was met, up to and including this week (rest weeks skipped,
    never breaking the run)."""

    @property
    def met(self) -> bool:
        return self.actual >= self.target


@dataclass(frozen=True, slots=True)
class WeekSummary:
    """One ISO week (Monday to Sunday)."""

    monday: date
    days: tuple[DayCell, ...]
    """The seven days, Monday first."""
    lunches: dict[str, int]
    """Workday lunches by outcome, every key of :data:`LUNCH_OUTCOMES` present."""
    socials: dict[str, int]
    """Social occurrences by status, every key of :data:`SOCIAL_STATUSES` present."""
    people: tuple[str, ...]
    """The distinct people met, by name (empty names when redacted; the count stays)."""
    goals: tuple[GoalProgress, ...]
    """The goals that are set (a goal of 0 is not set)."""
    rest: bool
    """Fewer than half the workdays at work: never breaks a streak, never counts."""
    streak: int
    """Weeks in a row every goal was met, up to and including this week."""
    complete: bool
    """The week has ended."""
    missed: int = 0
    """Missed chances in the journal this week (not dismissed)."""

    @property
    def met(self) -> bool | None:
        """Whether every goal set was met; None without goals or in a rest week."""
        if self.rest or not self.goals:
            return None
        return all(goal.met for goal in self.goals)

    @property
    def iso_week(self) -> str:
        year, week, _ = self.monday.isocalendar()
        return f"{year}-W{week:02d}"


@dataclass(frozen=True, slots=True)
class ProgressReport:
    """The weeks of a report, oldest first, and what they add up to."""

    generated: datetime
    """The ``now`` the report was made at (an aware local time)."""
    timezone: str
    weeks: tuple[WeekSummary, ...]
    streak: int
    """Weeks in a row every goal was met, up to the latest week that counts."""
    best_streak: int
    """The longest such run in the history."""
    goal_streaks: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Per goal name: (current run, best run)."""
    summary: str = ""
    """One sentence about the latest week, as the weekly reflection says it."""
    redacted: bool = False
    """Names and titles were left out (``notify.redact``, for what is sent)."""
