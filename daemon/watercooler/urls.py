"""Printable forms of URLs that may carry secrets."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


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
