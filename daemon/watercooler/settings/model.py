"""The settings model: everything watercooler can be told, and what follows from it.

:class:`Settings` gathers the sections (see :mod:`watercooler.settings.sections`) with the
top-level keys, and derives what the stages need from them: the user's zone, workday
numbers, the rules and state folders, and a :class:`~watercooler.redaction.Redactor`
holding every secret the config carries.
"""

from __future__ import annotations

import os
from contextlib import suppress
from functools import cached_property
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator

from watercooler.errors import ConfigError
from watercooler.redaction import Redactor
from watercooler.settings.people import KeepInTouchSettings, PersonSettings
from watercooler.settings.sections import (
    GoalSettings,
    LunchSettings,
    NotifySettings,
    ReportSettings,
    SourceSettings,
    WordLists,
    WorkingHours,
)
from watercooler.timebox import WEEKDAYS, Weekday
from watercooler.urls import normalize_address, split_credentials, split_tags

ENV_PREFIX = "WATERCOOLER_"


class Settings(BaseModel):
    """Everything watercooler can be told, from the TOML file and ``WATERCOOLER_*``.

    A plain model: the environment is read by a subclass in
    :mod:`~watercooler.settings.environment`, imported only when a ``WATERCOOLER_*``
    variable is set (pydantic-settings costs a fifth of a second of start-up).
    """

    model_config = ConfigDict(extra="forbid", validate_default=True)

    timezone: str | None = Field(
        default=None,
        description="IANA time zone all days and times are read in; default the system's.",
    )
    me: list[str] = Field(
        default=[], description="Your calendar addresses (case-insensitive, mailto: optional)."
    )
    workdays: list[Weekday] = Field(
        default=["mon", "tue", "wed", "thu", "fri"], description="Days you work."
    )
    lunch: LunchSettings = Field(default_factory=LunchSettings, description="Lunch window.")
    working_hours: WorkingHours = Field(
        default_factory=WorkingHours, description="Hours in which free gaps are looked for."
    )
    words: WordLists = Field(default_factory=WordLists, description="Word lists.")
    sources: list[SourceSettings] = Field(default=[], description="Calendars to read.")
    notify: NotifySettings = Field(default_factory=NotifySettings, description="Delivery.")
    goals: GoalSettings = Field(default_factory=GoalSettings, description="Weekly goals.")
    people: list[PersonSettings] = Field(default=[], description="People to keep in touch with.")
    keep_in_touch: KeepInTouchSettings = Field(
        default_factory=KeepInTouchSettings, description="Keeping in touch."
    )
    report: ReportSettings = Field(default_factory=ReportSettings, description="The Friday report.")
    rules_dir: Path | None = Field(
        default=None,
        description="Your rule files; default $XDG_CONFIG_HOME/watercooler/rules.",
    )
    state_dir: Path | None = Field(
        default=None,
        description="Where history and caches live; default $XDG_STATE_HOME/watercooler.",
    )
    poll_interval: int = Field(
        default=300,
        ge=5,
        le=86400,
        description="Seconds between the daemon's polls of each calendar (at least 5).",
    )
    max_occurrences: int = Field(
        default=2000,
        ge=10,
        le=1_000_000,
        description="Most occurrences one recurring event may produce in one window.",
    )
    retention_days: int = Field(
        default=400,
        ge=30,
        description="Days a sent, expired or dropped nudge is kept after it was due; at least 30.",
    )
    history_days: int = Field(
        default=730,
        ge=30,
        description="Days lunch outcomes and social events' statuses are kept; at least 30.",
    )
    backfill_weeks: int = Field(
        default=12,
        ge=0,
        le=104,
        description="Weeks of history read from the calendar before the first run.",
    )
    _config_path: Path | None = PrivateAttr(default=None)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name)") from None
        return value

    @field_validator("me")
    @classmethod
    def _normalize_me(cls, value: list[str]) -> list[str]:
        return [normalize_address(address) for address in value if address.strip()]

    @cached_property
    def zone(self) -> ZoneInfo:
        """The user's zone: the configured one, else the system's, else UTC."""
        if self.timezone:
            return ZoneInfo(self.timezone)
        return system_zone()

    @cached_property
    def workday_numbers(self) -> frozenset[int]:
        """Workdays as ``date.weekday()`` numbers."""
        return frozenset(WEEKDAYS.index(day) for day in self.workdays)

    @property
    def config_path(self) -> Path | None:
        """The config file these settings were read from (None when built from values)."""
        return self._config_path

    def missing_sources_message(self) -> str:
        """Why there is no calendar to read, naming the config file that was looked at."""
        where = self._config_path
        if where is None:
            return "no calendar to read: pass --source"
        if not where.expanduser().is_file():
            return (
                f"no calendar to read: there is no config file at {where}; create it with a "
                "[[sources]] entry, or pass --source"
            )
        return f"no calendar to read: {where} has no [[sources]] entry; add one, or pass --source"

    def resolved_rules_dir(self) -> Path:
        """The user's rules folder, following the XDG base directory spec."""
        if self.rules_dir is not None:
            return self.rules_dir.expanduser()
        return default_config_path().parent / "rules"

    def resolved_state_dir(self) -> Path:
        """Return the state directory, following the XDG base directory spec."""
        if self.state_dir is not None:
            return self.state_dir.expanduser()
        base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
        return Path(base) / "watercooler"

    def redactor(self) -> Redactor:
        """A redactor that knows every secret this config holds: source passwords (given,
        in the URL or in a file) and notification URLs. A password file that cannot be
        read has nothing to hide yet; it is reported where the password is used."""
        redactor = Redactor()
        for source in self.sources:
            if source.password is not None:
                redactor.add(source.password.get_secret_value())
            _, credentials = split_credentials(source.url)
            if credentials is not None:
                redactor.add(credentials[1])
            with suppress(ConfigError):
                redactor.add(source.resolve_password())
        for url in self.notify.urls:
            redactor.add_url(split_tags(url.get_secret_value())[1])
        return redactor


def system_zone() -> ZoneInfo:
    """Return the system's zone (``$TZ`` or /etc/localtime) via tzlocal, UTC if unknown."""
    import tzlocal

    try:
        return ZoneInfo(tzlocal.get_localzone_name() or "UTC")
    except (ZoneInfoNotFoundError, ValueError, LookupError):
        return ZoneInfo("UTC")


def default_config_path() -> Path:
    """Return ``$XDG_CONFIG_HOME/watercooler/config.toml``."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "watercooler" / "config.toml"


def env_name(loc: tuple[int | str, ...]) -> str:
    """Return the variable that set the value at ``loc`` (it beats the file), or ""."""
    present = {name.upper(): name for name in os.environ}
    keys = [str(part).upper() for part in loc]
    for length in range(len(keys), 0, -1):
        name = ENV_PREFIX + "__".join(keys[:length])
        if name in present:
            return f"environment {present[name]}"
    return ""
