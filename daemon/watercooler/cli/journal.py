"""The journal commands: ``journal`` and its ``add``, ``edit``, ``delete``, ``dismiss``,
``undismiss`` and ``export``.

The journal lists the missed chances the ticks recorded (``send-due``, the daemon), with
their evidence and the notes the user added; it never reads a calendar itself. Notes and
dismissals are kept in the store and in a plain-text file beside it
(:mod:`watercooler.progress.notes`).
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from watercooler.cli.options import add_format_option, add_now_option, whole_number
from watercooler.cli.session import Session, parse_now
from watercooler.errors import WatercoolerError

if TYPE_CHECKING:
    from watercooler.progress.journal import Journal
    from watercooler.progress.notes import Notes
    from watercooler.settings import Settings
    from watercooler.store import Store

EXIT_OK = 0
DEFAULT_WEEKS = 4
MAX_WEEKS = 520
Handler = Callable[[argparse.Namespace, Session], int]


def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    """Add ``journal`` and its subcommands to the command line."""
    journal = commands.add_parser(
        "journal",
        parents=[common],
        help="the missed chances (desk lunches, lost lunches, declined socials) and notes",
        description="List the missed chances of the last weeks, recorded by each send-due "
        "or daemon tick, with their evidence and your notes; add, edit and delete notes, "
        "dismiss an entry that was no missed chance, export it all as Markdown.",
    )
    _view_options(journal)
    journal.add_argument("--all", action="store_true", help="show dismissed entries too")
    journal.set_defaults(handler=run_list)
    actions = journal.add_subparsers(dest="action", metavar="[ACTION]")
    _register_notes(actions, common)
    _register_dismissals(actions, common)
    export = _action(
        actions, common, "export", run_export,
        "write the journal as Markdown (to stdout, or to --output FILE)",
        "Write the journal of the last weeks as Markdown a person can keep in their notes: "
        "a heading per week, a line per missed chance with its evidence, the notes under "
        "their day. To stdout, or to FILE (replaced atomically, readable by you alone).",
    )  # fmt: skip
    _weeks_option(export)
    _given_only(export, "weeks")
    export.add_argument("--output", type=Path, metavar="FILE", help="write to FILE (atomically)")
    export.add_argument(
        "--all", action="store_true", help="keep dismissed entries too, with their reasons"
    )


def _register_notes(actions: argparse._SubParsersAction[argparse.ArgumentParser],
                    common: argparse.ArgumentParser) -> None:  # fmt: skip
    add = _action(
        actions, common, "add", run_add, "add a note (or a reason) to a day",
        "Add a note to a day (today unless --date says which): what happened, or why a "
        "missed chance was missed. Notes are kept beside the database too.",
    )  # fmt: skip
    add.add_argument("text", metavar="TEXT")
    add.add_argument(
        "--date", metavar="DATE", help="the day, like 2026-03-10, or yesterday (default: today)"
    )
    edit = _action(
        actions, common, "edit", run_edit, "replace a note's text",
        "Replace the text of note ID (the number `watercooler journal` shows).",
    )  # fmt: skip
    edit.add_argument("id", metavar="ID", type=_note_id, help="the note's number")
    edit.add_argument("text", metavar="TEXT")
    delete = _action(
        actions, common, "delete", run_delete, "delete a note",
        "Delete note ID (the number `watercooler journal` shows), from the database and "
        "from the notes file beside it.",
    )  # fmt: skip
    delete.add_argument("id", metavar="ID", type=_note_id, help="the note's number")


def _register_dismissals(actions: argparse._SubParsersAction[argparse.ArgumentParser],
                         common: argparse.ArgumentParser) -> None:  # fmt: skip
    dismiss = _action(
        actions, common, "dismiss", run_dismiss,
        "dismiss an entry that was no missed chance (a date: that day's lunch)",
        "Dismiss a missed chance that was not one: give its key as the listing shows it "
        "(lunch/2026-03-10, social/…) or a date for that day's lunch. `journal --all` "
        "still shows it; `journal undismiss` lists it again.",
    )  # fmt: skip
    dismiss.add_argument("entry", metavar="KEY_OR_DATE", help="a key as listed, or a date")
    dismiss.add_argument("--reason", default="", metavar="TEXT", help="why it was none")
    undismiss = _action(
        actions, common, "undismiss", run_undismiss, "list a dismissed entry again",
        "List a dismissed entry again: its key as `journal --all` shows it, or a date for "
        "that day's lunch.",
    )  # fmt: skip
    undismiss.add_argument("entry", metavar="KEY_OR_DATE")


def _action(
    actions: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
    name: str,
    handler: Handler,
    what: str,
    description: str,
) -> argparse.ArgumentParser:
    parser = actions.add_parser(name, parents=[common], help=what, description=description)
    add_now_option(parser, what="the moment to act at")
    # `journal --now T add …` as `journal add … --now T`: given here or before, alike
    _given_only(parser, "now")
    parser.set_defaults(handler=handler)
    return parser


def _given_only(parser: argparse.ArgumentParser, dest: str) -> None:
    """An action's option that only counts when given (the journal's own is the default)."""
    for action in parser._actions:
        if action.dest == dest:
            action.default = argparse.SUPPRESS


def _view_options(parser: argparse.ArgumentParser) -> None:
    _weeks_option(parser)
    add_now_option(parser)
    add_format_option(parser)


def _weeks_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--weeks",
        type=whole_number(1, MAX_WEEKS),
        default=DEFAULT_WEEKS,
        metavar="N",
        help=f"the last N weeks, this one included (default {DEFAULT_WEEKS})",
    )


def _note_id(text: str) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a note's number: {text!r} (the listing shows them: note 3: …)"
        ) from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"not a note's number: {text!r}")
    return value


def _setup(args: argparse.Namespace, session: Session) -> tuple[Settings, datetime]:
    settings = session.load_settings(args.config)
    return settings, parse_now(args.now, settings).astimezone(settings.zone)


def _journal(store: Store, notes: Notes, settings: Settings, now: datetime,
             weeks: int, show_dismissed: bool) -> Journal:  # fmt: skip
    from watercooler.progress.journal import build_journal

    return build_journal(
        store, notes, now, weeks=weeks, lunch_end=settings.lunch.end,
        show_dismissed=show_dismissed, redacted=settings.notify.redact,
    )  # fmt: skip


def run_list(args: argparse.Namespace, session: Session) -> int:
    """``watercooler journal``."""
    from watercooler.cli.render_journal import journal_json, journal_text
    from watercooler.progress.notes import Notes

    settings, now = _setup(args, session)
    with session.store(settings) as store:
        journal = _journal(store, Notes(store), settings, now, args.weeks, args.all)
    session.write(journal_json(journal) if args.format == "json" else journal_text(journal))
    return EXIT_OK


def run_export(args: argparse.Namespace, session: Session) -> int:
    """``watercooler journal export``: Markdown, to stdout or written atomically."""
    from watercooler.cli.render_progress import write_output
    from watercooler.progress.journal import journal_markdown
    from watercooler.progress.notes import Notes

    settings, now = _setup(args, session)
    with session.store(settings) as store:
        text = journal_markdown(_journal(store, Notes(store), settings, now, args.weeks, args.all))
    if args.output is None:
        session.write(text)
        return EXIT_OK
    target = write_output(args.output, session.redactor.scrub(text), "journal export")
    session.write(f"wrote the journal of {args.weeks} weeks to {target}\n")
    return EXIT_OK


def run_add(args: argparse.Namespace, session: Session) -> int:
    """``watercooler journal add TEXT [--date D]``."""
    from watercooler.progress.notes import Notes

    settings, now = _setup(args, session)
    day = _day(args.date, now.date()) if args.date else now.date()
    with session.store(settings) as store:
        note = Notes(store).add(day, args.text, now)
    session.write(f"added note {note.id} to {day:%a} {day.isoformat()}: {note.text}\n")
    return EXIT_OK


def run_edit(args: argparse.Namespace, session: Session) -> int:
    """``watercooler journal edit ID TEXT``."""
    from watercooler.progress.notes import Notes

    settings, now = _setup(args, session)
    with session.store(settings) as store:
        note = Notes(store).edit(args.id, args.text, now)
    session.write(f"note {note.id} ({note.day.isoformat()}): {note.text}\n")
    return EXIT_OK


def run_delete(args: argparse.Namespace, session: Session) -> int:
    """``watercooler journal delete ID``."""
    from watercooler.progress.notes import Notes

    settings, _ = _setup(args, session)
    with session.store(settings) as store:
        note = Notes(store).delete(args.id)
    session.write(f"deleted note {note.id} ({note.day.isoformat()}): {note.text}\n")
    return EXIT_OK


def run_dismiss(args: argparse.Namespace, session: Session) -> int:
    """``watercooler journal dismiss KEY_OR_DATE [--reason TEXT]``."""
    from watercooler.progress.journal import all_chances
    from watercooler.progress.notes import Notes

    settings, now = _setup(args, session)
    key = _entry_key(args.entry, now.date())
    with session.store(settings) as store:
        notes = Notes(store)
        known = {c.key for c in all_chances(store, now, settings.lunch.end, settings.history_days)}
        if key not in known and key not in notes.dismissed():
            raise WatercoolerError(_no_entry(key))
        dismissal = notes.dismiss(key, args.reason, now)
    said = f" ({dismissal.reason})" if dismissal.reason else ""
    session.write(f"dismissed {key}{said}; `watercooler journal undismiss {key}` lists it again\n")
    return EXIT_OK


def run_undismiss(args: argparse.Namespace, session: Session) -> int:
    """``watercooler journal undismiss KEY_OR_DATE``."""
    from watercooler.progress.notes import Notes

    settings, now = _setup(args, session)
    key = _entry_key(args.entry, now.date())
    with session.store(settings) as store:
        if not Notes(store).undismiss(key):
            raise WatercoolerError(f"journal undismiss: {key} is not dismissed")
    session.write(f"{key} is listed again\n")
    return EXIT_OK


def _no_entry(key: str) -> str:
    if key.startswith("lunch/"):
        return (
            f"journal dismiss: {key[6:]} has no missed lunch in the history (its lunch "
            "was not a desk lunch or lost to meetings, or it is not over yet)"
        )
    return (
        f"journal dismiss: no missed chance {key!r}; give a key as "
        "`watercooler journal --all` lists it, or a date"
    )


DATE_LIKE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}$")


def _day(text: str, today: date) -> date:
    """``--date``: an ISO date, ``today`` or ``yesterday``; not a day still ahead."""
    cleaned = text.strip().lower()
    named = {"today": today, "yesterday": today - timedelta(days=1)}
    try:
        day = named[cleaned] if cleaned in named else date.fromisoformat(cleaned)
    except ValueError:
        raise WatercoolerError(
            f"journal add --date: not a date like 2026-03-10 (or today, yesterday): {text!r}"
        ) from None
    if day > today:
        raise WatercoolerError(
            f"journal add --date: {day.isoformat()} is still ahead; notes are for days "
            "that have come"
        )
    return day


def _entry_key(text: str, today: date) -> str:
    """A key as listed, or a date (that day's lunch)."""
    cleaned = text.strip()
    if DATE_LIKE.match(cleaned) or cleaned.lower() in ("today", "yesterday"):
        try:
            return f"lunch/{_day(cleaned, today).isoformat()}"
        except WatercoolerError:
            raise WatercoolerError(f"journal: not a date like 2026-03-10: {text!r}") from None
    if not cleaned.startswith(("lunch/", "social/")):
        raise WatercoolerError(
            f"journal: {text!r} is neither an entry's key (lunch/…, social/…, as "
            "`watercooler journal` lists them) nor a date"
        )
    return cleaned
