"""The hold commands: ``snooze``, ``pause`` and ``resume``.

A snooze holds nudges back for a while and sends them after, if still useful; a pause
(holidays) drops them until a date; ``resume`` ends either, or one rule's back-off.
"""

from __future__ import annotations

import argparse
from datetime import datetime, tzinfo
from pathlib import Path

from watercooler.cli.options import add_now_option
from watercooler.cli.session import Session, parse_now
from watercooler.errors import WatercoolerError
from watercooler.text import short_time

EXIT_OK = 0
MAX_SNOOZE_DAYS = 30


def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    """Add ``snooze``, ``pause`` and ``resume`` to the command line."""
    snooze = commands.add_parser(
        "snooze",
        parents=[common],
        help="hold nudges back for a while (e.g. 2h); they follow when it ends",
        description="Hold nudges back for DURATION (like 30m, 2h or 1d). Nudges that "
        "fall due meanwhile are sent when the snooze ends, if still useful.",
    )
    snooze.add_argument("duration", metavar="DURATION")
    add_now_option(snooze, what="the moment to act at")
    snooze.set_defaults(handler=run_snooze)
    pause = commands.add_parser(
        "pause",
        parents=[common],
        help="no nudges until a date (holidays); nudges meanwhile are dropped",
        description="Send no nudges until the start of DATE (your local midnight); nudges "
        "that fall due meanwhile are dropped, not saved up.",
    )
    pause.add_argument(
        "--until",
        required=True,
        metavar="DATE",
        help="e.g. 2027-01-04 (from its local midnight) or 2027-01-04T13:00",
    )
    add_now_option(pause, what="the moment to act at")
    pause.set_defaults(handler=run_pause)
    resume = commands.add_parser(
        "resume",
        parents=[common],
        help="end a snooze or pause now; with a rule id, end that rule's back-off",
        description="End a snooze or a pause now; with RULE, end the week that rule "
        "paused itself for after its nudges changed nothing.",
    )
    resume.add_argument("rule", nargs="?", metavar="RULE")
    add_now_option(resume, what="the moment to act at")
    resume.set_defaults(handler=run_resume)


def run_snooze(args: argparse.Namespace, session: Session) -> int:
    """``watercooler snooze DURATION``."""
    from watercooler.delivery.ledger import SNOOZE, Ledger
    from watercooler.rulebook.format import parse_duration

    settings = session.load_settings(args.config)
    try:
        length = parse_duration(args.duration)
    except ValueError as error:
        raise WatercoolerError(f"snooze: {error}") from None
    if length.total_seconds() <= 0 or length.days > MAX_SNOOZE_DAYS:
        raise WatercoolerError(
            f"snooze: give a length between 1m and {MAX_SNOOZE_DAYS}d; "
            "for longer, use pause --until DATE"
        )
    now = parse_now(args.now, settings)
    until = now + length
    with session.store(settings) as store:
        Ledger(store).set_hold(SNOOZE, now, until)
    session.write(f"snoozed until {short_time(until, settings.zone, now=now)}\n")
    return EXIT_OK


def run_pause(args: argparse.Namespace, session: Session) -> int:
    """``watercooler pause --until DATE``."""
    from watercooler.delivery.ledger import PAUSE, Ledger

    settings = session.load_settings(args.config)
    now = parse_now(args.now, settings)
    until = _pause_end(args.until, settings.zone)
    if until <= now:
        raise WatercoolerError(
            f"pause --until: {args.until.strip()} has already begun; give a later date"
        )
    with session.store(settings) as store:
        Ledger(store).set_hold(PAUSE, now, until)
    when = short_time(until, settings.zone, now=now)
    session.write(f"paused until {when}; 'watercooler resume' ends it\n")
    return EXIT_OK


def _pause_end(text: str, zone: tzinfo) -> datetime:
    """``--until``: a date means its local midnight; a date and time is kept as given."""
    from watercooler.timebox import local_midnight

    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise WatercoolerError(
            f"pause --until: not a date like 2027-01-04 (or 2027-01-04T13:00): {text!r}"
        ) from None
    if len(text.strip()) <= len("2027-01-04"):
        return local_midnight(moment.date(), zone)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def run_resume(args: argparse.Namespace, session: Session) -> int:
    """``watercooler resume [RULE]``."""
    from watercooler.delivery.ledger import PAUSE, RULE_HOLD, SNOOZE, Ledger

    settings = session.load_settings(args.config)
    now = parse_now(args.now, settings)
    if args.rule:
        _known_rule(args.rule, settings.resolved_rules_dir())
    names = [RULE_HOLD + args.rule] if args.rule else [SNOOZE, PAUSE]
    with session.store(settings) as store:
        ledger = Ledger(store)
        ended = [name for name in names if ledger.end_hold(name, now)]
    if not ended:
        what = f"rule {args.rule} is not paused" if args.rule else "not snoozed or paused"
        session.write(f"{what}; nothing to resume\n")
    else:
        shown = ", ".join(n.replace(RULE_HOLD, "rule ") for n in ended)
        session.write(f"resumed: {shown}\n")
    return EXIT_OK


def _known_rule(rule_id: str, rules_dir: Path) -> None:
    """Raise an error naming the known rules when ``rule_id`` is none of them."""
    from watercooler.rulebook.loading import load_rulebook

    book = load_rulebook(rules_dir)
    if rule_id not in book.rules and rule_id not in book.disabled:
        known = ", ".join(sorted([*book.rules, *book.disabled])) or "none"
        raise WatercoolerError(f"resume: no rule {rule_id!r} (known: {known})")
