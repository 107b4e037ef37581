"""How the progress commands print: the report in its four formats, and the people list.

The report's layouts live in :mod:`watercooler.progress` (one renderer per format); here
they are picked, and the people list is laid out. A report file is written whole or not
at all (a temporary file, then a rename), so a reader never sees half of one.
"""

from __future__ import annotations

import json
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from watercooler.errors import WatercoolerError
from watercooler.private_files import PRIVATE_FILE, write_atomically
from watercooler.progress.model import ProgressReport
from watercooler.progress.people import PersonStatus
from watercooler.text import one_line, short_time


def render_report(report: ProgressReport, form: str, *, colour: bool) -> str:
    """The report as text, Markdown, JSON or HTML."""
    if form == "json":
        from watercooler.progress.render_json import report_document

        return json.dumps(report_document(report), indent=2, ensure_ascii=False) + "\n"
    if form == "markdown":
        from watercooler.progress.render_markdown import render_markdown

        return render_markdown(report)
    if form == "html":
        from watercooler.progress.render_html import render_html

        return render_html(report)
    from watercooler.progress.render_text import render_text

    return render_text(report, color=colour)


def write_output(path: Path, text: str, what: str) -> Path:
    """Write a file the user named (``--output``) whole or not at all, readable by its
    owner alone (it names people); missing folders are made, an existing one is left as it
    is. Return where it went."""
    target = path.expanduser()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(target, text.encode("utf-8"), PRIVATE_FILE)
    except OSError as error:
        raise WatercoolerError(
            f"{what}: cannot write {target}: {error.strerror or error}"
        ) from None
    return target


def people_text(
    configured: list[PersonStatus], suggested: list[PersonStatus], now: datetime, zone: tzinfo
) -> str:
    """One line per person: name, last contact, next due; then the suggestions."""
    lines = []
    if not configured:
        lines.append("no [[people]] in the config: add name, email and every to keep in touch")
    for person in configured:
        lines.append(_person_line(person, now, zone))
    if suggested:
        lines += ["", "Suggested from your history (not in [[people]]):"]
        lines += [_person_line(person, now, zone) for person in suggested]
    return "\n".join(lines) + "\n"


def _person_line(person: PersonStatus, now: datetime, zone: tzinfo) -> str:
    name = one_line(person.name)[:30]
    if person.last is None:
        last = "no contact recorded"
    else:
        kind = "lunch" if person.last.kind == "lunch" else "social"
        last = f"last {short_time(person.last.start, zone, now=now)} ({kind})"
    due = person.next_due(now)
    when = "due now" if due <= now else f"next by {short_time(due, zone, now=now)}"
    every = f"every {person.every.days} days"
    met = f"{person.meetings} times met"
    return f"{name:<30}  {last:<28}  {when:<24}  {every}, {met}"


def people_json(
    configured: list[PersonStatus], suggested: list[PersonStatus], now: datetime, zone: tzinfo
) -> str:
    """The people list as JSON: configured, then suggested, each with its dates."""
    return json.dumps(
        {
            "now": now.astimezone(zone).isoformat(),
            "people": [_person_document(p, now, zone) for p in configured],
            "suggested": [_person_document(p, now, zone) for p in suggested],
        },
        indent=2,
        ensure_ascii=False,
    )


def _person_document(person: PersonStatus, now: datetime, zone: tzinfo) -> dict[str, Any]:
    last = person.last
    return {
        "name": person.name,
        "email": list(person.addresses),
        "every_days": person.every.days,
        "last_contact": None if last is None else last.start.astimezone(zone).isoformat(),
        "last_contact_kind": None if last is None else last.kind,
        "next_due": person.next_due(now).astimezone(zone).isoformat(),
        "overdue": person.overdue(now),
        "meetings": person.meetings,
    }
