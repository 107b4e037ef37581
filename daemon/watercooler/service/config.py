"""The daemon's configuration as one value: settings, active rules, and the notifier.

A reload builds a new :class:`Config` and hands it to the loop; nothing is changed in
place, so a half-read edit can never be half applied. When an edit is broken, the last
good part is kept — the previous settings when the config file fails, the previous rules
when a rule file fails — and the problems travel with the value, so the status can say
``degraded`` and name the file.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path

from watercooler.delivery.notifier import Notifier, build_notifier
from watercooler.errors import ConfigError
from watercooler.redaction import Redactor
from watercooler.rulebook.format import Rule
from watercooler.rulebook.loading import load_rulebook
from watercooler.service.watch import WatchTargets
from watercooler.settings import Settings, load_settings

log = logging.getLogger(__name__)

RESTART_ONLY = ("state_dir",)
"""Settings a running daemon cannot take over: it holds the old state folder's lock and
database. A change is logged, and applies at the next start."""


@dataclass(frozen=True, slots=True)
class Config:
    """Everything a tick needs that comes from files the user edits."""

    settings: Settings
    rules: tuple[Rule, ...]
    notifier: Notifier
    problems: tuple[str, ...] = ()
    """Every problem of the files as they are now (each names its file and line)."""

    @property
    def degraded(self) -> tuple[str, ...]:
        """One entry per broken file: its first problem."""
        seen: dict[str, str] = {}
        for problem in self.problems:
            seen.setdefault(problem.split(":", 1)[0], problem)
        return tuple(seen.values())

    def targets(self) -> WatchTargets:
        """The files and folders whose edits the daemon takes (the config file's folder,
        the rules folder, the Apprise config file and the password files)."""
        files = {self.config_path}
        apprise_config = self.settings.notify.resolved_config()
        if apprise_config is not None:
            files.add(apprise_config)
        for source in self.settings.sources:
            path = source.password_path()
            if path is not None:
                files.add(path)
        return WatchTargets(
            files=frozenset(path.expanduser().absolute() for path in files),
            folders=frozenset({self.settings.resolved_rules_dir().absolute()}),
        )

    @property
    def config_path(self) -> Path:
        """The config file (the default one when none was given)."""
        from watercooler.settings import default_config_path

        return (self.settings.config_path or default_config_path()).expanduser()


def load_config(path: Path | None, redactor: Redactor) -> Config:
    """The config at start-up; raise ConfigError when the config file is unusable.

    A broken rule file does not stop the start: the valid rules are active and the
    problems are in the result (there is no earlier good version to keep).
    """
    settings = load_settings(path)
    redactor.merge(settings.redactor())
    notifier = build_notifier(settings.notify, redactor)
    rules, problems = _rules(settings)
    return Config(settings, tuple(rules), notifier, tuple(problems))


def reload_config(previous: Config, path: Path | None, redactor: Redactor) -> Config:
    """The config after an edit: the new one, or as much of the previous one as the
    broken files need kept, with their problems."""
    problems: list[str] = []
    try:
        settings = load_settings(path)
        redactor.merge(settings.redactor())
        notifier = build_notifier(settings.notify, redactor)
    except ConfigError as error:
        problems += _with_file(str(error), previous.config_path)
        settings, notifier = previous.settings, previous.notifier
    else:
        _say_restart_only(previous.settings, settings)
    rules, rule_problems = _rules(settings)
    if rule_problems:
        rules = list(previous.rules)  # the last good rules stay active
    return replace(
        previous,
        settings=settings,
        rules=tuple(rules),
        notifier=notifier,
        problems=tuple(problems + rule_problems),
    )


def _rules(settings: Settings) -> tuple[list[Rule], list[str]]:
    book = load_rulebook(settings.resolved_rules_dir())
    return [loaded.rule for loaded in book.active()], list(book.errors)


def _with_file(message: str, config_path: Path) -> list[str]:
    """Config errors one a line, each starting with a file name (most already do)."""
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    return [
        line if line.startswith(str(config_path)) or ":" in line.split()[0] else
        f"{config_path}: {line}"
        for line in lines
    ]  # fmt: skip


def _say_restart_only(before: Settings, after: Settings) -> None:
    for name in RESTART_ONLY:
        if getattr(before, name) != getattr(after, name):
            log.warning(
                "%s changed in the config; it takes effect when the daemon restarts "
                "(systemctl --user restart watercooler)",
                name,
            )
