"""What several commands share at the command line: options, ``--now``, sources, rules.

``check``, ``rules explain`` and ``send-due`` take the same ``--source`` and ``--now`` and
read the same active rules; one definition keeps their help and errors the same.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from watercooler.check import open_sources
from watercooler.errors import ConfigError, WatercoolerError
from watercooler.rulebook import Rule, load_rulebook
from watercooler.settings import Settings
from watercooler.sources import CalendarSource
from watercooler.sources.base import Clock
from watercooler.store import Store

log = logging.getLogger("watercooler")

MAX_DAYS = 3660


def add_source_option(parser: argparse.ArgumentParser) -> None:
    """``--source``: calendars to read instead of the configured ones."""
    parser.add_argument(
        "--source",
        action="append",
        default=[],
        metavar="URL_OR_PATH",
        help="read this calendar instead of the configured ones: a CalDAV collection or "
        "server URL, an .ics file, a vdir folder, or a webcal:// or .ics feed URL; repeatable",
    )


def day_count(text: str) -> int:
    """An argparse type: a whole number of days, 0 to ``MAX_DAYS``."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 0 <= value <= MAX_DAYS:
        raise argparse.ArgumentTypeError(f"must be between 0 and {MAX_DAYS}")
    return value


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
    settings: Settings, overrides: Sequence[str], store: Store, clock: Clock
) -> list[CalendarSource]:
    """The ``--source`` calendars or the configured ones; an error when there are none."""
    sources = open_sources(settings, overrides, store, clock)
    if not sources:
        raise ConfigError(
            "no calendar to read: add a [[sources]] entry to the config or pass --source"
        )
    return sources


def active_rules(rules_dir: Path | None) -> list[Rule]:
    """The valid active rules; a broken rule file is reported and the others still apply."""
    book = load_rulebook(rules_dir)
    for problem in book.errors:
        log.warning("%s", problem)
    return [loaded.rule for loaded in book.active()]
