"""URLs in the forms watercooler shows, sends to and compares.

Printable forms of URLs that may carry secrets, credentials moved out of a URL, the check
that keeps a password off plain http, tagged Apprise URLs, and calendar addresses
(``mailto:`` URIs) in the one form they are compared in.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import unquote, urlsplit, urlunsplit

from watercooler.errors import ConfigError

_TAGGED = re.compile(r"^\s*([A-Za-z0-9_,\s-]+?)\s*=\s*([A-Za-z][A-Za-z0-9+.-]*://.*)$", re.S)


def redact_url(url: str) -> str:
    """Return the URL without user info, query or fragment, which may hold tokens.

    Private feed URLs (Google's "secret address", Outlook's published calendars) carry their
    secret in the path or query; the query is dropped and a long final path segment is
    shortened, so labels can be logged.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable URL>"
    if not parts.scheme or not parts.netloc:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    segments = parts.path.split("/")
    segments = [_shorten(segment) for segment in segments]
    return urlunsplit((parts.scheme, host, "/".join(segments), "", ""))


def _shorten(segment: str) -> str:
    """Hide the middle of path segments long enough to be a token."""
    if len(segment) <= 24:
        return segment
    return f"{segment[:4]}…{segment[-8:]}"


def split_credentials(url: str) -> tuple[str, tuple[str, str] | None]:
    """Move ``user:password@`` out of a URL: return the bare URL and (user, password)."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, None
    userinfo, _, host = parts.netloc.rpartition("@")
    username, _, password = userinfo.partition(":")
    return urlunsplit(parts._replace(netloc=host)), (unquote(username), unquote(password))


def require_safe_transport(url: str, password: str | None, *, allow_insecure: bool) -> None:
    """Refuse to send a password over plain http:// to anything but a loopback address.

    Raise ConfigError (before any connection) naming the host, never the password.
    """
    bare, in_url = split_credentials(url)
    parts = urlsplit(bare)
    has_password = bool(password) or bool(in_url and in_url[1])
    if parts.scheme.lower() != "http" or not has_password or allow_insecure:
        return
    host = (parts.hostname or "").lower()
    if host == "localhost" or _is_loopback(host):
        return
    raise ConfigError(
        f"{redact_url(bare)}: refusing to send a password over plain http:// to {host}; "
        "use https://, or set allow_insecure = true for this source"
    )


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def split_tags(raw: str) -> tuple[frozenset[str], str]:
    """An Apprise URL with optional leading tags, as in Apprise's text config format:
    ``"phone, work=ntfys://…"`` → ({"phone", "work"}, ``"ntfys://…"``)."""
    found = _TAGGED.match(raw)
    if found is None:
        return frozenset(), raw.strip()
    tags = frozenset(t.strip() for t in found.group(1).split(",") if t.strip())
    return tags, found.group(2).strip()


def normalize_address(address: str) -> str:
    """Return a calendar address in the form it is compared in: no mailto:, lower case."""
    text = address.strip()
    if text[:7].lower() == "mailto:":
        text = text[7:]
    return text.strip().lower()


def http_url(url: str) -> str:
    """Map ``webcal://`` and ``webcals://`` to the https URL they stand for."""
    lowered = url.lower()
    for scheme in ("webcals://", "webcal://"):
        if lowered.startswith(scheme):
            return "https://" + url[len(scheme) :]
    return url
