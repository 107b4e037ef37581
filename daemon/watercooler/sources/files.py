"""Calendars on disk: a single ``.ics`` file, or a vdir folder with one object per file.

Given a cache folder, each remembers how much it held at its last read, and a file or
folder that held events and is now empty is a failed read (see
:mod:`watercooler.sources.emptiness`).
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterator
from pathlib import Path

from watercooler.errors import SourceError
from watercooler.sources.base import CalendarObject
from watercooler.sources.emptiness import LastRead, event_count

log = logging.getLogger(__name__)

ICS_SUFFIXES = (".ics", ".ical", ".ifb", ".icalendar")


def _etag(data: bytes) -> str:
    """A change token from the content itself: size and mtime miss changes that keep both
    (``rsync -t``, a restored backup, a coarse file-system clock)."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


class IcsFileSource:
    """One ``.ics`` file, read as a single object (it may hold many events)."""

    def __init__(self, path: Path, cache_dir: Path | None = None) -> None:
        self.path = path
        self.label = str(path)
        self.last_read = LastRead(cache_dir, path) if cache_dir is not None else None

    def objects(self) -> Iterator[CalendarObject]:
        """Yield the file's content; raise SourceError if it cannot be read, or holds no
        event where it held some at the last read."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            raise SourceError(f"{self.path}: no such file") from None
        except IsADirectoryError:
            raise SourceError(f"{self.path}: is a folder, not an .ics file") from None
        except OSError as error:
            raise SourceError(f"{self.path}: cannot read: {error.strerror}") from None
        if self.last_read is not None:
            known, count = self.last_read.count(), event_count(data)
            if known and not count:
                raise SourceError(
                    _empty_now(self.path, "file holds no events", known, self.last_read)
                )
            self.last_read.remember(count, known)
        yield CalendarObject(href=self.path.name, etag=_etag(data), data=data)


class VdirSource:
    """A folder of ``.ics`` files, one calendar object each (vdirsyncer, khal, DAVx5 export).

    Files are read one at a time so that a folder of 20,000 events never sits in memory
    at once; an unreadable file is skipped with a warning.
    """

    def __init__(self, path: Path, cache_dir: Path | None = None) -> None:
        self.path = path
        self.label = str(path)
        self.last_read = LastRead(cache_dir, path) if cache_dir is not None else None

    def objects(self) -> Iterator[CalendarObject]:
        """Yield each ``.ics`` file in name order; raise SourceError if the folder is
        unreadable, or empty where it held files at the last read."""
        entries = self._entries()
        known = self.last_read.count() if self.last_read is not None else 0
        if known and not entries and self.last_read is not None:
            raise SourceError(
                _empty_now(self.path, "folder holds no .ics file", known, self.last_read)
            )
        read = 0
        for entry in entries:
            try:
                data = Path(entry.path).read_bytes()
            except OSError as error:
                log.warning("%s: skipped unreadable file: %s", entry.path, error.strerror)
                continue
            read += 1
            yield CalendarObject(href=entry.name, etag=_etag(data), data=data)
        if entries and not read:
            raise SourceError(f"{self.path}: none of its {len(entries)} .ics files could be read")
        if self.last_read is not None:
            self.last_read.remember(read, known)

    def _entries(self) -> list[os.DirEntry[str]]:
        try:
            with os.scandir(self.path) as listing:
                entries = [
                    entry
                    for entry in listing
                    if entry.name.lower().endswith(ICS_SUFFIXES)
                    and not entry.name.startswith(".")
                    and entry.is_file()
                ]
        except FileNotFoundError:
            raise SourceError(f"{self.path}: no such folder") from None
        except OSError as error:
            raise SourceError(f"{self.path}: cannot read folder: {error.strerror}") from None
        return sorted(entries, key=lambda entry: entry.name)


def _empty_now(path: Path, what: str, known: int, last_read: LastRead) -> str:
    """The error for a local calendar that is empty now and was not at its last read."""
    return (
        f"{path}: the {what}, but it held {known} at the last read; treated as a failed "
        "read, so nothing in it is taken as deleted (if you emptied it on purpose, delete "
        f"{last_read.path})"
    )
