"""Settings: the one place where what watercooler can be told is defined and read.

:mod:`~watercooler.settings.sections` holds the config file's sections,
:mod:`~watercooler.settings.model` the whole model and what follows from it, and
:mod:`~watercooler.settings.loading` reads a TOML file and the ``WATERCOOLER_*``
environment into it.
"""

from watercooler.settings.loading import load_settings, settings_from
from watercooler.settings.model import Settings, default_config_path, system_zone
from watercooler.settings.sections import (
    GoalSettings,
    LunchSettings,
    NotifySettings,
    QuietHours,
    ReportSettings,
    SourceSettings,
    WordLists,
    WorkingHours,
)

__all__ = [
    "GoalSettings",
    "LunchSettings",
    "NotifySettings",
    "QuietHours",
    "ReportSettings",
    "Settings",
    "SourceSettings",
    "WordLists",
    "WorkingHours",
    "default_config_path",
    "load_settings",
    "settings_from",
    "system_zone",
]
