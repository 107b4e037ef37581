"""The progress report, built from the stored history: what ``watercooler report`` shows,
what the Friday report sends and what the weekly reflection says.

The history is read back to its first day (at most ``history_days``), so a run of weeks
is counted from its start even when the report shows only the last few weeks.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from datetime import date, datetime, timedelta

from watercooler.progress.history import History, read_history
from watercooler.progress.model import ProgressReport, WeekSummary
from watercooler.progress.notes import Notes
from watercooler.progress.render_words import plural
from watercooler.progress.weeks import best_runs, monday_of, summarize_weeks
from watercooler.settings import Settings
from watercooler.store import Store


def dismissed_entries(store: Store) -> set[str]:
    """The keys of the missed chances the user dismissed (through the notes, so a fresh
    database gets them back from the notes file first)."""
    return set(Notes(store).dismissed())


def stored_history(store: Store, settings: Settings, now: datetime) -> History:
    """Everything the store holds, from its first recorded day up to ``now``'s week."""
    today = now.astimezone(settings.zone).date()
    earliest = today - timedelta(days=settings.history_days)
    row = store.db.execute(
        "SELECT min(day) FROM lunch_days WHERE day >= ?", (earliest.isoformat(),)
    ).fetchone()
    first = max(earliest, _date(row[0]) or today)
    return read_history(store, monday_of(first), monday_of(today) + timedelta(days=6))


def build_report(
    history: History,
    settings: Settings,
    now: datetime,
    *,
    weeks: int,
    dismissed: Collection[str] = (),
    redact: bool = False,
) -> ProgressReport:
    """The last ``weeks`` weeks up to ``now``'s, with the runs counted over all history."""
    local_now = now.astimezone(settings.zone)
    every = summarize_weeks(history, settings, local_now, dismissed)
    best, per_goal = best_runs(every)
    shown = every[-weeks:] if weeks > 0 else every
    if redact:
        shown = [replace(week, people=tuple("" for _ in week.people)) for week in shown]
    current = current_run(every)
    return ProgressReport(
        generated=local_now,
        timezone=str(getattr(settings.zone, "key", settings.zone)),
        weeks=tuple(shown),
        streak=current,
        best_streak=best,
        goal_streaks=per_goal,
        summary=summary_sentence(every[-1] if every else None, current, best),
        redacted=redact,
    )


def current_run(weeks: list[WeekSummary]) -> int:
    """The run still going: this week's when it is met (or complete), else last week's."""
    if not weeks:
        return 0
    latest = weeks[-1]
    if latest.complete or latest.met or len(weeks) == 1:
        return latest.streak
    return weeks[-2].streak


def summary_sentence(week: WeekSummary | None, current: int, best: int) -> str:
    """Sentences about a week, as the report's head says them: the goals, then the
    journal's missed chances (the runs have their own line, :func:`render_words.run_sentence`)."""
    if week is None:
        return "No history yet: it starts with the next poll of your calendar."
    head = goal_words(week)
    if week.missed:
        head += f" {plural(week.missed, 'missed chance')} in the journal."
    return head


def goal_words(week: WeekSummary) -> str:
    """One short sentence on a week's goals: "This week: 1/2 social lunches, 3/3 people met ✓."."""
    if week.rest:
        return "A rest week: it counts against no run."
    if not week.goals:
        return f"This week: {week.lunches['social']} social lunches, {len(week.people)} people met."
    parts = [f"{g.actual}/{g.target} {g.label}" + (" ✓" if g.met else "") for g in week.goals]
    return "This week: " + ", ".join(parts) + "."


def _date(text: object) -> date | None:
    return None if text is None else date.fromisoformat(str(text))
