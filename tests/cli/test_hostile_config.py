"""Hostile or malformed config and rule files give one-line errors, never crashes.

A rule file nested deeper than any parser follows costs that file alone; a URL Python
cannot split is an error naming the key (or the ``--source``) that holds it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import RunCli
from helpers import calendar, event

DEPTH = 20_000
"""Levels of a flow document (``[[[...]]]``, two bytes a level)."""
BLOCK_DEPTH = 2_000
"""Levels of an indented document: its size grows with the square of its depth (20,000
levels would be 400 MB), and PyYAML gives up near 500 (two frames a level against Python's
recursion limit of 1,000), so 2,000 is four times deeper than the parser follows."""


def deep_rule_file(folder: Path, shape: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "deep.yaml"
    if shape == "flow":
        text = "rules:\n  - " + "[" * DEPTH + "]" * DEPTH + "\n"
    else:
        levels = range(BLOCK_DEPTH)
        text = "rules:\n" + "".join("  " * (level + 1) + "- \n" for level in levels)
    path.write_text(text, encoding="utf-8")
    return path


def config_with_rules(tmp_path: Path, rules: Path) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(f'timezone = "Europe/Berlin"\nrules_dir = "{rules}"\n', encoding="utf-8")
    return config


@pytest.mark.parametrize("shape", ["flow", "block"])
def test_a_deeply_nested_rule_file_is_one_error_and_the_other_rules_still_apply(
    run_cli: RunCli, tmp_path: Path, shape: str
) -> None:
    rules = tmp_path / "rules"
    deep = deep_rule_file(rules, shape)
    config = config_with_rules(tmp_path, rules)
    checked = run_cli("rules", "check", "--config", str(config))
    assert checked.returncode == 1
    assert "Traceback" not in checked.stderr + checked.stdout
    problems = [line for line in checked.stdout.splitlines() if str(deep) in line]
    assert len(problems) == 1, checked.stdout
    ics = tmp_path / "cal.ics"
    ics.write_text(calendar(event("Lunch at my desk", "20260309T120000")), encoding="utf-8")
    result = run_cli(
        "check", "--config", str(config), "--source", str(ics),
        "--now", "2026-03-11T09:00", "--format", "json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert '"rule": "monday-plan"' in result.stdout  # a shipped rule still active
    assert str(deep) in result.stderr


@pytest.mark.parametrize(
    ("url", "why"),
    [("http://[::1", "Invalid IPv6 URL"), ("https:///calendar.ics", "it names no host")],
)
def test_a_url_that_cannot_be_parsed_is_an_error_naming_its_key(
    run_cli: RunCli, tmp_path: Path, url: str, why: str
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[[sources]]\nurl = "{url}"\n', encoding="utf-8")
    result = run_cli("check", "--config", str(config))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"watercooler: error: {config}: at 'sources[0].url': not a valid URL ({why})"
    ]
    given = run_cli("check", "--source", url)
    assert given.returncode == 2
    [line] = given.stderr.strip().splitlines()
    assert line.startswith("watercooler: error: --source ")
    assert line.endswith(f": not a valid URL ({why})")
