"""The documented example config is generated from the settings model and must not drift.

The settings model is the single source of truth (borgmatic's schema → generated config):
``render_example()`` below writes the example from the fields, their descriptions and their
defaults, and the tests fail when ``config/watercooler.toml`` differs from it, misses a
field, has a key the model does not know, or no longer loads. To regenerate the file:

    python tests/unit/test_example_config.py > config/watercooler.toml
"""

from __future__ import annotations

import inspect
import json
import re
import sys
import textwrap
import tomllib
import types
from collections.abc import Iterator
from datetime import time
from pathlib import Path
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo

from watercooler.settings import Settings, load_settings, settings_from

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "config" / "watercooler.toml"
WIDTH = 98

HEADER = """\
# watercooler — example configuration.
#
# Copy it to ~/.config/watercooler/config.toml (or pass --config FILE) and edit it.
# The values shown are the defaults; a commented-out key has no default (or is a secret)
# and shows an example. Every key can also be set in the environment: WATERCOOLER_ and
# the key path in capitals, nested with "__" (WATERCOOLER_LUNCH__START=12:00); lists as
# JSON (WATERCOOLER_ME='["ana@example.com"]'). The environment beats this file.
#
# Generated from watercooler.settings: python tests/unit/test_example_config.py
"""

EXAMPLES: dict[str, Any] = {
    "timezone": "Europe/Berlin",
    "me": ["ana@example.com"],
    "state_dir": "~/.local/state/watercooler",
    "rules_dir": "~/.config/watercooler/rules",
    "sources.url": "https://dav.example.com/calendars/ana/work/",
    "sources.type": "caldav",
    "sources.name": "work",
    "sources.username": "ana",
    "sources.password": "…",
    "sources.password_file": "~/.config/watercooler/caldav-password",
    "notify.urls": ["ntfys://ntfy.sh/my-topic"],
    "notify.config": "~/.config/apprise/apprise.yml",
    "people.name": "Jonas",
    "people.email": ["jonas@example.com"],
}
"""Example values where the default alone teaches nothing (none, empty or required)."""

LIST_NOTE = "Repeat the [[{name}]] table once for each entry."


# --- the generator ---------------------------------------------------------------------


def render_example(model: type[BaseModel] = Settings) -> str:
    """Given the settings model, return the documented example config as TOML text."""
    return HEADER + "".join(_render_model(model, prefix=""))


def _render_model(model: type[BaseModel], prefix: str) -> Iterator[str]:
    """Keys first, then sections: TOML puts a table's own keys before its sub-tables."""
    fields = model.model_fields.items()
    for name, info in fields:
        if _section_of(info) is None:
            yield from _render_key(name, info, prefix)
    for name, info in fields:
        section = _section_of(info)
        if section is not None:
            yield from _render_section(name, info, section, prefix)


def _render_key(name: str, info: FieldInfo, prefix: str) -> Iterator[str]:
    path = prefix + name
    yield "\n"
    yield from _comment(info.description or "")
    default = None if info.is_required() else info.get_default(call_default_factory=True)
    example = EXAMPLES.get(path)
    if info.is_required():
        yield _assignment(name, example) + "\n"
    elif default is None:
        yield "# " + _assignment(name, example) + "\n"
    else:
        if example is not None:
            yield from _comment(f"For example: {_assignment(name, example)}")
        yield _assignment(name, default) + "\n"


def _render_section(
    name: str, info: FieldInfo, section: type[BaseModel], prefix: str
) -> Iterator[str]:
    path = prefix + name
    many = _is_list(info.annotation)
    yield "\n\n"
    yield from _comment(info.description or "")
    yield from _comment(inspect.cleandoc(section.__doc__ or ""))
    if many:
        yield from _comment(LIST_NOTE.format(name=path))
    yield (f"[[{path}]]" if many else f"[{path}]") + "\n"
    inner = list(_render_model(section, prefix=path + "."))
    if inner and inner[0] == "\n":
        inner = inner[1:]  # no blank line straight after the header
    yield from inner


def _comment(text: str) -> Iterator[str]:
    for paragraph in text.split("\n\n"):
        if paragraph.strip():
            for line in textwrap.wrap(" ".join(paragraph.split()), WIDTH - 2):
                yield f"# {line}\n"


def _assignment(name: str, value: Any) -> str:
    """``name = value`` on one line, or a list spread over lines when it is too long."""
    line = f"{name} = {_toml(value)}"
    if len(line) <= WIDTH or not isinstance(value, list):
        return line
    rows: list[str] = []
    for item in (_toml(item) + "," for item in value):
        if rows and len(rows[-1]) + 1 + len(item) <= WIDTH:
            rows[-1] += " " + item
        else:
            rows.append("    " + item)
    return f"{name} = [\n" + "\n".join(rows) + "\n]"


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, time):
        return json.dumps(value.strftime("%H:%M:%S" if value.second else "%H:%M"))
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    if isinstance(value, str | Path):
        return json.dumps(str(value), ensure_ascii=False)  # JSON escapes are valid TOML
    raise TypeError(f"no TOML form for {value!r}")


def _section_of(info: FieldInfo) -> type[BaseModel] | None:
    """The model of a section field (``lunch``) or a list of sections (``sources``)."""
    annotation = info.annotation
    if _is_list(annotation):
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, types.UnionType):
        inner = [arg for arg in get_args(annotation) if arg is not type(None)]
        annotation = inner[0] if len(inner) == 1 else annotation
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _is_list(annotation: Any) -> bool:
    return get_origin(annotation) is list


# --- reading the example back ----------------------------------------------------------


def model_fields(model: type[BaseModel] = Settings, prefix: str = "") -> dict[str, FieldInfo]:
    """Every field of the model, nested sections included, by dotted path."""
    found: dict[str, FieldInfo] = {}
    for name, info in model.model_fields.items():
        found[prefix + name] = info
        section = _section_of(info)
        if section is not None:
            found.update(model_fields(section, prefix + name + "."))
    return found


_TABLE = re.compile(r"^\[\[?\s*([\w.]+)\s*\]\]?\s*(?:#.*)?$")
_ACTIVE_KEY = re.compile(r"^([A-Za-z_]\w*)\s*=")
_COMMENTED_KEY = re.compile(r"^#\s*([A-Za-z_]\w*)\s*=\s*\S")


def example_keys(text: str) -> set[str]:
    """Dotted paths of every key and table in the text, commented-out keys included."""
    keys: set[str] = set()
    table = ""
    for line in text.splitlines():
        header = _TABLE.match(line)
        if header:
            table = header.group(1) + "."
            keys.add(header.group(1))
            continue
        key = _ACTIVE_KEY.match(line) or _COMMENTED_KEY.match(line)
        if key:
            keys.add(table + key.group(1))
    return keys


def comment_text(text: str) -> str:
    """All comment lines joined into one string with single spaces."""
    lines = (line.strip()[1:] for line in text.splitlines() if line.strip().startswith("#"))
    return " ".join(" ".join(lines).split())


def missing_and_unknown(text: str) -> tuple[set[str], set[str]]:
    """The model paths the text lacks, and the paths in the text the model lacks."""
    expected = set(model_fields())
    present = example_keys(text)
    return expected - present, present - expected


def example_text() -> str:
    return EXAMPLE.read_text(encoding="utf-8")


# --- tests -----------------------------------------------------------------------------


def test_the_example_config_is_exactly_what_the_model_generates() -> None:
    assert example_text() == render_example(), (
        "config/watercooler.toml drifted from watercooler.settings; regenerate it with: "
        "python tests/unit/test_example_config.py > config/watercooler.toml"
    )


def test_every_model_field_appears_in_the_example_and_nothing_else() -> None:
    missing, unknown = missing_and_unknown(example_text())
    assert missing == set(), f"fields missing from the example: {sorted(missing)}"
    assert unknown == set(), f"keys in the example the model does not know: {sorted(unknown)}"


def test_every_field_description_appears_in_a_comment_of_the_example() -> None:
    comments = comment_text(example_text())
    absent = [
        path
        for path, info in model_fields().items()
        if " ".join((info.description or "").split()) not in comments
    ]
    assert absent == []
    assert all(info.description for info in model_fields().values()), "a field lacks one"


def test_the_example_config_loads_without_error() -> None:
    settings = load_settings(EXAMPLE)
    assert settings.sources[0].url == EXAMPLES["sources.url"]
    assert settings.lunch.start == time(11, 30)
    assert settings.notify.urls == []


def test_the_active_values_of_the_example_are_the_model_defaults() -> None:
    # Lists of tables ([[sources]], [[people]]) show one example entry each.
    examples = {"sources", "people"}
    loaded = load_settings(EXAMPLE).model_dump(exclude=examples)
    assert loaded == settings_from({}).model_dump(exclude=examples)


def test_each_commented_out_example_value_is_valid_when_uncommented(tmp_path: Path) -> None:
    lines = example_text().splitlines(keepends=True)
    commented = [index for index, line in enumerate(lines) if _COMMENTED_KEY.match(line)]
    assert len(commented) >= 6  # timezone, state_dir and a source's optional keys
    for index in commented:
        variant = [*lines[:index], lines[index][1:].lstrip(), *lines[index + 1 :]]
        path = tmp_path / f"variant-{index}.toml"
        path.write_text("".join(variant), encoding="utf-8")
        load_settings(path)  # raises ConfigError naming the key if the example is wrong


def test_secrets_are_commented_out_in_the_example() -> None:
    loaded = tomllib.loads(example_text())
    assert "password" not in loaded["sources"][0]
    assert re.search(r"^# password = ", example_text(), re.MULTILINE)
    assert re.search(r"^# password_file = ", example_text(), re.MULTILINE)


def test_the_drift_check_notices_a_field_missing_from_the_example() -> None:
    text = re.sub(r"^min_minutes = .*\n", "", example_text(), flags=re.MULTILINE)
    missing, unknown = missing_and_unknown(text)
    assert missing == {"lunch.min_minutes"}
    assert unknown == set()


def test_the_drift_check_notices_a_commented_key_the_model_does_not_know() -> None:
    text = example_text().replace("[lunch]\n", '[lunch]\n# colour = "red"\n')
    missing, unknown = missing_and_unknown(text)
    assert missing == set()
    assert unknown == {"lunch.colour"}


if __name__ == "__main__":
    sys.stdout.write(render_example())
