"""The project's own checks, run as tests so CI enforces them: ruff, ruff format, mypy strict.

The suite runs in parallel (pytest-xdist), so these run beside each other and beside a
developer's own ruff or mypy: none of them writes a cache into the repository. Ruff runs
without one (it is fast enough), mypy with its own in the test's temporary folder.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def run_tool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_ruff_finds_nothing_to_complain_about() -> None:
    result = run_tool("ruff", "check", "--no-cache", "daemon", "tests", "bench")
    assert result.returncode == 0, result.stdout + result.stderr


def test_code_is_ruff_formatted() -> None:
    result = run_tool("ruff", "format", "--check", "--no-cache", "daemon", "tests", "bench")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_package_passes_mypy_strict(tmp_path: Path) -> None:
    result = run_tool("mypy", "--cache-dir", str(tmp_path / "mypy-cache"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_ci_runs_the_readme_test_command() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    ci_lines = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    command = next(line for line in ci_lines if line.startswith("python3 -m venv"))
    assert command in readme
