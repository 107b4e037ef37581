"""Files only their owner can read: the state database, the feed cache, later exports.

They hold calendars' full text, so each is created ``0600`` inside folders ``0700``, and a
folder that already exists with wider modes is narrowed (group and others lose access;
nothing is widened). Writes go through a temporary file and a rename, so a crash leaves
either the old content or the new, never half of it.
"""

from __future__ import annotations

import contextlib
import os
import stat
from datetime import UTC, datetime
from pathlib import Path

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) as ``0700``; narrow it if it exists wider."""
    missing = [folder for folder in (path, *path.parents) if not folder.exists()]
    for folder in reversed(missing):  # mkdir(parents=True) would give parents the umask
        folder.mkdir(mode=PRIVATE_DIR, exist_ok=True)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        path.chmod(mode & ~0o077)
    return path


def private_file(path: Path) -> None:
    """Make sure ``path`` exists and is readable by its owner alone."""
    private_dir(path.parent)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, PRIVATE_FILE)
    os.close(descriptor)
    path.chmod(PRIVATE_FILE)


def write_private(path: Path, data: bytes) -> None:
    """Replace ``path``'s content with ``data``, atomically, readable by its owner alone,
    in a folder (made) ``0700``."""
    private_dir(path.parent)
    write_atomically(path, data, PRIVATE_FILE)


def write_atomically(path: Path, data: bytes, mode: int | None = None) -> None:
    """Replace ``path``'s content with ``data`` through a temporary file and a rename,
    leaving its folder as it is (a file the user named, in a folder of theirs); ``mode``
    sets the file's permissions, None leaves them to the umask."""
    temporary = path.with_name(f".{path.name}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    descriptor = os.open(temporary, flags, 0o666 if mode is None else mode)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
        if mode is not None:
            os.chmod(temporary, mode)  # an older temporary may have had wider modes
        temporary.replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise


def move_aside(path: Path, why: str = "corrupt") -> Path:
    """Move a file that must not be overwritten (damaged, or holding what would be lost) to
    ``<name>.<why>-<when it was last written>``, a number added when that name is taken;
    return where it went."""
    written = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
    base = f"{path.name}.{why}-{written:%Y%m%dT%H%M%SZ}"
    target = path.with_name(base)
    number = 1
    while target.exists():
        number += 1
        target = path.with_name(f"{base}-{number}")
    path.replace(target)
    return target
