"""Twelve generated weeks of history through every progress command and format: the
report's counts are the calendar's, the holiday week is a rest week that breaks no run,
and text, Markdown, JSON and HTML say the same; people and the weekly reflection agree."""

from __future__ import annotations

import json
import re
import stat
import subprocess
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from conftest import RunCli, watercooler_command
from history_calendar import HOLIDAY, HistoryCalendar, write_history_calendar, write_history_config

PEOPLE = '\n[[people]]\nname = "Bo"\nemail = "bo@example.com"\nevery = "1w"\n'


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> tuple[HistoryCalendar, Path]:
    """The twelve weeks, recorded by one send-due at their end (the first run backfills)."""
    folder = tmp_path_factory.mktemp("progress")
    cal = write_history_calendar(folder / "history.ics")
    config = write_history_config(folder, cal)
    config.write_text(config.read_text(encoding="utf-8") + PEOPLE, encoding="utf-8")
    done = subprocess.run(
        [*watercooler_command(), "send-due", "--config", str(config), "--now",
         cal.end.isoformat()],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return cal, config


def report(run_cli: RunCli, config: Path, cal: HistoryCalendar, *args: str) -> str:
    done = run_cli("report", "--config", str(config), "--now", cal.end.isoformat(), *args)
    assert done.returncode == 0, done.stderr
    return done.stdout


def expected_weeks(cal: HistoryCalendar) -> list[dict[str, Any]]:
    """Each week as the calendar says it must be: counts, rest, goals met, the run."""
    weeks = []
    run = 0
    for number in range(12):
        monday = cal.first + timedelta(weeks=number)
        days = [monday + timedelta(days=n) for n in range(7)]
        lunches = Counter(cal.days[d] for d in days)
        socials = Counter(s.status for s in cal.socials if s.day in days)
        attended = socials["accepted"] + socials["tentative"]
        people = len(cal.people_by_week[monday])
        at_work = sum(1 for d in days[:5] if cal.days[d] != "off")
        rest = at_work * 2 < 5
        met = lunches["social"] >= 2 and people >= 3 and attended >= 1
        if not rest:
            run = run + 1 if met else 0
        weeks.append({"monday": monday, "lunches": lunches, "socials": socials,
                      "people": people, "rest": rest, "met": met, "run": run})  # fmt: skip
    return weeks


def test_the_json_report_has_the_calendars_counts_and_runs(
    run_cli: RunCli, recorded: tuple[HistoryCalendar, Path]
) -> None:
    cal, config = recorded
    document = json.loads(report(run_cli, config, cal, "--weeks", "12", "--format", "json"))
    weeks = document["weeks"]
    assert len(weeks) == 12
    for shown, wanted in zip(weeks, expected_weeks(cal), strict=True):
        assert shown["monday"] == wanted["monday"].isoformat()
        for outcome in ("social", "alone", "skipped", "free", "off"):
            assert shown["lunches"][outcome] == wanted["lunches"][outcome], (shown, outcome)
        assert shown["lunches"]["unknown"] == 0
        for status, count in wanted["socials"].items():
            assert shown["socials"][status] == count, (shown["monday"], status)
        assert shown["people"]["count"] == wanted["people"]
        assert shown["rest"] == wanted["rest"]
        assert shown["streak"] == wanted["run"]
    holiday = next(w for w in weeks if w["monday"] == HOLIDAY.isoformat())
    assert holiday["rest"] is True
    assert document["streak"]["best"] == max(w["run"] for w in expected_weeks(cal))


def test_every_format_shows_the_twelve_weeks(
    run_cli: RunCli, recorded: tuple[HistoryCalendar, Path], tmp_path: Path
) -> None:
    cal, config = recorded
    mondays = [(cal.first + timedelta(weeks=n)).isocalendar() for n in range(12)]
    labels = [f"{year}-W{week:02d}" for year, week, _ in mondays]
    text = report(run_cli, config, cal, "--weeks", "12", "--colour", "never")
    assert "\x1b" not in text
    assert all(label in text for label in labels)
    assert re.search(r"^Mon  [#ox=\-?. ]+$", text, re.MULTILINE)
    coloured = report(run_cli, config, cal, "--weeks", "12", "--colour", "always")
    assert "\x1b[" in coloured
    markdown = report(run_cli, config, cal, "--weeks", "12", "--format", "markdown")
    rows = [line for line in markdown.splitlines() if line.startswith("| 20")]
    assert len(rows) == 12
    folder = tmp_path / "shared"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    page = folder / "report.html"
    said = report(run_cli, config, cal, "--weeks", "12", "--format", "html", "--output", str(page))
    assert str(page) in said
    # The file names people: only its owner reads it; the user's folder is left as it was.
    assert stat.S_IMODE(page.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o755
    html = page.read_text(encoding="utf-8")
    assert "<script" not in html
    assert all(label in html for label in labels)
    four = report(run_cli, config, cal, "--weeks", "4", "--colour", "never")
    assert labels[-1] in four
    assert labels[-5] not in four


def test_people_and_the_weekly_reflection_agree_with_the_report(
    run_cli: RunCli, recorded: tuple[HistoryCalendar, Path]
) -> None:
    cal, config = recorded
    listed = run_cli("people", "--config", str(config), "--now", cal.end.isoformat(),
                     "--format", "json")  # fmt: skip
    assert listed.returncode == 0, listed.stderr
    (bo,) = json.loads(listed.stdout)["people"]
    weeks_with_bo = sorted(m for m, met in cal.people_by_week.items() if "bo@example.com" in met)
    last_seen = date.fromisoformat(bo["last_contact"][:10])
    assert weeks_with_bo[-1] <= last_seen <= weeks_with_bo[-1] + timedelta(days=6)
    assert bo["meetings"] >= len(weeks_with_bo)
    friday = cal.last - timedelta(days=2)
    checked = run_cli("check", "--config", str(config), "--now", f"{friday}T14:00:00+02:00",
                      "--format", "json", "--days-back", "0", "--days-ahead", "0")  # fmt: skip
    assert checked.returncode == 0, checked.stderr
    (reflection,) = [n for n in json.loads(checked.stdout)["nudges"]
                     if n["rule"] == "weekly-reflection"]  # fmt: skip
    wanted = expected_weeks(cal)[-1]
    assert f"{wanted['lunches']['social']}/2 social lunches" in reflection["body"]
    assert f"{wanted['people']}/3 people met" in reflection["body"]
    assert "From the journal: " in reflection["body"]


def test_the_report_before_any_history_says_so(run_cli: RunCli, tmp_path: Path) -> None:
    cal = write_history_calendar(tmp_path / "history.ics")
    config = write_history_config(tmp_path, cal)
    done = run_cli("report", "--config", str(config), "--now", cal.end.isoformat(),
                   "--format", "json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["weeks"] == []
    assert document["streak"] == {"current": 0, "best": 0, "goals": {}}
    assert document["summary"].startswith("No history yet")
    text = run_cli("report", "--config", str(config), "--now", cal.end.isoformat())
    assert "No history yet" in text.stdout
    bad = run_cli("report", "--config", str(config), "--weeks", "0")
    assert bad.returncode == 2
    assert "between 1 and 104" in bad.stderr
