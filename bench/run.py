"""Benchmark ``watercooler check`` against the floor and print the ratios.

Why: the project's performance goals are relative, not absolute, so they hold
on any machine: over the same vdir and the same window, ``check`` must take at
most 0.80x the floor's wall time and at most 0.25x its peak memory, where the
floor (``bench/floor.py``) is the plain parse-everything-then-expand script.
Both run in fresh child processes measured by ``bench/measure.py``, so both
pay interpreter start-up and imports, as a user does.

For each shape and size a deterministic vdir is generated (``bench/generate.py``)
and cached under the work folder, keyed by size, seed, start, shape and generator
version (``generate.cache_tag``), so re-runs skip generation and no two shapes
share a vdir. Shapes exist because a goal met on one kind of calendar can be
missed on another (alarms, all-day events, long descriptions, longer series);
the goals hold for every shape, and a summary line per shape says whether they do
at the size they are set for. ``check`` runs cold: every measurement gets fresh,
empty XDG config/cache/data/state folders, so no cache from an earlier run
helps it (``--warm`` primes that cache with one unmeasured run instead).

Usage::

    python bench/run.py --sizes 500,5000 --json /tmp/bench.json
    python bench/run.py --sizes 20000 --windows 14 --shapes default,alarms,mixed
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from generate import GENERATOR_VERSION, SHAPES, cache_tag, generate
from measure import run_measured

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
DEFAULT_WORKDIR = Path(tempfile.gettempdir()) / "watercooler-bench"
ZONE_NAME = "Europe/Berlin"
ME = '["ana@example.com"]'
TIME_GOAL = 0.80
MEMORY_GOAL = 0.25
GOAL_SIZE = 20000
"""The number of events the goals are set for; smaller runs are start-up dominated."""


def dataset(workdir: Path, size: int, seed: int, start: date, shape: str = "default") -> Path:
    """Given a size, seed and shape, return the vdir for them, generating it if not cached.

    Generation writes to a ``.partial`` folder renamed into place at the end, so
    an interrupted run never leaves a half-written vdir that looks cached. The
    ``default`` shape keeps the folder name it had before shapes existed.
    """
    name = f"events-{size}-seed{seed}-{start:%Y%m%d}-{cache_tag(shape)}"
    target = workdir / name
    if target.is_dir():
        return target
    partial = workdir / f"{name}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    _log(f"generating {size} {shape} events into {target} ...")
    summary = generate(size, partial, seed=seed, start=start, shape=shape)
    partial.rename(target)
    _log(
        f"  {summary.files} files, {summary.series} series, {summary.alarms} with alarms, "
        f"{summary.all_day} all-day, {summary.bytes / 1e6:.1f} MB"
    )
    return target


def window_start(start: date, days: int) -> date:
    """Given the data's first day and a window length, return the window's first day.

    Windows of a year or more start with the data; shorter ones sit mid-year, where
    every series has begun and overrides and EXDATEs fall inside.
    """
    return start + timedelta(days=max(0, (365 - days) // 2))


def now_for(day: date) -> str:
    """Given the window's first day, return ``--now``: 09:00 local with its real offset."""
    return datetime.combine(day, time(9), ZoneInfo(ZONE_NAME)).isoformat()


def floor_argv(vdir: Path, day: date, days: int) -> list[str]:
    """Return the floor's command line for one window."""
    script = str(BENCH_DIR / "floor.py")
    return [sys.executable, script, str(vdir), "--start", day.isoformat(), "--days", str(days)]


def check_argv(vdir: Path, day: date, days: int) -> list[str]:
    """Return ``watercooler check``'s command line for the same window as the floor."""
    return [
        *(sys.executable, "-m", "watercooler", "check", "--source", str(vdir)),
        *("--now", now_for(day), "--days-back", "0", "--days-ahead", str(days - 1)),
        *("--format", "json"),
    ]


def check_env(scratch: Path) -> dict[str, str]:
    """Given a scratch folder, return the environment ``check`` runs in.

    Inherited ``WATERCOOLER_*`` variables are dropped so only the two set here
    apply; XDG folders point into the scratch folder (no config file, no cache);
    the repository's ``daemon/`` folder leads PYTHONPATH so an uninstalled
    checkout runs too.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("WATERCOOLER_")}
    env.update(WATERCOOLER_TIMEZONE=ZONE_NAME, WATERCOOLER_ME=ME)
    for var in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        folder = scratch / var.removeprefix("XDG_").removesuffix("_HOME").lower()
        folder.mkdir(parents=True, exist_ok=True)
        env[var] = str(folder)
    if (REPO / "daemon" / "watercooler").is_dir():
        paths = [str(REPO / "daemon"), *filter(None, [env.get("PYTHONPATH")])]
        env["PYTHONPATH"] = os.pathsep.join(paths)
    return env


def _last_line(text: str) -> str:
    """Return the last non-blank line of ``text``, or an empty string."""
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def _best(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Given repeated measurements, return the fastest successful one (or the last)."""
    ok = [r for r in runs if r["returncode"] == 0]
    return min(ok, key=lambda r: r["wall_s"]) if ok else runs[-1]


def _strip(run: dict[str, Any]) -> dict[str, Any]:
    """Return a measurement without its captured output, for the JSON report."""
    return {k: v for k, v in run.items() if k not in ("stdout", "stderr", "argv")}


def measure_floor(vdir: Path, day: date, days: int, repeat: int, timeout: float) -> dict[str, Any]:
    """Run the floor ``repeat`` times and return the best run with its own report."""
    runs = [run_measured(floor_argv(vdir, day, days), timeout=timeout) for _ in range(repeat)]
    best = _best(runs)
    result = _strip(best)
    if best["returncode"] == 0:
        result.update(json.loads(_last_line(best["stdout"])))
    else:
        result["error"] = _last_line(best["stderr"]) or f"exit {best['returncode']}"
    return result


def _summarize_check(stdout: str, days: int) -> dict[str, Any]:
    """Given check's JSON output, return its counts and whether ``days`` is complete."""
    try:
        report = json.loads(stdout)
    except json.JSONDecodeError as exc:
        return {"error": f"output is not JSON: {exc}"}
    counts: dict[str, Any] = {k: len(report.get(k, [])) for k in ("days", "social", "nudges")}
    if counts["days"] != days:
        counts["warning"] = f"{counts['days']} days in output, expected {days}"
    return counts


def measure_check(
    vdir: Path, day: date, days: int, scratch_root: Path, args: argparse.Namespace
) -> dict[str, Any]:
    """Run ``check`` ``--repeat`` times, each with fresh XDG folders; return the best run."""
    runs = []
    for i in range(args.repeat):
        scratch = Path(tempfile.mkdtemp(prefix=f"check-{vdir.name}-{days}d-{i}-", dir=scratch_root))
        env = check_env(scratch)
        argv = check_argv(vdir, day, days)
        if args.warm:
            run_measured(argv, env=env, cwd=str(scratch), timeout=args.timeout)
        run = run_measured(argv, env=env, cwd=str(scratch), timeout=args.timeout)
        (scratch / "stdout.json").write_text(run["stdout"])
        (scratch / "stderr.txt").write_text(run["stderr"])
        runs.append(run)
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    best = _best(runs)
    result = _strip(best)
    if best["timed_out"]:
        result["error"] = f"timed out after {args.timeout:g} s"
    elif best["returncode"] != 0:
        result["error"] = _last_line(best["stderr"]) or f"exit {best['returncode']}"
    else:
        result.update(_summarize_check(best["stdout"], days))
    if "error" in result:
        _log(f"  check failed (exit {best['returncode']}): {result['error']}")
    elif "warning" in result:
        _log(f"  check warning: {result['warning']}")
    return result


def compare(floor: dict[str, Any] | None, check: dict[str, Any] | None) -> dict[str, Any]:
    """Given floor and check measurements, return the ratios and PASS/MISS verdicts."""
    usable = (
        floor is not None and check is not None and "error" not in floor and "error" not in check
    )
    if not usable:
        return {"time_ratio": None, "memory_ratio": None, "time_ok": None, "memory_ok": None}
    assert floor is not None
    assert check is not None
    time_ratio = check["wall_s"] / floor["wall_s"]
    memory_ratio = check["peak_mb"] / floor["peak_mb"]
    return {
        "time_ratio": round(time_ratio, 3),
        "memory_ratio": round(memory_ratio, 3),
        "time_ok": time_ratio <= TIME_GOAL,
        "memory_ok": memory_ratio <= MEMORY_GOAL,
    }


def _cell(value: Any, fmt: str) -> str:
    """Format a number for the table, or ``-`` when it is missing."""
    return "-" if value is None else format(value, fmt)


def _verdict(ok: bool | None) -> str:
    """Return PASS, MISS, or ``-`` when there is nothing to judge."""
    return "-" if ok is None else ("PASS" if ok else "MISS")


def print_table(rows: Sequence[dict[str, Any]]) -> None:
    """Print the results as an aligned table on stdout, then one goal line per shape."""
    head = (
        f"{'shape':<8} {'size':>6} {'window':>6} {'floor s':>8} {'check s':>8} {'ratio':>6} "
        f"{f'≤{TIME_GOAL:.2f}':>6} {'floor MB':>9} {'check MB':>9} {'ratio':>6} "
        f"{f'≤{MEMORY_GOAL:.2f}':>6}"
    )
    print(head)
    print("-" * len(head))
    for row in rows:
        # A failed run's time and memory say nothing about the goal: show "-".
        floor = {} if "error" in (row.get("floor") or {}) else row.get("floor") or {}
        check = {} if "error" in (row.get("check") or {}) else row.get("check") or {}
        print(
            f"{row['shape']:<8} {row['size']:>6} {str(row['days']) + 'd':>6} "
            f"{_cell(floor.get('wall_s'), '.2f'):>8} {_cell(check.get('wall_s'), '.2f'):>8} "
            f"{_cell(row['time_ratio'], '.2f'):>6} {_verdict(row['time_ok']):>6} "
            f"{_cell(floor.get('peak_mb'), '.0f'):>9} {_cell(check.get('peak_mb'), '.0f'):>9} "
            f"{_cell(row['memory_ratio'], '.2f'):>6} {_verdict(row['memory_ok']):>6}"
        )
    for row in rows:
        for name in ("floor", "check"):
            error = (row.get(name) or {}).get("error")
            if error:
                print(f"{name} {row['shape']} {row['size']}/{row['days']}d failed: {error}")
    for shape in dict.fromkeys(row["shape"] for row in rows):
        print(goal_line(shape, [row for row in rows if row["shape"] == shape]))


def goal_line(shape: str, rows: Sequence[dict[str, Any]]) -> str:
    """Given one shape's rows, return whether it meets both goals at ``GOAL_SIZE`` events.

    A goal passes only if every window measured at that size passes it, and says
    so ("not measured") rather than passing when no row at that size judged it.
    """
    at_goal = [row for row in rows if row["size"] == GOAL_SIZE]
    parts = []
    for key, ratio, goal, label in (
        ("time_ok", "time_ratio", TIME_GOAL, "time"),
        ("memory_ok", "memory_ratio", MEMORY_GOAL, "memory"),
    ):
        judged = [row for row in at_goal if row[key] is not None]
        if not judged:
            parts.append(f"{label} ≤{goal:.2f}: not measured")
            continue
        ratios = ", ".join(f"{row['days']}d {row[ratio]:.2f}" for row in judged)
        verdict = _verdict(all(row[key] for row in judged))
        parts.append(f"{label} ≤{goal:.2f}: {verdict} ({ratios})")
    return f"goals for {shape} at {GOAL_SIZE:,} events: " + "; ".join(parts)


def _log(message: str) -> None:
    """Print progress on stderr, so stdout holds only the table."""
    print(message, file=sys.stderr, flush=True)


def _int_list(text: str) -> list[int]:
    """Parse ``500,5000`` into ``[500, 5000]`` for argparse."""
    return [int(part) for part in text.split(",") if part.strip()]


def _shape_list(text: str) -> list[str]:
    """Parse ``default,alarms`` into ``["default", "alarms"]``, rejecting unknown shapes."""
    shapes = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [shape for shape in shapes if shape not in SHAPES]
    if unknown or not shapes:
        raise argparse.ArgumentTypeError(
            f"unknown shape {', '.join(unknown) or '(none)'}; choose from {', '.join(SHAPES)}"
        )
    return shapes


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Return the parsed command line."""
    parser = argparse.ArgumentParser(description="Compare watercooler check with the floor.")
    parser.add_argument("--sizes", type=_int_list, default=[500, 5000, 20000])
    parser.add_argument("--windows", type=_int_list, default=[14, 365], help="days")
    parser.add_argument(
        "--shapes",
        "--shape",
        type=_shape_list,
        default=["default"],
        help=f"comma-separated calendar shapes, of {', '.join(SHAPES)} (default: default)",
    )
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--start", type=date.fromisoformat, default=date(2026, 1, 1))
    parser.add_argument("--repeat", type=int, default=1, help="runs per measurement; best kept")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per run")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep each check run's scratch folder (XDG dirs, stdout, stderr) in WORKDIR/runs",
    )
    parser.add_argument("--warm", action="store_true", help="prime check's cache, unmeasured")
    parser.add_argument("--skip-floor", action="store_true")
    parser.add_argument("--skip-check", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    return parser.parse_args(argv)


def measure_row(
    vdir: Path, shape: str, size: int, days: int, scratch_root: Path, args: argparse.Namespace
) -> dict[str, Any]:
    """Measure the floor and ``check`` over one vdir and window; return the table row."""
    day = window_start(args.start, days)
    _log(f"{shape}, size {size}, {days} days from {day} ...")
    floor = None if args.skip_floor else measure_floor(vdir, day, days, args.repeat, args.timeout)
    check = None if args.skip_check else measure_check(vdir, day, days, scratch_root, args)
    row = {
        "shape": shape,
        "size": size,
        "days": days,
        "window_start": day.isoformat(),
        "now": now_for(day),
        "floor": floor,
        "check": check,
    }
    return row | compare(floor, check)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark matrix, print the table, optionally write JSON."""
    args = parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    scratch_root = args.workdir / "runs"
    scratch_root.mkdir(exist_ok=True)
    rows: list[dict[str, Any]] = []
    for shape in args.shapes:
        for size in args.sizes:
            vdir = dataset(args.workdir, size, args.seed, args.start, shape)
            for days in args.windows:
                rows.append(measure_row(vdir, shape, size, days, scratch_root, args))
    print_table(rows)
    if args.json:
        meta = {
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "seed": args.seed,
            "start": args.start.isoformat(),
            "generator_version": GENERATOR_VERSION,
            "cache_tags": {shape: cache_tag(shape) for shape in args.shapes},
            "goals": {"time_ratio": TIME_GOAL, "memory_ratio": MEMORY_GOAL},
        }
        args.json.write_text(json.dumps({"meta": meta, "results": rows}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
