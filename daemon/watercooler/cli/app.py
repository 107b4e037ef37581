"""The ``watercooler`` command line: the parser, and the one error boundary.

Every user-caused error becomes one line on stderr and exit code 2; the traceback is only
shown with ``--debug``. Each command group lives in its own module and registers its
commands here; the libraries a command needs are imported when it runs, so ``--help`` and
``--version`` start in a blink.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from watercooler import __version__
from watercooler.cli import check, daemon, delivery, demo, holds, init, journal, progress, rules
from watercooler.cli.logs import configure_logging, line_prefix, stderr_is_journal
from watercooler.cli.options import common_options
from watercooler.cli.session import Session
from watercooler.errors import WatercoolerError
from watercooler.text import one_line

log = logging.getLogger("watercooler")

EXIT_ERROR = 2
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141
"""As a shell reports a program stopped by SIGPIPE: the reader (``head``) went away."""
GROUPS = (init, check, demo, daemon, rules, delivery, holds, journal, progress)
"""The command groups, in the order ``--help`` lists their commands."""
WHERE_TO_START = """
Where to start:
  watercooler demo                        a simulated week of the daemon on a sample calendar
  watercooler check --source work.ics     the same for your calendar (a file, a folder,
                                          a feed or a CalDAV URL); sends nothing
  watercooler init                        set it up for your calendar and your phone
  watercooler run                         the daemon (or: systemctl --user start watercooler)
  watercooler report                      your weeks so far: lunches, people, goals, runs
  watercooler COMMAND --help              what each command does
"""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "handler", None) is None:
        sys.stdout.write(parser.format_help() + WHERE_TO_START)
        return EXIT_ERROR
    journal = stderr_is_journal(os.environ)
    session = Session(configure_logging(debug=args.debug, journal=journal), debug=args.debug)
    error_prefix = line_prefix("ERROR", journal=journal) + "watercooler: error: "
    try:
        return int(args.handler(args, session))
    except BrokenPipeError:
        # The reader stopped reading; say nothing more (Python's own advice: point stdout
        # at devnull so the final flush at exit does not raise again).
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except WatercoolerError as error:
        if args.debug:
            log.exception("failed")
        text = _error_text(error, session)
        # each continuation line is its own journal entry: it carries the priority too
        text = text.replace("\n", "\n" + line_prefix("ERROR", journal=journal))
        print(f"{error_prefix}{text}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except Exception as error:  # the one boundary that turns bugs into one line too
        if args.debug:
            log.exception("unexpected error")  # through the secret filter
        print(
            f"{error_prefix}unexpected {type(error).__name__}: "
            f"{session.redactor.scrub(one_line(str(error)))}"
            + ("" if args.debug else " (run with --debug for the traceback)"),
            file=sys.stderr,
        )
        return EXIT_ERROR


def _error_text(error: WatercoolerError, session: Session) -> str:
    """An error's message, each of its lines cleaned of control characters.

    Config errors list one problem a line; text from calendars must not add lines or
    move the cursor.
    """
    lines = (one_line(line.strip()) for line in str(error).splitlines() if line.strip())
    return session.redactor.scrub("\n  ".join(lines))


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="watercooler",
        description="Reads your work calendar and nudges you toward small social encounters.",
        parents=[common_options(suppress=False)],
    )
    parser.add_argument("--version", action="version", version=f"watercooler {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    common = common_options(suppress=True)
    for group in GROUPS:
        group.register(commands, common)
    return parser
