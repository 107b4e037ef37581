"""Under systemd, stderr is the journal: lines carry syslog priorities, so ``journalctl -p``
can filter them. The test hands the command a real pipe as stderr and names that pipe in
``JOURNAL_STREAM`` (``device:inode``), as systemd does for the stream it connects."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from conftest import watercooler_command
from helpers import calendar, event


def _run_with_stderr_pipe(args: list[str], *, journal: bool) -> tuple[int, str]:
    read_end, write_end = os.pipe()
    status = os.fstat(write_end)
    environment = dict(os.environ)
    environment.pop("JOURNAL_STREAM", None)
    if journal:
        environment["JOURNAL_STREAM"] = f"{status.st_dev}:{status.st_ino}"
    with os.fdopen(read_end, "rb") as reader:
        process = subprocess.Popen(
            [*watercooler_command(), *args],
            stdout=subprocess.DEVNULL,
            stderr=write_end,
            env=environment,
        )
        os.close(write_end)
        text = reader.read().decode()
        code = process.wait(timeout=60)
    return code, text


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text('timezone = "Europe/Berlin"\nme = ["ana@example.com"]\n', encoding="utf-8")
    return path


def test_warnings_and_errors_carry_their_syslog_priority_in_the_journal(tmp_path: Path) -> None:
    broken = tmp_path / "broken.ics"
    broken.write_text(
        calendar(event("Coffee", "20260304T150000"), "BEGIN:VEVENT\r\nUID:no-start\r\nEND:VEVENT"),
        encoding="utf-8",
    )
    config = _config(tmp_path)
    args = ["check", "--config", str(config), "--now", "2026-03-04T09:00", "--source"]
    code, text = _run_with_stderr_pipe([*args, str(broken)], journal=True)
    assert code == 0
    warnings = [line for line in text.splitlines() if "no-start" in line]
    assert warnings, text
    assert all(line.startswith("<4>watercooler: warning: ") for line in warnings), text
    code, text = _run_with_stderr_pipe([*args, str(tmp_path / "missing.ics")], journal=True)
    assert code == 2
    assert text.startswith("<3>watercooler: error: "), text


def test_outside_the_journal_lines_have_no_prefix(tmp_path: Path) -> None:
    code, text = _run_with_stderr_pipe(
        ["check", "--config", str(_config(tmp_path)), "--source", str(tmp_path / "missing.ics")],
        journal=False,
    )
    assert code == 2
    assert text.startswith("watercooler: error: "), text


def test_a_journal_stream_that_is_not_our_stderr_is_ignored(tmp_path: Path) -> None:
    """A child of a service inherits JOURNAL_STREAM even when its stderr goes elsewhere."""
    environment = dict(os.environ, JOURNAL_STREAM="1:2")
    result = subprocess.run(
        [*watercooler_command(), "check", "--config", str(_config(tmp_path)), "--source",
         str(tmp_path / "missing.ics")],
        capture_output=True, text=True, env=environment, check=False, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.startswith("watercooler: error: "), result.stderr
