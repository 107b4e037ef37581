"""Config, rules and calendars for delivery tests: real files, read by the real code."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from helpers import calendar, event

DEFAULT_RULE_IDS = (
    "desk-lunch-streak", "lunch-swallowed", "free-lunch-slot", "outreach-quota",
    "deadline-celebration", "social-unanswered", "social-missed", "monday-plan",
    "weekly-reflection",
)  # fmt: skip


def _off(rule_id: str) -> str:
    return (
        f"  - id: {rule_id}\n    tip: 1\n    enabled: false\n"
        "    trigger: {kind: weekly, day: mon}\n"
        '    due: {at: "09:00"}\n'
        "    message: {title: unused, body: unused}\n"
    )


def social_rule(
    rule_id: str = "missed",
    *,
    offset: str = "-15m",
    expires: str = "2h",
    quiet: str = "defer",
    statuses: str = "[declined]",
    title: str = "Drop by {summary}",
    body: str = "It starts at {start}.",
    extra: str = "",
) -> str:
    """A social rule as YAML (one list item), due at an offset from the event's start."""
    return (
        f"  - id: {rule_id}\n    tip: 2\n"
        f"    trigger: {{kind: social, statuses: {statuses}}}\n"
        f"    due: {{offset: {offset}, after: start}}\n"
        f"    expires_after: {expires}\n"
        "    max_per_week: 100\n"
        f"    quiet_hours: {quiet}\n"
        f"{extra}"
        f"    message: {{title: {json.dumps(title)}, body: {json.dumps(body)}}}\n"
    )


def only_rules(folder: Path, *rules: str) -> Path:
    """A rules folder where the shipped rules are off and only ``rules`` apply."""
    folder.mkdir(parents=True, exist_ok=True)
    text = "rules:\n" + "".join(_off(rule_id) for rule_id in DEFAULT_RULE_IDS) + "".join(rules)
    (folder / "test.yaml").write_text(text, encoding="utf-8")
    return folder


def toml_value(value: Any) -> str:
    """A Python value as TOML (strings, numbers, booleans, lists of strings)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return json.dumps(str(value))


def delivery_config(
    tmp_path: Path,
    urls: list[str],
    *,
    rules_dir: Path | None = None,
    quiet: tuple[str, str] | None = None,
    extra_top: str = "",
    **notify: Any,
) -> Path:
    """A config file for delivery: Berlin, ana, state in tmp_path, the given Apprise URLs.

    Quiet hours are off unless ``quiet`` gives (start, end).
    """
    lines = [
        'timezone = "Europe/Berlin"',
        'me = ["ana@example.com"]',
        f"state_dir = {toml_value(str(tmp_path / 'state'))}",
    ]
    if rules_dir is not None:
        lines.append(f"rules_dir = {toml_value(str(rules_dir))}")
    lines.append(extra_top)
    lines.append("[notify]")
    lines.append(f"urls = {toml_value(urls)}")
    notify.setdefault("desktop", False)
    for key, value in notify.items():
        lines.append(f"{key} = {toml_value(value)}")
    lines.append("[notify.quiet_hours]")
    if quiet is None:
        lines.append("enabled = false")
    else:
        lines.append(f'start = "{quiet[0]}"\nend = "{quiet[1]}"')
    path = tmp_path / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def declined_coffee(path: Path, me: str = "ana@example.com", uid: str | None = None) -> Path:
    """Write a calendar with a coffee I declined at 15:00 on Wed 4 March 2026 (the social
    rules nudge at 14:45) to ``path``, and return it."""
    path.write_text(
        calendar(
            event(
                "Coffee with Sam",
                "20260304T150000",
                "20260304T153000",
                uid=uid,
                attendees=[(me, "DECLINED"), ("sam@example.com", "ACCEPTED")],
            )
        ),
        encoding="utf-8",
    )
    return path
