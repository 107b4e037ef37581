"""Days off in rule evaluation: what ``days_off`` does to a nudge due on a weekend.

Sunday 8 and Saturday 14 March 2026 are days off (Berlin, +01:00); the rules are written
here, the facts come from ``run_check`` over a small calendar.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from helpers import calendar, settings
from watercooler.check import run_check
from watercooler.rulebook.evaluate import explain
from watercooler.rulebook.format import Rule
from watercooler.rulebook.loading import parse_rule_text
from watercooler.sources.files import IcsFileSource


def weekly(day: str, days_off: str) -> Rule:
    text = (
        "rules:\n  - id: weekend-walk\n    tip: 1\n"
        f"    trigger: {{kind: weekly, day: {day}}}\n"
        '    due: {at: "10:00"}\n'
        "    expires_after: 4h\n"
        f"    days_off: {days_off}\n"
        "    message: {title: A walk, body: With a colleague}\n"
    )
    loaded, errors = parse_rule_text(text, "weekend.yaml")
    assert errors == []
    return loaded[0].rule


def nudges_and_reasons(tmp_path: Path, rule: Rule) -> tuple[list[str], list[str]]:
    path = tmp_path / "empty.ics"
    path.write_text(calendar(), encoding="utf-8")
    config = settings()
    now = datetime(2026, 3, 9, 7, 0, tzinfo=config.zone)
    result = run_check(config, [IcsFileSource(path)], now, 0, 6, rules=[rule])
    dues = [nudge["due"] for nudge in result.nudges]
    reasons = [candidate.reason for candidate, _ in explain(rule, result.facts)]
    return dues, reasons


def test_a_weekly_rule_on_saturday_that_says_days_off_send_is_given_on_saturday(
    tmp_path: Path,
) -> None:
    dues, _ = nudges_and_reasons(tmp_path, weekly("sat", "send"))
    assert dues == ["2026-03-14T10:00:00+01:00"]


def test_a_weekly_rule_on_saturday_stays_quiet_by_default(tmp_path: Path) -> None:
    dues, reasons = nudges_and_reasons(tmp_path, weekly("sat", "defer"))
    assert dues == []
    assert "a day off" in reasons
