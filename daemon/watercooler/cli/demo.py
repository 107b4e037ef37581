"""``watercooler demo``: the daemon's real loop on the sample calendar, a week in seconds.

The demo is the daemon, not a description of it: the same engine and loop as ``run``,
on the bundled two-week sample calendar, with a simulated clock (sleeping moves it to the
next wake-up at once), a throwaway state folder, and a notifier that sends nothing — each
nudge is printed as it would arrive on the phone. At the end comes the summary of the
sample's two weeks, as ``check`` shows it. The settings and the clock are fixed, so the
output is the same on every machine, whatever its config, zone or environment.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import textwrap
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from watercooler.cli.options import add_view_options
from watercooler.cli.session import Session, parse_now

if TYPE_CHECKING:
    from collections.abc import Sequence

    from watercooler.delivery.ledger import Planned
    from watercooler.delivery.notifier import Notifier
    from watercooler.redaction import Redactor
    from watercooler.service.engine import Engine, StepResult
    from watercooler.settings import Settings

EXIT_OK = 0
DEMO_START = "2026-03-09T00:00:00+01:00"
"""Monday of the sample's second week: the simulated clock runs from here for a week."""
DEMO_NOW = "2026-03-11T09:00:00+01:00"
"""The summary looks at the sample's fortnight from here (Wednesday of the second week)."""
DEMO_DAYS = (9, 4)
DEMO_SETTINGS: dict[str, Any] = {
    "timezone": "Europe/Berlin",
    "me": ["ana@example.com"],
    "notify": {"desktop": False},
    "poll_interval": 3600,  # the sample never changes: an hourly look is plenty
}


def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    """Add ``demo`` to the command line."""
    demo = commands.add_parser(
        "demo",
        parents=[common],
        help="the daemon's loop on a bundled sample calendar, a simulated week in seconds",
        description="Run the daemon's loop on the bundled two-week sample calendar with a "
        "simulated clock, from Monday 9 March 2026 for a week, in a throwaway state folder. "
        "Nothing is sent: each nudge is printed as it would arrive. Then the summary of the "
        "sample's two weeks (--now and the day counts choose what it shows). The output is "
        "the same on every machine.",
    )
    add_view_options(demo, now_default=DEMO_NOW, days=DEMO_DAYS)
    demo.set_defaults(handler=run_demo)


def run_demo(args: argparse.Namespace, session: Session) -> int:
    """``watercooler demo``."""
    from watercooler.settings import settings_from

    with tempfile.TemporaryDirectory(prefix="watercooler-demo-") as folder:
        settings = settings_from(
            {
                **DEMO_SETTINGS,
                "state_dir": folder,
                "sources": [{"url": str(sample_calendar_path())}],
                "rules_dir": str(Path(folder) / "no-rules"),
            }
        )
        arrivals = _simulate_week(settings)
        summary = _summary(args, settings)
    if args.format == "json":
        document = json.loads(summary)
        document["nudges"] = [_arrival_document(at, planned, settings) for at, planned in arrivals]
        session.write(json.dumps(document, ensure_ascii=False) + "\n")
    else:
        session.write(_arrivals_text(arrivals, settings) + summary)
    return EXIT_OK


def _simulate_week(settings: Settings) -> list[tuple[datetime, Planned]]:
    """Run the daemon's loop from :data:`DEMO_START` for seven simulated days; return
    each nudge sent, with the simulated moment it went out."""
    from watercooler.delivery.ledger import Ledger
    from watercooler.redaction import Redactor
    from watercooler.rulebook.loading import load_rulebook
    from watercooler.service.config import Config
    from watercooler.service.engine import Engine
    from watercooler.service.loop import Control, SimulatedTimer, run_loop
    from watercooler.store import Store

    start = datetime.fromisoformat(DEMO_START)
    timer = SimulatedTimer(start)
    rules = tuple(loaded.rule for loaded in load_rulebook(None).active())
    config = Config(settings, rules, _screen_notifier(Redactor()))
    arrivals: list[tuple[datetime, Planned]] = []

    def shown(engine: Engine, result: StepResult, now: datetime) -> None:
        if result.report is None:
            return
        ledger = Ledger(engine.store)
        for outcome in result.report.outcomes:
            planned = ledger.get(outcome.key) if outcome.action == "sent" else None
            if planned is not None:
                arrivals.append((now, planned))

    with Store.in_state_dir(settings.resolved_state_dir()) as store:
        engine = Engine(config=config, store=store, clock=timer.now, started=start)
        run_loop(engine, timer, Control(), until=start + timedelta(days=7), on_step=shown)
    return arrivals


def _screen_notifier(redactor: Redactor) -> Notifier:
    """A notifier with one service, the screen, that accepts every message (the demo
    prints what was sent from the ledger, with the rule and tip it records)."""
    from watercooler.delivery.notifier import Notifier, Result, Service

    class Screen(Notifier):
        def send(
            self,
            service: Service,
            title: str,
            body: str,
            attachments: Sequence[Path] = (),
            *,
            instead: str = "",
        ) -> Result:
            del title, body, attachments, instead
            return Result(service, ok=True)

    screen = Service("demo-screen", "your screen")
    return Screen([screen], [screen], redactor)


def _summary(args: argparse.Namespace, settings: Settings) -> str:
    """The two weeks as ``check`` shows them, without its list of nudges (they were
    printed as they arrived)."""
    from watercooler.check import run_check
    from watercooler.cli.check import use_colour
    from watercooler.cli.render_check import to_json, to_text
    from watercooler.rulebook.loading import load_rulebook
    from watercooler.sources.files import IcsFileSource

    now = parse_now(args.now, settings)
    rules = [loaded.rule for loaded in load_rulebook(None).active()]
    source = IcsFileSource(sample_calendar_path())
    result = run_check(settings, [source], now, args.days_back, args.days_ahead, rules=rules)
    result = replace(result, assessment=replace(result.assessment, nudges=[]))
    if args.format == "json":
        return to_json(result)
    return to_text(result, colour=use_colour(args.colour))


def _arrivals_text(arrivals: list[tuple[datetime, Planned]], settings: Settings) -> str:
    from watercooler.text import short_time

    zone = settings.zone
    lines = [
        "watercooler demo · the daemon on the sample calendar, Mon 09 – Sun 15 Mar 2026",
        "A simulated week; nothing is sent. Each nudge as it would arrive:",
        "",
    ]
    for at, planned in arrivals:
        when = short_time(at, zone)
        lines.append(f"  {when}  tip {planned.tip}  {planned.title}  [{planned.rule}]")
        body = textwrap.wrap(planned.body, width=72)
        lines += [f"{'':20}{line}" for line in body]
    lines += ["", f"{len(arrivals)} nudges in the week. How the two weeks went:", "", ""]
    return "\n".join(lines)


def _arrival_document(at: datetime, planned: Planned, settings: Settings) -> dict[str, Any]:
    """``check``'s nudge JSON (in the user's zone), and when it arrived."""
    due = planned.due.astimezone(settings.zone).isoformat(timespec="seconds")
    return {**planned.document(), "due": due, "arrived": at.isoformat(timespec="seconds")}


def sample_calendar_path() -> Path:
    """The bundled sample calendar: inside the wheel, or in a source checkout."""
    from importlib.resources import files

    packaged = Path(str(files("watercooler") / "data" / "sample-calendar.ics"))
    if packaged.exists():
        return packaged
    return Path(__file__).resolve().parents[3] / "config" / "sample-calendar.ics"
