"""Empty is suspect: a calendar that held events and suddenly holds none is a failed read.

A feed answering an empty calendar, a vdir whose folder is suddenly empty (an unmounted
share, a sync tool that recreated it) or an ``.ics`` file rewritten without events would
otherwise read as "every event was deleted": pending nudges dropped, the lunch history
rewritten. CalDAV and feeds keep a copy of what they read and use it instead; local
calendars have no copy, so what they held at the last read is remembered here (a count,
in the cache folder) and an empty read after a non-empty one is refused as a failed read.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from pathlib import Path

from watercooler.private_files import write_private

log = logging.getLogger(__name__)

_VEVENT = re.compile(rb"^BEGIN:VEVENT[ \t]*\r?$", re.M | re.I)


def event_count(data: bytes) -> int:
    """How many VEVENTs an iCalendar text holds (counted by their BEGIN lines)."""
    return len(_VEVENT.findall(data))


class LastRead:
    """How many objects a local calendar held when it was last read in full.

    Kept as ``<cache>/local/<hash of the path>.json``, created ``0600``; a record that
    cannot be read or written only costs the guard, never the read.
    """

    def __init__(self, cache_dir: Path, path: Path) -> None:
        key = hashlib.sha256(str(path.absolute()).encode()).hexdigest()[:24]
        self.path = cache_dir / "local" / f"{key}.json"
        self.source = path

    def count(self) -> int:
        """The remembered count, 0 when there is none."""
        try:
            loaded = json.loads(self.path.read_text(encoding="utf-8"))
            return max(int(loaded.get("count", 0)), 0) if isinstance(loaded, dict) else 0
        except (OSError, ValueError, TypeError):
            return 0

    def remember(self, count: int, known: int) -> None:
        """Keep ``count`` (when it differs from the ``known`` one)."""
        if count == known:
            return
        record = {"path": str(self.source), "count": count}
        try:
            write_private(self.path, json.dumps(record).encode())
        except OSError as error:
            log.warning("%s: cannot remember what it held: %s", self.source, error.strerror)
