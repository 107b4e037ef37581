"""What every calendar source provides: iCalendar objects with a change token.

A source is anything that can list the iCalendar objects of one calendar: a file, a folder
of files (vdir), a feed, a CalDAV collection. The timeline only sees
:class:`CalendarObject` values, so adding a backend never touches the stages after it, and
one contract test suite runs against every backend.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class CalendarObject:
    """One stored iCalendar object: a file, a feed body or a CalDAV resource.

    ``href`` names it within its source, ``etag`` changes whenever its content does, and
    ``data`` is the raw iCalendar text (one or more VCALENDARs).
    """

    href: str
    etag: str
    data: bytes


@runtime_checkable
class CalendarSource(Protocol):
    """A readable calendar.

    ``label`` is safe to print: it never contains a password or a token. ``objects()``
    raises :class:`~watercooler.errors.SourceError` when the calendar cannot be read at
    all; an object that cannot be read is skipped with a warning.
    """

    label: str

    def objects(self) -> Iterator[CalendarObject]:
        """Yield every object of the calendar."""
        ...


Clock = Callable[[], datetime]
"""The injected wall clock: sources that keep state (CalDAV backoff) ask it, never the OS."""
