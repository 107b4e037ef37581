"""The one place where settings are defined, validated and documented.

Given a TOML file and the ``WATERCOOLER_*`` environment, :func:`load_settings` returns a
:class:`Settings`; it raises :class:`~watercooler.errors.ConfigError` listing every problem at
once, each with the file (or environment variable) and the key path, borgmatic-style. The
``description`` of every field is also the source of the documented example config; a test
fails when ``config/watercooler.toml`` drifts from this model.
"""

from __future__ import annotations

import os
import re
import tomllib
from datetime import time
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

from watercooler.errors import ConfigError
from watercooler.redaction import register as register_secrets

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

ENV_PREFIX = "WATERCOOLER_"


class _Section(BaseModel):
    """Base of every nested section: unknown keys are errors, not silently ignored."""

    model_config = ConfigDict(extra="forbid")


class TimeWindow(_Section):
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


class WordLists(_Section):
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


class GoalSettings(_Section):
    """Small, realistic weekly goals the rules measure progress against."""

    social_lunches_per_week: int = Field(
        default=2, ge=0, le=7, description="Lunches with others you aim for each week."
    )
    people_per_week: int = Field(
        default=3, ge=0, le=100, description="Distinct people you aim to meet socially each week."
    )


class SourceSettings(_Section):
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

    @model_validator(mode="after")
    def _one_password(self) -> SourceSettings:
        if self.password is not None and self.password_file is not None:
            raise ValueError("give either password or password_file, not both")
        return self

    def resolve_password(self) -> str | None:
        """Return the password from ``password`` or ``password_file``.

        Raise ConfigError naming the file (never its content) if it cannot be read.
        """
        if self.password is not None:
            return self.password.get_secret_value()
        if self.password_file is None:
            return None
        path = _credential_path(self.password_file, self._base_dir)
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


class QuietHours(_Section):
    """A nightly stretch of local time without nudges; it may wrap past midnight."""

    enabled: bool = Field(default=True, description="Set to false for no quiet hours.")
    start: time = Field(default=time(21, 0), description="When quiet hours begin.")
    end: time = Field(default=time(7, 0), description="When quiet hours end.")

    @model_validator(mode="after")
    def _not_empty(self) -> QuietHours:
        if self.start == self.end:
            raise ValueError("start and end are the same; leave out quiet_hours for none")
        return self


class NotifySettings(_Section):
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


class Settings(BaseSettings):
    """Everything watercooler can be told, from the TOML file and ``WATERCOOLER_*``."""

    read_environment: ClassVar[bool] = True

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        extra="forbid",
        validate_default=True,
    )

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
    rules_dir: Path | None = Field(
        default=None,
        description="Your rule files; default $XDG_CONFIG_HOME/watercooler/rules.",
    )
    state_dir: Path | None = Field(
        default=None,
        description="Where history and caches live; default $XDG_STATE_HOME/watercooler.",
    )
    max_occurrences: int = Field(
        default=2000,
        ge=10,
        le=1_000_000,
        description="Most occurrences one recurring event may produce in one window.",
    )

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

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Let the environment override the file, which arrives as init arguments.

        Settings built by :func:`settings_from` ignore the environment, so the demo and
        tests give the same result anywhere.
        """
        if not cls.read_environment:
            return (init_settings,)
        return (env_settings, init_settings)

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


class _ValuesOnly(Settings):
    """Settings from given values alone: no file, no environment."""

    read_environment: ClassVar[bool] = False


def settings_from(values: dict[str, Any]) -> Settings:
    """Return settings built from ``values`` only; raise ConfigError if they are invalid."""
    try:
        return _ValuesOnly(**values)
    except ValidationError as error:
        raise ConfigError(_describe(error, Path("(settings)"))) from None


def normalize_address(address: str) -> str:
    """Return a calendar address in the form it is compared in: no mailto:, lower case."""
    text = address.strip()
    if text[:7].lower() == "mailto:":
        text = text[7:]
    return text.strip().lower()


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


def load_settings(path: Path | None = None, *, required: bool = False) -> Settings:
    """Given a config path (or None for the default), return validated settings.

    A missing default file is fine (defaults and environment apply); a missing file that was
    asked for explicitly (``required``) is an error. Raise ConfigError with every problem.
    """
    config_path = path if path is not None else default_config_path()
    data = _read_toml(config_path, required=required or path is not None)
    _reject_unknown_variables()
    try:
        settings = Settings(**data)
    except ValidationError as error:
        raise ConfigError(_describe(error, config_path)) from None
    except SettingsError as error:
        raise ConfigError(_describe_env_parse_error(error)) from None
    for source in settings.sources:
        source._base_dir = config_path.expanduser().parent
    settings.notify._base_dir = config_path.expanduser().parent
    # Secrets are known to the log filter before anything can log them.
    register_secrets(settings)
    return settings


def _reject_unknown_variables() -> None:
    """A mistyped ``WATERCOOLER_*`` variable is an error, not a silently ignored setting."""
    known = {name.upper() for name in Settings.model_fields}
    unknown = sorted(
        name
        for name in os.environ
        if name.upper().startswith(ENV_PREFIX)
        and name.upper()[len(ENV_PREFIX) :].split("__")[0] not in known
    )
    if unknown:
        raise ConfigError(
            f"environment {unknown[0]}: unknown setting (known: "
            + ", ".join(sorted(known)).lower()
            + ")"
        )


def _describe_env_parse_error(error: SettingsError) -> str:
    """pydantic-settings names the field whose variable is not JSON, never the value."""
    found = re.search(r'field "([^"]+)"', str(error))
    field = found.group(1) if found else "?"
    return (
        f"{_env_name((field,)) or ENV_PREFIX + field.upper()}: at '{field}': not valid JSON "
        "(lists and tables are given as JSON, e.g. WATERCOOLER_ME='[\"ana@example.com\"]')"
    )


def _read_toml(path: Path, *, required: bool) -> dict[str, Any]:
    """Return the parsed TOML table, {} for an absent optional file."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        if required:
            raise ConfigError(f"{path}: config file not found") from None
        return {}
    except OSError as error:
        raise ConfigError(f"{path}: cannot read config: {error.strerror}") from None
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: config is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from None


def _describe(error: ValidationError, path: Path) -> str:
    """Return every validation error on its own line, naming where the value came from."""
    lines = []
    for detail in error.errors(include_url=False):
        location = _format_location(detail["loc"])
        origin = _env_name(detail["loc"]) or str(path)
        message = detail["msg"]
        if detail["type"] == "extra_forbidden":
            message = "unknown key"
        lines.append(f"{origin}: at '{location}': {message}")
    count = len(lines)
    header = f"invalid configuration ({count} error{'s' if count != 1 else ''}):"
    return header + "\n  " + "\n  ".join(lines) if count > 1 else f"{lines[0]}"


def _format_location(loc: tuple[int | str, ...]) -> str:
    """Turn pydantic's location tuple into ``sources[0].url`` form."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(top level)"


def _env_name(loc: tuple[int | str, ...]) -> str:
    """Return the variable that set the value at ``loc`` (it beats the file), or ""."""
    present = {name.upper(): name for name in os.environ}
    keys = [str(part).upper() for part in loc]
    for length in range(len(keys), 0, -1):
        name = ENV_PREFIX + "__".join(keys[:length])
        if name in present:
            return f"environment {present[name]}"
    return ""
