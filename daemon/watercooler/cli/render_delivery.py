"""What ``send-due``, ``status`` and ``notify-test`` print, as text or JSON.

Every title comes from a calendar and every reason may quote a service's answer, so all
of it passes through :func:`printable`; secrets are masked where all output is written
(:meth:`~watercooler.cli.session.Session.write`), the same for text and JSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from watercooler.cli.render_daemon import daemon_document, daemon_lines
from watercooler.delivery.deliver import Report
from watercooler.delivery.ledger import PAUSE, RULE_HOLD, SNOOZE, STATES, Hold, Planned
from watercooler.delivery.notifier import Result
from watercooler.service.instance import Holder
from watercooler.service.record import DaemonRecord
from watercooler.text import printable, short_time

TITLE_WIDTH = 48


def _iso(moment: datetime | None, zone: tzinfo) -> str | None:
    return None if moment is None else moment.astimezone(zone).isoformat(timespec="seconds")


def _line(*parts: str) -> str:
    return "  ".join(part for part in parts if part) + "\n"


def report_text(report: Report, now: datetime, zone: tzinfo, next_due: Planned | None) -> str:
    """One line per nudge acted on, then the totals and the next one due."""
    lines = [f"watercooler send-due · {short_time(now, zone)}\n"]
    for outcome in report.outcomes:
        if outcome.missed:
            continue
        lines.append(
            _line(
                f"{outcome.action:<8}",
                short_time(outcome.due, zone, now=now),
                f"{printable(outcome.title, TITLE_WIDTH)}  [{outcome.rule}]",
                f"— {printable(outcome.reason, 160)}",
            )
        )
    missed = report.missed()
    if missed:
        first, last = min(o.due for o in missed), max(o.due for o in missed)
        span = short_time(first, zone) + ("" if first == last else f" to {short_time(last, zone)}")
        nudges = "1 nudge" if len(missed) == 1 else f"{len(missed)} nudges"
        lines.append(
            _line(f"{'expired':<8}", f"{nudges} whose time passed while nothing ran (due {span})")
        )
    if not report.outcomes:
        lines.append("nothing due\n")
    totals = " · ".join(
        f"{report.count(action)} {action}"
        for action in ("sent", "failed", "expired", "dropped", "waiting")
    )
    lines.append(f"{totals} · {report.planned} newly planned\n")
    if next_due is not None:
        when = short_time(next_due.due, zone, now=now)
        lines.append(_line("next due", when, _planned_label(next_due)))
    return "".join(lines)


def report_json(
    report: Report,
    now: datetime,
    zone: tzinfo,
    next_due: Planned | None,
    unread: tuple[str, ...] = (),
) -> str:
    """The tick as JSON: what happened to each nudge, what comes next, and why each
    calendar that could not be read failed."""
    document = {
        "now": _iso(now, zone),
        "planned": report.planned,
        "outcomes": [
            {
                "key": o.key,
                "rule": o.rule,
                "title": printable(o.title, 200),
                "due": _iso(o.due, zone),
                "action": o.action,
                "reason": printable(o.reason, 300),
                "missed": o.missed,
            }
            for o in report.outcomes
        ],
        "next_due": None if next_due is None else _planned_document(next_due, zone),
        "unread_sources": [printable(reason, 300) for reason in unread],
    }
    return json.dumps(document, ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class Status:
    """What ``status`` shows: read from the ledger at one moment."""

    now: datetime
    zone: tzinfo
    counts: dict[str, int]
    holds: list[Hold]
    open_nudges: list[Planned]
    recent: list[Planned]
    daemon: tuple[Holder | None, DaemonRecord | None] = (None, None)
    """The daemon running on this state (its lock's holder) and its last record."""


def status_text(status: Status) -> str:
    """Snooze and pause, the totals, what is waiting and what happened lately."""
    now, zone, counts, holds = status.now, status.zone, status.counts, status.holds
    open_nudges, recent = status.open_nudges, status.recent
    lines = [f"watercooler status · {short_time(now, zone)}\n"]
    lines += daemon_lines(*status.daemon, zone, now)
    active = [hold for hold in holds if hold.since <= now < hold.until]
    if not active:
        lines.append("not snoozed or paused\n")
    for hold in active:
        lines.append(_hold_text(hold, zone, now) + "\n")
    lines.append(" · ".join(f"{counts.get(state, 0)} {state}" for state in STATES) + "\n")
    upcoming = [p for p in open_nudges if p.due > now]
    if upcoming:
        lines.append(
            _line(
                "next due", short_time(upcoming[0].due, zone, now=now), _planned_label(upcoming[0])
            )
        )
    if open_nudges:
        lines.append("\nwaiting\n")
        for planned in open_nudges[:20]:
            lines.append(_row(planned, zone, now))
    if recent:
        lines.append("\nrecent\n")
        for planned in recent:
            lines.append(_row(planned, zone, now))
    return "".join(lines)


def status_json(status: Status) -> str:
    """The status as JSON."""
    now, zone, counts, holds = status.now, status.zone, status.counts, status.holds
    open_nudges, recent = status.open_nudges, status.recent
    active = [hold for hold in holds if hold.since <= now < hold.until]
    upcoming = [p for p in open_nudges if p.due > now]
    document: dict[str, Any] = {
        "now": _iso(now, zone),
        "counts": {state: counts.get(state, 0) for state in STATES},
        "snoozed_until": _hold_until(active, SNOOZE, zone),
        "paused_until": _hold_until(active, PAUSE, zone),
        "rules_paused": {
            h.name[len(RULE_HOLD) :]: _iso(h.until, zone)
            for h in active
            if h.name.startswith(RULE_HOLD)
        },
        "next_due": _planned_document(upcoming[0], zone) if upcoming else None,
        "open": [_planned_document(p, zone) for p in open_nudges],
        "recent": [_planned_document(p, zone) for p in recent],
        "daemon": daemon_document(*status.daemon),
    }
    return json.dumps(document, ensure_ascii=False)


def notify_test_text(results: list[Result]) -> str:
    """One line per service: ok or failed, and why."""
    lines = []
    for result in results:
        verdict = "ok    " if result.ok else "FAILED"
        detail = "" if result.ok else f"— {printable(result.error, 200)}"
        lines.append(_line(verdict, result.service.label, detail))
    failed = sum(1 for r in results if not r.ok)
    lines.append(f"{len(results) - failed} of {len(results)} services reached\n")
    return "".join(lines)


def _hold_until(active: list[Hold], name: str, zone: tzinfo) -> str | None:
    return next((_iso(h.until, zone) for h in active if h.name == name), None)


def _hold_text(hold: Hold, zone: tzinfo, now: datetime) -> str:
    until = short_time(hold.until, zone, now=now)
    if hold.name == SNOOZE:
        return f"snoozed until {until}"
    if hold.name == PAUSE:
        return f"paused until {until}"
    rule = hold.name[len(RULE_HOLD) :]
    return f"rule {rule} paused itself until {until} (its nudges changed nothing)"


def _planned_label(planned: Planned) -> str:
    return f"tip {planned.tip}  {printable(planned.title, TITLE_WIDTH)}  [{planned.rule}]"


def _row(planned: Planned, zone: tzinfo, now: datetime) -> str:
    return _line(
        f"  {short_time(planned.due, zone, now=now)}",
        f"{planned.state:<8}",
        _planned_label(planned),
        f"— {printable(planned.reason, 100)}" if planned.reason else "",
    )


def _planned_document(planned: Planned, zone: tzinfo) -> dict[str, Any]:
    return {
        "key": planned.key,
        "rule": planned.rule,
        "tip": planned.tip,
        "due": _iso(planned.due, zone),
        "expires": _iso(planned.expires, zone),
        "title": printable(planned.title, 200),
        "state": planned.state,
        "reason": printable(planned.reason, 300),
        "attempts": planned.attempts,
        "sent_at": _iso(planned.sent_at, zone),
    }
