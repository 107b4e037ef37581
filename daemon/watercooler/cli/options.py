"""The options several commands share, each defined once.

``--config`` and ``--debug`` go before or after the command; ``--source``, ``--now``, the
day counts, ``--format`` and ``--colour`` are added by the commands that take them, so
their help, defaults and errors are the same wherever they appear. Nothing here imports
more than argparse: building the parser must stay cheap (``watercooler --version``).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

MAX_DAYS = 3660
DAYS_BACK = 7
DAYS_AHEAD = 7


def common_options(*, suppress: bool) -> argparse.ArgumentParser:
    """``--config`` and ``--debug``: accepted before and after the command; after it, a
    value only counts when given (``suppress``), so it never hides one given before."""
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


def add_now_option(
    parser: argparse.ArgumentParser,
    default: str | None = None,
    what: str = "the moment to look from",
) -> None:
    """``--now``: the moment a command acts at, read at the edge (see ``parse_now``)."""
    shown = default or "now"
    parser.add_argument(
        "--now",
        default=default,
        metavar="ISO8601",
        help=f"{what} (default: {shown}); without an offset, your local time",
    )


def add_range_options(
    parser: argparse.ArgumentParser,
    days: tuple[int, int] = (DAYS_BACK, DAYS_AHEAD),
    what: str = "",
) -> None:
    """``--days-back`` and ``--days-ahead``: whole local days around ``--now``."""
    back, ahead = days
    prefix = f"{what} " if what else ""
    parser.add_argument(
        "--days-back",
        type=day_count,
        default=back,
        metavar="N",
        help=f"{prefix}from N days back (default {back})",
    )
    parser.add_argument(
        "--days-ahead",
        type=day_count,
        default=ahead,
        metavar="N",
        help=f"{prefix}up to N days ahead (default {ahead})",
    )


def add_format_option(parser: argparse.ArgumentParser) -> None:
    """``--format``: text for people, JSON for programs."""
    parser.add_argument("--format", choices=("text", "json"), default="text")


def add_colour_option(parser: argparse.ArgumentParser) -> None:
    """``--colour``: colour in text output."""
    parser.add_argument(
        "--colour",
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour in text output (auto: on a terminal, unless NO_COLOR is set)",
    )


def add_view_options(
    parser: argparse.ArgumentParser,
    now_default: str | None = None,
    days: tuple[int, int] = (DAYS_BACK, DAYS_AHEAD),
) -> None:
    """What commands that show a range of days take: ``--now``, the day counts,
    ``--format`` and ``--colour``."""
    add_now_option(parser, now_default)
    add_range_options(parser, days)
    add_format_option(parser)
    add_colour_option(parser)


def whole_number(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` to ``high``, else a one-line error."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be between {low} and {high}")
        return value

    return parse


day_count = whole_number(0, MAX_DAYS)
"""An argparse type: a whole number of days, 0 to ``MAX_DAYS``."""
