"""``watercooler init``: from nothing to a checked config, example rules and a user unit.

It asks at a terminal (or takes options, for scripts), checks for real what it was told —
the CalDAV server lists the calendars it can see with those credentials, a test nudge goes
through the notification URL — and only then writes: a commented config, the password in
its own ``0600`` file beside it, the shipped rules as examples beside the rules folder (not
in it: a file there overrides a shipped rule, which would then miss every upgrade), the
rules' JSON Schema in the rules folder for editors, and the systemd user unit. Running it
again changes nothing the user changed, unless they agree (see
:mod:`~watercooler.cli.init_files`).
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from watercooler.cli.init_answers import Answers, InitError, Previous, Prompter, gather
from watercooler.cli.init_files import Applied, Outcome, Planned, apply
from watercooler.cli.session import Session
from watercooler.redaction import Redactor

EXIT_OK = 0
EXIT_FAILED = 1
PASSWORD_FILE = "caldav-password"  # noqa: S105 - the file's name, not a password
EXAMPLES = "rule-examples"
START = "systemctl --user enable --now watercooler"
INTRO = (
    "Setting up watercooler: a few questions, then a check of your calendar server and "
    "notifications.\nNothing is written before the checks pass (Ctrl-C stops at any time)."
)
TEST_TITLE = "watercooler test"
TEST_BODY = "watercooler init: if you read this, nudges will reach you here."


def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    """Add ``init`` to the command line."""
    init = commands.add_parser(
        "init",
        parents=[common],
        allow_abbrev=False,  # --pass=… must not stand for a password option
        help="set up: check your calendar and notifications, write the config and unit",
        description="Ask for (or take as options) your CalDAV server, credentials, time "
        "zone, addresses and notification URL; check them for real; then write a commented "
        "config, a 0600 password file, example rules and the systemd user unit. A file you "
        "changed is never replaced without asking (--force replaces it). With --yes, or "
        "without a terminal, nothing is asked: a missing required option is an error, and "
        "a failed test nudge exits 1 without writing.",
    )
    init.add_argument("--url", help="your CalDAV server's or calendar's http(s) URL")
    init.add_argument("--username", help="the CalDAV user name")
    password = init.add_mutually_exclusive_group()
    password.add_argument(
        "--password-file", type=Path, metavar="FILE", help="read the CalDAV password from FILE"
    )
    password.add_argument(
        "--password-stdin", action="store_true", help="read the CalDAV password from stdin"
    )
    init.add_argument("--timezone", help="IANA time zone (default: the system's)")
    init.add_argument(
        "--email", action="append", default=[], metavar="ADDRESS",
        help="your calendar address (the `me` setting); repeatable",
    )  # fmt: skip
    init.add_argument("--notify", metavar="URL", help="an Apprise URL nudges go to (optional)")
    init.add_argument(
        "--yes", "--non-interactive", dest="yes", action="store_true",
        help="never ask: take everything from the options",
    )  # fmt: skip
    init.add_argument("--force", action="store_true", help="replace files that differ")
    init.add_argument("--no-unit", action="store_true", help="do not write the systemd unit")
    init.add_argument(
        "--no-check", action="store_true",
        help="do not connect to the server or send a test nudge (offline)",
    )  # fmt: skip
    init.set_defaults(handler=run_init)


def run_init(args: argparse.Namespace, session: Session) -> int:
    """``watercooler init``: exit 0 when set up, 1 when the test nudge failed and nothing
    was written, 2 (an error) for a bad answer or a refused login."""
    from watercooler.settings import default_config_path
    from watercooler.urls import require_safe_transport

    prompter = Prompter() if not args.yes and sys.stdin.isatty() else None
    if prompter is not None:
        prompter.say(INTRO)
    config = (args.config or default_config_path()).expanduser().absolute()
    answers = gather(args, prompter, sys.stdin, _previous(config, prompter))
    session.redactor.add(answers.password)
    if answers.notify is not None:
        session.redactor.add_url(answers.notify)
    # checked offline too: such a config would only fail later, in the daemon
    require_safe_transport(answers.url, answers.password, allow_insecure=False)
    if not args.no_check:
        list_calendars(answers, session)
        if answers.notify is not None and not send_test(answers, session, prompter):
            return EXIT_FAILED
    rules_dir = default_config_path().parent / "rules"
    is_default = config == default_config_path().expanduser().absolute()
    planned = plan(answers, config, rules_dir, default=is_default, unit=not args.no_unit)
    redactor = _diff_redactor(config, answers)
    applied = [apply(p, prompter, redactor, force=args.force) for p in planned]
    rules_dir.mkdir(parents=True, exist_ok=True)  # for the user's rules: empty but for a schema
    session.write(summary(applied, unit=not args.no_unit))
    return EXIT_OK


def list_calendars(answers: Answers, session: Session) -> None:
    """Connect with the answers' credentials and print the calendars found; raise
    InitError (nothing written) when the server refuses or cannot be used."""
    from pydantic import SecretStr

    from watercooler.errors import WatercoolerError
    from watercooler.settings import SourceSettings
    from watercooler.sources.caldav import CalDAVSource
    from watercooler.sources.dav import AuthError
    from watercooler.store import Store

    password = SecretStr(answers.password) if answers.password is not None else None
    settings = SourceSettings(
        url=answers.url, type="caldav", username=answers.username, password=password
    )
    store = Store(Path(":memory:"))
    try:
        source = CalDAVSource(settings, store, lambda: datetime.now(tz=UTC))
        calendars = source.discover()
    except AuthError as error:
        raise InitError(f"{error}; check the user name and password. Nothing written") from None
    except WatercoolerError as error:
        raise InitError(
            f"{error}. Nothing written (check the URL; --no-check writes without connecting)"
        ) from None
    finally:
        store.close()
    session.write(f"Calendars at {source.label}:\n")
    for calendar in calendars:
        session.write(f"  {_printable(calendar.name or '(no name)'):<30} {calendar.url}\n")
    if not calendars:
        session.write("  none with events yet: watercooler reads those you add later\n")


def send_test(answers: Answers, session: Session, prompter: Prompter | None) -> bool:
    """Send a test nudge through the notification URL and say whether it arrived; when it
    did not, ask at a terminal whether to write anyway (False: write nothing)."""
    from pydantic import SecretStr

    from watercooler.delivery.notifier import build_notifier
    from watercooler.settings import NotifySettings

    settings = NotifySettings(urls=[SecretStr(answers.notify or "")])
    notifier = build_notifier(settings, session.redactor, desktop=False)
    service = notifier.services[0]
    result = notifier.send(service, TEST_TITLE, TEST_BODY)
    if result.ok:
        session.write(f"Test nudge sent to {service.label}: it arrived (the service took it).\n")
        return True
    session.write(f"Test nudge to {service.label} did not arrive: {result.error}\n")
    if prompter is not None and prompter.confirm("Write the config anyway?"):
        return True
    print(
        "watercooler: nothing written; fix the notification URL, or pass --no-check to "
        "write without sending",
        file=sys.stderr,
    )
    return False


def plan(
    answers: Answers, config: Path, rules_dir: Path, *, default: bool, unit: bool
) -> list[Planned]:
    """Every file init writes, with its content, in the order they are written."""
    from watercooler.cli.init_render import render_config

    password_path = config.parent / PASSWORD_FILE if answers.password is not None else None
    planned = []
    if password_path is not None and answers.password is not None:
        content = (answers.password + "\n").encode("utf-8")
        planned.append(Planned(password_path, content, "password file", private=True, secret=True))
    text = render_config(answers, password_path)
    planned.append(Planned(config, text.encode("utf-8"), "config", private=True))
    planned += rule_files(rules_dir)
    if unit:
        planned.append(unit_file(None if default else config))
    return planned


def rule_files(rules_dir: Path) -> list[Planned]:
    """The shipped rules (and their JSON Schema) as examples beside the rules folder, and
    the schema in the rules folder itself (created, otherwise empty) for editors."""
    from watercooler.rulebook.loading import default_rules_dir

    shipped = default_rules_dir()
    examples = rules_dir.parent / EXAMPLES
    found = sorted([*shipped.glob("*.yaml"), *shipped.glob("*.json")])
    planned = [Planned(examples / f.name, f.read_bytes(), "rule example") for f in found]
    planned += [
        Planned(rules_dir / f.name, f.read_bytes(), "rules schema")
        for f in found
        if f.suffix == ".json"
    ]
    return planned


def unit_file(config: Path | None) -> Planned:
    """The user unit, starting this watercooler (with ``--config`` when not the default)."""
    import os

    from watercooler.cli.init_render import render_unit, running_command, shipped_unit_path

    shipped = shipped_unit_path()
    try:
        template = shipped.read_text(encoding="utf-8")
    except OSError as error:
        raise InitError(f"cannot read the shipped unit {shipped}: {error.strerror}") from None
    text = render_unit(template, running_command(), config)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Planned(Path(base) / "systemd" / "user" / shipped.name, text.encode(), "unit")


def summary(applied: list[Applied], *, unit: bool) -> str:
    """What was written and what was kept; the command that starts the service."""
    lines = []
    for item in applied:
        path, what = item.planned.path, item.planned.what
        if item.outcome is Outcome.KEPT:
            lines.append(
                f"kept {path} ({what}): it differs from what init would write, so your "
                "version stays (--force replaces it)"
            )
        elif item.outcome is not Outcome.UNCHANGED:
            lines.append(f"{item.outcome.value} {path} ({what})")
    if not lines:
        lines.append("everything was already set up; nothing changed")
    examples = [
        i.planned.path
        for i in applied
        if i.planned.what == "rule example" and i.outcome is not Outcome.UNCHANGED
    ]
    if examples:
        rules = examples[0].parent.with_name("rules")
        lines.append(
            f"The shipped rules are in {examples[0].parent} as examples: copy one into "
            f"{rules} to change it (a file there replaces the shipped rule with its id)."
        )
    if unit:
        lines += ["", "Start the daemon with:", f"  {START}"]
    return "\n".join(lines) + "\n"


def _diff_redactor(config: Path, answers: Answers) -> Redactor:
    """The secrets a diff could show: the new answers' and those of the config there now."""
    from watercooler.errors import WatercoolerError
    from watercooler.settings import load_settings

    try:
        redactor = load_settings(config).redactor()
    except WatercoolerError:
        redactor = Redactor()
    redactor.add(answers.password)
    if answers.notify is not None:
        redactor.add_url(answers.notify)
    return redactor


def _previous(config: Path, prompter: Prompter | None) -> Previous:
    """At a terminal, what the config there now says (each question's default)."""
    from watercooler.cli.init_answers import previous_answers

    return previous_answers(config) if prompter is not None else Previous()


def _printable(text: str) -> str:
    from watercooler.text import printable

    return printable(text, 30)
