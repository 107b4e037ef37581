"""The delivery commands: ``send-due``, ``status``, ``notify-test``, ``snooze``, ``pause``
and ``resume``.

They share ``check``'s options (``--config``, ``--source``, ``--now``), so a timer, a test
or a curious user can run one delivery tick at any moment.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime

from watercooler.arguments import (
    active_rules,
    add_source_option,
    day_count,
    parse_now,
    sources_to_read,
)
from watercooler.errors import WatercoolerError
from watercooler.ledger import PAUSE, RULE_HOLD, SNOOZE, Ledger, Planned
from watercooler.notifier import Result, build_notifier
from watercooler.render_delivery import (
    Status,
    notify_test_text,
    report_json,
    report_text,
    status_json,
    status_text,
)
from watercooler.rulebook import parse_duration
from watercooler.settings import load_settings
from watercooler.store import Store
from watercooler.tick import DAYS_AHEAD, DAYS_BACK, send_due
from watercooler.timebox import local_midnight

EXIT_OK = 0
EXIT_FAILED = 1
MAX_SNOOZE_DAYS = 30


def add_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    """Register the delivery commands on the main parser."""

    def now_option(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--now",
            metavar="ISO8601",
            help="the moment to act at (default: now); without an offset, your local time",
        )

    send = commands.add_parser(
        "send-due",
        parents=[common],
        help="evaluate the rules and deliver the nudges that are due, once",
        description="One delivery tick, as the daemon runs it: read the calendars, plan "
        "the nudges the rules give, and send each due one once, respecting quiet hours, "
        "snooze, pause and the daily cap. Exits 1 when a delivery failed (it is retried).",
    )
    add_source_option(send)
    now_option(send)
    send.add_argument(
        "--days-back",
        type=day_count,
        default=DAYS_BACK,
        metavar="N",
        help=f"plan nudges from N days back (default {DAYS_BACK})",
    )
    send.add_argument(
        "--days-ahead",
        type=day_count,
        default=DAYS_AHEAD,
        metavar="N",
        help=f"plan nudges up to N days ahead (default {DAYS_AHEAD})",
    )
    send.add_argument("--format", choices=("text", "json"), default="text")
    send.set_defaults(handler=_send_due)

    status = commands.add_parser(
        "status",
        parents=[common],
        help="pending, sent and expired nudges, the next one due, snooze and pause",
    )
    now_option(status)
    status.add_argument("--format", choices=("text", "json"), default="text")
    status.set_defaults(handler=_status)

    test = commands.add_parser(
        "notify-test",
        parents=[common],
        help="send a test message to each configured service and report each result",
        description="Send a short test message to every configured service, one by one, "
        "and say which were reached. Exits 1 when any was not.",
    )
    test.set_defaults(handler=_notify_test)

    snooze = commands.add_parser(
        "snooze",
        parents=[common],
        help="hold nudges back for a while (e.g. 2h); they follow when it ends",
        description="Hold nudges back for DURATION (like 30m, 2h or 1d). Nudges that "
        "fall due meanwhile are sent when the snooze ends, if still useful.",
    )
    snooze.add_argument("duration", metavar="DURATION")
    now_option(snooze)
    snooze.set_defaults(handler=_snooze)

    pause = commands.add_parser(
        "pause",
        parents=[common],
        help="no nudges until a date (holidays); nudges meanwhile are dropped",
        description="Send no nudges until the start of DATE (your local midnight); nudges "
        "that fall due meanwhile are dropped, not saved up.",
    )
    pause.add_argument("--until", required=True, metavar="DATE", help="e.g. 2027-01-04")
    now_option(pause)
    pause.set_defaults(handler=_pause)

    resume = commands.add_parser(
        "resume",
        parents=[common],
        help="end a snooze or pause now; with a rule id, end that rule's back-off",
    )
    resume.add_argument("rule", nargs="?", metavar="RULE")
    now_option(resume)
    resume.set_defaults(handler=_resume)


def _send_due(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    notifier = build_notifier(settings.notify)
    rules = active_rules(settings.resolved_rules_dir())
    now = parse_now(args.now, settings)
    with Store.in_state_dir(settings.resolved_state_dir()) as store:
        sources = sources_to_read(settings, args.source, store, lambda: now)
        _, report = send_due(
            settings,
            sources,
            rules,
            store,
            notifier,
            now,
            days_back=args.days_back,
            days_ahead=args.days_ahead,
        )
        next_due = _next_due(Ledger(store), now)
    zone = settings.zone
    if args.format == "json":
        sys.stdout.write(report_json(report, now, zone, next_due) + "\n")
    else:
        sys.stdout.write(report_text(report, now, zone, next_due))
    return EXIT_FAILED if report.count("failed") else EXIT_OK


def _next_due(ledger: Ledger, now: datetime) -> Planned | None:
    upcoming = [p for p in ledger.in_states("pending", "failed") if p.due > now]
    return upcoming[0] if upcoming else None


def _status(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    now = parse_now(args.now, settings)
    with Store.in_state_dir(settings.resolved_state_dir()) as store:
        ledger = Ledger(store)
        status = Status(
            now,
            settings.zone,
            dict(ledger.counts()),
            ledger.holds(),
            ledger.in_states("pending", "failed"),
            ledger.recent(),
        )
    render = status_json if args.format == "json" else status_text
    sys.stdout.write(render(status))
    if args.format == "json":
        sys.stdout.write("\n")
    return EXIT_OK


def _notify_test(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    notifier = build_notifier(settings.notify)
    targets = notifier.services or notifier.fallback
    if not notifier.services:
        sys.stdout.write("no service configured (notify.urls, notify.config): nudges go to ")
        sys.stdout.write(", ".join(s.label for s in targets) + "\n")
    results: list[Result] = []
    for service in targets:
        results.append(
            notifier.send(
                service,
                "watercooler test",
                "If you read this, watercooler can reach you here.",
            )
        )
    sys.stdout.write(notify_test_text(results))
    return EXIT_OK if all(r.ok for r in results) else EXIT_FAILED


def _snooze(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
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
    with Store.in_state_dir(settings.resolved_state_dir()) as store:
        Ledger(store).set_hold(SNOOZE, now, until)
    sys.stdout.write(f"snoozed until {until.astimezone(settings.zone):%a %d %b %H:%M}\n")
    return EXIT_OK


def _pause(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    now = parse_now(args.now, settings)
    try:
        day = datetime.fromisoformat(args.until.strip()).date()
    except ValueError:
        raise WatercoolerError(
            f"pause --until: not a date like 2027-01-04: {args.until!r}"
        ) from None
    until = local_midnight(day, settings.zone)
    if until <= now:
        raise WatercoolerError(f"pause --until: {day} has already begun; give a later date")
    with Store.in_state_dir(settings.resolved_state_dir()) as store:
        Ledger(store).set_hold(PAUSE, now, until)
    sys.stdout.write(f"paused until {until:%a %d %b %Y %H:%M}; 'watercooler resume' ends it\n")
    return EXIT_OK


def _resume(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    now = parse_now(args.now, settings)
    names = [RULE_HOLD + args.rule] if args.rule else [SNOOZE, PAUSE]
    with Store.in_state_dir(settings.resolved_state_dir()) as store:
        ledger = Ledger(store)
        ended = [name for name in names if ledger.end_hold(name, now)]
    if not ended:
        what = f"rule {args.rule} is not paused" if args.rule else "not snoozed or paused"
        sys.stdout.write(f"{what}; nothing to resume\n")
    else:
        sys.stdout.write("resumed: " + ", ".join(n.replace(RULE_HOLD, "rule ") for n in ended))
        sys.stdout.write("\n")
    return EXIT_OK
