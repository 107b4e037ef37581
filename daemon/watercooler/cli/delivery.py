"""The delivery commands: ``send-due``, ``status`` and ``notify-test``.

They share ``check``'s options (``--config``, ``--source``, ``--now``), so a timer, a test
or a curious user can run one delivery tick at any moment, see what is waiting, and check
that every configured service can be reached.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import TYPE_CHECKING

from watercooler.cli.options import (
    add_format_option,
    add_now_option,
    add_range_options,
    add_source_option,
)
from watercooler.cli.session import Session, active_rules, parse_now, sources_to_read
from watercooler.errors import SourceError

if TYPE_CHECKING:
    from watercooler.delivery.ledger import Ledger, Planned

EXIT_OK = 0
EXIT_FAILED = 1


def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    """Add ``send-due``, ``status`` and ``notify-test`` to the command line."""
    send = commands.add_parser(
        "send-due",
        parents=[common],
        help="evaluate the rules and deliver the nudges that are due, once",
        description="One delivery tick, as the daemon runs it: read the calendars, plan "
        "the nudges the rules give, and send each due one once, respecting quiet hours, "
        "snooze, pause and the daily cap. Exits 1 when a delivery failed (it is retried).",
    )
    add_source_option(send)
    add_now_option(send, what="the moment to act at")
    add_range_options(send, what="plan nudges")
    add_format_option(send)
    send.set_defaults(handler=run_send_due)
    status = commands.add_parser(
        "status",
        parents=[common],
        help="the daemon, and pending, sent and expired nudges, snooze and pause",
        description="Show whether the daemon runs (since when, its last poll, its next "
        "wake-up, broken files), then what the delivery ledger holds: how many nudges are "
        "in each state, snooze, pause and resting rules, the next nudge due, what is "
        "waiting and what happened lately. Reads the state only; contacts nothing.",
    )
    add_now_option(status, what="the moment to act at")
    add_format_option(status)
    status.set_defaults(handler=run_status)
    test = commands.add_parser(
        "notify-test",
        parents=[common],
        help="send a test message to each configured service and report each result",
        description="Send a short test message to every configured service, one by one, "
        "and say which were reached. Exits 1 when any was not.",
    )
    test.set_defaults(handler=run_notify_test)


def run_send_due(args: argparse.Namespace, session: Session) -> int:
    """``watercooler send-due``: one tick; exit 1 when a delivery failed, 2 (after
    delivering from the others) when a calendar could not be read."""
    from watercooler.cli.render_delivery import report_json, report_text
    from watercooler.delivery.ledger import Ledger
    from watercooler.delivery.notifier import build_notifier
    from watercooler.delivery.report_content import report_maker
    from watercooler.delivery.tick import send_due

    settings = session.load_settings(args.config)
    notifier = build_notifier(settings.notify, session.redactor)
    rules = active_rules(settings.resolved_rules_dir())
    now = parse_now(args.now, settings)
    with session.store(settings) as store:
        # A timer runs send-due: it keeps a failed server's backoff schedule.
        sources = sources_to_read(settings, args.source, store, lambda: now, honour_backoff=True)
        result, report = send_due(
            settings, sources, rules, store, notifier, now,
            days_back=args.days_back, days_ahead=args.days_ahead,
            weekly_report=report_maker(store, settings),
        )  # fmt: skip
        next_due = _next_due(Ledger(store), now)
    session.warn_if_me_unset(settings, result.facts.occurrences)
    zone = settings.zone
    if args.format == "json":
        session.write(report_json(report, now, zone, next_due, result.failed) + "\n")
    else:
        session.write(report_text(report, now, zone, next_due))
    if result.failed:
        # Delivered from what could be read; the failed calendars are the error.
        raise SourceError("\n".join(result.failed))
    return EXIT_FAILED if report.count("failed") else EXIT_OK


def _next_due(ledger: Ledger, now: datetime) -> Planned | None:
    upcoming = [p for p in ledger.in_states("pending", "failed") if p.due > now]
    return upcoming[0] if upcoming else None


def run_status(args: argparse.Namespace, session: Session) -> int:
    """``watercooler status``: what the ledger holds at ``--now``."""
    from watercooler.cli.render_delivery import Status, status_json, status_text
    from watercooler.delivery.ledger import Ledger
    from watercooler.service.instance import running_daemon
    from watercooler.service.record import read_record

    settings = session.load_settings(args.config)
    now = parse_now(args.now, settings)
    with session.store(settings) as store:
        ledger = Ledger(store)
        status = Status(
            now,
            settings.zone,
            dict(ledger.counts()),
            ledger.holds(),
            ledger.in_states("pending", "failed"),
            ledger.recent(),
            (running_daemon(settings.resolved_state_dir()), read_record(store)),
        )
    if args.format == "json":
        session.write(status_json(status) + "\n")
    else:
        session.write(status_text(status))
    return EXIT_OK


def run_notify_test(args: argparse.Namespace, session: Session) -> int:
    """``watercooler notify-test``: exit 1 when any service was not reached."""
    from watercooler.cli.render_delivery import notify_test_text
    from watercooler.delivery.notifier import Result, build_notifier

    settings = session.load_settings(args.config)
    notifier = build_notifier(settings.notify, session.redactor)
    targets = notifier.services or notifier.fallback
    if not notifier.services:
        session.write("no service configured (notify.urls, notify.config): nudges go to ")
        session.write(", ".join(s.label for s in targets) + "\n")
    results: list[Result] = [
        notifier.send(
            service, "watercooler test", "If you read this, watercooler can reach you here."
        )
        for service in targets
    ]
    session.write(notify_test_text(results))
    return EXIT_OK if all(r.ok for r in results) else EXIT_FAILED
