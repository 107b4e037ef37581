"""One command's run: its settings, its secret filter, its output, and the clock it reads.

The command line is the edge where the outside world is read: the wall clock (``--now``,
or the real time), the config file, the terminal. A :class:`Session` carries what one run
needs from there and hands plain values inward. Loading the settings installs their
:class:`~watercooler.redaction.Redactor` in the log filter the entry point set up, and all
output — text or JSON, from any command — goes through :meth:`Session.write`, which masks
the same secrets the log does.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from watercooler.errors import ConfigError, WatercoolerError
from watercooler.redaction import RedactingFilter, Redactor

if TYPE_CHECKING:
    from watercooler.calendar.records import Occurrence
    from watercooler.rulebook.format import Rule
    from watercooler.settings import Settings
    from watercooler.sources.base import CalendarSource, Clock
    from watercooler.store import Store

log = logging.getLogger("watercooler")


@dataclass(slots=True)
class Session:
    """What a command handler is given besides its arguments."""

    log_filter: RedactingFilter
    debug: bool = False
    config_path: Path | None = None
    """The config file the settings were read from (once loaded)."""

    @property
    def redactor(self) -> Redactor:
        """The secrets known so far (those of the settings, once loaded)."""
        return self.log_filter.redactor

    def load_settings(self, path: Path | None) -> Settings:
        """The settings from ``--config`` (or the default file) and the environment; their
        secrets are masked in the log and the output from here on."""
        from watercooler.settings import default_config_path, load_settings

        settings = load_settings(path)
        self.config_path = path if path is not None else default_config_path()
        self.log_filter.redactor = settings.redactor()
        return settings

    def warn_if_me_unset(self, settings: Settings, occurrences: Sequence[Occurrence]) -> None:
        """Without ``me``, no reply of mine can be found among an event's attendees, so
        every invitation counts as accepted: say so once, with how to fix it."""
        if settings.me or not any(o.info.attendees for o in occurrences):
            return
        where = self.config_path or "the config file"
        log.warning(
            "`me` is not set, so your replies to invitations cannot be read and every event "
            'counts as accepted: add me = ["you@example.com"] (your calendar addresses) '
            "to %s",
            where,
        )

    def write(self, text: str) -> None:
        """Print command output, with every known secret masked."""
        sys.stdout.write(self.redactor.scrub(text))

    @contextmanager
    def store(self, settings: Settings, *, required: bool = True) -> Iterator[Store]:
        """The state database. When it cannot be opened and is not ``required`` (check
        only reads through its cache), an in-memory one is used, with a warning."""
        from watercooler.store import Store, StoreError

        try:
            store = Store.in_state_dir(settings.resolved_state_dir())
        except StoreError as error:
            if required:
                raise
            log.warning("%s; working without the cache", error)
            store = Store(Path(":memory:"))
        try:
            yield store
        finally:
            store.close()


def wall_clock(settings: Settings) -> Callable[[], datetime]:
    """The wall clock, read only at the edge and handed inward."""
    return lambda: datetime.now(tz=settings.zone)


def parse_now(text: str | None, settings: Settings) -> datetime:
    """Return ``--now`` as an aware datetime; the current time when not given."""
    if text is None:
        return datetime.now(tz=settings.zone)
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise WatercoolerError(
            f"--now: not an ISO 8601 date or time: {text!r} (e.g. 2026-03-12T09:00:00+01:00)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=settings.zone)
    return moment


def sources_to_read(
    settings: Settings,
    overrides: Sequence[str],
    store: Store,
    clock: Clock,
    *,
    honour_backoff: bool = False,
) -> list[CalendarSource]:
    """The ``--source`` calendars or the configured ones; an error when there are none."""
    from watercooler.check import open_sources

    sources = open_sources(settings, overrides, store, clock, honour_backoff=honour_backoff)
    if not sources:
        raise ConfigError(settings.missing_sources_message())
    return sources


def active_rules(rules_dir: Path | None) -> list[Rule]:
    """The valid active rules; a broken rule file is reported and the others still apply."""
    from watercooler.rulebook.loading import load_rulebook

    book = load_rulebook(rules_dir)
    for problem in book.warnings():
        log.warning("%s", problem)
    return [loaded.rule for loaded in book.active()]
