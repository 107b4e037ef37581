"""The weekly reflection's facts from the history: the week's summary, its journal entries
and the runs of weeks with every goal met.

They come from the same arithmetic as ``watercooler report`` (:mod:`watercooler.progress`),
as of the end of the candidate's day, so a Friday reflection says what the report says.
"""

from __future__ import annotations

from datetime import date, time, timedelta

from watercooler.progress.missed import MissedChance, missed_chances
from watercooler.progress.render_words import run_sentence
from watercooler.progress.report import current_run, goal_words
from watercooler.progress.weeks import best_runs, monday_of, summarize_weeks
from watercooler.rulebook.values import Facts, clean, fresh_history
from watercooler.timebox import at_local_time

JOURNAL_ITEMS = 4
TITLE_LENGTH = 40
"""An event's title in the journal's few words: four of them fit one value."""


def progress_values(day: date, facts: Facts) -> dict[str, str]:
    """Summary, journal and runs of the week holding ``day``, as of that day's end."""
    key = ("progress", day)
    if key not in facts.memo:
        facts.memo[key] = _compute(day, facts)
    return dict(facts.memo[key])


def _compute(day: date, facts: Facts) -> dict[str, str]:
    settings = facts.settings
    end = at_local_time(day + timedelta(days=1), time(0), settings.zone) - timedelta(seconds=1)
    history = facts.history or fresh_history(facts)
    weeks = summarize_weeks(history, settings, end, facts.dismissed) if history.days else []
    best, _ = best_runs(weeks)
    week = weeks[-1] if weeks else None
    current = current_run(weeks)
    monday = monday_of(day)
    entries = [
        m
        for m in missed_chances(history, end, settings.lunch.end, facts.dismissed)
        if monday <= m.day <= day
    ]
    attended = next((g for g in week.goals if g.name == "socials"), None) if week else None
    return {
        "summary": goal_words(week) if week else "No history yet.",
        "streak": str(current),
        "best_streak": str(best),
        "run": run_sentence(weeks, current, best),
        "journal": _journal_words(entries),
        "journal_count": str(len(entries)),
        "socials_attended": str(attended.actual if attended else 0),
        "socials_goal": str(settings.goals.socials_per_week),
    }


def _journal_words(entries: list[MissedChance]) -> str:
    """The week's missed chances in a few words each: "Tue desk lunch, Thu declined Cake"."""
    if not entries:
        return "none"
    words = []
    for entry in entries[:JOURNAL_ITEMS]:
        title = f" {clean(entry.title, TITLE_LENGTH)}" if entry.title else ""
        words.append(f"{entry.day:%a} {entry.kind}{title}")
    more = len(entries) - JOURNAL_ITEMS
    text = ", ".join(words) + (f" and {more} more" if more > 0 else "")
    return clean(text)
