"""The progress commands: ``report`` (the weeks, the runs, the heatmap) and ``people``
(keep in touch; ``people forget``).

Both read the history the daemon and ``send-due`` record, at ``--now``; neither reads a
calendar or sends anything.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from watercooler.cli.check import use_colour
from watercooler.cli.options import (
    add_colour_option,
    add_format_option,
    add_now_option,
    whole_number,
)
from watercooler.cli.session import Session, parse_now
from watercooler.errors import WatercoolerError

EXIT_OK = 0
REPORT_FORMATS = ("text", "markdown", "json", "html")


def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    """Add ``report`` and ``people`` to the command line."""
    report = commands.add_parser(
        "report",
        parents=[common],
        help="your weeks: lunches, socials, people met, goals and runs, with a heatmap",
        description="Show the last weeks from the recorded history: lunches by outcome, "
        "socials by status, people met, each goal and the runs of weeks with every goal "
        "met, and a heatmap of days. HTML is one self-contained file.",
    )
    report.add_argument("--weeks", type=whole_number(1, 104), default=12, metavar="N",
                        help="how many weeks to show (default 12; up to 104)")  # fmt: skip
    report.add_argument("--format", choices=REPORT_FORMATS, default="text")
    report.add_argument("--output", type=Path, metavar="FILE",
                        help="write to FILE (atomically) instead of standard output")  # fmt: skip
    add_now_option(report, what="the moment the report is made at")
    add_colour_option(report)
    report.set_defaults(handler=run_report)
    people = commands.add_parser(
        "people",
        parents=[common],
        help="people to keep in touch with: last contact and next due; 'people forget NAME'",
        description="List each person of [[people]] with your last contact (a lunch or "
        "social you both attended, in a small group) and when you meant to meet again, "
        "then the people the history suggests. 'people forget NAME' removes someone's "
        "history.",
    )
    add_now_option(people, what="the moment to judge at")
    add_format_option(people)
    actions = people.add_subparsers(dest="action", metavar="ACTION")
    forget = actions.add_parser(
        "forget",
        parents=[common],
        help="remove someone's history (by name or address)",
        description="Remove every recorded contact with NAME (a [[people]] name, or an "
        "address or name from the history); what the calendar still holds from before now "
        "is not recorded again.",
    )
    forget.add_argument("name", metavar="NAME")
    add_now_option(forget, what="the moment to act at")
    forget.set_defaults(handler=run_forget)
    people.set_defaults(handler=run_people)


def run_report(args: argparse.Namespace, session: Session) -> int:
    """``watercooler report``."""
    from watercooler.cli.render_progress import render_report, write_output
    from watercooler.progress.report import build_report, dismissed_entries, stored_history

    settings = session.load_settings(args.config)
    now = parse_now(args.now, settings)
    with session.store(settings) as store:
        history = stored_history(store, settings, now)
        report = build_report(
            history, settings, now, weeks=args.weeks, dismissed=dismissed_entries(store)
        )
    colour = args.output is None and use_colour(args.colour)
    text = render_report(report, args.format, colour=colour)
    if args.output is not None:
        written = write_output(args.output, text, "report")
        session.write(f"wrote the {args.format} report of {len(report.weeks)} weeks to "
                      f"{written}\n")  # fmt: skip
    else:
        session.write(text)
    return EXIT_OK


def run_people(args: argparse.Namespace, session: Session) -> int:
    """``watercooler people``."""
    from watercooler.cli.render_progress import people_json, people_text
    from watercooler.progress.people import configured_people, suggested_people
    from watercooler.progress.report import stored_history

    settings = session.load_settings(args.config)
    now = parse_now(args.now, settings)
    with session.store(settings) as store:
        history = stored_history(store, settings, now)
    chosen = configured_people(history, settings, now)
    suggested = suggested_people(history, settings, now)
    if args.format == "json":
        session.write(people_json(chosen, suggested, now, settings.zone) + "\n")
    else:
        session.write(people_text(chosen, suggested, now, settings.zone))
    return EXIT_OK


def run_forget(args: argparse.Namespace, session: Session) -> int:
    """``watercooler people forget NAME``."""
    from watercooler.progress.history import forget_person
    from watercooler.progress.people import find_person
    from watercooler.progress.report import stored_history

    settings = session.load_settings(args.config)
    now = parse_now(args.now, settings)
    with session.store(settings) as store:
        history = stored_history(store, settings, now)
        try:
            name, addresses = find_person(settings, history, args.name)
        except ValueError:
            raise WatercoolerError(
                f"nobody called {args.name!r}: not in [[people]] and not in the history "
                "(give a name or an address; 'watercooler people' lists them)"
            ) from None
        removed = forget_person(store, addresses, now)
    contacts = "contact" if removed == 1 else "contacts"
    session.write(
        f"forgot {name} ({', '.join(addresses)}): {removed} recorded {contacts} removed\n"
    )
    return EXIT_OK
