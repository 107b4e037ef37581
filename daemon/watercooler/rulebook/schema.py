"""The JSON Schema of a rule file, for editors: completion, hover text and errors as you type.

It is generated from the same pydantic models that validate rule files, so it cannot drift
from them: durations and times carry the patterns the loader itself matches, unknown keys
are refused where the loader refuses them, and each key's description is its field's
docstring. What a schema cannot say (a placeholder the trigger does not know, ``at_least``
larger than ``in_last_workdays``, an id used twice) is left to ``watercooler rules check``.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from pydantic.json_schema import GenerateJsonSchema

from watercooler.rulebook.format import RuleFile

SCHEMA_FILE_NAME = "rules.schema.json"
"""The schema's file name beside the rule files (their first line names it)."""
SCHEMA_LINE = f"# yaml-language-server: $schema={SCHEMA_FILE_NAME}"
"""The first line of a rule file: tells yaml-language-server where its schema is."""
DRAFT = "https://json-schema.org/draft/2020-12/schema"


def duration_text(length: timedelta) -> str:
    """A duration as a rule file writes it: ``2h``, ``1h30m``, ``-45m``, ``0m``."""
    minutes = abs(length) // timedelta(minutes=1)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [f"{n}{unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "m")) if n]
    return ("-" if length < timedelta(0) else "") + ("".join(parts) or "0m")


class _RuleFileSchema(GenerateJsonSchema):
    """Defaults written the way a rule file writes them (``2h``, not ``PT2H``)."""

    def encode_default(self, dft: Any) -> Any:
        """A duration's default as its text; anything else as pydantic encodes it."""
        if isinstance(dft, timedelta):
            return duration_text(dft)
        return super().encode_default(dft)


def rule_file_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one rule file."""
    generated = RuleFile.model_json_schema(mode="validation", schema_generator=_RuleFileSchema)
    generated.pop("title", None)
    generated.pop("description", None)
    return {
        "$schema": DRAFT,
        "title": "watercooler rule file",
        "description": "Rules that turn what watercooler finds in your calendar into nudges. "
        "`watercooler rules check` validates everything this schema cannot: placeholders, "
        "ids used twice, and how the keys of a rule fit together.",
        **_as_hover_text(generated),
    }


def _as_hover_text(node: Any) -> Any:
    """Descriptions as editors show them on hover: docstrings unwrapped to one line, and
    ``code`` in the single backticks of Markdown."""
    if isinstance(node, list):
        return [_as_hover_text(item) for item in node]
    if not isinstance(node, dict):
        return node
    return {
        key: " ".join(value.replace("``", "`").split())
        if key == "description" and isinstance(value, str)
        else _as_hover_text(value)
        for key, value in node.items()
    }


def schema_text() -> str:
    """The schema as the file ``rules.schema.json`` has it: the same text on every run."""
    return json.dumps(rule_file_schema(), indent=2, sort_keys=False, ensure_ascii=False) + "\n"
