"""Settings from the ``WATERCOOLER_*`` environment, on top of the config file.

pydantic-settings reads the variables (nested with ``__``, lists and tables as JSON); it
is imported only when such a variable is set, because importing it costs more than the
rest of ``watercooler check`` on a warm cache. The class here is the settings model with
the environment as one more source, ahead of the file.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

from watercooler.errors import ConfigError
from watercooler.settings.model import ENV_PREFIX, Settings, env_name


class _FromEnvironment(Settings, BaseSettings):
    """The settings model, reading ``WATERCOOLER_*`` first and the file's values next."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        extra="forbid",
        validate_default=True,
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Let the environment override the file, which arrives as init arguments."""
        return (env_settings, init_settings)


def with_environment(data: dict[str, Any]) -> Settings:
    """The file's values with the environment's on top; raise pydantic's ValidationError
    for invalid values, ConfigError for a variable that is not valid JSON."""
    try:
        return _FromEnvironment(**data)
    except SettingsError as error:
        raise ConfigError(_describe_parse_error(error)) from None


def _describe_parse_error(error: SettingsError) -> str:
    """pydantic-settings names the field whose variable is not JSON, never the value."""
    found = re.search(r'field "([^"]+)"', str(error))
    field = found.group(1) if found else "?"
    return (
        f"{env_name((field,)) or ENV_PREFIX + field.upper()}: at '{field}': not valid JSON "
        "(lists and tables are given as JSON, e.g. WATERCOOLER_ME='[\"ana@example.com\"]')"
    )
