"""Secrets never reach a log line, an error or the terminal.

CalDAV passwords and the tokens inside Apprise URLs are registered here as soon as the
config is read. A logging filter on every handler replaces them in each record, at every
level (Apprise itself logs whole URLs at DEBUG), and the command line passes its error
messages and service labels through the same :func:`scrub`.
"""

from __future__ import annotations

import logging
import re
import threading
from contextlib import suppress
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from watercooler.errors import ConfigError
from watercooler.urls import split_credentials, split_tags

if TYPE_CHECKING:
    from watercooler.settings import Settings

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

    def add_url(self, url: str) -> None:
        """Remember an Apprise (or any) URL and every part of it that may be a token."""
        self.add(url, *url_secrets(url))

    def scrub(self, text: str) -> str:
        """The text with every known secret replaced by ``****``."""
        pattern = self._pattern
        if pattern is None or not text:
            return text
        return pattern.sub(MASK, text)

    def clear(self) -> None:
        """Forget every secret (tests, and a config reload that removed a service)."""
        with self._lock:
            self._secrets.clear()
            self._pattern = None


def url_secrets(url: str) -> list[str]:
    """The parts of a notification URL that may be secret.

    Services put their tokens anywhere: Telegram in the host position, ntfy in the path
    (the topic is the password), Matrix and email in the user info, others in the query. So
    everything but the scheme, a host name that looks like a domain or address, the port,
    query keys and a few well-known flag values counts as secret.
    """
    text = url.strip()
    scheme, _, rest = text.partition("://")
    if not rest:
        return [text]
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


REDACTOR = Redactor()
"""The process's redactor: the config registers secrets, every handler's filter reads it."""


def register(settings: Settings) -> None:
    """Remember every secret a config holds: source passwords (given or in files) and
    notification URLs. A password file that cannot be read has nothing to hide yet."""
    for source in settings.sources:
        if source.password is not None:
            REDACTOR.add(source.password.get_secret_value())
        _, credentials = split_credentials(source.url)
        if credentials is not None:
            REDACTOR.add(credentials[1])
        with suppress(ConfigError):  # reported where the password is used
            REDACTOR.add(source.resolve_password())
    for url in settings.notify.urls:
        REDACTOR.add_url(split_tags(url.get_secret_value())[1])


def scrub(text: str) -> str:
    """The text with every registered secret masked."""
    return REDACTOR.scrub(text)


class RedactingFilter(logging.Filter):
    """Masks registered secrets in a record's message and traceback before any handler
    formats it; attach it to handlers, so records from every library pass through it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg = scrub(message)
        record.args = None
        if record.exc_info:
            formatter = logging.Formatter()
            record.exc_text = scrub(formatter.formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = scrub(record.exc_text)
        return True
