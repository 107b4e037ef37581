"""The text ``watercooler init`` writes: a commented config, and the user unit.

The config's comments are the settings model's own field descriptions, as in the
documented example config (``config/watercooler.toml``), so the two never disagree. The
unit is the shipped ``watercooler.service`` with its one ``ExecStart=`` line pointing at
the program that is running, found the way the shipped rules are (package data in a
wheel, the repository's ``systemd/`` folder in a checkout).
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import textwrap
import tomllib
from datetime import time
from importlib.resources import files
from pathlib import Path

from pydantic import BaseModel

from watercooler.cli.init_answers import Answers, InitError
from watercooler.settings import LunchSettings, NotifySettings, Settings, SourceSettings

WIDTH = 92
UNIT_NAME = "watercooler.service"
HEADER = """\
# watercooler configuration, written by `watercooler init`.
#
# Only what init asked is set here; every other setting keeps its default. The documented
# example config (config/watercooler.toml in the source; the README's "Configuration")
# lists them all. Edit freely: running init again never replaces a file you changed
# without asking. This file may hold a notification token: keep it private (mode 0600).

"""


def render_config(answers: Answers, password_file: Path | None) -> str:
    """Given the answers, return the commented TOML config; raise InitError if the result
    would not load (a value TOML cannot carry)."""
    parts = [
        HEADER,
        _key(Settings, "timezone", answers.timezone),
        _key(Settings, "me", list(answers.me))
        if answers.me
        else _key(Settings, "me", ["ana@example.com"], commented=True),
        _key(Settings, "workdays", Settings.model_fields["workdays"].default, commented=True),
        _table_comment(Settings, "lunch", LunchSettings) + "# [lunch]\n",
        *(
            _key(LunchSettings, name, LunchSettings.model_fields[name].default, commented=True)
            for name in ("start", "end")
        ),
        _table_comment(Settings, "sources", SourceSettings) + "[[sources]]\n",
        _key(SourceSettings, "url", answers.url),
        _key(SourceSettings, "type", "caldav"),
    ]
    if answers.username is not None:
        parts.append(_key(SourceSettings, "username", answers.username))
    if password_file is not None:
        parts.append(_key(SourceSettings, "password_file", _home_relative(password_file)))
    parts.append(_table_comment(Settings, "notify", NotifySettings) + "[notify]\n")
    if answers.notify is not None:
        parts.append(_key(NotifySettings, "urls", [answers.notify]))
    else:
        parts.append(_key(NotifySettings, "urls", ["ntfys://ntfy.sh/my-topic"], commented=True))
    text = "".join(parts).rstrip("\n") + "\n"
    _must_load(text, answers)
    return text


def _key(model: type[BaseModel], name: str, value: object, *, commented: bool = False) -> str:
    """One setting with its description above it, blank line after."""
    description = model.model_fields[name].description or ""
    comment = textwrap.fill(description, WIDTH, initial_indent="# ", subsequent_indent="# ")
    line = f"{name} = {toml_value(value)}"
    return f"{comment}\n{'# ' if commented else ''}{line}\n\n"


def _table_comment(model: type[BaseModel], name: str, section: type[BaseModel]) -> str:
    title = model.model_fields[name].description or ""
    about = (section.__doc__ or "").strip().splitlines()[0]
    return f"\n# {title}\n# {about}\n"


def toml_value(value: object) -> str:
    """A TOML literal for a string, number, boolean, time or list of them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, time):
        return f'"{value:%H:%M}"'
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # JSON's escapes are TOML's
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    raise TypeError(f"no TOML form for {type(value).__name__}")


def _home_relative(path: Path) -> str:
    """``~/…`` for a path under the home folder (easier to read), else the absolute path."""
    home = Path.home()
    return f"~/{path.relative_to(home)}" if path.is_relative_to(home) else str(path)


def _must_load(text: str, answers: Answers) -> None:
    """What was rendered reads back as the answers (a value with characters TOML cannot
    hold would otherwise be written and fail later)."""
    from watercooler.settings import settings_from

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InitError(f"an answer cannot be written as TOML ({error})") from None
    settings = settings_from(data)
    source = settings.sources[0]
    if source.url != answers.url or source.username != answers.username:
        raise InitError("an answer cannot be written as TOML (it reads back differently)")


# --- the unit -----------------------------------------------------------------------------


def shipped_unit_path() -> Path:
    """The user unit shipped with watercooler: inside the wheel, or ``systemd/`` in a
    checkout (as :func:`~watercooler.rulebook.loading.default_rules_dir` finds the rules)."""
    packaged = Path(str(files("watercooler") / "systemd" / UNIT_NAME))
    if packaged.is_file():
        return packaged
    return Path(__file__).resolve().parents[3] / "systemd" / UNIT_NAME


def render_unit(template: str, command: list[str], config: Path | None) -> str:
    """The shipped unit with its one ``ExecStart=`` line running ``command run`` (with
    ``--config`` when ``config`` is given); raise InitError if the template has no single
    ExecStart= line."""
    lines = template.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if line.startswith("ExecStart=")]
    if len(starts) != 1:
        raise InitError(f"the shipped {UNIT_NAME} has {len(starts)} ExecStart= lines, not one")
    words = [*command, "run", *(["--config", str(config)] if config is not None else [])]
    lines[starts[0]] = "ExecStart=" + " ".join(systemd_word(w) for w in words) + "\n"
    return "".join(lines)


def systemd_word(text: str) -> str:
    """One word of a systemd command line: specifiers (%) and variables ($) escaped,
    quoted when it holds spaces, quotes or backslashes."""
    escaped = text.replace("%", "%%").replace("$", "$$")
    if re.search(r"[\s\"'\\;]", escaped):
        return '"' + escaped.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return escaped


def running_command() -> list[str]:
    """How the unit should start the watercooler that is running now: its console script
    by absolute path (a symlink such as pipx's ``~/.local/bin/watercooler`` is kept, so an
    upgrade behind it needs no new unit), else the one on PATH, else ``python -m``."""
    script = Path(sys.argv[0])
    if script.name == "watercooler" and script.is_file():
        return [str(script.absolute())]
    found = shutil.which("watercooler")
    if found is not None:
        return [str(Path(found).absolute())]
    return [sys.executable, "-m", "watercooler"]
