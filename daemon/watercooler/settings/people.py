"""The people to keep in touch with (``[[people]]``) and how contact is judged.

Each person has a name, one or more addresses and how often to see them (``every =
"3w"``); ``[keep_in_touch]`` says how large a gathering may be and still count as contact,
and whether to suggest people the history shows you often met.
"""

from __future__ import annotations

import re
from datetime import timedelta

from pydantic import Field, field_validator

from watercooler.settings.sections import Section
from watercooler.urls import normalize_address

_SPAN = re.compile(r"(?:(\d+)w)?(?:(\d+)d)?")
SPAN_WORDS = 'write it in weeks and days, like "3w", "10d" or "2w3d"'


def parse_span(text: str) -> timedelta:
    """``"3w"``, ``"10d"``, ``"2w3d"`` → timedelta (at least one day)."""
    found = _SPAN.fullmatch(text.strip())
    if not found or not any(found.groups()):
        raise ValueError(f"{text!r} is not a span of time: {SPAN_WORDS}")
    weeks, days = (int(part or 0) for part in found.groups())
    span = timedelta(weeks=weeks, days=days)
    if span < timedelta(days=1) or span > timedelta(weeks=104):
        raise ValueError(f"{text!r}: between one day and 104 weeks, please")
    return span


class PersonSettings(Section):
    """Someone to see regularly; their last contact comes from your calendar."""

    name: str = Field(min_length=1, max_length=80, description="How you call them.")
    email: list[str] = Field(
        min_length=1,
        description="Their calendar addresses (one, or a list); matched case-insensitively.",
    )
    every: str = Field(default="4w", description='How often to see them, like "3w" or "10d".')

    @field_validator("email", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    @field_validator("email")
    @classmethod
    def _normalize(cls, value: list[str]) -> list[str]:
        addresses = [normalize_address(address) for address in value if address.strip()]
        if not addresses:
            raise ValueError("give at least one address")
        return addresses

    @field_validator("every")
    @classmethod
    def _span(cls, value: str) -> str:
        parse_span(value)
        return value.strip()

    @property
    def interval(self) -> timedelta:
        """How often to see them."""
        return parse_span(self.every)


class KeepInTouchSettings(Section):
    """What counts as having seen someone, and the suggestions learned from history."""

    max_group: int = Field(
        default=8,
        ge=2,
        le=1000,
        description="Most people (you included) a lunch or social may have to count as "
        "contact: an all-hands is not.",
    )
    suggest: bool = Field(
        default=True,
        description="Suggest people you often met and have not seen for a while.",
    )
    suggest_after: str = Field(
        default="4w", description="How long unseen before someone is suggested."
    )
    suggest_min_meetings: int = Field(
        default=3, ge=1, le=100, description="Times met before someone is suggested."
    )

    @field_validator("suggest_after")
    @classmethod
    def _span(cls, value: str) -> str:
        parse_span(value)
        return value.strip()

    @property
    def unseen_for(self) -> timedelta:
        """How long unseen before someone is suggested."""
        return parse_span(self.suggest_after)
