"""The errors a user can cause, and the one way a problem in a file they wrote is worded.

Everything the user can cause (a bad config, an unreadable source) raises a subclass of
:class:`WatercoolerError`; the CLI boundary prints ``str(error)`` and exits 2. Anything else
is a bug and is reported the same way, with the traceback behind ``--debug``.

Config files and rule files are both validated by pydantic, and a person fixing either
should read the same shape: ``file[:line]: at 'key.path[0]': what is wrong``
(borgmatic-style). :func:`problem` writes that line for both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


class WatercoolerError(Exception):
    """Base class of the errors a user can cause and fix."""


class ConfigError(WatercoolerError):
    """The configuration file or environment is invalid."""


class SourceError(WatercoolerError):
    """A calendar source could not be read at all."""


def problem(
    origin: str, location: Sequence[int | str], message: str, *, line: int | None = None
) -> str:
    """One problem in a file the user wrote: where it is, then what is wrong."""
    where = origin if line is None else f"{origin}:{line}"
    return f"{where}: at '{format_location(location)}': {message}"


def format_location(location: Sequence[int | str]) -> str:
    """A key path as the user writes it: ``sources[0].url``."""
    text = ""
    for part in location:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(top)"


def validation_message(detail: Mapping[str, Any]) -> str:
    """pydantic's message for one error, in the words a person editing a file needs."""
    if detail["type"] == "extra_forbidden":
        return "unknown key"
    return str(detail["msg"]).removeprefix("Value error, ")
