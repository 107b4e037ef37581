"""One poll of one calendar: bring it up to date and tell whether anything changed.

The daemon polls every few minutes and nearly always finds nothing new. A poll therefore
ends in a :class:`Polled` value: a *snapshot* source that reads what the poll fetched
without contacting anything again, and a *revision* that changes whenever the calendar's
content does. When every revision is the one of the last poll, the tick stops there:
nothing is read, parsed or evaluated.

For CalDAV the revision is the collections' sync tokens (or ctags), which the server
changes on every write; the cache is read only when they moved. Other sources (files,
folders, feeds) are listed, and their revision is a digest of every object's etag.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from watercooler.errors import SourceError
from watercooler.sources.base import CalendarObject, CalendarSource
from watercooler.store import CollectionState

if TYPE_CHECKING:
    from watercooler.sources.caldav import CalDAVSource

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Polled:
    """A source after a poll."""

    snapshot: CalendarSource
    """Reads what the poll found; contacts nothing."""
    revision: str
    """Changes whenever the content does ("" after a failure)."""
    error: SourceError | None = None
    """Why the source could not be read at all (its snapshot raises it)."""
    unreachable: bool = False
    """The server failed this poll but its cached copy was used (CalDAV)."""

    @property
    def refused(self) -> bool:
        """Whether the server refused the credentials or the access."""
        if self.error is None:
            return False
        from watercooler.sources.dav import AuthError  # loaded by any CalDAV source

        return isinstance(self.error, AuthError)

    @property
    def failing(self) -> bool:
        """Whether this poll could not reach the calendar (cache or not)."""
        return self.error is not None or self.unreachable


@dataclass(slots=True)
class _Listed:
    """The objects a poll listed, served again as often as a tick asks."""

    label: str
    listed: tuple[CalendarObject, ...]

    def objects(self) -> Iterator[CalendarObject]:
        return iter(self.listed)


@dataclass(slots=True)
class _Cached:
    """A CalDAV source's cache of the collections a poll synced."""

    label: str
    source: CalDAVSource
    states: tuple[CollectionState, ...]

    def objects(self) -> Iterator[CalendarObject]:
        return self.source.cached(list(self.states))


@dataclass(slots=True)
class _Failed:
    """A source that could not be read: reading it says why."""

    label: str
    error: SourceError

    def objects(self) -> Iterator[CalendarObject]:
        raise self.error


def poll(source: CalendarSource) -> Polled:
    """Bring ``source`` up to date (this is where the network is used) and snapshot it."""
    try:
        if is_caldav(source):
            return _poll_caldav(source)  # type: ignore[arg-type]
        listed = tuple(source.objects())
    except SourceError as error:
        return Polled(_Failed(source.label, error), "", error)
    except Exception as error:  # a bug in one source never stops the loop
        log.error("%s: the poll failed: %s", source.label, error, exc_info=log.isEnabledFor(10))
        failure = SourceError(f"{source.label}: unexpected {type(error).__name__}: {error}")
        return Polled(_Failed(source.label, failure), "", failure)
    digest = hashlib.blake2b(digest_size=16)
    for item in listed:
        digest.update(f"{item.href}\0{item.etag}\n".encode())
    return Polled(_Listed(source.label, listed), digest.hexdigest())


def is_caldav(source: CalendarSource) -> bool:
    """Whether a source syncs a cache (CalDAV), told without importing the CalDAV client:
    a daemon reading only files never loads it."""
    return callable(getattr(source, "sync", None)) and callable(getattr(source, "cached", None))


def _poll_caldav(source: CalDAVSource) -> Polled:
    states = source.sync()
    digest = hashlib.blake2b(digest_size=16)
    unreachable = False
    for state in states:
        unreachable = unreachable or state.failures > 0
        digest.update(f"{state.id}\0{state.sync_token}\0{state.ctag}\n".encode())
        if not state.sync_token and not state.ctag:
            # A server with neither: the etags are the only sign of change.
            for href, etag in sorted(source.store.etags(state.id).items()):
                digest.update(f"{href}\0{etag}\n".encode())
    return Polled(
        _Cached(source.label, source, tuple(states)), digest.hexdigest(), None, unreachable
    )
