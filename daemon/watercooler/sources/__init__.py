"""Calendar sources behind one interface, and the choice of backend for a configured URL."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from watercooler.errors import SourceError
from watercooler.settings import SourceSettings
from watercooler.sources.base import CalendarObject, CalendarSource, Clock
from watercooler.sources.files import IcsFileSource, VdirSource
from watercooler.urls import http_url, redact_url, require_safe_transport

if TYPE_CHECKING:
    from watercooler.sources.feed import FeedCredentials
    from watercooler.store import Store

__all__ = ["CalendarObject", "CalendarSource", "open_source", "source_kind"]


def source_kind(settings: SourceSettings) -> str:
    """Return ``caldav``, ``feed``, ``vdir`` or ``file`` for a configured source.

    ``webcal://`` and http(s) URLs whose path ends in ``.ics`` are feeds, other http(s) URLs
    are CalDAV collections; an explicit ``type`` settles any doubt. Anything else is a path.
    """
    url = settings.url.strip()
    scheme = urlsplit(url).scheme.lower() if "://" in url else ""
    if scheme in ("webcal", "webcals"):
        return "feed"
    if scheme in ("http", "https"):
        if settings.type == "ics":
            return "feed"
        if settings.type == "caldav":
            return "caldav"
        return "feed" if urlsplit(url).path.lower().endswith(".ics") else "caldav"
    if settings.type == "caldav":
        raise SourceError(f"{url}: a CalDAV source needs an http:// or https:// URL")
    path = _local_path(url)
    return "vdir" if path.is_dir() else "file"


def open_source(
    settings: SourceSettings,
    *,
    cache_dir: Path,
    store: Store,
    clock: Clock,
    honour_backoff: bool = False,
) -> CalendarSource:
    """Given a configured source, return the backend that reads it.

    CalDAV sources keep their calendars in ``store``; feeds their bodies in ``cache_dir``,
    files and vdirs how much they held at their last read.
    With ``honour_backoff`` a CalDAV source sends nothing before its next attempt is due.
    Raise SourceError for a URL no backend can read.
    """
    kind = source_kind(settings)
    if kind == "feed":
        # Imported here, like CalDAV below: file users need no HTTP stack at start-up.
        from watercooler.sources.feed import FeedSource

        require_safe_transport(
            http_url(settings.url.strip()),
            settings.resolve_password(),
            allow_insecure=settings.allow_insecure,
        )
        return FeedSource(
            settings.url.strip(),
            cache_dir=cache_dir / "feeds",
            timeout=settings.timeout,
            credentials=_feed_credentials(settings),
            verify_tls=settings.verify_tls,
            allow_insecure=settings.allow_insecure,
            clock=clock,
        )
    if kind == "caldav":
        # Imported here: the CalDAV stack (caldav, niquests, lxml) costs a third of a second
        # of start-up that file and feed users should not pay.
        from watercooler.sources.caldav import CalDAVSource

        return CalDAVSource(settings, store, clock, honour_backoff=honour_backoff)
    path = _local_path(settings.url.strip())
    # Local calendars remember how much they held, so that a sudden empty read is refused.
    return VdirSource(path, cache_dir) if kind == "vdir" else IcsFileSource(path, cache_dir)


def _local_path(url: str) -> Path:
    """Turn a path or ``file://`` URL into a Path, with ``~`` expanded."""
    if url.lower().startswith("file://"):
        return Path(unquote(urlsplit(url).path))
    if "://" in url:
        raise SourceError(f"{redact_url(url)}: unsupported URL scheme")
    return Path(url).expanduser()


def _feed_credentials(settings: SourceSettings) -> FeedCredentials | None:
    from watercooler.sources.feed import FeedCredentials

    password = settings.resolve_password()
    if settings.username is None or password is None:
        return None
    return FeedCredentials(settings.username, password)
