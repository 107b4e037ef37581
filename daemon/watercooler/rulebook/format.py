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
    ValidatorFunctionWrapHandler,
    WithJsonSchema,
    WrapValidator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from watercooler.timebox import Weekday

DURATION_PATTERN = (
    r"^[ \t]*(?=[^0-9]*[0-9])([+-]?)[ \t]*(?:([0-9]{1,6})[ \t]*d)?[ \t]*"
    r"(?:([0-9]{1,6})[ \t]*h)?[ \t]*(?:([0-9]{1,6})[ \t]*m(?:in)?)?[ \t]*$"
)
"""A duration as rule files and ``snooze`` write it: days, hours and minutes in that order,
each optional but one given, a sign in front. Written to mean the same in Python and in the
ECMAScript regular expressions of JSON Schema, so editors accept exactly what loads."""
TIME_PATTERN = r"^(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9])?$"
"""A time of day: ``HH:MM`` or ``HH:MM:SS``, 24-hour clock, no offset."""
_DURATION = re.compile(DURATION_PATTERN)
_TIME = re.compile(TIME_PATTERN)
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
_TAG = re.compile(r"[A-Za-z0-9_-]{1,40}")
UNKNOWN_PLACEHOLDER = "unknown_placeholder"
"""The error type of an unknown placeholder: loading reports it at its template's line."""


_NOT_A_DURATION = "not a duration like 30m, 2h or 1d"
_ID_WORDS = "ids are lowercase letters, digits and dashes (at most 63, like desk-lunch-streak)"
_TAG_WORDS = "tags are letters, digits, dashes and underscores (at most 40)"
_TIME_WORDS = 'write the time of day as hours and minutes, like "15:00"'


def _text_schema(pattern: str, words: str, description: str = "") -> WithJsonSchema:
    """A string's JSON Schema: its pattern, and (``patternErrorMessage``, read by
    yaml-language-server) the loader's words when a value does not match it."""
    schema = {"type": "string", "pattern": pattern, "patternErrorMessage": words}
    return WithJsonSchema(schema | ({"description": description} if description else {}))


def parse_duration(text: str) -> timedelta:
    """``"2d"``, ``"1h30m"``, ``"45m"`` → timedelta; a leading ``-`` makes it negative."""
    found = _DURATION.fullmatch(text)
    if not found:
        raise ValueError(f"{_NOT_A_DURATION}: {text!r}")
    sign, days, hours, minutes = found.groups()
    length = timedelta(days=int(days or 0), hours=int(hours or 0), minutes=int(minutes or 0))
    return -length if sign == "-" else length


def _duration(value: Any) -> Any:
    """Text, the way people write a duration; a bare number would silently mean seconds."""
    if isinstance(value, str):
        return parse_duration(value)
    if isinstance(value, timedelta):
        return value
    raise ValueError("write the duration with its unit, like 30m, 2h or 1d")


Duration = Annotated[
    timedelta,
    BeforeValidator(_duration),
    _text_schema(
        DURATION_PATTERN,
        _NOT_A_DURATION,
        "A duration such as 30m, 2h, 1d or 1h30m; a leading - means before.",
    ),
]


def _rule_id(value: str) -> str:
    """An id in plain words, not as the pattern behind it."""
    if not _ID.fullmatch(value):
        raise ValueError(f"{value!r} is not an id: {_ID_WORDS}")
    return value


def _tag(value: str) -> str:
    if not _TAG.fullmatch(value):
        raise ValueError(f"{value!r} is not a tag: {_TAG_WORDS}")
    return value


RuleId = Annotated[str, AfterValidator(_rule_id), _text_schema(f"^{_ID.pattern}$", _ID_WORDS)]
Tag = Annotated[str, AfterValidator(_tag), _text_schema(f"^{_TAG.pattern}$", _TAG_WORDS)]


class _Strict(BaseModel):
    """Unknown keys are errors, and each field's docstring is its description in the JSON
    Schema editors use."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class LunchTrigger(_Strict):
    """Fires on a workday whose lunch outcome is one of ``outcomes``; with ``at_least``,
    only when that many of the last ``in_last_workdays`` workdays (that day included) had
    one of them."""

    kind: Literal["lunch"]
    """lunch: judged for every workday, by how its lunch went."""
    outcomes: list[Literal["social", "alone", "skipped", "free"]] = Field(min_length=1)
    """The lunch outcomes that count: with others (social), alone, skipped (no room for
    lunch) or free (nothing planned)."""
    at_least: int = Field(default=1, ge=1)
    """How many of the last in_last_workdays lunches must have one of the outcomes."""
    in_last_workdays: int = Field(default=1, ge=1, le=60)
    """How many workdays to look back, the day itself included."""

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
    """social: judged for every social event (coffee, lunch with the team, drinks)."""
    statuses: list[
        Literal["cancelled", "declined", "conflicted", "tentative", "unanswered", "accepted"]
    ] = Field(min_length=1)
    """Your answer or the event's state that counts: cancelled, declined, conflicted
    (another event overlaps it), tentative, unanswered or accepted."""


class WordsTrigger(_Strict):
    """Fires for each busy occurrence whose summary or categories hold one of ``words``."""

    kind: Literal["words"]
    """words: judged for every busy event, by the words of its summary and categories."""
    words: list[str] = Field(min_length=1)
    """Whole words to look for in an event's summary or categories."""


class WeeklyTrigger(_Strict):
    """Fires once a week on ``day``; with ``below_goal``, only when that weekly goal is not
    yet met by then."""

    kind: Literal["weekly"]
    """weekly: judged once a week."""
    day: Weekday
    """The day of the week it is judged on."""
    below_goal: Literal["social_lunches", "people"] | None = None
    """Only when this weekly goal of the config is not met yet: lunches with others, or
    people met."""


class PeopleTrigger(_Strict):
    """Fires once a week on ``day`` for each person of ``[[people]]`` you have not seen
    within their ``every`` (and, with ``suggested``, for people the history suggests)."""

    kind: Literal["people"]
    """people: judged once a week for each person to keep in touch with."""
    day: Weekday = "mon"
    """The day of the week it is judged on."""
    suggested: bool = False
    """Also people you often met and have not seen for a while (keep_in_touch)."""


Trigger = Annotated[
    LunchTrigger | SocialTrigger | WordsTrigger | WeeklyTrigger | PeopleTrigger,
    Field(discriminator="kind"),
]


def _time_of_day(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    """Quoted text like "15:00": YAML reads an unquoted 15:00 as the number 900. What the
    time parser cannot read keeps its words; a form it reads that is not HH:MM[:SS] (an
    offset, fractions of a second) is refused, so the schema's pattern is the whole truth."""
    if isinstance(value, time):
        return handler(value)
    if not isinstance(value, str):
        raise ValueError('write the time of day in quotes, like at: "15:00"')
    parsed = handler(value)
    if isinstance(parsed, time) and parsed.tzinfo is not None:
        raise ValueError("a time of day is in your time zone; leave out the offset")
    if not _TIME.fullmatch(value):
        raise ValueError(_TIME_WORDS)
    return parsed


TimeOfDay = Annotated[
    time,
    WrapValidator(_time_of_day),
    _text_schema(TIME_PATTERN, _TIME_WORDS, 'A time of day like "15:00".'),
]


class Due(_Strict):
    """When the nudge is due: at a time of day, or at an offset from the event's start or
    end or from the start of the lunch window."""

    at: TimeOfDay | None = None
    """A time of day in your time zone, in quotes: at: "08:30". Not with offset."""
    offset: Duration | None = None
    """How long after (or, negative, before) the moment named by after: -45m, 1h, -1d."""
    after: Literal["start", "end", "lunch"] | None = None
    """What offset counts from: the event's start or end (social and words rules), or the
    start of the lunch window (lunch rules)."""

    @model_validator(mode="after")
    def _one_way(self) -> Due:
        if (self.at is None) == (self.offset is None):
            raise ValueError("give either 'at' (a time of day) or 'offset' with 'after'")
        if self.offset is not None and self.after is None:
            raise ValueError("'offset' needs 'after': start, end or lunch")
        if self.at is not None and self.after is not None:
            raise ValueError("'after' goes with 'offset', not with 'at'")
        if self.offset is not None and abs(self.offset) > timedelta(days=14):
            raise ValueError("an offset of more than 14 days is no nudge")
        return self


class Message(_Strict):
    """The nudge's text; ``{placeholders}`` are filled from the facts, never interpreted."""

    title: str = Field(min_length=1, max_length=200)
    """The nudge's title; {placeholders} name facts of the trigger (see the README)."""
    body: str = Field(min_length=1, max_length=2000)
    """The nudge's text; {placeholders} name facts of the trigger (see the README)."""


class Rule(_Strict):
    """One rule: what triggers it, when it is due, how often, and what it says."""

    id: RuleId
    """Lowercase letters, digits and dashes; a rule of yours with the id of a shipped rule
    replaces it."""
    tip: int = Field(ge=1, le=4)
    """Which tip of the networking guide it serves (1-4)."""
    summary: str = Field(default="", max_length=300)
    """One line saying what the rule does, for rules list."""
    enabled: bool = True
    """false switches the rule off (also a shipped rule, from a file of yours)."""
    trigger: Trigger
    """What makes it fire: kind is lunch, social, words, weekly or people."""
    due: Due
    """When the nudge is due: at a time of day, or an offset after a moment."""
    expires_after: Duration = timedelta(hours=2)
    """How long the nudge stays useful after it is due, like 1h30m; positive."""
    cooldown: Duration = timedelta(0)
    """At least this long between two nudges of this rule, like 2d."""
    max_per_week: int = Field(default=7, ge=1, le=100)
    """At most this many nudges of this rule in a week."""
    quiet_hours: Literal["drop", "defer", "digest"] = "defer"
    """A nudge due in quiet hours: dropped, sent when they end (defer), or sent with the
    others in one message when they end (digest)."""
    days_off: Literal["defer", "drop", "send"] = "defer"
    """A nudge due on a day off: moved to the next working morning while it is still
    useful (defer), dropped, or sent anyway."""
    tags: list[Tag] = Field(default=[], max_length=10)
    """Apprise tags its nudges go to (letters, digits, - and _); default every service."""
    message: Message
    """The nudge's title and body."""

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
    """The rules of this file; ids are unique among all your files."""


_COMMON = {"rule", "date", "day", "social_lunches", "lunch_goal", "people_met", "people_goal"}
PLACEHOLDERS: dict[str, set[str]] = {
    "lunch": _COMMON | {"count", "window", "outcome", "gap", "gap_start", "gap_end", "events",
                        "free_gaps", "person"},
    "social": _COMMON | {"summary", "time", "start", "end", "status", "people"},
    "words": _COMMON | {"summary", "time", "start", "end", "people"},
    "people": _COMMON | {"person", "email", "every", "last_contact", "gap", "free_gaps"},
    "weekly": _COMMON | {"alone_lunches", "skipped_lunches", "free_lunches", "missed",
                         "missed_events", "free_gaps", "person", "summary", "streak",
                         "best_streak", "run", "journal", "journal_count", "socials_attended",
                         "socials_goal"},
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
