"""The change watch against real files and watchdog's real inotify observer: the ways
editors save, bursts, unrelated files beside the targets, folders that appear later, a
retarget, the fingerprint scan, and the observer refused by the system."""

from __future__ import annotations

import errno
import logging
import os
import resource
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from unittest import mock

import pytest
from watchdog.observers.inotify_c import InotifyFD

from watercooler.service.watch import ChangeWatch, WatchTargets

pytestmark = pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")
"""An exception in a watcher thread (say, on a folder deleted while watched) fails the test."""

NO_CALL_WINDOW = 0.8
"""How long a test waits to see that no call comes (the debounce is 0.25-0.6 s)."""
CALL_WITHIN = 1.0
"""The product's promise: a save is reported within a second (0.3 s without load)."""


class Calls:
    """on_change for a test: records when each call came, lets the test wait for them."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.condition = threading.Condition()

    def __call__(self) -> None:
        with self.condition:
            self.times.append(time.monotonic())
            self.condition.notify_all()

    def wait_for(self, count: int, timeout: float) -> bool:
        """Whether ``count`` calls have come within ``timeout`` seconds."""
        with self.condition:
            return self.condition.wait_for(lambda: len(self.times) >= count, timeout)

    def count(self) -> int:
        with self.condition:
            return len(self.times)


Start = Callable[[WatchTargets], tuple[ChangeWatch, Calls]]


@pytest.fixture
def watching() -> Iterator[Start]:
    """Start a ChangeWatch on given targets; every one started is stopped afterwards."""
    started: list[ChangeWatch] = []

    def start(targets: WatchTargets) -> tuple[ChangeWatch, Calls]:
        calls = Calls()
        watch = ChangeWatch(targets, calls)
        started.append(watch)
        watch.start()
        return watch, calls

    yield start
    for watch in started:
        watch.stop()


def files(*paths: Path) -> WatchTargets:
    return WatchTargets(files=frozenset(paths), folders=frozenset())


def folders(*paths: Path) -> WatchTargets:
    return WatchTargets(files=frozenset(), folders=frozenset(paths))


def assert_one_call_soon_after(calls: Calls, written: float) -> None:
    """One call, within the promised second of the last write, and no second one."""
    assert calls.wait_for(1, CALL_WITHIN + 2), "no call after the save"
    assert calls.times[0] - written < CALL_WITHIN
    assert not calls.wait_for(2, NO_CALL_WINDOW), "a single save was reported twice"


@pytest.fixture
def config(tmp_path: Path) -> Path:
    folder = tmp_path / "config"
    folder.mkdir()
    path = folder / "watercooler.toml"
    path.write_text("[settings]\n", encoding="utf-8")
    return path


def test_a_write_in_place_is_one_call(watching: Start, config: Path) -> None:
    _, calls = watching(files(config))
    with config.open("a", encoding="utf-8") as stream:
        stream.write("timezone = 'Europe/Berlin'\n")
    assert_one_call_soon_after(calls, time.monotonic())


def test_a_temporary_file_renamed_over_the_target_is_one_call(
    watching: Start, config: Path
) -> None:
    """How most editors and the config tools save: the old inode is replaced."""
    _, calls = watching(files(config))
    temporary = config.with_name(".watercooler.toml.tmp")
    temporary.write_text("[settings]\ntimezone = 'UTC'\n", encoding="utf-8")
    os.replace(temporary, config)
    assert_one_call_soon_after(calls, time.monotonic())


def test_a_delete_then_create_is_reported(watching: Start, tmp_path: Path) -> None:
    """vim's save without a backup: the file is gone for a moment, then written anew."""
    rules = tmp_path / "rules"
    rules.mkdir()
    team = rules / "team.yml"
    team.write_text("rules: []\n", encoding="utf-8")
    _, calls = watching(folders(rules))
    team.unlink()
    team.write_text("rules: [{}]\n", encoding="utf-8")
    written = time.monotonic()
    assert calls.wait_for(1, CALL_WITHIN + 2)
    assert calls.times[0] - written < CALL_WITHIN


def test_a_hundred_writes_over_a_second_give_at_most_two_calls(
    watching: Start, config: Path
) -> None:
    """A burst is reported once it is quiet, or after max_delay: never once per write."""
    _, calls = watching(files(config))
    began = time.monotonic()
    for index in range(100):
        with config.open("a", encoding="utf-8") as stream:
            stream.write(f"# {index}\n")
        time.sleep(max(0.0, began + (index + 1) / 100 - time.monotonic()))
    written = time.monotonic()
    assert calls.wait_for(1, CALL_WITHIN + 2)
    assert not calls.wait_for(3, NO_CALL_WINDOW)
    assert 1 <= calls.count() <= 2
    assert calls.times[-1] - written < CALL_WITHIN


def test_a_steady_stream_of_writes_is_reported_before_it_ends(config: Path) -> None:
    """max_delay caps the wait: a file rewritten more often than ``quiet`` allows (a sync
    tool, a log-like editor) still reloads while it goes on, not only once it stops."""
    calls = Calls()
    watch = ChangeWatch(files(config), calls, quiet=0.5, max_delay=0.2)
    watch.start()
    try:
        began = time.monotonic()
        for index in range(40):
            with config.open("a", encoding="utf-8") as stream:
                stream.write(f"# {index}\n")
            time.sleep(max(0.0, began + (index + 1) / 50 - time.monotonic()))
        ended = time.monotonic()
        assert calls.wait_for(1, CALL_WITHIN + 2)
        assert calls.times[0] < ended, "the stream was reported only after it stopped"
    finally:
        watch.stop()


def test_unrelated_files_beside_the_targets_cause_no_call(
    watching: Start, config: Path, tmp_path: Path
) -> None:
    """A state database beside the config, notes in a rules folder, a sub-folder: none
    of these is read by a reload, so none may cause one."""
    rules = tmp_path / "rules"
    rules.mkdir()
    _, calls = watching(WatchTargets(files=frozenset({config}), folders=frozenset({rules})))
    folder = config.parent
    (folder / "watercooler.sqlite").write_bytes(b"SQLite format 3\0")
    (folder / "watercooler.sqlite-wal").write_bytes(b"wal")
    (folder / "watercooler.sqlite-wal").unlink()
    (folder / "notes.txt").write_text("lunch at noon\n", encoding="utf-8")
    config.read_text(encoding="utf-8")  # the daemon's own reload reads the files
    (rules / "README.txt").write_text("rules go here\n", encoding="utf-8")
    (rules / "team.yaml.swp").write_bytes(b"vim")
    (rules / "archive").mkdir()
    (rules / "archive" / "old.yaml").write_text("rules: []\n", encoding="utf-8")
    assert not calls.wait_for(1, NO_CALL_WINDOW)


def test_a_rules_folder_created_after_start_is_watched(watching: Start, tmp_path: Path) -> None:
    """A user creates ~/.config/watercooler/rules/ while the daemon runs."""
    rules = tmp_path / "xdg" / "watercooler" / "rules"
    _, calls = watching(folders(rules))
    rules.mkdir(parents=True)
    assert calls.wait_for(1, CALL_WITHIN + 2), "the new folder went unnoticed"
    assert not calls.wait_for(2, 0.5)
    (rules / "notes.txt").write_text("not a rule file\n", encoding="utf-8")
    (rules / "team.yaml").write_text("rules: []\n", encoding="utf-8")
    written = time.monotonic()
    assert calls.wait_for(2, CALL_WITHIN + 2), "a rule file in the new folder went unnoticed"
    assert calls.times[1] - written < CALL_WITHIN


def test_a_rules_folder_deleted_and_created_again_is_watched_again(
    watching: Start, tmp_path: Path
) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "team.yaml").write_text("rules: []\n", encoding="utf-8")
    watch, calls = watching(folders(rules))
    shutil.rmtree(rules)
    assert calls.wait_for(1, CALL_WITHIN + 2), "deleting the rules went unnoticed"
    rules.mkdir()
    assert calls.wait_for(2, CALL_WITHIN + 2), "the folder's return went unnoticed"
    assert not calls.wait_for(3, 0.5)
    (rules / "team.yaml").write_text("rules: [{}]\n", encoding="utf-8")
    written = time.monotonic()
    assert calls.wait_for(3, CALL_WITHIN + 2), "a rule file in the new folder went unnoticed"
    assert calls.times[2] - written < CALL_WITHIN
    watch.stop()


def test_a_retarget_watches_the_new_file_and_no_longer_the_old(
    watching: Start, config: Path, tmp_path: Path
) -> None:
    other = tmp_path / "elsewhere" / "notify.config"
    other.parent.mkdir()
    other.write_text("json://localhost\n", encoding="utf-8")
    watch, calls = watching(files(config))
    watch.retarget(files(other))
    other.write_text("json://localhost:8080\n", encoding="utf-8")
    assert_one_call_soon_after(calls, time.monotonic())
    config.write_text("[settings]\ntimezone = 'UTC'\n", encoding="utf-8")
    assert not calls.wait_for(2, NO_CALL_WINDOW), "the old target still causes calls"


def test_scan_sees_what_changed_while_nothing_watched(config: Path, tmp_path: Path) -> None:
    """Changes before start or after stop raise no event; the fingerprint still differs."""
    rules = tmp_path / "rules"
    rules.mkdir()
    calls = Calls()
    watch = ChangeWatch(WatchTargets(frozenset({config}), frozenset({rules})), calls)
    (rules / "team.yaml").write_text("rules: []\n", encoding="utf-8")  # before start
    watch.start()
    watch.stop()
    assert watch.scan() is False, "start took the fingerprint, so nothing is new"
    config.write_text("[settings]\nchanged = true\n", encoding="utf-8")
    assert watch.scan() is True
    assert watch.scan() is False
    (rules / "social.yml").write_text("rules: []\n", encoding="utf-8")
    assert watch.scan() is True
    (rules / "notes.txt").write_text("not a rule file\n", encoding="utf-8")
    (config.parent / "watercooler.sqlite-wal").write_bytes(b"wal")
    assert watch.scan() is False
    (rules / "social.yml").unlink()
    assert watch.scan() is True
    assert calls.count() == 0


def test_scan_before_start_compares_with_the_fingerprint_taken_at_creation(
    config: Path,
) -> None:
    watch = ChangeWatch(files(config), Calls())
    config.write_text("[settings]\nchanged = true\n", encoding="utf-8")
    assert watch.scan() is True
    assert watch.scan() is False


def test_stop_leaves_no_thread_running_and_no_call_after(config: Path) -> None:
    before = set(threading.enumerate())
    calls = Calls()
    watch = ChangeWatch(files(config), calls)
    watch.start()
    assert len(set(threading.enumerate()) - before) >= 2, "the observer should be running"
    watch.stop()
    watch.stop()  # idempotent
    assert set(threading.enumerate()) - before == set()
    config.write_text("[settings]\nchanged = true\n", encoding="utf-8")
    assert not calls.wait_for(1, 0.5)


def test_an_observer_the_system_refuses_leaves_one_warning_and_the_scan(
    config: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A real refusal: with the process's descriptor limit at the next free descriptor,
    inotify_init fails with EMFILE, as when the per-user inotify instances run out."""
    before = set(threading.enumerate())
    watch = ChangeWatch(files(config), Calls())
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    probe = os.open(os.devnull, os.O_RDONLY)
    os.close(probe)
    resource.setrlimit(resource.RLIMIT_NOFILE, (probe, hard))
    try:
        with caplog.at_level(logging.WARNING, logger="watercooler.service.watch"):
            watch.start()
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    warnings = [record.getMessage() for record in caplog.records]
    assert len(warnings) == 1
    assert "cannot be watched" in warnings[0]
    assert "60-second scan" in warnings[0]
    config.write_text("[settings]\nchanged = true\n", encoding="utf-8")
    assert watch.scan() is True
    watch.retarget(files(config))
    assert watch.scan() is False
    watch.stop()
    assert set(threading.enumerate()) - before == set()


def test_a_rules_folder_replaced_at_once_is_watched_again(watching: Start, tmp_path: Path) -> None:
    """Deleted and created again before the watch is re-planned (another process, so
    nothing here waits for the GIL in between): ext4 hands the new folder the old one's
    inode, so only the deletion event tells that the old watch is dead."""
    rules = tmp_path / "rules"
    rules.mkdir()
    _, calls = watching(folders(rules))
    swap = f"import os; os.rmdir({str(rules)!r}); os.mkdir({str(rules)!r})"
    subprocess.run([sys.executable, "-c", swap], check=True)
    assert calls.wait_for(1, CALL_WITHIN + 2), "the swap went unnoticed"
    assert not calls.wait_for(2, 0.5)
    (rules / "team.yaml").write_text("rules: []\n", encoding="utf-8")
    written = time.monotonic()
    assert calls.wait_for(2, CALL_WITHIN + 2), "the new folder is unwatched"
    assert calls.times[-1] - written < CALL_WITHIN


def test_symlinked_config_and_rules_are_watched_where_they_point(
    watching: Start, tmp_path: Path
) -> None:
    """Dotfiles managers link the config file or the rules folder into ~/.config; an
    editor following the link saves in the folder the link points into."""
    dotfiles = tmp_path / "dotfiles"
    (dotfiles / "rules").mkdir(parents=True)
    real = dotfiles / "watercooler.toml"
    real.write_text("[settings]\n", encoding="utf-8")
    config = tmp_path / "config"
    config.mkdir()
    (config / "watercooler.toml").symlink_to(real)
    (config / "rules").symlink_to(dotfiles / "rules", target_is_directory=True)
    _, file_calls = watching(files(config / "watercooler.toml"))
    _, folder_calls = watching(folders(config / "rules"))
    temporary = dotfiles / ".watercooler.toml.tmp"
    temporary.write_text("[settings]\ntimezone = 'UTC'\n", encoding="utf-8")
    os.replace(temporary, real)
    (dotfiles / "rules" / "team.yaml").write_text("rules: []\n", encoding="utf-8")
    written = time.monotonic()
    for calls in (file_calls, folder_calls):
        assert calls.wait_for(1, CALL_WITHIN + 2), "a save behind a symlink went unnoticed"
        assert calls.times[0] - written < CALL_WITHIN


def test_a_watch_limit_reached_warns_once_and_the_scan_heals_it(
    watching: Start, config: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Mocked fault: reaching the per-user inotify watch limit for real means lowering
    fs.inotify.max_user_watches, which every other process of the machine shares."""
    rules = tmp_path / "rules"
    rules.mkdir()
    full = OSError(errno.ENOSPC, "inotify watch limit reached")
    with pytest.MonkeyPatch.context() as patch, caplog.at_level(logging.WARNING):
        patch.setattr(InotifyFD, "add_callback", mock.Mock(side_effect=full))
        watch, calls = watching(WatchTargets(frozenset({config}), frozenset({rules})))
    warnings = [record.getMessage() for record in caplog.records]
    assert len(warnings) == 1, warnings
    assert "inotify watch limit reached" in warnings[0]
    assert "60-second scan" in warnings[0]
    (rules / "team.yaml").write_text("rules: []\n", encoding="utf-8")
    assert watch.scan() is True, "the scan is the fallback"
    (rules / "team.yaml").write_text("rules: [{}]\n", encoding="utf-8")
    written = time.monotonic()
    assert calls.wait_for(1, CALL_WITHIN + 2), "the scan did not set up the watches again"
    assert calls.times[0] - written < CALL_WITHIN
    assert len(caplog.records) == 1


def test_an_on_change_that_fails_or_stops_the_watch_breaks_nothing(
    config: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The daemon's reload may raise (logged, watching goes on) or stop the watch from
    the watch's own thread (no deadlock, no thread left)."""
    before = set(threading.enumerate())
    calls = Calls()

    def on_change() -> None:
        calls()
        if calls.count() == 1:
            raise RuntimeError("reload failed")
        watch.stop()

    watch = ChangeWatch(files(config), on_change)
    watch.start()
    config.write_text("[settings]\nfirst = true\n", encoding="utf-8")
    assert calls.wait_for(1, CALL_WITHIN + 2)
    config.write_text("[settings]\nsecond = true\n", encoding="utf-8")
    assert calls.wait_for(2, CALL_WITHIN + 2), "a failed reload stopped the watching"
    deadline = time.monotonic() + 2
    while set(threading.enumerate()) - before and time.monotonic() < deadline:
        time.sleep(0.02)
    assert set(threading.enumerate()) - before == set()
    assert any("watching goes on" in record.getMessage() for record in caplog.records)
