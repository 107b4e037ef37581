"""The ``watercooler`` command line and its one error boundary.

Every user-caused error becomes one line on stderr and exit code 2; the traceback is only
shown with ``--debug``. The clock is read here, at the edge, and passed inward.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from watercooler import __version__
from watercooler.arguments import (
    active_rules,
    add_source_option,
    day_count,
    parse_now,
    sources_to_read,
)
from watercooler.check import CheckResult, open_sources, run_check, sample_calendar_path
from watercooler.delivery_cli import add_commands as add_delivery_commands
from watercooler.errors import ConfigError, WatercoolerError
from watercooler.nudges import explain
from watercooler.redaction import RedactingFilter, scrub
from watercooler.render import render_calendars, render_explanation, to_json, to_text
from watercooler.rulebook import load_rule_files, load_rulebook
from watercooler.settings import Settings, load_settings, settings_from
from watercooler.sources import CalendarSource
from watercooler.sources.files import IcsFileSource
from watercooler.store import Store, StoreError
from watercooler.text import one_line, printable

log = logging.getLogger("watercooler")

EXIT_OK = 0
EXIT_ERROR = 2
DEMO_NOW = "2026-03-11T09:00:00+01:00"
DEMO_DAYS_BACK = 9
DEMO_DAYS_AHEAD = 4
DEMO_SETTINGS = {"timezone": "Europe/Berlin", "me": ["ana@example.com"]}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    _configure_logging(debug=args.debug)
    try:
        return int(args.handler(args))
    except WatercoolerError as error:
        if args.debug:
            log.exception("failed")
        print(f"watercooler: error: {_error_text(error)}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # the one boundary that turns bugs into one line too
        if args.debug:
            log.exception("unexpected error")  # through the secret filter, unlike a raise
        print(
            f"watercooler: error: unexpected {type(error).__name__}: "
            f"{scrub(one_line(str(error)))}"
            + ("" if args.debug else " (run with --debug for the traceback)"),
            file=sys.stderr,
        )
        return EXIT_ERROR


def _error_text(error: WatercoolerError) -> str:
    """An error's message, each of its lines cleaned of control characters.

    Config errors list one problem a line; text from calendars must not add lines or
    move the cursor.
    """
    lines = (one_line(line.strip()) for line in str(error).splitlines() if line.strip())
    return scrub("\n  ".join(lines))


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="watercooler",
        description="Reads your work calendar and nudges you toward small social encounters.",
        parents=[_common_options(suppress=False)],
    )
    common = _common_options(suppress=True)
    parser.add_argument("--version", action="version", version=f"watercooler {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = commands.add_parser(
        "check",
        parents=[common],
        help="classify lunches and social events around a date; sends nothing",
        description="Read the calendars and print, for each day, how lunch went and what "
        "became of each social event. Sends nothing and records nothing.",
    )
    add_source_option(check)
    _add_view_options(check)
    check.set_defaults(handler=_check)

    calendars = commands.add_parser(
        "calendars",
        parents=[common],
        help="list the calendars the configured sources can see",
        description="Discover the calendars of every configured source and list their "
        "name, URL, component types and whether the server supports incremental sync.",
    )
    calendars.set_defaults(handler=_calendars)

    rules = commands.add_parser(
        "rules",
        parents=[common],
        help="check, list and explain rule files",
        description="Rules turn what check finds into nudges. Defaults ship with "
        "watercooler; yours live in $XDG_CONFIG_HOME/watercooler/rules/.",
    )
    rule_commands = rules.add_subparsers(dest="rules_command", required=True, metavar="ACTION")
    rules_check = rule_commands.add_parser(
        "check",
        parents=[common],
        help="validate rule files; exit 1 if any is invalid",
        description="Validate the given rule files (default: the shipped rules and yours); "
        "print every problem with its file and line.",
    )
    rules_check.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    rules_check.set_defaults(handler=_rules_check)
    rules_list = rule_commands.add_parser(
        "list", parents=[common], help="the active rules and where each comes from"
    )
    rules_list.set_defaults(handler=_rules_list)
    rules_explain = rule_commands.add_parser(
        "explain",
        parents=[common],
        help="the facts one rule saw and why it fires or not",
        description="Run check and show, for one rule, every subject it looked at "
        "(a day, an event, a week), whether it fires, why, and the nudge it gives.",
    )
    rules_explain.add_argument("rule_id", metavar="ID")
    add_source_option(rules_explain)
    _add_view_options(rules_explain)
    rules_explain.set_defaults(handler=_rules_explain)

    demo = commands.add_parser(
        "demo",
        parents=[common],
        help="run check on the bundled sample calendar",
        description="Run check on the bundled two-week sample calendar at a fixed moment, "
        "so the output is the same on every machine.",
    )
    _add_view_options(demo, now_default=DEMO_NOW, days=(DEMO_DAYS_BACK, DEMO_DAYS_AHEAD))
    demo.set_defaults(handler=_demo)
    add_delivery_commands(commands, common)
    return parser


def _common_options(*, suppress: bool) -> argparse.ArgumentParser:
    """Options accepted before and after the command; after it, only when given."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        default=argparse.SUPPRESS if suppress else None,
        help="config file (TOML)",
    )
    common.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="verbose logs and tracebacks",
    )
    return common


def _add_view_options(
    parser: argparse.ArgumentParser,
    now_default: str | None = None,
    days: tuple[int, int] = (7, 7),
) -> None:
    parser.add_argument(
        "--now",
        default=now_default,
        metavar="ISO8601",
        help="the moment to look from (default: now); without an offset, your local time",
    )
    back, ahead = days
    parser.add_argument(
        "--days-back", type=day_count, default=back, metavar="N", help=f"default {back}"
    )
    parser.add_argument(
        "--days-ahead", type=day_count, default=ahead, metavar="N", help=f"default {ahead}"
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument(
        "--colour",
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour in text output (auto: on a terminal, unless NO_COLOR is set)",
    )


def _check(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    with _opened_store(settings) as store:
        sources = sources_to_read(settings, args.source, store, _clock(settings))
        return _print(args, settings, sources, store, rules_dir=settings.resolved_rules_dir())


def _calendars(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    if not settings.sources:
        raise ConfigError("no [[sources]] in the config")
    with _opened_store(settings) as store:
        for source in open_sources(settings, (), store, _clock(settings)):
            sys.stdout.write(render_calendars(source))
    return EXIT_OK


@contextmanager
def _opened_store(settings: Settings) -> Iterator[Store]:
    """The state database; an in-memory one (with a warning) when it cannot be used:
    check still works, it only reads everything again."""
    try:
        store = Store.in_state_dir(settings.resolved_state_dir())
    except StoreError as error:
        log.warning("%s; working without the cache", error)
        store = Store(Path(":memory:"))
    try:
        yield store
    finally:
        store.close()


def _clock(settings: Settings) -> Callable[[], datetime]:
    """The wall clock, read only at the edge and handed inward."""
    return lambda: datetime.now(tz=settings.zone)


def _rules_check(args: argparse.Namespace) -> int:
    if args.paths:
        files_given = [
            file
            for path in args.paths
            for file in (sorted(path.glob("*.y*ml")) if path.is_dir() else [path])
        ]
        loaded, errors = load_rule_files(files_given)
        count = len(loaded)
    else:
        settings = load_settings(args.config)
        book = load_rulebook(settings.resolved_rules_dir())
        errors, count = book.errors, len(book.rules) + len(book.disabled)
    for problem in errors:
        sys.stdout.write(one_line(problem) + "\n")
    if errors:
        sys.stdout.write(f"{len(errors)} problem{'s' if len(errors) != 1 else ''} found\n")
        return 1
    sys.stdout.write(f"{count} rule{'s' if count != 1 else ''} valid\n")
    return EXIT_OK


def _rules_list(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    book = load_rulebook(settings.resolved_rules_dir())
    for problem in book.errors:
        log.warning("%s", problem)
    rows = [(loaded, "on") for loaded in book.active()]
    rows += [(book.disabled[key], "off") for key in sorted(book.disabled)]
    for loaded, state in rows:
        rule = loaded.rule
        sys.stdout.write(
            f"{rule.id:<22} tip {rule.tip}  {state:<3}  {rule.trigger.kind:<7} "
            f"{printable(rule.summary, 70)}\n{'':<22} from {loaded.path}\n"
        )
    return EXIT_OK


def _rules_explain(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    book = load_rulebook(settings.resolved_rules_dir())
    loaded = book.rules.get(args.rule_id) or book.disabled.get(args.rule_id)
    if loaded is None:
        known = ", ".join(sorted([*book.rules, *book.disabled])) or "none"
        raise ConfigError(f"no rule {args.rule_id!r} (known: {known})")
    with _opened_store(settings) as store:
        sources = sources_to_read(settings, args.source, store, _clock(settings))
        now = parse_now(args.now, settings)
        result = run_check(
            settings,
            sources,
            now,
            args.days_back,
            args.days_ahead,
            store=store,
            rules=[loaded.rule],
        )
    assert result.facts is not None  # noqa: S101 - run_check always sets it
    start, end = result.days.bounds(settings.zone)
    shown = [
        (candidate, nudge)
        for candidate, nudge in explain(loaded.rule, result.facts)
        if candidate.due is None or start <= candidate.due < end
    ]
    sys.stdout.write(render_explanation(loaded, shown))
    return EXIT_OK


def _demo(args: argparse.Namespace) -> int:
    settings = settings_from(DEMO_SETTINGS)
    sources: list[CalendarSource] = [IcsFileSource(sample_calendar_path())]
    return _print(args, settings, sources, rules_dir=None)


def _print(
    args: argparse.Namespace,
    settings: Settings,
    sources: list[CalendarSource],
    store: Store | None = None,
    *,
    rules_dir: Path | None = None,
) -> int:
    now = parse_now(args.now, settings)
    reporter = _ProgressLine() if sys.stderr.isatty() and not args.debug else None
    try:
        result: CheckResult = run_check(
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
    if args.format == "json":
        sys.stdout.write(to_json(result) + "\n")
    else:
        sys.stdout.write(to_text(result, colour=_use_colour(args.colour)))
    return EXIT_OK


class _ProgressLine:
    """A self-erasing progress line on a terminal's stderr for calendars that take a while."""

    def __init__(self) -> None:
        self.shown = False

    def __call__(self, label: str, done: int) -> None:
        sys.stderr.write(f"\r\033[Kreading {label}: {done:,} objects…")
        sys.stderr.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


def _use_colour(choice: str) -> bool:
    if choice != "auto":
        return choice == "always"
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


class _Formatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        message = one_line(record.getMessage())
        text = f"watercooler: {record.levelname.lower()}: {message}"
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        elif record.exc_text:  # the secret filter already formatted and cleaned it
            text += "\n" + record.exc_text
        return text


def _configure_logging(*, debug: bool) -> None:
    """Warnings to stderr, one line each; under systemd stderr is the journal."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter())
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if debug else logging.WARNING)
    if not debug:
        # icalendar warns when it guesses a vendor-prefixed TZID; the guess is what we want.
        warnings.filterwarnings("ignore", module=r"icalendar(\.|$)")
        warnings.filterwarnings("ignore", category=DeprecationWarning)
    else:
        logging.captureWarnings(True)
