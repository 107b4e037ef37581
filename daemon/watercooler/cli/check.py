"""The calendar commands: ``check`` and ``calendars``.

``check`` is DESIGN.md's contract: it reads, classifies and lists the nudges the rules
give, sends nothing and records nothing (it may refresh the calendar cache).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from watercooler.cli.options import add_source_option, add_view_options
from watercooler.cli.session import Session, active_rules, parse_now, sources_to_read, wall_clock
from watercooler.errors import ConfigError

if TYPE_CHECKING:
    from watercooler.settings import Settings
    from watercooler.sources.base import CalendarSource
    from watercooler.store import Store

EXIT_OK = 0


def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    """Add ``check`` and ``calendars`` to the command line."""
    check = commands.add_parser(
        "check",
        parents=[common],
        help="classify lunches and social events around a date; sends nothing",
        description="Read the calendars and print, for each day, how lunch went and what "
        "became of each social event. Sends nothing and records nothing.",
    )
    add_source_option(check)
    add_view_options(check)
    check.set_defaults(handler=run_check_command)
    calendars = commands.add_parser(
        "calendars",
        parents=[common],
        help="list the calendars the configured sources can see",
        description="Discover the calendars of every configured source and list their "
        "name, URL, component types and whether the server supports incremental sync.",
    )
    calendars.set_defaults(handler=run_calendars)


def run_check_command(args: argparse.Namespace, session: Session) -> int:
    """``watercooler check``."""
    settings = session.load_settings(args.config)
    with session.store(settings, required=False) as store:
        sources = sources_to_read(settings, args.source, store, wall_clock(settings))
        return _show(args, session, settings, sources, store, settings.resolved_rules_dir())


def run_calendars(args: argparse.Namespace, session: Session) -> int:
    """``watercooler calendars``."""
    from watercooler.check import open_sources
    from watercooler.cli.render_check import render_calendars

    settings = session.load_settings(args.config)
    if not settings.sources:
        raise ConfigError("no [[sources]] in the config")
    with session.store(settings, required=False) as store:
        for source in open_sources(settings, (), store, wall_clock(settings)):
            session.write(render_calendars(source))
    return EXIT_OK


def _show(
    args: argparse.Namespace,
    session: Session,
    settings: Settings,
    sources: list[CalendarSource],
    store: Store | None,
    rules_dir: Path | None,
) -> int:
    from watercooler.check import run_check
    from watercooler.cli.render_check import to_json, to_text

    now = parse_now(args.now, settings)
    reporter = ProgressLine() if sys.stderr.isatty() and not args.debug else None
    try:
        result = run_check(
            settings,
            sources,
            now,
            args.days_back,
            args.days_ahead,
            reporter,
            store,
            active_rules(rules_dir),
        )
    finally:
        if reporter is not None:
            reporter.clear()
    session.warn_if_me_unset(settings, result.facts.occurrences)
    if args.format == "json":
        session.write(to_json(result) + "\n")
    else:
        session.write(to_text(result, colour=use_colour(args.colour)))
    return EXIT_OK


class ProgressLine:
    """A self-erasing progress line on a terminal's stderr for calendars that take a while."""

    def __init__(self) -> None:
        self.shown = False

    def __call__(self, label: str, done: int) -> None:
        sys.stderr.write(f"\r\033[Kreading {label}: {done:,} objects…")
        sys.stderr.flush()
        self.shown = True

    def clear(self) -> None:
        """Erase the line, if one was shown."""
        if self.shown:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


def use_colour(choice: str) -> bool:
    """Whether ``--colour`` means colour here (auto: a terminal without ``NO_COLOR``)."""
    if choice != "auto":
        return choice == "always"
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")
