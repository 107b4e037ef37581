"""Placeholder for the debounced folder watcher (being built on branch i11-watch)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class WatchTargets:
    """The files and folders whose edits matter."""

    files: frozenset[Path]
    folders: frozenset[Path]


class ChangeWatch:
    """Placeholder: no events, only the scan."""

    def __init__(
        self,
        targets: WatchTargets,
        on_change: Callable[[], None],
        *,
        quiet: float = 0.25,
        max_delay: float = 0.6,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.targets = targets
        self.on_change = on_change

    def start(self) -> None:
        """Start watching."""

    def stop(self, timeout: float = 2.0) -> None:
        """Stop watching."""

    def retarget(self, targets: WatchTargets) -> None:
        """Watch other paths."""
        self.targets = targets

    def scan(self) -> bool:
        """Whether anything changed."""
        return False
