"""iCalendar feeds over HTTP (``webcal://``, ``https://…/calendar.ics``).

Feeds are fetched by :mod:`watercooler.sources.fetch` (one deadline for the whole exchange,
the password only for its origin) with a conditional GET: the body is kept in the cache
folder with its ETag and Last-Modified, so a feed that has not changed costs one ``304``.
A body that is not iCalendar (an HTML login or captive-portal page answered with 200) is
an error, never an empty calendar; a calendar without events where the cached copy has
some is a failed read, and the cached copy stays in use (as CalDAV does).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from watercooler.errors import SourceError
from watercooler.private_files import write_private
from watercooler.sources.base import CalendarObject, Clock
from watercooler.sources.emptiness import event_count
from watercooler.sources.fetch import Answer, Request, fetch
from watercooler.urls import http_url, redact_url, split_credentials

log = logging.getLogger(__name__)

MAX_FEED_BYTES = 64 * 1024 * 1024
USER_AGENT = "watercooler (calendar feed reader)"


@dataclass(frozen=True, slots=True)
class FeedCredentials:
    """HTTP basic credentials for a private feed."""

    username: str
    password: str


class FeedSource:
    """An iCalendar feed, fetched with conditional GET into ``cache_dir``."""

    def __init__(
        self,
        url: str,
        *,
        cache_dir: Path,
        timeout: float = 30.0,
        credentials: FeedCredentials | None = None,
        verify_tls: bool = True,
        allow_insecure: bool = False,
        clock: Clock | None = None,
    ) -> None:
        self.url, pair = split_credentials(http_url(url))
        in_url = FeedCredentials(*pair) if pair else None
        self.label = redact_url(url)
        self.scheme = urlsplit(url).scheme if "://" in url else ""
        self.timeout = timeout
        self.credentials = credentials or in_url
        self.verify_tls = verify_tls
        self.allow_insecure = allow_insecure
        self.clock = clock
        key = hashlib.sha256(self.url.encode()).hexdigest()[:24]
        self._body_path = cache_dir / f"{key}.ics"
        self._meta_path = cache_dir / f"{key}.json"

    def objects(self) -> Iterator[CalendarObject]:
        """Yield the feed body as one object; raise SourceError if it cannot be had."""
        body, etag = self._fetch()
        yield CalendarObject(href=self.label, etag=etag, data=body)

    def _fetch(self) -> tuple[bytes, str]:
        meta = self._cached_meta()
        cached = self._cached_body()
        answer = fetch(self._request(meta, cached is not None))
        if answer.status == 304 and cached is not None:
            log.debug("%s: not modified", self.label)
            return cached, meta.get("etag", "")
        if not 200 <= answer.status < 300:
            raise SourceError(f"{self.label}: HTTP {answer.status} {answer.reason}".rstrip())
        body = answer.body
        _require_icalendar(body, self.label, answer.content_type)
        if cached is not None and _suspect_empty(body, cached, self.label, meta):
            return cached, meta.get("etag", "")
        etag = answer.etag or hashlib.sha256(body).hexdigest()[:24]
        self._store(body, self._meta(answer, etag))
        return body, etag

    def _request(self, meta: dict[str, str], cached: bool) -> Request:
        headers = {"User-Agent": USER_AGENT, "Accept": "text/calendar, */*;q=0.5"}
        if cached:
            if meta.get("etag"):
                headers["If-None-Match"] = meta["etag"]
            if meta.get("last_modified"):
                headers["If-Modified-Since"] = meta["last_modified"]
        credentials = self.credentials
        return Request(
            url=self.url,
            label=self.label,
            headers=headers,
            timeout=self.timeout,
            credentials=(credentials.username, credentials.password) if credentials else None,
            verify_tls=self.verify_tls,
            allow_insecure=self.allow_insecure,
            max_bytes=MAX_FEED_BYTES,
            given_scheme=self.scheme,
        )

    def _meta(self, answer: Answer, etag: str) -> dict[str, str]:
        meta = {"etag": etag, "last_modified": answer.last_modified}
        if self.clock is not None:
            meta["fetched"] = self.clock().isoformat()
        return meta

    def _cached_body(self) -> bytes | None:
        try:
            return self._body_path.read_bytes()
        except OSError:
            return None

    def _cached_meta(self) -> dict[str, str]:
        try:
            loaded = json.loads(self._meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return (
            {str(key): str(value) for key, value in loaded.items()}
            if isinstance(loaded, dict)
            else {}
        )

    def _store(self, body: bytes, meta: dict[str, str]) -> None:
        """Keep the body for the next conditional GET; a cache failure only warns."""
        try:
            write_private(self._body_path, body)
            write_private(self._meta_path, json.dumps(meta).encode())
        except OSError as error:
            log.warning("%s: cannot cache feed: %s", self.label, error.strerror)


def _suspect_empty(body: bytes, cached: bytes, label: str, meta: dict[str, str]) -> bool:
    """Whether an answer without events replaces a cached copy with some: then it is a
    failed read, said in a warning, and the cached copy is used."""
    if event_count(body):
        return False
    cached_events = event_count(cached)
    if not cached_events:
        return False
    fetched = meta.get("fetched", "")
    since = f" from {fetched[:16].replace('T', ' ')}" if fetched else ""
    log.warning(
        "%s: the feed answered a calendar without events while %d events are cached; "
        "treated as a failed read; using the copy%s",
        label, cached_events, since,
    )  # fmt: skip
    return True


def _require_icalendar(body: bytes, label: str, content_type: str) -> None:
    """Raise SourceError unless the body starts like an iCalendar stream."""
    head = body[:512].lstrip(b"\xef\xbb\xbf \t\r\n").upper()
    if head.startswith(b"BEGIN:VCALENDAR"):
        return
    kind = content_type.split(";")[0].strip() or "unknown content"
    if head.startswith((b"<!DOCTYPE", b"<HTML", b"<?XML", b"<")):
        if "calendar" in kind.lower():
            raise SourceError(
                f"{label}: answered with a web page, not a calendar, although the server "
                f"labelled it {kind}; open the URL in a browser to see what it says "
                "(a sign-in or error page?)"
            )
        raise SourceError(f"{label}: answered with a web page ({kind}), not a calendar")
    if not body.strip():
        raise SourceError(f"{label}: answered with nothing, not an iCalendar feed ({kind})")
    raise SourceError(f"{label}: answer is not an iCalendar feed ({kind})")
