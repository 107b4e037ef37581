"""Notice saved rule files and settings, so the daemon reloads them without a restart.

Folders are watched, never files: editors save by writing a temporary file and renaming
it over the original (the old inode, and a watch on it, is gone), vim may delete and
create, others write in place. So each target file's folder is watched and its events
filtered to that name, and each rules folder is watched and filtered to ``*.yaml`` and
``*.yml``; the rest of those folders (a state database's ``-wal`` file beside the config)
never causes a call. A folder that does not exist yet is awaited from its nearest
existing ancestor, and one deleted while watched is awaited again the same way.

Saves come in bursts (truncate, writes, close, rename), so ``on_change`` is debounced: it
runs once the events have been quiet for ``quiet`` seconds, yet never later than
``max_delay`` after a burst's first event, so a steady stream still reloads. One thread of
ours does the waiting, the calls and the re-planning that events ask for; watchdog's
threads only record events, so a slow reload never holds up inotify.

inotify has limits (watches and instances per user). When a watch or the observer cannot
be set up, one warning says so and :meth:`ChangeWatch.scan` - the daemon's slow fallback,
comparing fingerprints every :data:`SCAN_INTERVAL` seconds - still notices changes.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from watchdog import events as fs
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver, ObservedWatch

log = logging.getLogger(__name__)

SCAN_INTERVAL = 60.0
"""Seconds between the daemon's calls of :meth:`ChangeWatch.scan` (named in the warning)."""
RULE_SUFFIXES = (".yaml", ".yml")

CREATED = (fs.FileCreatedEvent, fs.DirCreatedEvent)
GONE = (fs.FileDeletedEvent, fs.FileMovedEvent, fs.DirDeletedEvent, fs.DirMovedEvent)
STRUCTURAL = (*CREATED, *GONE)
"""Events that can change which folders must be watched, when they name a target or one of
its ancestors: a rules folder created, a config folder deleted, a symlink replaced."""

WATCHED_EVENTS = [*STRUCTURAL, fs.FileModifiedEvent, fs.FileClosedEvent, fs.FileAttribEvent]
"""What a save can look like. Opening and reading are left out (the daemon's own reload
reads the files and must not report itself), and so is a folder's "modified" event, which
inotify raises for every file created or deleted in it, related or not."""

FileStamp = tuple[int, int, int] | None
"""``(st_mtime_ns, st_size, st_ino)``, or None when the file does not exist."""
FolderStamp = frozenset[tuple[str, FileStamp]] | None
"""The rule files in a folder with their stamps, or None when it is not a folder."""
Fingerprint = tuple[frozenset[tuple[str, FileStamp]], frozenset[tuple[str, FolderStamp]]]


@dataclass(frozen=True, slots=True)
class WatchTargets:
    """The paths whose change means a reload."""

    files: frozenset[Path]
    """Exact files: the config file, ``notify.config``, a ``password_file``."""
    folders: frozenset[Path]
    """Folders whose ``*.yaml`` and ``*.yml`` files are read: the rules folders."""


def file_stamp(path: str) -> FileStamp:
    """What ``stat`` says about a file (following symlinks, as a reader does)."""
    try:
        status = os.stat(path)
    except OSError:
        return None
    return (status.st_mtime_ns, status.st_size, status.st_ino)


def is_rule_file(name: str) -> bool:
    """Whether the rules loader reads a file of this name."""
    return name.endswith(RULE_SUFFIXES)


def folder_stamp(path: str) -> FolderStamp:
    """The rule files in a folder with their stamps; other files do not count."""
    try:
        with os.scandir(path) as entries:
            names = [entry.name for entry in entries if is_rule_file(entry.name)]
    except OSError:
        return None
    return frozenset((name, file_stamp(os.path.join(path, name))) for name in names)


def fingerprint(targets: WatchTargets) -> Fingerprint:
    """Every target's stamp: two equal fingerprints mean nothing a reload reads changed."""
    files = frozenset((str(path), file_stamp(str(path))) for path in targets.files)
    folders = frozenset((str(path), folder_stamp(str(path))) for path in targets.folders)
    return files, folders


def nearest_folder(path: str) -> str:
    """``path`` if it is a folder, else its nearest ancestor that is (``/`` at worst)."""
    while not os.path.isdir(path):
        parent = os.path.dirname(path)
        if parent == path:
            break
        path = parent
    return path


def folder_identity(path: str) -> tuple[int, int] | None:
    """Device and inode: a folder deleted and created again is another folder to watch."""
    try:
        status = os.stat(path)
    except OSError:
        return None
    return (status.st_dev, status.st_ino)


def lineage(paths: Iterable[str]) -> frozenset[str]:
    """Each path and all its ancestors."""
    found: set[str] = set()
    for path in paths:
        while path not in found:
            found.add(path)
            path = os.path.dirname(path)
    return frozenset(found)


@dataclass(frozen=True, slots=True)
class Plan:
    """The targets as absolute path strings, the form watchdog's events name paths in."""

    files: frozenset[str]
    folders: frozenset[str]
    chain: frozenset[str]
    """Targets and their ancestors: their creation or removal changes what is watched."""

    @classmethod
    def of(cls, targets: WatchTargets) -> Plan:
        """The plan for ``targets``. A symlinked file is also known by where it points,
        since an editor following the link saves in the folder it points into."""
        files = {os.path.abspath(path) for path in targets.files}
        files |= {os.path.realpath(path) for path in files}
        folders = frozenset(os.path.abspath(path) for path in targets.folders)
        return cls(frozenset(files), folders, lineage(files | folders))

    def relevant(self, path: str) -> bool:
        """Whether an event naming ``path`` concerns a target file or a rule file."""
        if path in self.files:
            return True
        return os.path.dirname(path) in self.folders and is_rule_file(path)

    def folders_to_watch(self) -> dict[str, tuple[int, int]]:
        """Each folder to watch now, with its identity: a target file's folder, a rules
        folder and its parent (which sees the folder itself deleted or renamed), or the
        nearest existing ancestor of one that is missing."""
        wanted = {nearest_folder(os.path.dirname(path)) for path in self.files}
        for folder in self.folders:
            wanted.add(nearest_folder(folder))
            wanted.add(nearest_folder(os.path.dirname(folder)))
        identities = {path: folder_identity(path) for path in wanted}
        return {path: identity for path, identity in identities.items() if identity}


class _Handler(fs.FileSystemEventHandler):
    """Hands every event watchdog dispatches to the watch that scheduled it."""

    def __init__(self, seen: Callable[[fs.FileSystemEvent], None]) -> None:
        super().__init__()
        self._seen = seen

    def dispatch(self, event: fs.FileSystemEvent) -> None:
        self._seen(event)


class ChangeWatch:
    """Calls ``on_change`` when a target changed, debounced. It runs on the watch's own
    thread, which it may use to reload, :meth:`retarget` or :meth:`stop`; while it runs,
    new events start the next burst."""

    def __init__(
        self,
        targets: WatchTargets,
        on_change: Callable[[], None],
        *,
        quiet: float = 0.25,
        max_delay: float = 0.6,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._targets = targets
        self._plan = Plan.of(targets)
        self._on_change = on_change
        self._quiet = quiet
        self._max_delay = max_delay
        self._monotonic = monotonic
        self._handler = _Handler(self._seen)
        # _wake guards the burst, the flags and the folders gone; it is never held while
        # calling on_change or watchdog, whose dispatch thread takes it in _seen.
        self._wake = threading.Condition()
        self._first: float | None = None
        self._last = 0.0
        self._replan = False
        self._gone: set[str] = set()
        self._started = False
        self._stopped = False
        # _schedule_lock serialises re-planning (worker, retarget, stop).
        self._schedule_lock = threading.Lock()
        self._observer: BaseObserver | None = None
        self._watches: dict[str, tuple[ObservedWatch, tuple[int, int]]] = {}
        self._warned = False
        self._stamp_lock = threading.Lock()
        self._fingerprint = fingerprint(targets)
        self._worker: threading.Thread | None = None

    def start(self) -> None:
        """Start watching; a failure to watch is a warning and leaves :meth:`scan`."""
        with self._wake:
            if self._stopped:
                raise RuntimeError("a stopped ChangeWatch cannot be started again")
            if self._started:
                return
            self._started = True
        self._remember(fingerprint(self._targets))
        self._observer = self._start_observer()
        self._replan_watches()
        self._worker = threading.Thread(target=self._run, name="watercooler-watch", daemon=True)
        self._worker.start()

    def stop(self, timeout: float = 2.0) -> None:
        """Stop the observer and our thread and wait for them, ``timeout`` seconds at most
        each; a second call does nothing. Safe from within ``on_change``."""
        with self._wake:
            if self._stopped:
                return
            self._stopped = True
            self._wake.notify_all()
        with self._schedule_lock:
            observer, self._observer = self._observer, None
            self._watches.clear()
        if observer is not None:
            observer.stop()
            observer.join(timeout)
        worker = self._worker
        if worker is not None and worker is not threading.current_thread():
            worker.join(timeout)

    def retarget(self, targets: WatchTargets) -> None:
        """Watch ``targets`` instead (a reload changed which paths matter). The watches
        are in place when this returns, so a save right after it is seen; the fingerprint
        starts afresh, as the reload that asked for this has just read the files."""
        with self._wake:
            self._targets = targets
        self._remember(fingerprint(targets))
        self._replan_watches()

    def scan(self) -> bool:
        """True when a target's fingerprint differs from the last one taken (at start, at
        the last scan or retarget, or just before ``on_change`` was last called): what
        catches changes whose events were missed. It also re-plans the watches, healing
        one lost to a limit or a folder moved away."""
        changed = self._remember(fingerprint(self._targets))
        self._replan_watches()
        return changed

    def _remember(self, latest: Fingerprint) -> bool:
        """Keep ``latest`` as the fingerprint to compare with; True if it differs."""
        with self._stamp_lock:
            changed = latest != self._fingerprint
            self._fingerprint = latest
        return changed

    def _start_observer(self) -> BaseObserver | None:
        """watchdog's observer (inotify on Linux), or None when the system refuses one."""
        observer: BaseObserver | None = None
        try:
            observer = Observer()
            observer.start()
        except OSError as error:
            self._warn(error)
            if observer is not None:
                observer.stop()
            return None
        return observer

    def _warn(self, error: OSError) -> None:
        """Say once that watching failed and what picks up changes instead."""
        if self._warned:
            return
        self._warned = True
        reason = error.strerror or "the system refused"
        log.warning(
            "Saved rule files and settings cannot be watched (%s); changes are picked up "
            "by the %d-second scan instead.",
            reason,
            SCAN_INTERVAL,
        )

    def _seen(self, event: fs.FileSystemEvent) -> None:
        """Record an event (on watchdog's thread) if it concerns a target."""
        plan = self._plan
        paths = [os.fsdecode(event.src_path)]
        if isinstance(event, fs.FileSystemMovedEvent) and event.dest_path:
            paths.append(os.fsdecode(event.dest_path))
        structural = isinstance(event, STRUCTURAL) and any(path in plan.chain for path in paths)
        if not structural and not any(plan.relevant(path) for path in paths):
            return
        with self._wake:
            if self._stopped:
                return
            self._last = self._monotonic()
            if self._first is None:
                self._first = self._last
            if structural:
                self._replan = True
                if not isinstance(event, CREATED):
                    self._gone.add(paths[0])
            self._wake.notify_all()

    def _due_in(self) -> float | None:
        """Seconds until the burst in progress is reported (0 when due), None if none."""
        if self._first is None:
            return None
        due = min(self._last + self._quiet, self._first + self._max_delay)
        return max(0.0, due - self._monotonic())

    def _run(self) -> None:
        """Our thread: re-plan watches when asked, report bursts when they are due."""
        while True:
            with self._wake:
                while not (self._stopped or self._replan or self._due_in() == 0.0):
                    self._wake.wait(self._due_in())
                if self._stopped:
                    return
                replan, self._replan = self._replan, False
                due = self._due_in() == 0.0
                if due:
                    self._first = None
            if replan:
                self._replan_watches()
            if due and not self._stopped:
                self._report()

    def _report(self) -> None:
        """Call ``on_change``, the fingerprint taken first so a later change still shows."""
        self._remember(fingerprint(self._targets))
        try:
            self._on_change()
        except Exception:
            log.exception("Reloading after a saved change failed; watching goes on.")

    def _replan_watches(self) -> None:
        """Make the watches match the targets as the disk is now. A folder created while
        watches were being added could be missed, so this repeats until two plans agree."""
        with self._schedule_lock:
            plan = Plan.of(self._targets)
            self._plan = plan
            if self._observer is None:
                return
            wanted = plan.folders_to_watch()
            for _attempt in range(5):
                self._apply(self._observer, wanted)
                again = plan.folders_to_watch()
                if again == wanted:
                    return
                wanted = again

    def _apply(self, observer: BaseObserver, wanted: dict[str, tuple[int, int]]) -> None:
        """Unschedule watches no longer wanted (or on a folder that went away, even if one
        of the same name is back), schedule the missing ones."""
        with self._wake:
            gone, self._gone = self._gone, set()
        for path, (watch, identity) in list(self._watches.items()):
            if wanted.get(path) != identity or path in gone:
                del self._watches[path]
                with contextlib.suppress(KeyError):  # watchdog dropped it already
                    observer.unschedule(watch)
        for path, identity in wanted.items():
            if path not in self._watches:
                self._schedule(observer, path, identity)

    def _schedule(self, observer: BaseObserver, path: str, identity: tuple[int, int]) -> None:
        """Watch one folder; a refusal (a limit reached) is a warning, and the next
        re-planning tries again. A folder that vanished meanwhile is no warning."""
        try:
            watch = observer.schedule(
                self._handler,
                path,
                recursive=False,
                event_filter=WATCHED_EVENTS,
                follow_symlink=True,
            )
        except OSError as error:
            if error.errno not in (errno.ENOENT, errno.ENOTDIR):
                self._warn(error)
            return
        self._watches[path] = (watch, identity)
