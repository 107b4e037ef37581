"""The rule-file format: what a rule may say, validated before it can run.

Rules are YAML that people read and edit, so the format is declarative (no code, no eval):
a trigger (lunch, social, words or weekly), when the nudge is due, how often it may come,
and a message whose ``{placeholders}`` are filled from the facts. Every constraint a rule
could break is checked here, so a loaded rule can always be evaluated.
"""

from __future__ import annotations

import difflib
import re
from datetime import time, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)
from pydantic_core import PydanticCustomError

from watercooler.timebox import Weekday

_DURATION = re.compile(r"^\s*(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?\s*$")
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
_TAG = re.compile(r"[A-Za-z0-9_-]{1,40}")
UNKNOWN_PLACEHOLDER = "unknown_placeholder"
"""The error type of an unknown placeholder: loading reports it at its template's line."""


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


def _rule_id(value: str) -> str:
    """An id in plain words, not as the pattern behind it."""
    if not _ID.fullmatch(value):
        raise ValueError(
            f"{value!r} is not an id: ids are lowercase letters, digits and dashes "
            "(at most 63, like desk-lunch-streak)"
        )
    return value


def _tag(value: str) -> str:
    if not _TAG.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a tag: tags are letters, digits, dashes and underscores (at most 40)"
        )
    return value


RuleId = Annotated[str, AfterValidator(_rule_id)]
Tag = Annotated[str, AfterValidator(_tag)]


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

    id: RuleId
    tip: int = Field(ge=1, le=4, description="Which tip of the networking guide it serves.")
    summary: str = Field(default="", max_length=300)
    enabled: bool = True
    trigger: Trigger
    due: Due
    expires_after: Duration = timedelta(hours=2)
    cooldown: Duration = timedelta(0)
    max_per_week: int = Field(default=7, ge=1, le=100)
    quiet_hours: Literal["drop", "defer", "digest"] = "defer"
    days_off: Literal["defer", "drop", "send"] = Field(
        default="defer",
        description="A nudge due on a day off: moved to the next working morning while it "
        "is still useful (defer), dropped, or sent anyway.",
    )
    tags: list[Tag] = Field(
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
        for template in (self.message.title, self.message.body):
            for message in placeholder_problems(template, kind):
                raise PydanticCustomError(UNKNOWN_PLACEHOLDER, message)
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


def placeholder_problems(template: str, kind: str) -> list[str]:
    """What is wrong with a message template of a ``kind`` rule: one sentence for each
    placeholder that rule does not know, with the nearest known one when there is one."""
    known = PLACEHOLDERS[kind]
    problems = []
    for name in dict.fromkeys(PLACEHOLDER.findall(template)):
        if name in known:
            continue
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"; did you mean {{{close[0]}}}?" if close else ""
        problems.append(
            f"unknown placeholder {{{name}}} for a {kind} rule{hint} "
            f"(known: {', '.join(sorted(known))})"
        )
    return problems
