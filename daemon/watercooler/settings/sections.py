"""The sections of the config file: lunch, working hours, words, goals, sources, notify,
report.

Each is a pydantic model whose field descriptions are the documentation: the example config
(``config/watercooler.toml``) is generated from them, and a test fails when they drift.
Unknown keys are errors in every section, never silently ignored.
"""

from __future__ import annotations

import os
from datetime import time
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    field_validator,
    model_validator,
)

from watercooler.errors import ConfigError
from watercooler.timebox import Weekday


class Section(BaseModel):
    """Base of every nested section: unknown keys are errors, not silently ignored."""

    model_config = ConfigDict(extra="forbid")


class TimeWindow(Section):
    """A daily window of local wall-clock time, start before end."""

    start: time
    end: time

    @model_validator(mode="after")
    def _start_before_end(self) -> TimeWindow:
        if self.start >= self.end:
            raise ValueError(f"start {self.start:%H:%M} must be before end {self.end:%H:%M}")
        return self


class LunchSettings(TimeWindow):
    """When lunch happens and how long a gap must be to count as a free lunch."""

    start: time = Field(default=time(11, 30), description="Start of the lunch window.")
    end: time = Field(default=time(14, 0), description="End of the lunch window.")
    min_minutes: int = Field(
        default=30,
        ge=1,
        le=24 * 60,
        description="Shortest free gap inside the lunch window that still counts as lunch.",
    )


class WorkingHours(TimeWindow):
    """The part of a workday in which free gaps are looked for."""

    start: time = Field(default=time(9, 0), description="Start of the working day.")
    end: time = Field(default=time(18, 0), description="End of the working day.")


class WordLists(Section):
    """Words and phrases that give an event its meaning, matched as whole words.

    Each list replaces the English default; copy it and add your own language.
    """

    absence: list[str] = Field(
        default=[
            "vacation", "vacations", "holiday", "holidays", "out of office", "ooo", "pto",
            "sick", "leave", "day off", "time off",
        ],
        description="Words that mark an all-day or lunch-covering event as an absence.",
    )  # fmt: skip
    lunch: list[str] = Field(
        default=["lunch", "lunches", "luncheon", "brunch", "lunchtime"],
        description="Words that make an event over the lunch window a lunch event.",
    )
    company: list[str] = Field(
        default=[
            "team lunch", "lunch with", "group", "&", "+",
        ],
        description="Words that make a lunch event a lunch with others, attendees or not.",
    )  # fmt: skip
    alone: list[str] = Field(
        default=["desk", "alone", "solo", "working lunch", "by myself"],
        description="Words that make a lunch event a lunch alone, even with attendees.",
    )
    social: list[str] = Field(
        default=[
            "coffee", "happy hour", "drinks", "birthday", "birthdays", "cake", "cupcake",
            "cupcakes", "party", "celebration", "social", "offsite", "meetup", "team lunch",
            "lunch with", "breakfast with", "water cooler", "after-work", "afterwork",
        ],
        description="Words that make an event a social event.",
    )  # fmt: skip


class GoalSettings(Section):
    """Small, realistic weekly goals the rules and the report measure progress against; 0
    means no goal. A week counts when every goal set is met."""

    social_lunches_per_week: int = Field(
        default=2, ge=0, le=7, description="Lunches with others you aim for each week."
    )
    people_per_week: int = Field(
        default=3, ge=0, le=100, description="Distinct people you aim to meet socially each week."
    )
    socials_per_week: int = Field(
        default=1, ge=0, le=50, description="Social events you aim to attend each week."
    )


class SourceSettings(Section):
    """One calendar to read: a CalDAV collection, an .ics file, a vdir or a feed."""

    url: str = Field(
        description="CalDAV collection URL, .ics file, vdir folder or webcal:// / .ics feed.",
        min_length=1,
    )
    type: Literal["caldav", "ics"] | None = Field(
        default=None, description="Settles whether an http(s) URL is CalDAV or a feed."
    )
    name: str | None = Field(default=None, description="A label for messages and listings.")
    username: str | None = Field(default=None, description="User name for HTTP auth.")
    password: SecretStr | None = Field(
        default=None, description="Password; prefer password_file or a systemd credential."
    )
    password_file: Path | None = Field(
        default=None,
        description="File holding the password; a bare name is looked up in "
        "$CREDENTIALS_DIRECTORY first, a relative path next to the config file.",
    )
    timeout: float = Field(default=30.0, gt=0, le=600, description="Seconds per request.")
    calendars: list[str] = Field(
        default=[],
        description="CalDAV: the calendars to read, by display name or URL; default all "
        "calendars that hold events.",
    )
    auth: Literal["basic", "digest"] = Field(
        default="basic", description="CalDAV: HTTP authentication scheme, set up front."
    )
    verify_tls: bool = Field(default=True, description="Verify the server's TLS certificate.")
    allow_insecure: bool = Field(
        default=False,
        description="Allow sending a password over plain http:// to a non-loopback host.",
    )
    _base_dir: Path | None = PrivateAttr(default=None)

    @field_validator("url")
    @classmethod
    def _parseable(cls, value: str) -> str:
        """A URL Python cannot even split (``http://[::1``) is a config error, found here,
        not a crash wherever it is first used."""
        if "://" in value:
            try:
                parts = urlsplit(value.strip())
                _ = parts.port
            except ValueError as error:
                raise ValueError(f"not a valid URL ({error})") from None
            if (
                parts.scheme.lower() in ("http", "https", "webcal", "webcals")
                and not parts.hostname
            ):
                raise ValueError("not a valid URL (it names no host)")
        return value

    @model_validator(mode="after")
    def _one_password(self) -> SourceSettings:
        if self.password is not None and self.password_file is not None:
            raise ValueError("give either password or password_file, not both")
        return self

    def password_path(self) -> Path | None:
        """Where ``password_file`` is read from, None without one."""
        if self.password_file is None:
            return None
        return _credential_path(self.password_file, self._base_dir)

    def resolve_password(self) -> str | None:
        """Return the password from ``password`` or ``password_file``.

        Raise ConfigError naming the file (never its content) if it cannot be read.
        """
        if self.password is not None:
            return self.password.get_secret_value()
        path = self.password_path()
        if path is None:
            return None
        try:
            return path.read_text(encoding="utf-8").strip("\r\n")
        except OSError as error:
            raise ConfigError(f"cannot read password_file {path}: {error.strerror}") from None
        except UnicodeDecodeError:
            raise ConfigError(f"cannot read password_file {path}: not UTF-8 text") from None


def _credential_path(configured: Path, base_dir: Path | None) -> Path:
    """Given a configured secret path, return where to read it.

    A bare file name is looked up in systemd's ``$CREDENTIALS_DIRECTORY`` (``LoadCredential=``)
    first, so a unit can hand secrets over without them touching the config. A relative path
    is relative to the config file's folder.
    """
    credentials = os.environ.get("CREDENTIALS_DIRECTORY")
    if credentials and len(configured.parts) == 1:
        candidate = Path(credentials) / configured
        if candidate.exists():
            return candidate
    expanded = configured.expanduser()
    if not expanded.is_absolute() and base_dir is not None:
        return base_dir / expanded
    return expanded


class QuietHours(Section):
    """A nightly stretch of local time without nudges; it may wrap past midnight."""

    enabled: bool = Field(default=True, description="Set to false for no quiet hours.")
    start: time = Field(default=time(21, 0), description="When quiet hours begin.")
    end: time = Field(default=time(7, 0), description="When quiet hours end.")

    @model_validator(mode="after")
    def _not_empty(self) -> QuietHours:
        if self.start == self.end:
            raise ValueError("start and end are the same; leave out quiet_hours for none")
        return self


class NotifySettings(Section):
    """Where nudges are delivered, and how often they may interrupt you."""

    urls: list[SecretStr] = Field(
        default=[],
        description='Apprise URLs, optionally tagged like "phone=ntfys://ntfy.sh/topic"; '
        "they hold tokens and are never logged.",
    )
    config: Path | None = Field(
        default=None,
        description="An Apprise config file (its YAML or text format), used with or "
        "instead of urls; relative to the config file's folder.",
    )
    desktop: bool = Field(
        default=True,
        description="Without any URL, also show nudges as desktop notifications (D-Bus).",
    )
    redact: bool = Field(
        default=False,
        description="Leave event titles and people's names out of what is sent.",
    )
    quiet_hours: QuietHours = Field(
        default_factory=QuietHours,
        description="No nudges in this stretch; each rule drops, defers or digests them.",
    )
    daily_cap: int = Field(
        default=3, ge=1, le=100, description="Most nudges sent on one day (a digest is one)."
    )
    timeout: float = Field(
        default=10.0, gt=0, le=300, description="Seconds a service may take to answer."
    )
    retry_first: float = Field(
        default=60.0, gt=0, le=86400, description="Seconds before the first retry of a failure."
    )
    retry_max: float = Field(
        default=3600.0, gt=0, le=86400, description="Longest wait between retries, in seconds."
    )
    backoff: bool = Field(
        default=True,
        description="A rule whose last 3 nudges changed nothing pauses itself for a week.",
    )
    _base_dir: Path | None = PrivateAttr(default=None)

    def resolved_config(self) -> Path | None:
        """The Apprise config file's path, relative ones next to the config file."""
        if self.config is None:
            return None
        expanded = self.config.expanduser()
        if not expanded.is_absolute() and self._base_dir is not None:
            return self._base_dir / expanded
        return expanded


class ReportSettings(Section):
    """The week's report, sent through the notify services once a week."""

    deliver: bool = Field(
        default=True,
        description="Send the week's report; as an HTML attachment where the service takes one.",
    )
    day: Weekday = Field(default="fri", description="The day of the week it is sent.")
    at: time = Field(default=time(16, 0), description="The local time it is sent.")
    weeks: int = Field(
        default=4, ge=1, le=52, description="Weeks the attached report shows, this one included."
    )
    expires_after_days: int = Field(
        default=3,
        ge=1,
        le=6,
        description="Days it is still sent after its time (the daemon was down, quiet hours).",
    )
