"""Writing ``watercooler init``'s files without ever losing a change the user made.

Each file is planned first (path and content), then compared with what is there: a missing
file is written, an identical one is left alone without a word, and one that differs is
the user's — kept, unless they say to replace it (asked per file at a terminal, with a
short diff; ``--force`` without asking). Files that hold secrets (the config, the password
file) are written ``0600`` in ``0700`` folders through :mod:`watercooler.private_files`;
a password file's content is never shown in a diff.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from watercooler.cli.init_answers import Prompter
from watercooler.private_files import write_atomically, write_private
from watercooler.redaction import Redactor

DIFF_LINES = 40


class Outcome(Enum):
    """What happened to one planned file."""

    WRITTEN = "wrote"
    REPLACED = "replaced"
    UNCHANGED = "unchanged"
    KEPT = "kept"


@dataclass(frozen=True, slots=True)
class Planned:
    """A file init would write."""

    path: Path
    content: bytes = field(repr=False)
    what: str
    """What it is, for people: "config", "password file", "rule example", "unit"."""
    private: bool = False
    """Readable by its owner alone (0600 in a 0700 folder)."""
    secret: bool = False
    """Its content is never shown (no diff)."""


@dataclass(frozen=True, slots=True)
class Applied:
    """A planned file and what became of it."""

    planned: Planned
    outcome: Outcome


def current(path: Path) -> bytes | None:
    """What a file holds now; None when there is none (an unreadable one counts as
    different, so it is never overwritten silently)."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError:
        return b"\0(unreadable)"


def apply(
    planned: Planned, prompter: Prompter | None, redactor: Redactor, *, force: bool
) -> Applied:
    """Write ``planned`` when it is missing, or when it differs and replacing it was asked
    for (``force``) or agreed to at the terminal; otherwise leave the file as it is."""
    existing = current(planned.path)
    if existing == planned.content:
        return Applied(planned, Outcome.UNCHANGED)
    if existing is not None and not force:
        if prompter is None:
            return Applied(planned, Outcome.KEPT)
        prompter.say(f"\n{planned.path} ({planned.what}) differs from what init would write:")
        prompter.say(_shown_difference(planned, existing, redactor))
        if not prompter.confirm(f"Replace {planned.path}?"):
            return Applied(planned, Outcome.KEPT)
    write(planned)
    return Applied(planned, Outcome.WRITTEN if existing is None else Outcome.REPLACED)


def write(planned: Planned) -> None:
    """Write the file atomically: private ones through private_files, the others with the
    usual modes (the folders above them are left as they are)."""
    if planned.private:
        write_private(planned.path, planned.content)
        return
    planned.path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(planned.path, planned.content)


def _shown_difference(planned: Planned, existing: bytes, redactor: Redactor) -> str:
    """A unified diff of at most DIFF_LINES lines, with known secrets masked; nothing of a
    secret file."""
    if planned.secret:
        return "  (it holds a password: its content is not shown)"
    old = existing.decode("utf-8", "replace").splitlines()
    new = planned.content.decode("utf-8", "replace").splitlines()
    lines = list(difflib.unified_diff(old, new, "yours", "init's", n=1, lineterm=""))
    shown = lines[:DIFF_LINES]
    if len(lines) > DIFF_LINES:
        shown.append(f"… ({len(lines) - DIFF_LINES} more lines)")
    return redactor.scrub("\n".join("  " + line for line in shown))
