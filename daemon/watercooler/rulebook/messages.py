"""What is wrong with a rule file, in the words of the person editing it.

The YAML parser and pydantic describe mistakes in their own terms (``expected <block
end>``, ``Input tag 'x' found using 'kind'``, regular expressions). Here each becomes a
sentence about the file, placed on the line to fix — an unclosed quote where it opens —
and a misspelt key gets the key it probably meant.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from typing import Any

import yaml
from pydantic import BaseModel

from watercooler.errors import validation_message
from watercooler.rulebook.format import (
    Due,
    LunchTrigger,
    Message,
    Rule,
    RuleFile,
    SocialTrigger,
    WeeklyTrigger,
    WordsTrigger,
)

TRIGGERS: dict[str, type[BaseModel]] = {
    "lunch": LunchTrigger,
    "social": SocialTrigger,
    "words": WordsTrigger,
    "weekly": WeeklyTrigger,
}
_SECTIONS: dict[str, type[BaseModel]] = {"due": Due, "message": Message}

_OPENED = {
    "while scanning a quoted scalar": "this quote is never closed",
    "while parsing a flow sequence": "this '[' list is never closed with ']'",
    "while parsing a flow mapping": "this '{' mapping is never closed with '}'",
    "while scanning a simple key": "this line needs a ':' after its key (key: value)",
}
"""Mistakes best shown where the thing that went wrong started, not where the parser
gave up (often the end of the file)."""
_PROBLEMS = {
    "expected <block end>": "the indentation does not line up with the lines above it",
    "cannot start any token": "a tab where YAML needs spaces: indent with spaces",
    "mapping values are not allowed here": (
        "a ':' where YAML does not expect one: put text with ': ' in quotes, "
        "or check the indentation"
    ),
    "found undefined alias": "a '*' names an anchor ('&name') that is not defined above",
    "found unknown escape character": (
        "an unknown '\\' escape in double quotes: write '\\\\' or use single quotes"
    ),
}


def yaml_problem(error: yaml.YAMLError, text: str) -> tuple[int | None, str]:
    """Given a YAML error in ``text``, return the 1-based line to fix (None if unknown) and
    why."""
    swallowing = _swallowing_quote(text)
    if swallowing is not None:
        return swallowing, "this quote is never closed"
    context = str(getattr(error, "context", None) or "")
    context_mark = getattr(error, "context_mark", None)
    problem_mark = getattr(error, "problem_mark", None)
    problem = str(getattr(error, "problem", None) or error)
    opened = _OPENED.get(context)
    if opened is not None and context_mark is not None:
        return context_mark.line + 1, opened
    line = problem_mark.line + 1 if problem_mark is not None else None
    for fragment, words in _PROBLEMS.items():
        if fragment in problem:
            return line, words
    return line, _plain(problem)


_KEY_LINE = re.compile(r"^[ \t]*(?:-[ \t]+)?[A-Za-z_][\w-]*:(?:[ \t]|$)", re.MULTILINE)


def _swallowing_quote(text: str) -> int | None:
    """The line of a quoted value that runs on over lines that look like ``key: value``:
    a quote left open, closed only by the next value's quote, so the parser stops lines
    later. None when there is no such value before the parser stops."""
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if not isinstance(token, yaml.ScalarToken) or token.plain:
                continue
            start, end = token.start_mark, token.end_mark
            if start.line != end.line and _KEY_LINE.search(text, start.index, end.index):
                return int(start.line) + 1
    except yaml.YAMLError:
        return None
    return None


def _plain(text: str) -> str:
    """The parser's own words, with its token names spelled out."""
    for token, words in (
        ("<block end>", "the end of an indented block"),
        ("<block mapping start>", "a new key"),
        ("<block sequence start>", "a new '-' list"),
        ("<stream end>", "the end of the file"),
    ):
        text = text.replace(f"'{token}'", words).replace(token, words)
    return text


def detail_message(detail: Mapping[str, Any], data: Any) -> str:
    """One pydantic error as a sentence; ``data`` is the file's raw content, to find the
    keys a misspelt one may have meant."""
    kind = detail["type"]
    loc = tuple(detail["loc"])
    if kind == "extra_forbidden":
        close = difflib.get_close_matches(str(loc[-1]), known_keys(loc[:-1], data), n=1)
        return f"unknown key; did you mean {close[0]!r}?" if close else "unknown key"
    if kind == "union_tag_invalid":
        tag = detail.get("ctx", {}).get("tag", "")
        close = difflib.get_close_matches(str(tag), list(TRIGGERS), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return f"unknown trigger kind {tag!r}{hint} (known: {', '.join(TRIGGERS)})"
    if kind == "union_tag_not_found":
        return f"a trigger needs a 'kind': {', '.join(TRIGGERS)}"
    if kind in ("model_type", "model_attributes_type"):
        return _not_a_mapping(loc)
    return validation_message(detail)


def _not_a_mapping(loc: tuple[Any, ...]) -> str:
    if not loc:
        return "a rule file is a mapping: it starts with 'rules:' and a list of rules"
    if len(loc) == 2 and loc[0] == "rules":
        return "a rule is a mapping of keys (id, tip, trigger, due, message …), not a value"
    return "this should be a mapping of keys and values"


def known_keys(loc: tuple[Any, ...], data: Any) -> list[str]:
    """The keys allowed in the mapping at ``loc`` (as pydantic gives it: a trigger's path
    holds its kind after ``trigger``)."""
    model: type[BaseModel] | None = RuleFile
    for index, part in enumerate(loc):
        if model is None:
            return []
        if model is RuleFile and part == "rules":
            model = None if index + 1 >= len(loc) else Rule
            continue
        if isinstance(part, int):
            continue
        if model is Rule and part == "trigger":
            following = loc[index + 1] if index + 1 < len(loc) else None
            model = TRIGGERS.get(str(following)) or _raw_trigger(loc, data)
            continue
        if model in TRIGGERS.values():
            continue  # the kind pydantic puts after 'trigger'
        model = _SECTIONS.get(str(part)) if model is Rule else None
    return list(model.model_fields) if model is not None else []


def _raw_trigger(loc: tuple[Any, ...], data: Any) -> type[BaseModel] | None:
    """The trigger model a rule's raw ``kind`` names, if it names one."""
    try:
        kind = data["rules"][loc[1]]["trigger"]["kind"]
    except (KeyError, IndexError, TypeError):
        return None
    return TRIGGERS.get(kind) if isinstance(kind, str) else None
