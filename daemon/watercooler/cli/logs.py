"""Log output: one line per record on stderr, secrets masked, set up once by the entry point.

Under systemd stderr is the journal; in a terminal it is the user's screen. Either way a
record is one line (calendar text cannot forge more), and the one
:class:`~watercooler.redaction.RedactingFilter` on the one handler masks secrets in every
record, whichever library wrote it.
"""

from __future__ import annotations

import logging
import sys

from watercooler.redaction import RedactingFilter
from watercooler.text import one_line


class OneLineFormatter(logging.Formatter):
    """``watercooler: warning: …``; a traceback (only with ``--debug``) follows it."""

    def format(self, record: logging.LogRecord) -> str:
        message = one_line(record.getMessage())
        text = f"watercooler: {record.levelname.lower()}: {message}"
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        elif record.exc_text:  # the secret filter already formatted and cleaned it
            text += "\n" + record.exc_text
        return text


def configure_logging(*, debug: bool) -> RedactingFilter:
    """Send warnings (everything, with ``debug``) to stderr through a secret filter;
    return that filter, whose redactor the command replaces once it knows the secrets."""
    secrets = RedactingFilter()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(OneLineFormatter())
    handler.addFilter(secrets)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if debug else logging.WARNING)
    logging.captureWarnings(debug)
    return secrets
