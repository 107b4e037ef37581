"""What a first-time user meets: an empty calendar, a `me` left unset.

Each test runs the installed console script on real files with ``--now`` fixed. A source
named in a message is given by a short relative path: the message shortens a name past 80
characters, and a temporary folder's path is longer under pytest-xdist (``popen-gw1/``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import RunCli
from helpers import ME, calendar, event

NOW = "2026-03-04T09:00:00+01:00"


def _config(tmp_path: Path, *, me: bool) -> Path:
    path = tmp_path / "config.toml"
    lines = ['timezone = "Europe/Berlin"', f"state_dir = {json.dumps(str(tmp_path / 'state'))}"]
    if me:
        lines.append(f'me = ["{ME}"]')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _write(path: Path, *components: str) -> Path:
    path.write_text(calendar(*components), encoding="utf-8")
    return path


def _invited(path: Path) -> Path:
    return _write(
        path,
        event(
            "Coffee with Sam",
            "20260304T150000",
            "20260304T153000",
            attendees=[(ME, "DECLINED"), ("sam@example.com", "ACCEPTED")],
        ),
    )


def test_a_calendar_with_no_events_in_the_range_says_so_instead_of_a_page_of_free_days(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = _config(tmp_path, me=True)
    old = _write(Path("2020.ics"), event("Lunch with Bo", "20200304T120000", "20200304T130000"))
    result = run_cli("check", "--config", str(config), "--source", str(old), "--now", NOW)
    assert result.returncode == 0, result.stderr
    assert f"no events between Wed 25 Feb and Wed 11 Mar 2026 in {old}." in result.stdout
    assert "--days-back" in result.stdout
    assert "free for lunch" not in result.stdout  # no row per day
    assert "◀ today" not in result.stdout
    as_json = run_cli(
        "check", "--config", str(config), "--source", str(old), "--now", NOW, "--format", "json"
    )
    assert len(json.loads(as_json.stdout)["days"]) == 15  # the JSON contract is unchanged


def test_an_empty_source_beside_a_full_one_is_named_under_the_table(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = _config(tmp_path, me=True)
    empty = _write(Path("empty.ics"))
    work = _invited(tmp_path / "work.ics")
    args = ("check", "--config", str(config), "--now", NOW)
    result = run_cli(*args, "--source", str(work), "--source", str(empty))
    assert result.returncode == 0, result.stderr
    assert "Wed 04 Mar" in result.stdout
    assert result.stdout.count("no events") == 1
    assert f"no events in this range: {empty}" in result.stdout


def test_me_unset_warns_once_how_to_set_it_when_an_event_has_attendees(
    run_cli: RunCli, tmp_path: Path
) -> None:
    work = _invited(tmp_path / "work.ics")
    unset = _config(tmp_path, me=False)
    result = run_cli("check", "--config", str(unset), "--source", str(work), "--now", NOW)
    assert result.returncode == 0, result.stderr
    [warning] = [line for line in result.stderr.splitlines() if "`me` is not set" in line]
    assert f"to {unset}" in warning
    assert 'me = ["you@example.com"]' in warning
    assert (
        "accepted"
        in json.loads(
            run_cli(
                "check",
                "--config",
                str(unset),
                "--source",
                str(work),
                "--now",
                NOW,
                "--format",
                "json",
            ).stdout
        )["social"][0]["status"]
    )  # what the warning says happens


def test_no_me_warning_when_me_is_set_or_no_event_has_attendees(
    run_cli: RunCli, tmp_path: Path
) -> None:
    work = _invited(tmp_path / "work.ics")
    with_me = run_cli(
        "check", "--config", str(_config(tmp_path, me=True)), "--source", str(work), "--now", NOW
    )
    assert with_me.returncode == 0
    assert "`me`" not in with_me.stderr
    solo = _write(tmp_path / "solo.ics", event("Lunch at my desk", "20260304T120000"))
    unset = _config(tmp_path, me=False)
    alone = run_cli("check", "--config", str(unset), "--source", str(solo), "--now", NOW)
    assert alone.returncode == 0
    assert "`me`" not in alone.stderr
