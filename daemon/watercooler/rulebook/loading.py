"""Loading rule files: line numbers for every mistake, layers, and which rules are active.

Every mistake in a file is reported at once with its file, line and path, the way config
errors are (``rules/team.yaml:12: at 'rules[1].trigger.at_least': …``). Default rules ship
inside the package; a user rule with the same id replaces the default, ``enabled: false``
switches one off, and a broken user file leaves the other files' rules active.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from watercooler.errors import problem
from watercooler.rulebook.format import (
    PLACEHOLDERS,
    UNKNOWN_PLACEHOLDER,
    Rule,
    RuleFile,
    placeholder_problems,
)
from watercooler.rulebook.messages import detail_message, yaml_problem


@dataclass(frozen=True, slots=True)
class LoadedRule:
    """A valid rule and where it came from."""

    rule: Rule
    path: str
    index: int = 0
    line: int = 0


@dataclass(slots=True)
class Rulebook:
    """The active rules, and every problem found while loading them."""

    rules: dict[str, LoadedRule] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    disabled: dict[str, LoadedRule] = field(default_factory=dict)
    fallbacks: list[str] = field(default_factory=list)
    """For a broken user file that overrides shipped rules: which shipped rule is active
    in its place (not problems of their own)."""

    def active(self) -> list[LoadedRule]:
        """The enabled rules, by id."""
        return [self.rules[key] for key in sorted(self.rules)]

    def warnings(self) -> list[str]:
        """Every problem, then what is active in place of the broken files' rules."""
        return [*self.errors, *self.fallbacks]


def default_rules_dir() -> Path:
    """The rules shipped with watercooler: inside the wheel, or ``rules/`` in a checkout."""
    packaged = Path(str(files("watercooler") / "rules"))
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "rules"


def load_rulebook(user_dir: Path | None) -> Rulebook:
    """Load the default rules, then the user's: a user rule replaces the default with its
    id. A broken file is reported and skipped; the rules of every other file stay active."""
    book = Rulebook()
    for layer in (default_rules_dir(), user_dir):
        if layer is None or not layer.is_dir():
            continue
        try:
            paths = rule_files(layer)
        except OSError as error:
            book.errors.append(f"{layer}: cannot read the rules folder: {error.strerror}")
            continue
        loaded, errors = load_rule_files(paths)
        book.errors.extend(errors)
        if book.rules:
            book.fallbacks += _fallbacks(paths, loaded, book)
        for rule in loaded:
            book.rules.pop(rule.rule.id, None)
            book.disabled.pop(rule.rule.id, None)
            target = book.rules if rule.rule.enabled else book.disabled
            target[rule.rule.id] = rule
    return book


RULE_SUFFIXES = (".yaml", ".yml")
"""What a rule file's name ends with; anything else in a rules folder (the schema file
``rules.schema.json``, a backup, a README) is not read."""


def rule_files(folder: Path) -> list[Path]:
    """The rule files of a folder, by name; OSError if the folder cannot be read."""
    return sorted(path for path in folder.iterdir() if path.suffix in RULE_SUFFIXES)


_ID_LINE = re.compile(r"""^[ \t-]*id:[ \t]*["']?([a-z0-9][a-z0-9-]*)""", re.MULTILINE)


def _fallbacks(paths: list[Path], loaded: list[LoadedRule], book: Rulebook) -> list[str]:
    """For each file that gave no rule because it is broken: the shipped rules its ids
    name, which stay active in its place. Ids are read from the text, which may not even
    be YAML."""
    good = {rule.path for rule in loaded}
    notes = []
    for path in paths:
        if str(path) in good:
            continue
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for rule_id in dict.fromkeys(_ID_LINE.findall(text)):
            shipped = book.rules.get(rule_id)
            if shipped is not None:
                notes.append(
                    f"{path}: it has problems, so the shipped rule {rule_id!r} from "
                    f"{shipped.path} is active in its place"
                )
    return notes


def load_rule_files(paths: list[Path]) -> tuple[list[LoadedRule], list[str]]:
    """Load several files as one layer: an id may appear only once among them."""
    rules: list[LoadedRule] = []
    errors: list[str] = []
    seen: dict[str, LoadedRule] = {}
    for path in paths:
        loaded, problems = load_rule_file(path)
        errors.extend(problems)
        for rule in loaded:
            first = seen.get(rule.rule.id)
            if first is not None:
                errors.append(
                    problem(
                        rule.path,
                        ("rules", rule.index, "id"),
                        f"duplicate rule id {rule.rule.id!r} (also in {first.path})",
                        line=rule.line,
                    )
                )
                continue
            seen[rule.rule.id] = rule
            rules.append(rule)
    return rules, errors


def load_rule_file(path: Path) -> tuple[list[LoadedRule], list[str]]:
    """Return a file's valid rules, or none and every error with its line number."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return [], [f"{path}: cannot read: {error}"]
    return parse_rule_text(text, str(path))


def parse_rule_text(text: str, name: str) -> tuple[list[LoadedRule], list[str]]:
    """Parse and validate one file's text; ``name`` is used in messages.

    A document nested deeper than the parser can follow is one error for this file, so
    every other file's rules still load.
    """
    try:
        return _parse_rule_text(text, name)
    except RecursionError:
        return [], [f"{name}: nested too deeply to be a rule file"]


def _parse_rule_text(text: str, name: str) -> tuple[list[LoadedRule], list[str]]:
    try:
        node, data = _compose_and_construct(text)
    except yaml.YAMLError as error:
        line, reason = yaml_problem(error, text)
        where = f":{line}" if line is not None else ""
        return [], [f"{name}{where}: not valid YAML: {reason}"]
    if node is None or data is None:
        return [], [f"{name}: the file is empty (expected 'rules:' with a list of rules)"]
    lines = _line_map(node)
    errors = _duplicate_keys(node, name) + _duplicate_ids(data, name, lines)
    errors += _placeholder_errors(data, name, lines)
    try:
        parsed = RuleFile.model_validate(data)
    except ValidationError as error:
        errors += [
            _describe(name, lines, detail, data)
            for detail in error.errors(include_url=False)
            if detail["type"] != UNKNOWN_PLACEHOLDER
        ]
    if errors:
        return [], sorted(errors, key=_line_of)
    return [
        LoadedRule(rule, name, index, lines.get(("rules", index, "id"), 0))
        for index, rule in enumerate(parsed.rules)
    ], []


def _compose_and_construct(text: str) -> tuple[yaml.Node | None, Any]:
    """The document's node tree (for line numbers) and its data, from one parse: composing
    is most of the cost, and the data is constructed from the same nodes."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    finally:
        loader.dispose()


def _duplicate_ids(data: Any, name: str, lines: dict[tuple[Any, ...], int]) -> list[str]:
    """Ids used twice in one file, found on the raw data so other errors do not hide them."""
    rules = data.get("rules") if isinstance(data, dict) else None
    if not isinstance(rules, list):
        return []
    first: dict[str, int] = {}
    errors = []
    for index, rule in enumerate(rules):
        rule_id = rule.get("id") if isinstance(rule, dict) else None
        if not isinstance(rule_id, str):
            continue
        if rule_id in first:
            line = lines.get(("rules", index, "id"), 0)
            where = ("rules", index, "id")
            errors.append(problem(name, where, f"duplicate rule id {rule_id!r}", line=line))
        else:
            first[rule_id] = index
    return errors


def _placeholder_errors(data: Any, name: str, lines: dict[tuple[Any, ...], int]) -> list[str]:
    """Unknown placeholders, on the raw data so every one is found, each at its template's
    line, whatever else is wrong with the rule."""
    errors = []
    for index, rule in enumerate(_raw_rules(data)):
        trigger = rule.get("trigger")
        kind = trigger.get("kind") if isinstance(trigger, dict) else None
        message = rule.get("message")
        if kind not in PLACEHOLDERS or not isinstance(message, dict):
            continue
        for part in ("title", "body"):
            template = message.get(part)
            if not isinstance(template, str):
                continue
            where = ("rules", index, "message", part)
            errors += [
                problem(name, where, text, line=lines.get(where, 0))
                for text in placeholder_problems(template, kind)
            ]
    return errors


def _raw_rules(data: Any) -> list[dict[str, Any]]:
    """The rules of a file's raw data that are mappings."""
    rules = data.get("rules") if isinstance(data, dict) else None
    return [rule for rule in rules if isinstance(rule, dict)] if isinstance(rules, list) else []


def _duplicate_keys(node: yaml.Node, name: str, path: tuple[Any, ...] = ()) -> list[str]:
    """A key written twice in one mapping: YAML would silently keep the last one."""
    errors = []
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            child = (*path, key.value)
            if key.value in seen:
                line = key.start_mark.line + 1
                text = f"{key.value!r} is given twice here; only the last one would count"
                errors.append(problem(name, child, text, line=line))
            seen.add(key.value)
            errors += _duplicate_keys(value, name, child)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            errors += _duplicate_keys(item, name, (*path, index))
    return errors


def _line_of(message: str) -> int:
    """The line number in a ``file:line: …`` message, for sorting errors by line."""
    found = re.search(r":(\d+): ", message)
    return int(found.group(1)) if found else 0


def _describe(name: str, lines: dict[tuple[Any, ...], int], detail: Any, data: Any) -> str:
    raw = detail["loc"]
    loc = tuple(
        part
        for index, part in enumerate(raw)
        if not (index and raw[index - 1] == "trigger" and part in _TRIGGER_KINDS)
    )
    line = 0
    for length in range(len(loc), -1, -1):
        if loc[:length] in lines:
            line = lines[loc[:length]]
            break
    return problem(name, loc, detail_message(detail, data), line=line)


_TRIGGER_KINDS = ("lunch", "social", "words", "weekly")
"""pydantic puts the discriminator value after 'trigger' in locations; paths skip it."""


def _line_map(node: yaml.Node, path: tuple[Any, ...] = ()) -> dict[tuple[Any, ...], int]:
    """Map every key path of a YAML document to its 1-based line number."""
    lines = {path: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = (*path, key.value)
            lines[child] = key.start_mark.line + 1
            lines.update({k: v for k, v in _line_map(value, child).items() if k != child})
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines.update(_line_map(item, (*path, index)))
    return lines


def rule_source(loaded: LoadedRule) -> str:
    """A rule's text as its file has it, comments included, as a rule file of its own
    (``rules:`` and the one rule) to copy; raise OSError if the file cannot be read."""
    lines = Path(loaded.path).read_text(encoding="utf-8").splitlines()
    node, _ = _compose_and_construct("\n".join(lines))
    items = node.value if isinstance(node, yaml.MappingNode) else []
    rules = next((value for key, value in items if key.value == "rules"), None)
    if not isinstance(rules, yaml.SequenceNode) or loaded.index >= len(rules.value):
        raise OSError(f"{loaded.path} changed since it was read")
    starts = [item.start_mark.line for item in rules.value] + [len(lines)]
    first, end = starts[loaded.index], starts[loaded.index + 1]
    chunk = lines[first:end]
    while chunk and (not chunk[-1].strip() or chunk[-1].lstrip().startswith("#")):
        chunk.pop()
    indent = len(chunk[0]) - len(chunk[0].lstrip(" -")) if chunk else 0
    dash = chunk[0].find("-") if chunk else 0
    cut = dash if 0 <= dash < indent else indent
    body = [line[cut:] if line[:cut].strip() == "" else line for line in chunk]
    return "rules:\n" + "".join(f"  {line}".rstrip() + "\n" for line in body)
