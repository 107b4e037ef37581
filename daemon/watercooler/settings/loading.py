"""Loading settings: the TOML file, the ``WATERCOOLER_*`` environment, and their errors.

:func:`load_settings` returns validated :class:`~watercooler.settings.model.Settings` or
raises :class:`~watercooler.errors.ConfigError` listing every problem at once, each with the
file (or environment variable) and the key path.
"""

from __future__ import annotations

import logging
import os
import shlex
import stat
import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from watercooler.errors import ConfigError, problem, validation_message
from watercooler.settings.model import ENV_PREFIX, Settings, default_config_path, env_name

log = logging.getLogger(__name__)


def settings_from(values: dict[str, Any]) -> Settings:
    """Return settings built from ``values`` only; raise ConfigError if they are invalid."""
    try:
        return Settings(**values)
    except ValidationError as error:
        raise ConfigError(_describe(error, Path("(settings)"))) from None


def load_settings(path: Path | None = None, *, required: bool = False) -> Settings:
    """Given a config path (or None for the default), return validated settings.

    A missing default file is fine (defaults and environment apply); a missing file that was
    asked for explicitly (``required``) is an error. Raise ConfigError with every problem.
    """
    config_path = path if path is not None else default_config_path()
    data = _read_toml(config_path, required=required or path is not None)
    _reject_unknown_variables()
    try:
        settings = _validated(data)
    except ValidationError as error:
        raise ConfigError(_describe(error, config_path)) from None
    for source in settings.sources:
        source._base_dir = config_path.expanduser().parent
    settings.notify._base_dir = config_path.expanduser().parent
    settings._config_path = config_path
    _warn_about_open_secrets(settings)
    return settings


def _warn_about_open_secrets(settings: Settings) -> None:
    """A password file others can read is a leaked password waiting to happen: say so,
    with the command that fixes it (once, when the config is read)."""
    for source in settings.sources:
        path = source.password_path()
        if path is None:
            continue
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
        except OSError:
            continue  # reported where the password is read
        if mode & 0o077:
            log.warning(
                "%s: the password file is readable by %s (mode %03o); run: chmod 600 %s",
                path, "others" if mode & 0o007 else "its group", mode,
                shlex.quote(str(path)),
            )  # fmt: skip


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


def _validated(data: dict[str, Any]) -> Settings:
    """The file's values, overridden by the environment's when it sets any."""
    if not any(name.upper().startswith(ENV_PREFIX) for name in os.environ):
        return Settings(**data)
    from watercooler.settings.environment import with_environment

    return with_environment(data)


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
    lines = [
        problem(env_name(detail["loc"]) or str(path), detail["loc"], validation_message(detail))
        for detail in error.errors(include_url=False)
    ]
    count = len(lines)
    header = f"invalid configuration ({count} error{'s' if count != 1 else ''}):"
    return header + "\n  " + "\n  ".join(lines) if count > 1 else f"{lines[0]}"
