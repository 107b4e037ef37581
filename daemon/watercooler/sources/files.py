"""Calendars on disk: a single ``.ics`` file, or a vdir folder with one object per file."""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterator
from pathlib import Path

from watercooler.errors import SourceError
from watercooler.sources.base import CalendarObject

log = logging.getLogger(__name__)

ICS_SUFFIXES = (".ics", ".ical", ".ifb", ".icalendar")


def _etag(data: bytes) -> str:
    """A change token from the content itself: size and mtime miss changes that keep both
    (``rsync -t``, a restored backup, a coarse file-system clock)."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


class IcsFileSource:
    """One ``.ics`` file, read as a single object (it may hold many events)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.label = str(path)

    def objects(self) -> Iterator[CalendarObject]:
        """Yield the file's content; raise SourceError if it cannot be read."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            raise SourceError(f"{self.path}: no such file") from None
        except IsADirectoryError:
            raise SourceError(f"{self.path}: is a folder, not an .ics file") from None
        except OSError as error:
            raise SourceError(f"{self.path}: cannot read: {error.strerror}") from None
        yield CalendarObject(href=self.path.name, etag=_etag(data), data=data)


class VdirSource:
    """A folder of ``.ics`` files, one calendar object each (vdirsyncer, khal, DAVx5 export).

    Files are read one at a time so that a folder of 20,000 events never sits in memory
    at once; an unreadable file is skipped with a warning.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.label = str(path)

    def objects(self) -> Iterator[CalendarObject]:
        """Yield each ``.ics`` file in name order; raise SourceError if the folder is unreadable."""
        for entry in self._entries():
            try:
                data = Path(entry.path).read_bytes()
            except OSError as error:
                log.warning("%s: skipped unreadable file: %s", entry.path, error.strerror)
                continue
            yield CalendarObject(href=entry.name, etag=_etag(data), data=data)

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
