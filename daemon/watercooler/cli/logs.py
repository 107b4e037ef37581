"""Log output: one line per record on stderr, secrets masked, set up once by the entry point.

Under systemd stderr is the journal; in a terminal it is the user's screen. Either way a
record is one line (calendar text cannot forge more). When stderr is the journal
(``JOURNAL_STREAM`` names the very stream stderr is), each line starts with its syslog
priority (``<4>`` for a warning), so ``journalctl -p warning`` finds it; the journal adds
its own timestamp, and so do we not. The one
:class:`~watercooler.redaction.RedactingFilter` on the one handler masks secrets in every
record, whichever library wrote it.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping

from watercooler.redaction import RedactingFilter
from watercooler.text import one_line

SYSLOG_PRIORITY = {"DEBUG": 7, "INFO": 6, "WARNING": 4, "ERROR": 3, "CRITICAL": 2}
"""sd-daemon(3)'s prefixes: the journal reads ``<N>`` at a line's start as its priority."""


def stderr_is_journal(environment: Mapping[str, str]) -> bool:
    """Whether stderr is the journal stream systemd connected (``JOURNAL_STREAM`` is
    ``device:inode`` of it; a child whose stderr was redirected inherits the variable,
    so the stream itself is compared)."""
    device, _, inode = environment.get("JOURNAL_STREAM", "").partition(":")
    try:
        status = os.fstat(sys.stderr.fileno())
        return (status.st_dev, status.st_ino) == (int(device), int(inode))
    except (ValueError, OSError):
        return False


def line_prefix(level: str, *, journal: bool) -> str:
    """``<4>`` before a warning when writing to the journal, else nothing."""
    return f"<{SYSLOG_PRIORITY.get(level, 6)}>" if journal else ""


class OneLineFormatter(logging.Formatter):
    """``watercooler: warning: …``; a traceback (only with ``--debug``) follows it."""

    def __init__(self, *, journal: bool = False) -> None:
        super().__init__()
        self.journal = journal
        self.stamped = False
        """Start each line with the time of day (the daemon in a terminal)."""

    def format(self, record: logging.LogRecord) -> str:
        message = one_line(record.getMessage())
        prefix = line_prefix(record.levelname, journal=self.journal)
        stamp = self.formatTime(record, "%H:%M:%S ") if self.stamped else ""
        text = f"{prefix}{stamp}watercooler: {record.levelname.lower()}: {message}"
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        elif record.exc_text:  # the secret filter already formatted and cleaned it
            text += "\n" + record.exc_text
        return text


def configure_logging(*, debug: bool, journal: bool = False) -> RedactingFilter:
    """Send warnings (everything, with ``debug``) to stderr through a secret filter;
    return that filter, whose redactor the command replaces once it knows the secrets."""
    secrets = RedactingFilter()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(OneLineFormatter(journal=journal))
    handler.addFilter(secrets)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if debug else logging.WARNING)
    logging.captureWarnings(debug)
    return secrets
