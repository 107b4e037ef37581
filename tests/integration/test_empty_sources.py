"""Empty is suspect: a feed, vdir or file that held events and suddenly holds none.

Read as it stands, such a calendar would say every event was deleted: pending nudges
dropped, the lunch history rewritten. A feed keeps its last good copy and says so; a
local folder or file has no copy, so the read fails and the run concludes nothing. Through
the installed CLI, with a real feed server, a real Apprise receiver and the real store.
"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import pytest

from conftest import RunCli
from delivery_helpers import delivery_config, only_rules, social_rule
from helpers import ME, calendar, event
from httpserver import FeedServer, Route
from receiver import Receiver

ICS_HEADERS = {"Content-Type": "text/calendar; charset=utf-8"}
COFFEE = event(
    "Coffee with Sam",
    "20260304T150000",
    "20260304T153000",
    uid="coffee@t",
    attendees=[(ME, "DECLINED"), ("sam@example.com", "ACCEPTED")],
)
LUNCH = event(
    "Lunch with Sam",
    "20260303T120000",
    "20260303T130000",
    uid="lunch@t",
    attendees=[(ME, "ACCEPTED"), ("sam@example.com", "ACCEPTED")],
)
NUDGE = "Drop by Coffee with Sam"


@pytest.fixture
def config(tmp_path: Path, receiver: Receiver) -> Path:
    rules = only_rules(tmp_path / "rules", social_rule(expires="3h"))
    return delivery_config(tmp_path, [receiver.url()], rules_dir=rules)


def run(run_cli: RunCli, config: Path, source: str, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, "--config", str(config), "--source", source)


def open_nudges(run_cli: RunCli, config: Path, now: str) -> list[dict[str, Any]]:
    result = run_cli("status", "--format", "json", "--config", str(config), "--now", now)
    assert result.returncode == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    assert document["counts"]["dropped"] == 0
    return [{"title": n["title"], "state": n["state"]} for n in document["open"]]


def lunch_history(config: Path) -> dict[str, str]:
    with sqlite3.connect(config.parent / "state" / "watercooler.sqlite") as db:
        return dict(db.execute("SELECT day, outcome FROM lunch_days").fetchall())


# --- a feed keeps its last good copy ---------------------------------------------------


def test_an_empty_feed_after_a_full_one_keeps_the_nudges_and_the_lunch_history(
    run_cli: RunCli, config: Path, feed_server: FeedServer, receiver: Receiver
) -> None:
    route = Route(body=calendar(COFFEE, LUNCH).encode(), headers=ICS_HEADERS)
    feed_server.routes["/team.ics"] = route
    url = feed_server.url("/team.ics")
    first = run(run_cli, config, url, "send-due", "--now", "2026-03-04T10:00")
    assert first.returncode == 0, first.stderr
    assert open_nudges(run_cli, config, "2026-03-04T10:00") == [
        {"title": NUDGE, "state": "pending"}
    ]
    history = lunch_history(config)
    assert history

    route.body = calendar().encode()  # a valid calendar, without a single event
    emptied = run(run_cli, config, url, "send-due", "--now", "2026-03-04T11:00")
    assert emptied.returncode == 0, emptied.stderr
    [warning] = emptied.stderr.splitlines()
    assert warning.startswith(f"watercooler: warning: {url}: ")
    assert "without events while 2 events are cached; treated as a failed read" in warning
    assert "using the copy from 2026-03-04 10:00" in warning
    assert open_nudges(run_cli, config, "2026-03-04T11:00") == [
        {"title": NUDGE, "state": "pending"}
    ]
    assert lunch_history(config) == history

    # The run goes on from the last good copy: the nudge still arrives when it is due.
    due = run(run_cli, config, url, "send-due", "--now", "2026-03-04T14:50")
    assert due.returncode == 0, due.stderr
    assert [message.title for message in receiver.messages] == [NUDGE]


def test_check_shows_the_cached_events_of_a_feed_that_answered_empty(
    run_cli: RunCli, config: Path, feed_server: FeedServer
) -> None:
    route = Route(body=calendar(COFFEE).encode(), headers=ICS_HEADERS, etag='"v1"')
    feed_server.routes["/team.ics"] = route
    url = feed_server.url("/team.ics")
    args = ("check", "--format", "json", "--now", "2026-03-04T10:00")
    before = run(run_cli, config, url, *args)
    route.body, route.etag = calendar().encode(), '"v2"'
    after = run(run_cli, config, url, *args)
    assert after.returncode == 0, after.stderr
    assert after.stdout == before.stdout
    assert "treated as a failed read" in after.stderr
    # The empty answer is not cached: the next request still asks for the good copy's etag.
    run(run_cli, config, url, *args)
    assert feed_server.requests[-1].headers.get("If-None-Match") == '"v1"'


def test_a_feed_that_was_always_empty_is_read_as_empty(
    run_cli: RunCli, config: Path, feed_server: FeedServer
) -> None:
    feed_server.routes["/team.ics"] = Route(body=calendar().encode(), headers=ICS_HEADERS)
    url = feed_server.url("/team.ics")
    for _ in range(2):
        result = run(run_cli, config, url, "check", "--now", "2026-03-04T10:00")
        assert result.returncode == 0, result.stderr
        assert result.stderr == ""


# --- a local folder or file has no copy: the read fails ---------------------------------


def vdir_with(folder: Path, **files: str) -> Path:
    folder.mkdir(exist_ok=True)
    for name, component in files.items():
        (folder / f"{name}.ics").write_text(calendar(component), encoding="utf-8")
    return folder


def test_a_vdir_emptied_after_a_full_read_is_a_failed_read_that_drops_nothing(
    run_cli: RunCli, config: Path, tmp_path: Path
) -> None:
    folder = vdir_with(tmp_path / "vdir", coffee=COFFEE, lunch=LUNCH)
    first = run(run_cli, config, str(folder), "send-due", "--now", "2026-03-04T10:00")
    assert first.returncode == 0, first.stderr
    history = lunch_history(config)
    for path in folder.iterdir():
        path.unlink()  # an unmounted share, a sync tool that recreated the folder

    emptied = run(run_cli, config, str(folder), "send-due", "--now", "2026-03-04T11:00")
    assert emptied.returncode == 2
    [line] = emptied.stderr.splitlines()
    assert line.startswith(f"watercooler: error: {folder}: the folder holds no .ics file, ")
    assert "but it held 2 at the last read; treated as a failed read" in line
    assert open_nudges(run_cli, config, "2026-03-04T11:00") == [
        {"title": NUDGE, "state": "pending"}
    ]
    assert lunch_history(config) == history
    check = run(run_cli, config, str(folder), "check", "--now", "2026-03-04T11:00")
    assert check.returncode == 2
    assert "treated as a failed read" in check.stderr

    # Emptied on purpose: deleting the file the error names lets the folder be empty.
    found = re.search(r"if you emptied it on purpose, delete (\S+)\)$", line)
    assert found is not None, line
    Path(found.group(1)).unlink()
    again = run(run_cli, config, str(folder), "check", "--now", "2026-03-04T11:00")
    assert again.returncode == 0, again.stderr


def test_a_vdir_that_loses_some_files_reads_the_rest(
    run_cli: RunCli, config: Path, tmp_path: Path
) -> None:
    folder = vdir_with(tmp_path / "vdir", coffee=COFFEE, lunch=LUNCH)
    args = ("check", "--format", "json", "--now", "2026-03-04T10:00")
    assert run(run_cli, config, str(folder), *args).returncode == 0
    (folder / "coffee.ics").unlink()
    result = run(run_cli, config, str(folder), *args)
    assert result.returncode == 0, result.stderr
    assert [item["summary"] for item in json.loads(result.stdout)["social"]] == ["Lunch with Sam"]


def test_a_vdir_that_was_always_empty_is_read_as_empty(
    run_cli: RunCli, config: Path, tmp_path: Path
) -> None:
    folder = vdir_with(tmp_path / "vdir")
    for _ in range(2):
        result = run(run_cli, config, str(folder), "check", "--now", "2026-03-04T10:00")
        assert result.returncode == 0, result.stderr


def test_an_ics_file_rewritten_without_events_is_a_failed_read(
    run_cli: RunCli, config: Path, tmp_path: Path
) -> None:
    path = tmp_path / "work.ics"
    path.write_text(calendar(COFFEE, LUNCH), encoding="utf-8")
    args = ("check", "--now", "2026-03-04T10:00")
    assert run(run_cli, config, str(path), *args).returncode == 0
    path.write_text(calendar(), encoding="utf-8")
    result = run(run_cli, config, str(path), *args)
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert f"{path}: the file holds no events, but it held 2 at the last read" in line


def test_what_a_vdir_held_is_remembered_in_a_private_file(
    run_cli: RunCli, config: Path, tmp_path: Path
) -> None:
    folder = vdir_with(tmp_path / "vdir", coffee=COFFEE, lunch=LUNCH)
    assert run(run_cli, config, str(folder), "check", "--now", "2026-03-04T10:00").returncode == 0
    [record] = (config.parent / "state" / "cache" / "local").iterdir()
    assert record.stat().st_mode & 0o777 == 0o600
    assert record.parent.stat().st_mode & 0o777 == 0o700
    assert json.loads(record.read_text(encoding="utf-8")) == {"path": str(folder), "count": 2}
