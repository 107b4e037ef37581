"""``watercooler rules schema``: the JSON Schema for editors, printed or written to a file,
and rules folders that hold it (or anything else not .yaml/.yml) beside the rules."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

from conftest import RunCli

REPO = Path(__file__).resolve().parents[2]
RULE = """\
rules:
  - id: my-rule
    tip: 2
    trigger: {kind: lunch, outcomes: [alone]}
    due: {at: "11:00"}
    message: {title: mine, body: mine}
"""


def test_rules_schema_prints_the_shipped_schema(run_cli: RunCli) -> None:
    result = run_cli("rules", "schema")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout == (REPO / "rules" / "rules.schema.json").read_text(encoding="utf-8")
    schema = json.loads(result.stdout)
    Draft202012Validator.check_schema(schema)
    assert schema["title"] == "watercooler rule file"


def test_rules_schema_output_writes_the_file_and_prints_nothing(
    run_cli: RunCli, tmp_path: Path
) -> None:
    target = tmp_path / "rules" / "rules.schema.json"
    target.parent.mkdir()
    result = run_cli("rules", "schema", "--output", str(target))
    assert result.returncode == 0, result.stderr
    assert (result.stdout, result.stderr) == ("", "")
    assert target.read_text(encoding="utf-8") == run_cli("rules", "schema").stdout


def test_rules_schema_output_into_a_missing_folder_is_one_error_line(
    run_cli: RunCli, tmp_path: Path
) -> None:
    target = tmp_path / "missing" / "rules.schema.json"
    result = run_cli("rules", "schema", "--output", str(target))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"watercooler: error: {target}: cannot write the schema: No such file or directory\n"
    )


def test_rules_schema_help_says_where_the_schema_goes(run_cli: RunCli) -> None:
    result = run_cli("rules", "schema", "--help")
    assert result.returncode == 0
    assert "--output FILE" in result.stdout
    assert "rules.schema.json" in result.stdout


def _folder_with_the_schema(tmp_path: Path, run_cli: RunCli) -> Path:
    """A rules folder as `init` leaves it: the schema beside a rule file, and two files
    that are not rule files although their names have 'yaml' in them."""
    folder = tmp_path / "xdg-config" / "watercooler" / "rules"
    folder.mkdir(parents=True)
    assert run_cli("rules", "schema", "--output", str(folder / "rules.schema.json")).returncode == 0
    (folder / "mine.yaml").write_text(RULE, encoding="utf-8")
    (folder / "mine.yaml.html").write_text("<p>not: [yaml</p>\n", encoding="utf-8")
    (folder / "old.yml.bak").write_text("rules: nonsense\n", encoding="utf-8")
    return folder


def test_rules_check_of_a_folder_reads_only_its_yaml_files(run_cli: RunCli, tmp_path: Path) -> None:
    folder = _folder_with_the_schema(tmp_path, run_cli)
    result = run_cli("rules", "check", str(folder))
    assert (result.returncode, result.stdout) == (0, "1 rule valid\n"), result.stdout


def test_the_users_rules_folder_may_hold_the_schema(run_cli: RunCli, tmp_path: Path) -> None:
    _folder_with_the_schema(tmp_path, run_cli)
    result = run_cli("rules", "check")
    assert (result.returncode, result.stdout) == (0, "11 rules valid\n"), result.stdout
    listing = run_cli("rules", "list")
    assert listing.returncode == 0
    assert listing.stderr == ""
    assert "my-rule" in listing.stdout


def test_a_shown_rule_names_the_schema_and_is_valid_against_it(
    run_cli: RunCli, tmp_path: Path
) -> None:
    schema = json.loads(run_cli("rules", "schema").stdout)
    for rule_id in ("desk-lunch-streak", "outreach-quota", "social-missed", "monday-plan"):
        shown = run_cli("rules", "show", rule_id)
        assert shown.returncode == 0, shown.stderr
        assert shown.stdout.startswith("# yaml-language-server: $schema=rules.schema.json\n")
        errors = list(Draft202012Validator(schema).iter_errors(yaml.safe_load(shown.stdout)))
        assert errors == [], rule_id
