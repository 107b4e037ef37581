"""The floor: the plain way to turn a vdir into occurrences with the libraries.

Why: ``watercooler check`` is held to ratios against what any straightforward
script would cost (time ≤ 0.80x, peak memory ≤ 0.25x). This is that script,
deliberately naive: parse every ``.ics`` file with ``icalendar``, keep every
Calendar object in memory, then expand each with ``recurring_ical_events``
over the window and keep every occurrence. No caching, no filtering, no
classification, nothing else, so the numbers measure the libraries alone.

Usage::

    python bench/floor.py DIR --start 2026-06-25 --days 14

Prints one JSON line: files, occurrences, parse_s, expand_s, total_s.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events


def window(start: date, days: int, zone: str = "Europe/Berlin") -> tuple[datetime, datetime]:
    """Given a first local day and a number of days, return the aware [start, end) pair.

    The end is local midnight after the last day, so a window across a DST change
    still covers whole local days (23 or 25 hours for that day).
    """
    tz = ZoneInfo(zone)
    first = datetime.combine(start, clock(0), tz)
    return first, datetime.combine(start + timedelta(days=days), clock(0), tz)


def parse_all(folder: Path) -> list[icalendar.Calendar]:
    """Given a vdir, return every ``.ics`` file parsed, all kept in memory."""
    return [
        icalendar.Calendar.from_ical(path.read_bytes()) for path in sorted(folder.glob("*.ics"))
    ]


def expand_all(
    calendars: Sequence[icalendar.Calendar], start: datetime, end: datetime
) -> list[Any]:
    """Given parsed calendars and a window, return all their occurrences in it."""
    occurrences: list[Any] = []
    for cal in calendars:
        occurrences.extend(recurring_ical_events.of(cal).between(start, end))
    return occurrences


def run(folder: Path, start: date, days: int, zone: str = "Europe/Berlin") -> dict[str, Any]:
    """Given a vdir and a window, parse and expand it, and return counts and timings."""
    begin, end = window(start, days, zone)
    t0 = time.perf_counter()
    calendars = parse_all(folder)
    t1 = time.perf_counter()
    occurrences = expand_all(calendars, begin, end)
    t2 = time.perf_counter()
    return {
        "files": len(calendars),
        "occurrences": len(occurrences),
        "parse_s": round(t1 - t0, 4),
        "expand_s": round(t2 - t1, 4),
        "total_s": round(t2 - t0, 4),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI: print the floor's JSON line for DIR over the window."""
    parser = argparse.ArgumentParser(description="Parse and expand a vdir the plain way.")
    parser.add_argument("folder", type=Path, help="vdir: a folder of .ics files")
    parser.add_argument("--start", type=date.fromisoformat, required=True, help="YYYY-MM-DD")
    parser.add_argument("--days", type=int, default=14, help="window length in days")
    parser.add_argument("--timezone", default="Europe/Berlin", help="zone of the window")
    args = parser.parse_args(argv)
    if not args.folder.is_dir():
        print(f"floor: {args.folder} is not a folder", file=sys.stderr)
        return 2
    print(json.dumps(run(args.folder, args.start, args.days, args.timezone)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
