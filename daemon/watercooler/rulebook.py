"""Rule files: the format, loading with line numbers, validation, and which rules are active.

Rules are YAML that people read and edit, so the format is declarative (no code, no eval)
and every mistake is reported at once with its file, line and path, borgmatic-style:
``rules/team.yaml:12: at 'rules[1].trigger.at_least': …``. Default rules ship inside the
package; a user rule with the same id replaces the default, ``enabled: false`` switches
one off, and a broken user file leaves the other files' rules active.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import time, timedelta
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_DURATION = re.compile(r"^\s*(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?\s*$")
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def parse_duration(text: str) -> timedelta:
    """``"2d"``, ``"1h30m"``, ``"45m"`` → timedelta; a leading ``-`` makes it negative."""
    sign = -1 if text.strip().startswith("-") else 1
    found = _DURATION.match(text.strip().lstrip("+-"))
    if not found or not any(found.groups()):
        raise ValueError(f"not a duration like 30m, 2h or 1d: {text!r}")
    days, hours, minutes = (int(part or 0) for part in found.groups())
    return sign * timedelta(days=days, hours=hours, minutes=minutes)


def _duration(value: Any) -> Any:
    return parse_duration(value) if isinstance(value, str) else value


Duration = Annotated[
    timedelta,
    BeforeValidator(_duration),
    Field(description="A duration such as 30m, 2h, 1d or 1h30m."),
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LunchTrigger(_Strict):
    """Fires on a workday whose lunch outcome is one of ``outcomes``; with ``at_least``,
    only when that many of the last ``in_last_workdays`` workdays (that day included) had
    one of them."""

    kind: Literal["lunch"]
    outcomes: list[Literal["social", "alone", "skipped", "free"]] = Field(min_length=1)
    at_least: int = Field(default=1, ge=1)
    in_last_workdays: int = Field(default=1, ge=1, le=60)

    @model_validator(mode="after")
    def _possible(self) -> LunchTrigger:
        if self.at_least > self.in_last_workdays:
            raise ValueError(
                f"at_least ({self.at_least}) can never be reached in "
                f"in_last_workdays ({self.in_last_workdays})"
            )
        return self


class SocialTrigger(_Strict):
    """Fires for each social occurrence whose status is one of ``statuses``."""

    kind: Literal["social"]
    statuses: list[
        Literal["cancelled", "declined", "conflicted", "tentative", "unanswered", "accepted"]
    ] = Field(min_length=1)


class WordsTrigger(_Strict):
    """Fires for each busy occurrence whose summary or categories hold one of ``words``."""

    kind: Literal["words"]
    words: list[str] = Field(min_length=1)


class WeeklyTrigger(_Strict):
    """Fires once a week on ``day``; with ``below_goal``, only when that weekly goal is not
    yet met by then."""

    kind: Literal["weekly"]
    day: Weekday
    below_goal: Literal["social_lunches", "people"] | None = None


Trigger = Annotated[
    LunchTrigger | SocialTrigger | WordsTrigger | WeeklyTrigger, Field(discriminator="kind")
]


def _time_text(value: Any) -> Any:
    """YAML reads an unquoted 15:00 as the number 900; a time of day must be quoted text."""
    if isinstance(value, str):
        return value
    if isinstance(value, time):
        return value
    raise ValueError('write the time of day in quotes, like at: "15:00"')


TimeOfDay = Annotated[time, BeforeValidator(_time_text)]


class Due(_Strict):
    """When the nudge is due: at a time of day, or at an offset from the event's start or
    end or from the start of the lunch window."""

    at: TimeOfDay | None = None
    offset: Duration | None = None
    after: Literal["start", "end", "lunch"] | None = None

    @model_validator(mode="after")
    def _one_way(self) -> Due:
        if (self.at is None) == (self.offset is None):
            raise ValueError("give either 'at' (a time of day) or 'offset' with 'after'")
        if self.offset is not None and self.after is None:
            raise ValueError("'offset' needs 'after': start, end or lunch")
        if self.at is not None and self.after is not None:
            raise ValueError("'after' goes with 'offset', not with 'at'")
        if self.at is not None and self.at.tzinfo is not None:
            raise ValueError("a time of day is in your time zone; leave out the offset")
        if self.offset is not None and abs(self.offset) > timedelta(days=14):
            raise ValueError("an offset of more than 14 days is no nudge")
        return self


class Message(_Strict):
    """The nudge's text; ``{placeholders}`` are filled from the facts, never interpreted."""

    title: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=2000)


class Rule(_Strict):
    """One rule: what triggers it, when it is due, how often, and what it says."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    tip: int = Field(ge=1, le=4, description="Which tip of the networking guide it serves.")
    summary: str = Field(default="", max_length=300)
    enabled: bool = True
    trigger: Trigger
    due: Due
    expires_after: Duration = timedelta(hours=2)
    cooldown: Duration = timedelta(0)
    max_per_week: int = Field(default=7, ge=1, le=100)
    quiet_hours: Literal["drop", "defer", "digest"] = "defer"
    tags: list[Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,40}$")]] = Field(
        default=[],
        max_length=10,
        description="Apprise tags its nudges go to; default every service.",
    )
    message: Message

    @model_validator(mode="after")
    def _consistent(self) -> Rule:
        if self.expires_after <= timedelta(0):
            raise ValueError("expires_after must be positive")
        if self.cooldown < timedelta(0):
            raise ValueError("cooldown cannot be negative")
        after = self.due.after
        kind = self.trigger.kind
        if after in ("start", "end") and kind not in ("social", "words"):
            raise ValueError(f"due after the event's {after} needs a social or words trigger")
        if after == "lunch" and kind != "lunch":
            raise ValueError("due after lunch needs a lunch trigger")
        unknown = _placeholders(self.message) - PLACEHOLDERS[kind]
        if unknown:
            known = ", ".join(sorted(PLACEHOLDERS[kind]))
            raise ValueError(
                f"unknown placeholder {{{sorted(unknown)[0]}}} for a {kind} rule (known: {known})"
            )
        return self


class RuleFile(_Strict):
    """A rule file: a list of rules."""

    rules: list[Rule] = Field(default_factory=list)


_COMMON = {"rule", "date", "day", "social_lunches", "lunch_goal", "people_met", "people_goal"}
PLACEHOLDERS: dict[str, set[str]] = {
    "lunch": _COMMON | {"count", "window", "outcome", "gap", "gap_start", "gap_end", "events",
                        "free_gaps", "person"},
    "social": _COMMON | {"summary", "time", "start", "end", "status", "people"},
    "words": _COMMON | {"summary", "time", "start", "end", "people"},
    "weekly": _COMMON | {"alone_lunches", "skipped_lunches", "free_lunches", "missed",
                         "missed_events", "free_gaps", "person"},
}  # fmt: skip


def _placeholders(message: Message) -> set[str]:
    return set(PLACEHOLDER.findall(message.title)) | set(PLACEHOLDER.findall(message.body))


# -- loading -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LoadedRule:
    """A valid rule and where it came from."""

    rule: Rule
    path: str
    index: int = 0
    line: int = 0

    @property
    def where(self) -> str:
        """``file:line: at 'rules[i].id'`` for messages about this rule."""
        return f"{self.path}:{self.line}: at 'rules[{self.index}].id'"


@dataclass(slots=True)
class Rulebook:
    """The active rules, and every problem found while loading them."""

    rules: dict[str, LoadedRule] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    disabled: dict[str, LoadedRule] = field(default_factory=dict)

    def active(self) -> list[LoadedRule]:
        """The enabled rules, by id."""
        return [self.rules[key] for key in sorted(self.rules)]


def default_rules_dir() -> Path:
    """The rules shipped with watercooler: inside the wheel, or ``rules/`` in a checkout."""
    packaged = Path(str(files("watercooler") / "rules"))
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "rules"


def load_rulebook(user_dir: Path | None) -> Rulebook:
    """Load the default rules, then the user's: a user rule replaces the default with its
    id. A broken file is reported and skipped; the rules of every other file stay active."""
    book = Rulebook()
    for layer in (default_rules_dir(), user_dir):
        if layer is None or not layer.is_dir():
            continue
        loaded, errors = load_rule_files(sorted(layer.glob("*.y*ml")))
        book.errors.extend(errors)
        for rule in loaded:
            book.rules.pop(rule.rule.id, None)
            book.disabled.pop(rule.rule.id, None)
            target = book.rules if rule.rule.enabled else book.disabled
            target[rule.rule.id] = rule
    return book


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
                    f"{rule.where}: duplicate rule id {rule.rule.id!r} (also in {first.path})"
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
    """Parse and validate one file's text; ``name`` is used in messages."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        return [], [f"{name}{where}: not valid YAML: {problem}"]
    if node is None or data is None:
        return [], [f"{name}: the file is empty (expected 'rules:' with a list of rules)"]
    lines = _line_map(node)
    errors = _duplicate_ids(data, name, lines)
    try:
        parsed = RuleFile.model_validate(data)
    except ValidationError as error:
        errors += [_describe(name, lines, detail) for detail in error.errors(include_url=False)]
    if errors:
        return [], sorted(errors, key=_line_of)
    return [
        LoadedRule(rule, name, index, lines.get(("rules", index, "id"), 0))
        for index, rule in enumerate(parsed.rules)
    ], []


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
            errors.append(f"{name}:{line}: at 'rules[{index}].id': duplicate rule id {rule_id!r}")
        else:
            first[rule_id] = index
    return errors


def _line_of(message: str) -> int:
    """The line number in a ``file:line: …`` message, for sorting errors by line."""
    found = re.search(r":(\d+): ", message)
    return int(found.group(1)) if found else 0


def _describe(name: str, lines: dict[tuple[Any, ...], int], detail: Any) -> str:
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
    path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
    message = "unknown key" if detail["type"] == "extra_forbidden" else detail["msg"]
    message = message.removeprefix("Value error, ")
    return f"{name}:{line}: at '{path or '(top)'}': {message}"


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
