"""The history the ticks record, through the command line: an edit to a past event changes
it, a calendar that could not be read leaves unknown days (filled in once it can), the
first run backfills, and keep-in-touch counts small groups only, across a DST change."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from conftest import RunCli
from helpers import ME, calendar, event

BOB = "bob@example.com"
EVE = "eve@example.com"


def write_config(folder: Path, sources: list[Path], extra: str = "") -> Path:
    config = folder / "config.toml"
    entries = "".join(f'[[sources]]\nurl = "{source}"\n' for source in sources)
    config.write_text(
        f'timezone = "Europe/Berlin"\nme = ["{ME}"]\nstate_dir = "{folder / "state"}"\n'
        f"{extra}\n{entries}[notify]\ndesktop = false\n",
        encoding="utf-8",
    )
    return config


def lunch_days(folder: Path) -> dict[str, str]:
    with sqlite3.connect(folder / "state" / "watercooler.sqlite") as db:
        return dict(db.execute("SELECT day, outcome FROM lunch_days"))


def report(run_cli: RunCli, config: Path, now: str, weeks: int = 2) -> dict[str, Any]:
    done = run_cli("report", "--config", str(config), "--now", now, "--weeks", str(weeks),
                   "--format", "json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def test_an_edit_to_a_past_event_changes_the_history(tmp_path: Path, run_cli: RunCli) -> None:
    ics = tmp_path / "work.ics"
    ics.write_text(calendar(event("Lunch at my desk", "20260310T120000", "20260310T123000",
                                  uid="lunch@t")), encoding="utf-8")  # fmt: skip
    config = write_config(tmp_path, [ics])
    now = "2026-03-13T17:00:00+01:00"
    assert run_cli("send-due", "--config", str(config), "--now", now).returncode == 0
    assert lunch_days(tmp_path)["2026-03-10"] == "alone"
    ics.write_text(calendar(event("Team lunch", "20260310T120000", "20260310T130000",
                                  uid="lunch@t", attendees=[(ME, "ACCEPTED"), (BOB, "ACCEPTED")])),
                   encoding="utf-8")  # fmt: skip
    assert run_cli("send-due", "--config", str(config), "--now", now).returncode == 0
    assert lunch_days(tmp_path)["2026-03-10"] == "social"
    week = report(run_cli, config, now)["weeks"][-1]
    assert week["lunches"]["social"] == 1
    assert week["lunches"]["alone"] == 0
    assert week["people"]["count"] == 1


def test_an_edit_weeks_back_reaches_the_history_by_the_next_day(
    tmp_path: Path, run_cli: RunCli
) -> None:
    ics = tmp_path / "work.ics"
    ics.write_text(calendar(event("Lunch at my desk", "20260217T120000", "20260217T123000",
                                  uid="old@t")), encoding="utf-8")  # fmt: skip
    config = write_config(tmp_path, [ics])
    assert run_cli("send-due", "--config", str(config), "--now",
                   "2026-03-13T17:00:00+01:00").returncode == 0  # fmt: skip
    assert lunch_days(tmp_path)["2026-02-17"] == "alone"
    ics.write_text(calendar(event("Team lunch", "20260217T120000", "20260217T130000",
                                  uid="old@t", attendees=[(ME, "ACCEPTED"), (BOB, "ACCEPTED")])),
                   encoding="utf-8")  # fmt: skip
    assert run_cli("send-due", "--config", str(config), "--now",
                   "2026-03-14T09:00:00+01:00").returncode == 0  # fmt: skip
    assert lunch_days(tmp_path)["2026-02-17"] == "social"


def test_days_a_calendar_could_not_be_read_are_unknown_until_it_can_be(
    tmp_path: Path, run_cli: RunCli
) -> None:
    good, missing = tmp_path / "work.ics", tmp_path / "gone.ics"
    good.write_text(calendar(event("Lunch at my desk", "20260310T120000", "20260310T123000")),
                    encoding="utf-8")  # fmt: skip
    config = write_config(tmp_path, [good, missing])
    now = "2026-03-13T17:00:00+01:00"
    failed = run_cli("send-due", "--config", str(config), "--now", now)
    assert failed.returncode == 2
    days = lunch_days(tmp_path)
    assert {days[f"2026-03-{d:02d}"] for d in range(6, 14)} == {"unknown"}
    assert "2026-03-14" not in days  # still ahead: not marked
    missing.write_text(calendar(), encoding="utf-8")
    assert run_cli("send-due", "--config", str(config), "--now", now).returncode == 0
    days = lunch_days(tmp_path)
    assert days["2026-03-10"] == "alone"
    assert "unknown" not in set(days.values())


def test_the_first_run_backfills_the_weeks_before_it(tmp_path: Path, run_cli: RunCli) -> None:
    ics = tmp_path / "work.ics"
    ics.write_text(calendar(event("Lunch at my desk", "20260105T120000", "20260105T123000")),
                   encoding="utf-8")  # fmt: skip
    config = write_config(tmp_path, [ics], "backfill_weeks = 12")
    assert run_cli("send-due", "--config", str(config), "--now",
                   "2026-03-13T17:00:00+01:00").returncode == 0  # fmt: skip
    days = lunch_days(tmp_path)
    assert days["2026-01-05"] == "alone"  # ten weeks before the first run
    assert min(days) == "2025-12-19"  # twelve weeks back
    journal = report(run_cli, config, "2026-03-13T17:00:00+01:00", weeks=12)
    assert journal["weeks"][2]["lunches"]["alone"] == 1


def contact_calendar() -> str:
    """Lunch with Bob on Friday 27 March 2026 (CET), two days before the DST change; an
    all-hands with Eve and 20 others on 1 April (CEST)."""
    crowd = [(f"p{n}@example.com", "ACCEPTED") for n in range(20)]
    return calendar(
        event("Lunch with Bob", "20260327T120000", "20260327T130000",
              attendees=[(ME, "ACCEPTED"), (BOB, "ACCEPTED")]),
        event("All-hands lunch", "20260401T120000", "20260401T130000",
              attendees=[(ME, "ACCEPTED"), (EVE, "ACCEPTED"), *crowd]),
    )  # fmt: skip


PEOPLE = """
[[people]]
name = "Bob"
email = "BOB@example.com"
every = "1w"
[[people]]
name = "Eve"
email = ["mailto:eve@example.com"]
every = "2w"
"""


def recorded_contacts(tmp_path: Path, run_cli: RunCli, now: str) -> Path:
    """The contact calendar with Bob and Eve to keep in touch with, recorded at ``now``."""
    ics = tmp_path / "work.ics"
    ics.write_text(contact_calendar(), encoding="utf-8")
    config = write_config(tmp_path, [ics], PEOPLE)
    done = run_cli("send-due", "--config", str(config), "--now", now)
    assert done.returncode == 0, done.stderr
    return config


def people(run_cli: RunCli, config: Path, now: str) -> dict[str, dict[str, Any]]:
    done = run_cli("people", "--config", str(config), "--now", now, "--format", "json")
    assert done.returncode == 0, done.stderr
    return {p["name"]: p for p in json.loads(done.stdout)["people"]}


def test_keep_in_touch_across_a_dst_change_counts_small_groups_only(
    tmp_path: Path, run_cli: RunCli
) -> None:
    config = recorded_contacts(tmp_path, run_cli, "2026-04-02T17:00:00+02:00")
    before = people(run_cli, config, "2026-04-03T11:59:00+02:00")
    # A week after Friday 12:00 CET is Friday 12:00 CEST: the wall clock, not 168 hours.
    assert before["Bob"]["last_contact"] == "2026-03-27T12:00:00+01:00"
    assert before["Bob"]["next_due"] == "2026-04-03T12:00:00+02:00"
    assert before["Bob"]["overdue"] is False
    assert people(run_cli, config, "2026-04-03T12:00:00+02:00")["Bob"]["overdue"] is True
    # The all-hands has 22 people: more than max_group (8), so it is no contact with Eve.
    assert before["Eve"]["last_contact"] is None
    assert before["Eve"]["overdue"] is True
    listing = run_cli("people", "--config", str(config), "--now", "2026-04-03T11:59:00+02:00")
    assert "Bob" in listing.stdout
    assert "no contact recorded" in listing.stdout


def nudges(run_cli: RunCli, config: Path, now: str, days_back: int = 0) -> list[dict[str, Any]]:
    done = run_cli("check", "--config", str(config), "--now", now, "--format", "json",
                   "--days-back", str(days_back), "--days-ahead", "0")  # fmt: skip
    assert done.returncode == 0, done.stderr
    return [n for n in json.loads(done.stdout)["nudges"] if n["rule"] == "keep-in-touch"]


def test_the_keep_in_touch_rule_fires_for_someone_overdue_with_a_free_gap(
    tmp_path: Path, run_cli: RunCli
) -> None:
    config = recorded_contacts(tmp_path, run_cli, "2026-04-02T17:00:00+02:00")
    monday_after = {n["title"]: n for n in nudges(run_cli, config, "2026-03-30T08:00:00+02:00")}
    assert "Time to see Bob" not in monday_after  # seen on Friday, due again on Friday
    assert "Time to see Eve" in monday_after
    later = {n["title"]: n for n in nudges(run_cli, config, "2026-04-06T08:00:00+02:00")}
    bob = later["Time to see Bob"]
    assert bob["due"] == "2026-04-06T10:30:00+02:00"
    assert "Last meeting with Bob: on Fri 27 Mar" in bob["body"]
    assert "Mon 09:00–10:00 is free this week" in bob["body"]


def test_people_forget_removes_someone_and_a_new_read_does_not_bring_them_back(
    tmp_path: Path, run_cli: RunCli
) -> None:
    now = "2026-03-31T17:00:00+02:00"
    config = recorded_contacts(tmp_path, run_cli, now)
    assert people(run_cli, config, now)["Bob"]["meetings"] == 1
    forgot = run_cli("people", "forget", "bob", "--config", str(config), "--now", now)
    assert forgot.returncode == 0, forgot.stderr
    assert "1 recorded contact removed" in forgot.stdout
    assert run_cli("send-due", "--config", str(config), "--now", now).returncode == 0
    assert people(run_cli, config, now)["Bob"]["last_contact"] is None
    # Nor do the rules see him in the days they judge, though the calendar still has the lunch.
    monday = [n["title"] for n in nudges(run_cli, config, "2026-03-30T08:00:00+02:00", 7)
              if n["due"].startswith("2026-03-30")]  # fmt: skip
    assert "Time to see Bob" in monday
    unknown = run_cli("people", "forget", "nobody", "--config", str(config), "--now", now)
    assert unknown.returncode == 2
    assert "nobody called 'nobody'" in unknown.stderr
