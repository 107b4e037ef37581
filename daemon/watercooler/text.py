"""Text from other people's calendars, made safe to show: one line, no control characters.

Event text reaches terminals, logs and notifications; a summary must never move the
cursor, forge a log line or carry an escape sequence.
"""

from __future__ import annotations

import unicodedata


def printable(text: str, limit: int) -> str:
    """Text safe for a terminal: control and format characters replaced, length capped."""
    cleaned = " ".join(one_line(text[: limit * 4]).split())
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def one_line(text: str) -> str:
    """Text safe for one line of a log or terminal: control, format and line-break
    characters become spaces (a calendar can neither forge log lines nor send escapes)."""
    return "".join(
        " " if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") else char for char in text
    )
