"""Telling the user, once, through their own services, when something stays broken.

A calendar that cannot be read for an hour (or whose server refuses the login), or a rule
file with an error, would otherwise only show in ``systemctl status``, which nobody reads
on a laptop. Each is announced once through the configured notification services, and a
calendar's recovery once more; a rule file's fix is said in the log. What was told is
kept in memory: after a restart, an hour of failure is counted again before a word.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from watercooler.service.config import Config
from watercooler.service.polling import Polled
from watercooler.text import short_time

log = logging.getLogger(__name__)

TELL_AFTER = timedelta(hours=1)
"""How long a calendar must fail before the user is told (a flaky hour is normal)."""


@dataclass(slots=True)
class Trouble:
    """A calendar failing since a moment, and whether the user was told."""

    since: datetime
    reason: str
    refused: bool = False
    """The server refuses the credentials or the access (401/403)."""
    told: bool = False


@dataclass(slots=True)
class Troubles:
    """The calendars failing now, and the rule-file problems already told."""

    failing: dict[str, Trouble] = field(default_factory=dict)
    recovered: list[tuple[str, Trouble]] = field(default_factory=list)
    told_problems: tuple[str, ...] = ()

    def observe(self, polled: Sequence[Polled], now: datetime) -> None:
        """Take in a poll's results: start, keep or end each calendar's trouble."""
        for item in polled:
            label = item.snapshot.label
            if item.failing:
                reason = str(item.error) if item.error else "the server could not be reached"
                before = self.failing.get(label)
                if item.error is not None and (before is None or before.refused != item.refused):
                    log.warning("%s", reason)  # as it begins (an unreachable one says so itself)
                trouble = self.failing.setdefault(label, Trouble(now, reason))
                trouble.reason, trouble.refused = reason, item.refused
            elif label in self.failing:
                trouble = self.failing.pop(label)
                if trouble.told:
                    self.recovered.append((label, trouble))
                log.info("%s: readable again", label)

    def announce(self, config: Config, now: datetime) -> None:
        """Send what is due: an hour of failure, a recovery, a new rule-file problem."""
        zone = config.settings.zone
        for label, trouble in self.failing.items():
            if not trouble.told and now - trouble.since >= TELL_AFTER:
                since = short_time(trouble.since, zone, now=now)
                what = "is refused by the server of" if trouble.refused else "cannot read"
                _tell(
                    config,
                    "watercooler cannot read your calendar",
                    f"Since {since}, watercooler {what} {label}: {trouble.reason}. "
                    "Until this is fixed, nudges come from what it could read last, if "
                    "anything, and none is dropped for an event it cannot see.",
                )
                trouble.told = True
        for label, trouble in self.recovered:
            _tell(
                config,
                "watercooler reads your calendar again",
                f"{label} can be read again (it failed since "
                f"{short_time(trouble.since, zone, now=now)}).",
            )
        self.recovered.clear()
        self._announce_problems(config)

    def _announce_problems(self, config: Config) -> None:
        problems = config.degraded
        if problems == self.told_problems:
            return
        if not problems:
            log.info("every rule and config file is valid again")
        elif set(problems) - set(self.told_problems):
            _tell(
                config,
                "A watercooler file has an error",
                "Until it is fixed, the last good version stays in use. " + " ".join(problems[:3]),
            )
        self.told_problems = problems


def _tell(config: Config, title: str, body: str) -> None:
    notifier = config.notifier
    for service in notifier.targets():
        result = notifier.send(service, title, body)
        if not result.ok:
            log.warning("%s: could not tell you %r: %s", service.label, title, result.error)
