"""The user's timeline: every occurrence of every source inside a window, in the user's zone.

Each calendar object is parsed once into a
:class:`~watercooler.calendar.parse_cache.ParsedObject` of plain records and its parsed tree
dropped before the next object is read, so memory grows with the number of occurrences,
not with the size of the calendar text. With a store, parsed objects are kept by content
hash, and an object that did not change is never parsed again (nor the parser imported).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from watercooler.calendar.parse_cache import ParsedObject, cache_key, decode, encode
from watercooler.calendar.records import (
    NotICalendarError,
    Occurrence,
    Window,
    in_window,
    place,
)
from watercooler.errors import SourceError
from watercooler.sources.base import CalendarObject, CalendarSource

if TYPE_CHECKING:
    from watercooler.calendar.reading import Parser
    from watercooler.store import Store

log = logging.getLogger(__name__)

WRITE_BATCH = 1000

Progress = Callable[[str, int], None]
"""Told (source label, objects read so far) every :data:`PROGRESS_EVERY` objects."""

OnFailure = Callable[[CalendarSource, SourceError], None]
"""Told each source that could not be read, when reading goes on without it."""

OnRead = Callable[[CalendarSource, list[Occurrence]], None]
"""Told each source that was read, with its occurrences in the window."""

PROGRESS_EVERY = 500


@dataclass(slots=True)
class ParsedMemo:
    """The occurrences each object gave in the last window, kept in memory between the
    daemon's ticks: a tick after one event changed parses that one object, and finds every
    other object's occurrences here without a database read or a decode.

    Entries are keyed by the object's parse-cache digest, so a changed object misses and
    a deleted one is forgotten at the end of the next read (only what a read used is kept:
    memory follows the calendar, not its history). A new window (the day rolled over, the
    zone changed) starts empty.
    """

    window: tuple[datetime, datetime, str] | None = None
    previous: dict[bytes, list[Occurrence]] = field(default_factory=dict)
    current: dict[bytes, list[Occurrence]] = field(default_factory=dict)

    def begin(self, window: Window) -> None:
        """Start a read over ``window``: what the last read used is what can be reused."""
        bounds = (window.read_start, window.read_end, str(window.zone))
        self.previous = self.current if bounds == self.window else {}
        self.current = {}
        self.window = bounds

    def get(self, key: bytes) -> list[Occurrence] | None:
        """The occurrences remembered for a digest (kept for the next read too)."""
        found = self.previous.pop(key, None)
        if found is None:
            found = self.current.get(key)
        if found is not None:
            self.current[key] = found
        return found

    def put(self, key: bytes, occurrences: list[Occurrence]) -> None:
        """Remember an object's occurrences for the next read."""
        self.current[key] = occurrences

    @property
    def used(self) -> frozenset[bytes]:
        """The digests the last read used (those the parse cache must keep)."""
        return frozenset(self.current)


@dataclass(slots=True)
class _Reader:
    """Reads objects into occurrences, through the parse cache when there is a store."""

    window: Window
    store: Store | None
    parser: Parser | None = None
    pending: dict[bytes, bytes] = field(default_factory=dict)
    memo: ParsedMemo | None = None
    used: set[bytes] | None = None
    """Told every parse-cache key this read looked up or wrote, when given."""

    def occurrences(self, calendar_object: CalendarObject, origin: str) -> list[Occurrence]:
        if self.memo is None:
            return self._occurrences(calendar_object, origin)
        key = cache_key(calendar_object.data, self.window.cap)
        found = self.memo.get(key)
        if found is None:
            found = self._occurrences(calendar_object, origin)
            self.memo.put(key, found)
        return found

    def _occurrences(self, calendar_object: CalendarObject, origin: str) -> list[Occurrence]:
        start, end = self.window.read_start, self.window.read_end
        parsed, told = self._parsed(calendar_object, origin, start, end)
        for warning in parsed.warnings:
            if warning not in told:
                log.warning("%s", warning)
        placed = (place(raw, self.window.zone) for raw in parsed.occurrences)
        return [occurrence for occurrence in placed if in_window(occurrence, start, end)]

    def _parsed(
        self, calendar_object: CalendarObject, origin: str, start: datetime, end: datetime
    ) -> tuple[ParsedObject, frozenset[str]]:
        """From the cache when it holds this object for this span, else parsed now; with the
        warnings already told when the cache entry was made (an object's warnings are told
        once per version of its bytes, not on every run)."""
        key = cache_key(calendar_object.data, self.window.cap)
        if self.used is not None:
            self.used.add(key)
        told: frozenset[str] = frozenset()
        if self.store is not None:
            body = self.pending.get(key) or self.store.parsed(key)
            if body is not None:
                try:
                    cached = decode(body, start, end)
                except (ValueError, KeyError, TypeError, IndexError):
                    cached = None
                if cached is not None:
                    told = frozenset(cached.warnings)
                    if cached.covers(start, end):
                        return cached, told
        if self.parser is None:
            from watercooler.calendar.reading import Parser

            self.parser = Parser()
        parsed = self.parser.parse(calendar_object.data, origin, self.window)
        if self.store is not None:
            self.pending[key] = encode(parsed)
            if len(self.pending) >= WRITE_BATCH:
                self.flush()
        return parsed, told

    def flush(self) -> None:
        if self.store is not None and self.pending:
            self.store.put_parsed(self.pending)
        self.pending.clear()


def read_timeline(
    sources: Iterable[CalendarSource],
    window: Window,
    progress: Progress | None = None,
    store: Store | None = None,
    on_failure: OnFailure | None = None,
    on_read: OnRead | None = None,
    memo: ParsedMemo | None = None,
    used: set[bytes] | None = None,
) -> list[Occurrence]:
    """Return the occurrences of all sources overlapping the window, ordered by start.

    A source that cannot be read, or none of whose objects is iCalendar, raises
    SourceError — unless ``on_failure`` is given: then it is told, and the other sources
    are still read (each source is read on its own, so one failure loses only its events).
    With a ``memo`` (the daemon's), objects read by the last call are not read again.
    ``used``, when given, gains the parse-cache key of every object read (looked up or
    written), for :func:`watercooler.retention.prune` to keep.
    """
    if memo is not None:
        memo.begin(window)
    reader = _Reader(window, store, memo=memo, used=used)
    occurrences: list[Occurrence] = []
    try:
        for source in sources:
            try:
                read = _read_source(source, reader, progress)
            except SourceError as error:
                if on_failure is None:
                    raise
                on_failure(source, error)
                continue
            if on_read is not None:
                on_read(source, read)
            occurrences.extend(read)
    finally:
        reader.flush()
    occurrences.sort(key=lambda item: (item.start, item.end, item.info.summary, item.info.uid))
    return occurrences


def _read_source(
    source: CalendarSource, reader: _Reader, progress: Progress | None
) -> list[Occurrence]:
    occurrences: list[Occurrence] = []
    unreadable: list[tuple[str, str]] = []
    parsed = 0
    for calendar_object in source.objects():
        origin = _origin(source.label, calendar_object.href)
        try:
            occurrences.extend(reader.occurrences(calendar_object, origin))
            parsed += 1
        except NotICalendarError as error:
            unreadable.append((origin, str(error)))
        done = parsed + len(unreadable)
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(source.label, done)
    if unreadable and not parsed:
        raise SourceError(f"{source.label}: not an iCalendar file: {unreadable[0][1]}")
    for origin, reason in unreadable:
        log.warning("%s: skipped, not iCalendar: %s", origin, reason)
    return occurrences


def _origin(label: str, href: str) -> str:
    return label if href in label else f"{label}/{href}"
