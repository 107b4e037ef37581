"""Days off: when a nudge falls due on a day you do not work, and the next working morning.

A day is off when it is not one of the ``workdays`` or is an out-of-office day (a
vacation, a holiday, sick leave: the days whose lunch outcome is ``off``). The next working
morning is the start of the working hours (``working_hours.start``, default 09:00) on the
first day after it that is not off. A rule's ``days_off`` says what happens to a nudge due
on a day off: ``defer`` (the default) moves it to the next working morning while it is
still useful — before the expiry its original due time gives it — and drops it otherwise;
``drop`` drops it; ``send`` leaves it where it is.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from watercooler.classify.classifier import Lunch
from watercooler.rulebook.values import Facts
from watercooler.timebox import at_local_time

MAX_DAYS_AHEAD = 366
"""Longest stretch of days off looked through for the next working morning."""


def is_day_off(day: date, facts: Facts) -> bool:
    """Whether ``day`` is off: classified ``off``, or (beyond what was classified) not a
    workday."""
    index: dict[date, bool] | None = facts.memo.get("days_off")
    if index is None:
        index = {d.date: d.lunch is Lunch.OFF for d in facts.classification.days}
        facts.memo["days_off"] = index
    found = index.get(day)
    if found is not None:
        return found
    return day.weekday() not in facts.settings.workday_numbers


def next_working_morning(moment: datetime, until: datetime, facts: Facts) -> datetime | None:
    """The start of the working hours on the first day after ``moment``'s that is not off,
    if it comes before ``until``; else None."""
    settings = facts.settings
    day = moment.astimezone(settings.zone).date()
    for offset in range(1, MAX_DAYS_AHEAD + 1):
        later = day + timedelta(days=offset)
        morning = at_local_time(later, settings.working_hours.start, settings.zone)
        if morning >= until:
            return None
        if not is_day_off(later, facts):
            return morning
    return None
