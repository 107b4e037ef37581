"""What watercooler writes is readable by its owner alone, and secrets others can read
are pointed out.

Real files, real modes: the state folder made wide beforehand, a real feed fetched into
the cache, a password file left world-readable.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import RunCli
from helpers import calendar, event
from httpserver import FeedServer, Route


@pytest.fixture
def open_umask() -> Iterator[None]:
    """A permissive umask, as on many desktops: files would be 0644 and folders 0755."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.usefixtures("open_umask")
def test_the_database_and_the_feed_cache_are_private_even_in_a_wide_state_folder(
    run_cli: RunCli, tmp_path: Path, feed_server: FeedServer
) -> None:
    state = tmp_path / "state"
    state.mkdir(mode=0o777)
    state.chmod(0o777)
    body = calendar(event("Coffee", "20260310T150000", "20260310T153000")).encode()
    feed_server.routes["/team.ics"] = Route(
        body=body, headers={"Content-Type": "text/calendar", "ETag": '"v1"'}
    )
    config = tmp_path / "config.toml"
    config.write_text(
        f'timezone = "Europe/Berlin"\nstate_dir = "{state}"\n'
        f'[[sources]]\nurl = "{feed_server.url("/team.ics")}"\n',
        encoding="utf-8",
    )
    result = run_cli("check", "--config", str(config), "--now", "2026-03-10T09:00")
    assert result.returncode == 0, result.stderr
    written = list(state.rglob("*"))
    files = [path for path in written if path.is_file()]
    folders = [state, *(path for path in written if path.is_dir())]
    assert any(path.suffix == ".ics" for path in files)  # the feed body was cached
    assert any(path.name == "watercooler.sqlite" for path in files)
    assert {str(path.relative_to(tmp_path)): mode(path) for path in files} == {
        str(path.relative_to(tmp_path)): 0o600 for path in files
    }
    assert {str(path.relative_to(tmp_path)): mode(path) for path in folders} == {
        str(path.relative_to(tmp_path)): 0o700 for path in folders
    }


@pytest.mark.parametrize(("file_mode", "who"), [(0o644, "others"), (0o640, "its group")])
def test_a_password_file_others_can_read_is_warned_about_with_the_fix(
    run_cli: RunCli, tmp_path: Path, file_mode: int, who: str
) -> None:
    secret = tmp_path / "feed password"
    secret.write_text("s3cret-value\n", encoding="utf-8")
    secret.chmod(file_mode)
    ics = tmp_path / "cal.ics"
    ics.write_text(calendar(event("Coffee", "20260310T150000")), encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text(
        'timezone = "Europe/Berlin"\n[[sources]]\n'
        'url = "https://calendar.example.com/ana.ics"\nusername = "ana"\n'
        f'password_file = "{secret.name}"\n',
        encoding="utf-8",
    )
    result = run_cli(
        "check", "--config", str(config), "--source", str(ics), "--now", "2026-03-10T09:00"
    )
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "password file" in line]
    assert warnings == [
        f"watercooler: warning: {secret}: the password file is readable by {who} "
        f"(mode {file_mode:03o}); run: chmod 600 '{secret}'"
    ]
    assert "s3cret-value" not in result.stderr
    secret.chmod(0o600)
    quiet = run_cli(
        "check", "--config", str(config), "--source", str(ics), "--now", "2026-03-10T09:00"
    )
    assert "password file" not in quiet.stderr
