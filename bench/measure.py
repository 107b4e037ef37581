"""Measure one command's wall time and peak memory in a fresh child process.

Why: the memory goal compares peak resident set sizes, and the only honest
per-process peak on Linux is the kernel's ``ru_maxrss`` for that child.
``resource.getrusage(RUSAGE_CHILDREN)`` is useless here because it reports the
maximum over *all* children ever waited for by this process, so a big floor run
would mask a small check run after it. ``os.wait4`` on the child's pid returns
the rusage of exactly that child (and of any grandchildren it waited for; for
``ru_maxrss`` that is a maximum, not a sum). ``subprocess`` would reap the
child itself and discard the rusage, so the child is reaped here with
``wait4`` and its output goes to temporary files, which cannot deadlock the way
unread pipes can.

Usage::

    python bench/measure.py -- python bench/floor.py DIR --start 2026-01-01 --days 14
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any


def _maxrss_mb(maxrss: int) -> float:
    """Given ``ru_maxrss``, return MiB: Linux reports KiB, macOS bytes."""
    return maxrss / (1024 * 1024) if sys.platform == "darwin" else maxrss / 1024


def run_measured(
    argv: list[str],
    env: Mapping[str, str] | None = None,
    cwd: str | None = None,
    timeout: float | None = None,
) -> dict[str, Any]:
    """Given a command, run it in a fresh child and return how it went.

    Returns a dict with ``returncode``, ``wall_s`` (from spawn to reaping, so it
    includes interpreter start-up, as a user would feel it), ``peak_mb`` (the
    child's peak RSS in MiB), ``user_s``, ``sys_s``, ``timed_out``, ``stdout``
    and ``stderr`` (decoded text). If ``timeout`` seconds pass, the child is
    killed and ``timed_out`` is true. Raise OSError if the command cannot start.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, env=env, cwd=cwd)
        expired = threading.Event()

        def expire() -> None:
            expired.set()
            proc.kill()

        timer = threading.Timer(timeout, expire) if timeout is not None else None
        if timer is not None:
            timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:
            proc.kill()  # e.g. Ctrl-C: leave no orphan behind
            proc.wait()
            raise
        finally:
            if timer is not None:
                timer.cancel()
        wall = time.perf_counter() - t0
        # Tell Popen the child is reaped, so it never waits on a recycled pid.
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return {
            "argv": list(argv),
            "returncode": proc.returncode,
            "wall_s": round(wall, 4),
            "peak_mb": round(_maxrss_mb(usage.ru_maxrss), 1),
            "user_s": round(usage.ru_utime, 4),
            "sys_s": round(usage.ru_stime, 4),
            "timed_out": expired.is_set(),
            "stdout": out.read().decode("utf-8", "replace"),
            "stderr": err.read().decode("utf-8", "replace"),
        }


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI: measure the command after ``--`` and print the result as JSON."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["--"]:
        args = args[1:]
    if not args:
        print("usage: measure.py -- COMMAND [ARG...]", file=sys.stderr)
        return 2
    result = run_measured(args)
    print(json.dumps({k: v for k, v in result.items() if k not in ("stdout", "stderr")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
