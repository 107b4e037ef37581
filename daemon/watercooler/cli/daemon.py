"""The daemon command, ``watercooler run``: the edge where it meets the outside world.

Here, and only here, the daemon reads the wall clock and the environment (the systemd
notify socket, the watchdog interval, the journal); everything below is handed them.
``--now`` starts the clock at another moment (it then runs at the real pace), for trying
rules against a calendar at a chosen date.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from watercooler.cli.logs import OneLineFormatter, stderr_is_journal
from watercooler.cli.options import add_now_option
from watercooler.cli.session import Session, parse_now

log = logging.getLogger("watercooler")


def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    """Add ``run`` to the command line."""
    run = commands.add_parser(
        "run",
        parents=[common],
        help="the daemon: poll the calendars, take rule edits live, deliver nudges on time",
        description="Run in the foreground until stopped (SIGTERM or Ctrl-C): poll each "
        "calendar every poll_interval seconds, evaluate the rules when something changed or "
        "falls due, deliver each nudge once, and reload rule and config edits as they are "
        "saved (or on SIGHUP). Speaks sd_notify under systemd (Type=notify). One daemon per "
        "state folder; a second one exits 2 naming the first one's pid.",
    )
    add_now_option(run, what="start the clock at this moment (it then runs at the real pace)")
    run.add_argument("--clock-shift-file", type=Path, help=argparse.SUPPRESS)
    run.set_defaults(handler=run_daemon)


def run_daemon(args: argparse.Namespace, session: Session) -> int:
    """``watercooler run``: serve until stopped; 0 on a clean stop."""
    from watercooler.service.config import load_config
    from watercooler.service.daemon import ABANDONED, serve

    _log_as_a_daemon(debug=args.debug)
    config = load_config(args.config, session.redactor)
    session.config_path = config.config_path
    for problem in config.problems:
        log.warning("%s", problem)
    settings = config.settings
    clock = daemon_clock(
        settings.zone, parse_now(args.now, settings) if args.now else None, args.clock_shift_file
    )
    code = serve(config, args.config, session.redactor, clock, os.environ)
    if code == ABANDONED:
        # A send or poll in flight is abandoned: its thread cannot be joined, and the
        # interpreter's shutdown would wait on it. Its nudge stays pending (sent once by
        # the next start); everything committed is on disk (synchronous = FULL).
        sys.stderr.flush()
        os._exit(0)
    return code


def daemon_clock(
    zone: object, start: datetime | None, shift_file: Path | None
) -> Callable[[], datetime]:
    """The wall clock the daemon reads: the real one, started at ``start`` if given, and
    moved by the seconds written in ``shift_file`` (a test's clock: it jumps when the
    file changes, as a suspended laptop's does)."""
    offset = timedelta(0)
    if start is not None:
        offset = start - datetime.now(tz=start.tzinfo)

    def now() -> datetime:
        moment = datetime.now(tz=zone) + offset  # type: ignore[arg-type]
        if shift_file is not None:
            moment += timedelta(seconds=_read_shift(shift_file))
        return moment

    return now


def _read_shift(path: Path) -> float:
    try:
        return float(path.read_text(encoding="utf-8").strip() or 0)
    except (OSError, ValueError):
        return 0.0


def _log_as_a_daemon(*, debug: bool) -> None:
    """A daemon says what it does (sent, reloaded, polled): INFO for watercooler's own
    records, warnings only from the libraries; with a time of day in a terminal (the
    journal adds its own)."""
    if not debug:
        logging.getLogger("watercooler").setLevel(logging.INFO)
    if not stderr_is_journal(os.environ):
        for handler in logging.getLogger().handlers:
            formatter = handler.formatter
            if isinstance(formatter, OneLineFormatter):
                formatter.stamped = True
