"""The JSON Schema editors check rule files with: shipped beside the rules, up to date with
the models, and giving the loader's verdict on what it can judge (unknown keys, durations,
times, enums, ids), so a file the editor calls fine loads and one it flags does not."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

from watercooler.rulebook.loading import default_rules_dir, parse_rule_text
from watercooler.rulebook.schema import (
    SCHEMA_FILE_NAME,
    SCHEMA_LINE,
    duration_text,
    rule_file_schema,
    schema_text,
)

REPO = Path(__file__).resolve().parents[2]
SHIPPED = sorted((REPO / "rules").glob("*.yaml"))
VALIDATOR = Draft202012Validator(rule_file_schema())

BASE: dict[str, Any] = {
    "rules": [
        {
            "id": "team-lunch",
            "tip": 2,
            "trigger": {
                "kind": "lunch",
                "outcomes": ["alone"],
                "at_least": 2,
                "in_last_workdays": 5,
            },
            "due": {"offset": "-45m", "after": "lunch"},
            "expires_after": "1h30m",
            "message": {"title": "{count} alone", "body": "Go along."},
        }
    ]
}


def schema_accepts(data: Any) -> bool:
    return not list(VALIDATOR.iter_errors(data))


def loader_errors(data: Any) -> list[str]:
    rules, errors = parse_rule_text(yaml.safe_dump(data, sort_keys=False), "mine.yaml")
    return errors if errors or rules else ["no rule"]


def test_the_shipped_schema_file_is_the_one_the_models_give() -> None:
    shipped = (REPO / "rules" / SCHEMA_FILE_NAME).read_text(encoding="utf-8")
    assert shipped == schema_text(), (
        "rules/rules.schema.json is out of date with the rule models; regenerate it with: "
        "watercooler rules schema --output rules/rules.schema.json"
    )


def test_the_schema_is_valid_draft_2020_12_and_the_same_text_every_time() -> None:
    Draft202012Validator.check_schema(rule_file_schema())
    assert json.loads(schema_text())["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema_text() == schema_text()


def test_the_loader_finds_the_schema_beside_the_shipped_rules() -> None:
    assert (default_rules_dir() / SCHEMA_FILE_NAME).is_file()


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.name)
def test_every_shipped_rule_file_names_the_schema_and_is_valid_against_it(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[0] == SCHEMA_LINE
    assert list(VALIDATOR.iter_errors(yaml.safe_load(text))) == []


def test_the_readme_worked_example_is_valid_against_the_schema_and_loads() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.index("### The format, with a worked example")
    example = re.search(r"```yaml\n(.*?)```", readme[section:], re.DOTALL)
    assert example is not None
    assert list(VALIDATOR.iter_errors(yaml.safe_load(example.group(1)))) == []
    rules, errors = parse_rule_text(example.group(1), "README.md")
    assert errors == []
    assert [loaded.rule.id for loaded in rules] == ["desk-lunch-streak"]


def test_hovering_a_key_explains_it() -> None:
    rule = rule_file_schema()["$defs"]["Rule"]
    assert rule["additionalProperties"] is False
    for key, field in rule["properties"].items():
        assert len(field.get("description", "")) > 15, key
        assert "\n" not in field["description"], key
    assert rule["properties"]["quiet_hours"]["enum"] == ["drop", "defer", "digest"]
    assert rule["properties"]["expires_after"]["default"] == "2h"
    assert rule["properties"]["cooldown"]["default"] == "0m"


DRAFT_7_KEYWORDS = {
    "$schema", "$ref", "$defs", "title", "description", "default", "type", "properties",
    "required", "additionalProperties", "enum", "const", "anyOf", "oneOf", "items",
    "minItems", "maxItems", "minimum", "maximum", "minLength", "maxLength", "pattern",
}  # fmt: skip
"""Keywords that editors whose validator is draft 7 (yaml-language-server before 1.20)
understand; ``$defs`` is only reached through ``$ref`` JSON pointers, which they follow."""
ANNOTATIONS = {"discriminator", "patternErrorMessage"}
"""Ignored by validators: a hint for OpenAPI tools, a message for yaml-language-server."""


def _subschemas(node: dict[str, Any]) -> list[dict[str, Any]]:
    """A schema object and every schema inside it (not the data of enum, const, default)."""
    inner = [*node.get("properties", {}).values(), *node.get("$defs", {}).values()]
    inner += [*node.get("anyOf", []), *node.get("oneOf", [])]
    inner += [
        node[key] for key in ("items", "additionalProperties") if isinstance(node.get(key), dict)
    ]
    return [node, *(found for child in inner for found in _subschemas(child))]


def test_the_schema_uses_only_what_older_editors_understand() -> None:
    schemas = _subschemas(rule_file_schema())
    assert len(schemas) > 40
    for keywords in (set(schema) for schema in schemas):
        assert keywords <= DRAFT_7_KEYWORDS | ANNOTATIONS, keywords
        if "$ref" in keywords:
            assert keywords <= {"$ref", "description"}, keywords


def test_a_duration_default_is_written_as_a_rule_file_writes_it() -> None:
    from datetime import timedelta

    assert duration_text(timedelta(days=1, hours=2, minutes=30)) == "1d2h30m"
    assert duration_text(timedelta(minutes=-45)) == "-45m"
    assert duration_text(timedelta(0)) == "0m"


def _change(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    """The base file with the value at ``path`` inside its rule set (``None``: removed)."""
    data = copy.deepcopy(BASE)
    target = data["rules"][0]
    for key in path[:-1]:
        target = target[key]
    if value is None:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


CASES = [
    # (what is changed, the value, whether a rule file with it is valid)
    (("cooldown",), "90m", True),
    (("cooldown",), "1h30m", True),
    (("cooldown",), "1 d 2 h 3 min", True),
    (("cooldown",), "2d", True),
    (("due", "offset"), "+1h", True),
    (("cooldown",), "PT2H", False),
    (("cooldown",), "2H", False),
    (("cooldown",), "1m30s", False),
    (("cooldown",), "90", False),
    (("cooldown",), "", False),
    (("cooldown",), 90, False),
    (("cooldown",), "1234567d", False),
    (("cooldown",), "99999999999d", False),
    (("due", "offset"), "--45m", False),
    (("due",), {"at": "09:00"}, True),
    (("due",), {"at": "23:59:59"}, True),
    (("due",), {"at": "9:00"}, False),
    (("due",), {"at": "24:00"}, False),
    (("due",), {"at": "09:00Z"}, False),
    (("due",), {"at": "09:00:00.5"}, False),
    (("due",), {"at": 540}, False),
    (("colour",), "red", False),
    (("trigger", "atleast"), 2, False),
    (("message", "footer"), "x", False),
    (("quiet_hours",), "later", False),
    (("quiet_hours",), "digest", True),
    (("trigger", "kind"), "monthly", False),
    (("trigger", "outcomes"), ["lonely"], False),
    (("id",), "Team_Lunch", False),
    (("tags",), ["phone", "has space"], False),
    (("tags",), ["phone", "desk_2"], True),
    (("tip",), 5, False),
    (("enabled",), False, True),
    (("message", "body"), None, False),
]


@pytest.mark.parametrize(("path", "value", "valid"), CASES)
def test_the_schema_and_the_loader_give_the_same_verdict(
    path: tuple[str, ...], value: Any, valid: bool
) -> None:
    data = _change(path, value)
    errors = loader_errors(data)
    assert (errors == []) is valid, errors
    assert schema_accepts(data) is valid


def test_an_unknown_key_at_the_top_of_the_file_is_refused_by_both() -> None:
    data = {**copy.deepcopy(BASE), "rule": []}
    assert loader_errors(data) == ["mine.yaml:17: at 'rule': unknown key; did you mean 'rules'?"]
    assert not schema_accepts(data)


def test_the_base_file_is_valid_for_both() -> None:
    assert loader_errors(BASE) == []
    assert schema_accepts(BASE)
