"""iCalendar feeds over HTTP (``webcal://``, ``https://…/calendar.ics``).

Feeds are fetched with a timeout and a conditional GET: the body is kept in the cache
folder with its ETag and Last-Modified, so a feed that has not changed costs one ``304``.
A body that is not iCalendar (an HTML login or captive-portal page answered with 200) is
an error, never an empty calendar.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import logging
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from watercooler.errors import SourceError
from watercooler.private_files import write_private
from watercooler.sources.base import CalendarObject
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
    ) -> None:
        self.url, pair = split_credentials(http_url(url))
        in_url = FeedCredentials(*pair) if pair else None
        self.label = redact_url(url)
        self.timeout = timeout
        self.credentials = credentials or in_url
        key = hashlib.sha256(self.url.encode()).hexdigest()[:24]
        self._body_path = cache_dir / f"{key}.ics"
        self._meta_path = cache_dir / f"{key}.json"

    def objects(self) -> Iterator[CalendarObject]:
        """Yield the feed body as one object; raise SourceError if it cannot be had."""
        body, etag = self._fetch()
        yield CalendarObject(href=self.label, etag=etag, data=body)

    def _fetch(self) -> tuple[bytes, str]:
        meta = self._cached_meta()
        request = urllib.request.Request(self.url, headers=self._headers(meta))  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                body = response.read(MAX_FEED_BYTES + 1)
                headers = response.headers
        except urllib.error.HTTPError as error:
            if error.code == 304 and self._body_path.exists():
                log.debug("%s: not modified", self.label)
                return self._body_path.read_bytes(), meta.get("etag", "")
            raise SourceError(f"{self.label}: HTTP {error.code} {error.reason}") from None
        except urllib.error.URLError as error:
            raise SourceError(f"{self.label}: cannot fetch feed: {error.reason}") from None
        except TimeoutError:
            raise SourceError(f"{self.label}: no answer within {self.timeout:g} s") from None
        except OSError as error:
            raise SourceError(f"{self.label}: cannot fetch feed: {error}") from None
        except (ValueError, http.client.HTTPException) as error:
            raise SourceError(f"{self.label}: cannot fetch feed: {type(error).__name__}") from None
        if len(body) > MAX_FEED_BYTES:
            raise SourceError(f"{self.label}: feed larger than {MAX_FEED_BYTES} bytes")
        _require_icalendar(body, self.label, headers.get("Content-Type", ""))
        etag = headers.get("ETag") or hashlib.sha256(body).hexdigest()[:24]
        self._store(body, {"etag": etag, "last_modified": headers.get("Last-Modified", "")})
        return body, etag

    def _headers(self, meta: dict[str, str]) -> dict[str, str]:
        headers = {"User-Agent": USER_AGENT, "Accept": "text/calendar, */*;q=0.5"}
        if self._body_path.exists():
            if meta.get("etag"):
                headers["If-None-Match"] = meta["etag"]
            if meta.get("last_modified"):
                headers["If-Modified-Since"] = meta["last_modified"]
        if self.credentials is not None:
            pair = f"{self.credentials.username}:{self.credentials.password}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
        return headers

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


def _require_icalendar(body: bytes, label: str, content_type: str) -> None:
    """Raise SourceError unless the body starts like an iCalendar stream."""
    head = body[:512].lstrip(b"\xef\xbb\xbf \t\r\n").upper()
    if head.startswith(b"BEGIN:VCALENDAR"):
        return
    kind = content_type.split(";")[0].strip() or "unknown content"
    if head.startswith((b"<!DOCTYPE", b"<HTML", b"<?XML", b"<")):
        raise SourceError(f"{label}: answered with a web page ({kind}), not a calendar")
    raise SourceError(f"{label}: answer is not an iCalendar feed ({kind})")
