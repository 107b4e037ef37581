"""The rule commands: ``rules check``, ``list``, ``show``, ``explain`` and ``schema``.

Rules turn what ``check`` finds into nudges; these commands let the person who edits them
see every mistake with its file and line, what is active and where it comes from, a rule's
text to copy, why one rule fires or stays quiet on their own calendar, and the JSON Schema
their editor checks rule files with as they type.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from watercooler.cli.options import add_source_option, add_view_options
from watercooler.cli.session import Session, parse_now, sources_to_read, wall_clock
from watercooler.errors import ConfigError
from watercooler.text import one_line, printable

if TYPE_CHECKING:
    from watercooler.rulebook.evaluate import Candidate
    from watercooler.rulebook.loading import LoadedRule, Rulebook
    from watercooler.rulebook.nudge import Nudge

log = logging.getLogger("watercooler")

EXIT_OK = 0
EXIT_INVALID = 1


def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    """Add ``rules`` and its actions to the command line."""
    rules = commands.add_parser(
        "rules",
        parents=[common],
        help="check, list, show and explain rule files; their JSON Schema",
        description="Rules turn what check finds into nudges. Defaults ship with "
        "watercooler; yours live in $XDG_CONFIG_HOME/watercooler/rules/.",
    )
    actions = rules.add_subparsers(dest="rules_command", required=True, metavar="ACTION")
    validate = actions.add_parser(
        "check",
        parents=[common],
        help="validate rule files; exit 1 if any is invalid",
        description="Validate the given rule files (default: the shipped rules and yours); "
        "print every problem with its file and line.",
    )
    validate.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    validate.set_defaults(handler=run_rules_check)
    listing = actions.add_parser(
        "list",
        parents=[common],
        help="the active rules and where each comes from",
        description="List every rule: the active ones by id, then those switched off, each "
        "with its tip, trigger, summary and the file it comes from.",
    )
    listing.set_defaults(handler=run_rules_list)
    show = actions.add_parser(
        "show",
        parents=[common],
        help="print one rule as a file to copy",
        description="Print the rule with this id as its file has it (comments included), "
        "as a rule file of its own: copy it into your rules folder to change it.",
    )
    show.add_argument("rule_id", metavar="ID")
    show.set_defaults(handler=run_rules_show)
    _add_explain_and_schema(actions, common)


def _add_explain_and_schema(
    actions: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    """Add ``rules explain ID`` and ``rules schema [--output FILE]``."""
    explain = actions.add_parser(
        "explain",
        parents=[common],
        help="the facts one rule saw and why it fires or not",
        description="Run check and show, for one rule, every subject it looked at "
        "(a day, an event, a week), whether it fires, why, and the nudge it gives.",
    )
    explain.add_argument("rule_id", metavar="ID")
    add_source_option(explain)
    add_view_options(explain)
    explain.set_defaults(handler=run_rules_explain)
    schema = actions.add_parser(
        "schema",
        parents=[common],
        help="print the JSON Schema of rule files, for editors",
        description="Print the JSON Schema (draft 2020-12) of a rule file, generated from the "
        "same models that validate rule files. Saved as rules.schema.json beside your rules, "
        "it lets an editor with yaml-language-server complete keys, explain them on hover "
        "and flag mistakes as you type; each rule file names it in its first line: "
        "# yaml-language-server: $schema=rules.schema.json",
    )
    schema.add_argument(
        "--output",
        type=Path,
        metavar="FILE",
        help="write the schema to FILE instead of printing it",
    )
    schema.set_defaults(handler=run_rules_schema)


def run_rules_check(args: argparse.Namespace, session: Session) -> int:
    """``watercooler rules check [PATH…]``: exit 1 when any file has a problem."""
    from watercooler.rulebook.loading import load_rule_files, load_rulebook, rule_files

    if args.paths:
        files_given: list[Path] = []
        unreadable: list[str] = []
        for path in args.paths:
            try:
                files_given += rule_files(path) if path.is_dir() else [path]
            except OSError as error:
                unreadable.append(f"{path}: cannot read the folder: {error.strerror}")
        loaded, errors = load_rule_files(files_given)
        errors, count = unreadable + errors, len(loaded)
    else:
        settings = session.load_settings(args.config)
        book = load_rulebook(settings.resolved_rules_dir())
        errors, count = book.errors, len(book.rules) + len(book.disabled)
        notes = book.fallbacks
    for problem in errors:
        session.write(one_line(problem) + "\n")
    if errors:
        for note in notes if not args.paths else []:
            session.write(one_line(note) + "\n")
        session.write(f"{len(errors)} problem{'s' if len(errors) != 1 else ''} found\n")
        return EXIT_INVALID
    session.write(f"{count} rule{'s' if count != 1 else ''} valid\n")
    return EXIT_OK


def run_rules_list(args: argparse.Namespace, session: Session) -> int:
    """``watercooler rules list``: the active rules, then the switched-off ones."""
    from watercooler.rulebook.loading import load_rulebook

    settings = session.load_settings(args.config)
    book = load_rulebook(settings.resolved_rules_dir())
    for problem in book.warnings():
        log.warning("%s", problem)
    rows = [(loaded, "on") for loaded in book.active()]
    rows += [(book.disabled[key], "off") for key in sorted(book.disabled)]
    for loaded, state in rows:
        rule = loaded.rule
        session.write(
            f"{rule.id:<22} tip {rule.tip}  {state:<3}  {rule.trigger.kind:<7} "
            f"{printable(rule.summary, 70)}\n{'':<22} from {loaded.path}\n"
        )
    return EXIT_OK


def run_rules_show(args: argparse.Namespace, session: Session) -> int:
    """``watercooler rules show ID``: the rule's text, as a file of its own to copy, with
    the schema line that rule files start with."""
    from watercooler.rulebook.loading import load_rulebook, rule_source
    from watercooler.rulebook.schema import SCHEMA_LINE

    settings = session.load_settings(args.config)
    loaded = _find(load_rulebook(settings.resolved_rules_dir()), args.rule_id)
    try:
        text = rule_source(loaded)
    except (OSError, ValueError) as error:
        why = f"{loaded.path}: cannot read the rule {args.rule_id!r}: {error}"
        raise ConfigError(why) from None
    # The schema line first, as in the shipped files: the copy goes into a rules folder,
    # where `watercooler init` (or `rules schema --output`) puts rules.schema.json.
    session.write(f"{SCHEMA_LINE}\n# {loaded.rule.id}, from {loaded.path}\n{text}")
    return EXIT_OK


def run_rules_schema(args: argparse.Namespace, session: Session) -> int:
    """``watercooler rules schema [--output FILE]``: the rule files' JSON Schema."""
    from watercooler.rulebook.schema import schema_text

    text = schema_text()
    if args.output is None:
        session.write(text)
        return EXIT_OK
    try:
        args.output.write_text(text, encoding="utf-8")
    except OSError as error:
        reason = error.strerror or str(error)
        raise ConfigError(f"{args.output}: cannot write the schema: {reason}") from None
    return EXIT_OK


def _find(book: Rulebook, rule_id: str) -> LoadedRule:
    """A rule by id, switched off or not; ConfigError naming the known ids if none."""
    loaded = book.rules.get(rule_id) or book.disabled.get(rule_id)
    if loaded is None:
        known = ", ".join(sorted([*book.rules, *book.disabled])) or "none"
        raise ConfigError(f"no rule {rule_id!r} (known: {known})")
    return loaded


def run_rules_explain(args: argparse.Namespace, session: Session) -> int:
    """``watercooler rules explain ID``: every subject one rule judged in the range."""
    from watercooler.check import run_check
    from watercooler.cli.render_check import render_explanation
    from watercooler.rulebook.evaluate import explain
    from watercooler.rulebook.loading import load_rulebook

    settings = session.load_settings(args.config)
    loaded = _find(load_rulebook(settings.resolved_rules_dir()), args.rule_id)
    with session.store(settings, required=False) as store:
        sources = sources_to_read(settings, args.source, store, wall_clock(settings))
        now = parse_now(args.now, settings)
        result = run_check(
            settings, sources, now, args.days_back, args.days_ahead, store=store,
            rules=[loaded.rule],
        )  # fmt: skip
    start, end = result.days.bounds(settings.zone)
    shown = [
        (_placeholders_only(candidate, loaded), nudge)
        for candidate, nudge in explain(loaded.rule, result.facts)
        if candidate.due is None or start <= candidate.due < end
    ]
    if args.format == "json":
        session.write(json.dumps(_explanation(loaded, shown), ensure_ascii=False, indent=2))
        session.write("\n")
    else:
        session.write(render_explanation(loaded, shown))
    return EXIT_OK


def _placeholders_only(candidate: Candidate, loaded: LoadedRule) -> Candidate:
    """The candidate with only the facts its rule's messages can name as placeholders."""
    from dataclasses import replace

    from watercooler.rulebook.format import PLACEHOLDERS

    usable = PLACEHOLDERS[loaded.rule.trigger.kind]
    values = {k: v for k, v in candidate.values.items() if k in usable}
    return replace(candidate, values=values | {"rule": loaded.rule.id})


def _explanation(loaded: LoadedRule, shown: list[tuple[Candidate, Nudge | None]]) -> dict[str, Any]:
    """``rules explain --format json``: the rule, and each subject with its verdict."""
    rule = loaded.rule
    return {
        "rule": rule.id,
        "tip": rule.tip,
        "trigger": rule.trigger.kind,
        "enabled": rule.enabled,
        "from": loaded.path,
        "summary": rule.summary,
        "subjects": [
            {
                "subject": candidate.subject,
                "due": candidate.due.isoformat(timespec="seconds") if candidate.due else None,
                "fires": nudge is not None,
                "reason": candidate.reason,
                "facts": dict(sorted(candidate.values.items())),
                "nudge": nudge.document() if nudge is not None else None,
            }
            for candidate, nudge in shown
        ],
    }
