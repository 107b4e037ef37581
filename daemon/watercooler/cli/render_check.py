"""What ``check``, ``calendars`` and ``rules explain`` print: the JSON contract or a table.

Event text comes from other people's calendars: in the terminal, control characters are
replaced so a summary can never move the cursor or change colours. Secrets are masked
where all output is written (:meth:`~watercooler.cli.session.Session.write`), the same for
text and JSON.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, datetime
from typing import Any

from watercooler.check import CheckResult
from watercooler.classify.classifier import DayFacts, Lunch, SocialFacts, SocialStatus
from watercooler.rulebook.evaluate import Candidate
from watercooler.rulebook.loading import LoadedRule
from watercooler.rulebook.nudge import Nudge
from watercooler.sources import CalendarSource
from watercooler.text import printable, short_time

_LUNCH_COLOUR = {
    Lunch.SOCIAL: "32",
    Lunch.ALONE: "33",
    Lunch.SKIPPED: "31",
    Lunch.FREE: "36",
    Lunch.OFF: "2",
}
_STATUS_COLOUR = {
    SocialStatus.ACCEPTED: "32",
    SocialStatus.TENTATIVE: "33",
    SocialStatus.UNANSWERED: "33",
    SocialStatus.CONFLICTED: "35",
    SocialStatus.DECLINED: "31",
    SocialStatus.CANCELLED: "2",
}
_LUNCH_HINT = {
    Lunch.SOCIAL: "lunch with others",
    Lunch.ALONE: "lunch alone",
    Lunch.SKIPPED: "meetings leave no room for lunch",
    Lunch.FREE: "lunch slot free",
    Lunch.OFF: "day off",
}


def to_json(result: CheckResult) -> str:
    """The ``--format json`` document, exactly in DESIGN.md's shape."""
    return json.dumps(to_document(result), ensure_ascii=False, indent=2)


def to_document(result: CheckResult) -> dict[str, Any]:
    """The check result as plain JSON-ready data."""
    return {
        "now": _iso(result.now),
        "timezone": result.timezone,
        "days": [
            {"date": day.date.isoformat(), "lunch": str(day.lunch)}
            for day in result.classification.days
        ],
        "social": [_social(item) for item in result.classification.social],
        "nudges": list(result.nudges),
    }


def _social(item: SocialFacts) -> dict[str, str]:
    occurrence = item.occurrence
    return {
        "uid": occurrence.info.uid,
        "start": _iso(occurrence.start),
        "end": _iso(occurrence.end),
        "summary": occurrence.info.summary,
        "status": str(item.status),
    }


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def to_text(result: CheckResult, *, colour: bool = False) -> str:
    """A readable table: a row per day with its lunch, the social events under it."""
    paint = _painter(colour)
    today = result.now.date()
    by_day: dict[date, list[SocialFacts]] = {}
    for item in result.classification.social:
        by_day.setdefault(item.occurrence.start.date(), []).append(item)
    lines = [
        paint("1", f"watercooler · {result.now:%a %d %b %Y %H:%M} {result.timezone}"),
        paint("2", f"{result.days.first:%a %d %b} – {result.days.last:%a %d %b %Y}"),
        "",
    ]
    if result.nothing_in_range:
        lines.extend(_nothing_in_range(result))
    for day in () if result.nothing_in_range else result.classification.days:
        marker = paint("1", "  ◀ today") if day.date == today else ""
        label = f"{day.lunch:<8}"
        hint = paint("2", _day_hint(day))
        lines.append(
            f"{day.date:%a %d %b}  {paint(_LUNCH_COLOUR[day.lunch], label)} {hint}{marker}"
        )
        for item in by_day.get(day.date, []):
            lines.append(_social_line(item, paint))
    if not result.nothing_in_range:
        lines.append("")
        lines.extend(_summary(result, paint))
        if result.empty:
            lines.append(
                "no events in this range: " + ", ".join(printable(e, 80) for e in result.empty)
            )
    if result.nudges and result.nothing_in_range:
        lines.extend(["", f"({len(result.nudges)} nudges for an empty calendar not shown)"])
    elif result.nudges:
        lines.extend(["", paint("1", "nudges")])
        for nudge in result.nudges:
            due = datetime.fromisoformat(nudge["due"])
            title = printable(nudge["title"], 70)
            when = short_time(due, now=result.now)
            lines.append(f"  {when}  tip {nudge['tip']}  {title}  [{nudge['rule']}]")
    return "\n".join(lines) + "\n"


def _nothing_in_range(result: CheckResult) -> list[str]:
    """In place of a page of free days: say the calendars are empty here, and what to try."""
    names = ", ".join(printable(label, 80) for label in result.empty)
    return [
        f"no events between {result.days.first:%a %d %b} and {result.days.last:%a %d %b %Y} "
        f"in {names}.",
        "Is it the right calendar? Are the events in another range? (--now, --days-back, "
        "--days-ahead)",
    ]


def _day_hint(day: DayFacts) -> str:
    """Why the day got its lunch outcome, in a few words."""
    if day.lunch in (Lunch.SOCIAL, Lunch.ALONE) and day.lunch_events:
        return "; ".join(
            f"{o.start:%H:%M}–{o.end:%H:%M} {printable(o.info.summary, 40)}"
            for o in day.lunch_events[:2]
        )
    if day.lunch is Lunch.FREE and day.lunch_gap is not None:
        start, end = day.lunch_gap
        return f"{start:%H:%M}–{end:%H:%M} is free for lunch"
    return _LUNCH_HINT[day.lunch]


def _social_line(item: SocialFacts, paint: Any) -> str:
    occurrence = item.occurrence
    when = (
        "all day    " if occurrence.all_day else f"{occurrence.start:%H:%M}–{occurrence.end:%H:%M}"
    )
    status = paint(_STATUS_COLOUR[item.status], f"{item.status:<10}")
    return f"            ☕ {when}  {status} {printable(occurrence.info.summary, 60)}"


def _summary(result: CheckResult, paint: Any) -> list[str]:
    lunches = Counter(day.lunch for day in result.classification.days)
    statuses = Counter(item.status for item in result.classification.social)
    lunch_text = " · ".join(
        paint(_LUNCH_COLOUR[kind], f"{lunches[kind]} {kind}") for kind in Lunch if lunches[kind]
    )
    status_text = " · ".join(
        paint(_STATUS_COLOUR[kind], f"{statuses[kind]} {kind}")
        for kind in SocialStatus
        if statuses[kind]
    )
    count = len(result.classification.social)
    return [
        f"lunches: {lunch_text or 'none'}",
        f"social events: {count}" + (f" ({status_text})" if status_text else ""),
    ]


def _painter(colour: bool) -> Any:
    def paint(code: str, text: str) -> str:
        return f"\033[{code}m{text}\033[0m" if colour else text

    return paint


def render_calendars(source: CalendarSource) -> str:
    """What ``watercooler calendars`` prints for one source."""
    from watercooler.sources.caldav import CalDAVSource

    if not isinstance(source, CalDAVSource):
        return f"{source.label}\n  (a calendar file or feed: one calendar)\n"
    lines = [source.label]
    for collection in source.discover():
        kinds = ", ".join(collection.components) or "any"
        sync = "incremental sync" if collection.sync_token is not None else "no sync token"
        lines.append(f"  {printable(collection.name, 40):<40} {collection.url}")
        lines.append(f"  {'':<40} components: {kinds}; {sync}")
    if len(lines) == 1:
        lines.append("  (no calendar with events)")
    return "\n".join(lines) + "\n"


def render_explanation(loaded: LoadedRule, verdicts: list[tuple[Candidate, Nudge | None]]) -> str:
    """What ``watercooler rules explain`` prints: the rule, then each subject it judged."""
    rule = loaded.rule
    lines = [
        f"{rule.id} (tip {rule.tip}, {rule.trigger.kind} trigger) from {loaded.path}",
        f"  {printable(rule.summary, 100)}",
        "",
    ]
    if not verdicts:
        lines.append("  nothing in the range for this rule to look at")
    for candidate, nudge in verdicts:
        due = short_time(candidate.due) if candidate.due else "never"
        verdict = "FIRES" if nudge is not None else "quiet"
        lines.append(f"  {verdict:<5}  {candidate.subject}  due {due}: {candidate.reason}")
        if nudge is not None:
            lines.append(f"         → {printable(nudge.title, 90)}")
            lines.append(f"           {printable(nudge.body, 300)}")
        facts = ", ".join(
            f"{k}={printable(v, 40)}"
            for k, v in sorted(candidate.values.items())
            if v and k != "rule"
        )
        lines.append(f"         facts: {facts}")
    return "\n".join(lines) + "\n"
