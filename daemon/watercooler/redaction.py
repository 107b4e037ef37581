"""Secrets never reach a log line, an error or the terminal.

A :class:`Redactor` is a value: the settings build one holding their CalDAV passwords and
the tokens inside their Apprise URLs (``Settings.redactor()``), and it is handed to whoever
shows text — the notifier for its labels and errors, the command line for its output. The
entry point installs one :class:`RedactingFilter` on the log handler; it masks every
record, at every level and from every library (Apprise itself logs whole URLs at DEBUG),
with the redactor it currently holds, which a reload replaces in one assignment.
"""

from __future__ import annotations

import logging
import re
import threading
from urllib.parse import unquote, urlsplit

MASK = "****"
MIN_SECRET = 4
"""Shorter parts (a port, "no", "v1") are left alone: replacing them would garble logs."""
_URL_PARTS = re.compile(r"[/:@?&=#,;+]")
_SAFE_VALUES = frozenset({"yes", "no", "true", "false", "post", "get", "text", "json"})


class Redactor:
    """The set of known secrets and the one place that masks them."""

    def __init__(self) -> None:
        self._secrets: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self._lock = threading.Lock()

    def add(self, *secrets: str | None) -> None:
        """Remember secrets (and their URL-decoded forms) so they are masked from now on."""
        with self._lock:
            for secret in secrets:
                if not secret or len(secret) < MIN_SECRET:
                    continue
                self._secrets.update({secret, unquote(secret)})
            ordered = sorted(self._secrets, key=len, reverse=True)
            self._pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None

    def merge(self, other: Redactor) -> None:
        """Remember every secret another redactor knows (a reload keeps masking the old
        secrets too: they may still be in a message on its way out)."""
        with other._lock:
            known = sorted(other._secrets)
        self.add(*known)

    def add_url(self, url: str) -> None:
        """Remember every part of an Apprise (or any) URL that may be a token. The parts,
        not the whole URL: a URL with nothing secret in it (``json://127.0.0.1:8080/``) is
        shown as it is, and one with a token shows where the token was."""
        self.add(*url_secrets(url))

    def scrub(self, text: str) -> str:
        """The text with every known secret replaced by ``****``."""
        pattern = self._pattern
        if pattern is None or not text:
            return text
        return pattern.sub(MASK, text)


def url_secrets(url: str) -> list[str]:
    """The parts of a notification URL that may be secret.

    Services put their tokens anywhere: Telegram in the host position, ntfy in the path
    (the topic is the password), Matrix and email in the user info, others in the query. So
    everything but the scheme, a host name that looks like a domain or address, the port,
    query keys and a few well-known flag values counts as secret.
    """
    text = url.strip()
    scheme, separator, rest = text.partition("://")
    if not rest:
        return [] if separator else [text]  # a bare scheme hides nothing
    try:
        parts = urlsplit(text)
        host = parts.hostname or ""
    except ValueError:
        host = ""
    safe = {scheme.lower()}
    if "." in host or host == "localhost":
        safe.add(host)
    query_keys = {pair.partition("=")[0] for pair in rest.partition("?")[2].split("&")}
    found = []
    for piece in _URL_PARTS.split(rest):
        candidate = unquote(piece)
        if (
            len(candidate) >= MIN_SECRET
            and candidate.lower() not in safe
            and candidate not in query_keys
            and candidate.lower() not in _SAFE_VALUES
            and not candidate.isdigit()
        ):
            found.append(piece)
    return found


class RedactingFilter(logging.Filter):
    """Masks known secrets in a record's message and traceback before any handler formats
    it; attach it to handlers, so records from every library pass through it.

    ``redactor`` is the value in force; replacing it (a reload) is one assignment.
    """

    def __init__(self, redactor: Redactor | None = None) -> None:
        super().__init__()
        self.redactor = redactor or Redactor()

    def filter(self, record: logging.LogRecord) -> bool:
        redactor = self.redactor
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg = redactor.scrub(message)
        record.args = None
        if record.exc_info:
            formatter = logging.Formatter()
            record.exc_text = redactor.scrub(formatter.formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = redactor.scrub(record.exc_text)
        return True
