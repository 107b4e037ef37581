"""``watercooler journal`` as users run it, over twelve weeks of recorded history.

Each test writes the generated twelve-week calendar (tests/history_calendar.py) and a config,
runs ``send-due`` at the end of the last week (the first run backfills twelve weeks of
history from the calendar), then runs the journal commands against the real state database
and the notes file beside it.
"""

from __future__ import annotations

import json
import sqlite3
import stat
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from caldav_servers import XandikosServer, make_calendar, put_event
from conftest import RunCli
from history_calendar import HistoryCalendar, write_history_calendar, write_history_config

NOW = "2026-05-24T20:00"


class History:
    """The calendar, its config, and the commands run against them."""

    def __init__(
        self,
        tmp_path: Path,
        run_cli: RunCli,
        *,
        redact: bool = False,
        cal: HistoryCalendar | None = None,
        source: str | None = None,
    ) -> None:
        self.tmp_path = tmp_path
        self.run_cli = run_cli
        self.cal = cal or write_history_calendar(tmp_path / "history.ics")
        self.config = write_history_config(tmp_path, self.cal, redact=redact, source=source)
        self.state = tmp_path / "state"
        self.send_due()

    def run(self, *args: str, ok: bool = True) -> Any:
        result = self.run_cli(*args, "--config", str(self.config), "--now", NOW)
        if ok:
            assert result.returncode == 0, result.stdout + result.stderr
        return result

    def send_due(self) -> None:
        self.run("send-due")

    def journal(self, *args: str) -> dict[str, Any]:
        document: dict[str, Any] = json.loads(
            self.run("journal", "--weeks", "12", "--format", "json", *args).stdout
        )
        return document

    def entries(self, *args: str) -> list[dict[str, Any]]:
        return [
            {**entry, "date": day["date"]}
            for week in self.journal(*args)["weeks"]
            for day in week["days"]
            for entry in day["entries"]
        ]

    def notes(self) -> dict[int, tuple[str, str]]:
        return {
            note["id"]: (day["date"], note["text"])
            for week in self.journal()["weeks"]
            for day in week["days"]
            for note in day["notes"]
        }

    def listed(self, *args: str) -> list[str]:
        return [entry["key"] for entry in self.entries(*args)]


@pytest.fixture
def history(tmp_path: Path, run_cli: RunCli) -> History:
    return History(tmp_path, run_cli)


def test_the_journal_lists_exactly_the_missed_chances_of_twelve_weeks_with_their_evidence(
    history: History,
) -> None:
    document = history.journal()
    assert document["weeks"][0]["monday"] == "2026-03-02"
    assert len(document["weeks"]) == 12
    expected = history.cal.missed()
    got = history.entries()
    assert [(e["key"], e["date"], e["kind"], tuple(e["evidence"])) for e in got] == [
        (m.key, m.day.isoformat(), m.kind, m.evidence) for m in expected
    ]
    kinds = {e["kind"] for e in got}
    assert kinds == {"desk lunch", "lunch lost to meetings", "declined", "double-booked",
                     "left unanswered"}  # fmt: skip
    lost = next(e for e in got if e["kind"] == "lunch lost to meetings")
    assert lost["evidence"] in (["Sprint review", "1:1 Bo"], ["Budget planning", "Vendor call"])
    clash = next(e for e in got if e["kind"] == "double-booked")
    assert clash["evidence"] == ["Client call"]
    socials = {f"social/{s.subject}": s for s in history.cal.socials}
    for entry in got:
        if entry["key"].startswith("social/"):
            social = socials[entry["key"]]
            assert entry["title"] == social.title
            assert entry["start"] == social.start.isoformat()
    # the holiday week and the accepted, tentative and cancelled socials give nothing
    assert not any("2026-04-13" <= e["date"] <= "2026-04-16" for e in got)
    assert sum(w["missed"] for w in document["weeks"]) == len(expected)


def test_the_text_listing_groups_by_week_and_day_with_the_keys_the_commands_take(
    history: History,
) -> None:
    history.run("journal", "add", "was ill, stayed in", "--date", "2026-03-03")
    text = history.run("journal", "--weeks", "12").stdout
    assert text.count("Week of ") == 12
    assert "Week of Mon 2 Mar 2026 (2026-W10): " in text
    lines = text.splitlines()
    desk = lines.index("Tue 3 Mar   desk lunch  [lunch/2026-03-03]")
    assert lines[desk + 1].strip() == "lunch: Lunch at desk"
    assert lines[desk + 2].strip() == "note 1: was ill, stayed in"
    lost = next(i for i, line in enumerate(lines) if "[lunch/2026-03-05]" in line)
    assert "lunch lost to meetings" in lines[lost]
    assert lines[lost + 1].strip() == "meetings: Budget planning, Vendor call"
    clash = next(s for s in history.cal.socials if s.status == "conflicted")
    at = next(i for i, line in enumerate(lines) if f"[social/{clash.subject}]" in line)
    assert f"double-booked — {clash.title} at {clash.start:%H:%M}" in lines[at]
    assert lines[at + 1].strip() == "clashed with: Client call"


def test_notes_are_added_edited_and_deleted_by_id(history: History) -> None:
    added = history.run("journal", "add", "  was ill,\n stayed in ", "--date", "2026-03-10")
    assert added.stdout == "added note 1 to Tue 2026-03-10: was ill, stayed in\n"
    # --now before the action counts as after it: today is 24 May
    before = history.run_cli("journal", "--now", NOW, "add", "nice talk at the coffee machine",
                             "--config", str(history.config))  # fmt: skip
    assert before.stdout == "added note 2 to Sun 2026-05-24: nice talk at the coffee machine\n"
    assert history.notes() == {
        1: ("2026-03-10", "was ill, stayed in"),
        2: ("2026-05-24", "nice talk at the coffee machine"),
    }
    history.run("journal", "edit", "1", "was ill; stayed home")
    history.run("journal", "delete", "2")
    assert history.notes() == {1: ("2026-03-10", "was ill; stayed home")}
    kept = (history.state / "journal-notes.jsonl").read_text(encoding="utf-8")
    assert "was ill; stayed home" in kept
    assert "coffee machine" not in kept


WRONG = [
    (("add", "   "), "the note is empty"),
    (("add", "x", "--date", "2026-02-30"), "not a date like 2026-03-10"),
    (("add", "x", "--date", "2026-05-25"), "2026-05-25 is still ahead"),
    (("edit", "7", "text"), "no note 7 (there are no notes"),
    (("delete", "7"), "no note 7"),
    (("dismiss", "2026-03-04"), "2026-03-04 has no missed lunch"),
    (("dismiss", "social/nothing@20260304T140000Z"), "no missed chance"),
    (("dismiss", "coffee"), "neither an entry's key"),
    (("undismiss", "2026-03-03"), "lunch/2026-03-03 is not dismissed"),
]


def test_a_wrong_id_date_or_text_is_one_line_and_changes_nothing(history: History) -> None:
    for args, message in WRONG:
        result = history.run("journal", *args, ok=False)
        assert result.returncode == 2, args
        assert message in result.stderr, args
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert history.notes() == {}
    assert len(history.entries()) == len(history.cal.missed())
    assert not (history.state / "journal-notes.jsonl").exists()


def test_a_dismissed_entry_leaves_the_listing_and_all_shows_it_with_its_reason(
    history: History,
) -> None:
    declined = next(s for s in history.cal.socials if s.status == "declined")
    history.run("journal", "dismiss", "2026-03-03", "--reason", "ate with Bo, not booked")
    said = history.run("journal", "dismiss", f"social/{declined.subject}")
    assert said.stdout.startswith(f"dismissed social/{declined.subject}")
    keys = history.listed()
    assert "lunch/2026-03-03" not in keys
    assert f"social/{declined.subject}" not in keys
    assert len(keys) == len(history.cal.missed()) - 2
    shown = {e["key"]: e for e in history.entries("--all")}
    assert shown["lunch/2026-03-03"]["dismissed"] is True
    assert shown["lunch/2026-03-03"]["reason"] == "ate with Bo, not booked"
    assert len(shown) == len(history.cal.missed())
    text = history.run("journal", "--weeks", "12", "--all").stdout
    assert "dismissed: ate with Bo, not booked" in text
    history.run("journal", "undismiss", "2026-03-03")
    assert "lunch/2026-03-03" in history.listed()


def test_export_writes_markdown_with_every_week_and_the_notes_under_their_day(
    history: History,
) -> None:
    history.run("journal", "add", "lunch with *Bo* [not booked]", "--date", "2026-04-17")
    target = history.tmp_path / "notes" / "journal.md"
    said = history.run("journal", "export", "--weeks", "12", "--output", str(target))
    assert str(target) in said.stdout
    markdown = target.read_text(encoding="utf-8")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    for week in history.journal()["weeks"]:
        assert f"({week['iso_week']})\n" in markdown
    assert markdown.count("\n## Week of ") == 12
    day = markdown.index("### Fri 17 Apr\n")
    assert markdown.index("- Note: lunch with \\*Bo\\* \\[not booked\\]", day) > day
    assert "- lunch lost to meetings (meetings: Budget planning, Vendor call)" in markdown
    assert history.run("journal", "export", "--weeks", "12").stdout == markdown


def test_export_keeps_dismissed_entries_and_their_reasons_only_with_all(history: History) -> None:
    history.run("journal", "dismiss", "2026-03-03", "--reason", "ate with Bo, not booked")
    plain = history.run("journal", "export", "--weeks", "12").stdout
    everything = history.run("journal", "export", "--weeks", "12", "--all").stdout
    assert "ate with Bo" not in plain
    day = everything.index("### Tue 3 Mar\n")
    assert everything.index("dismissed: ate with Bo, not booked", day) > day
    assert everything.count("\n- ") == plain.count("\n- ") + 1


def test_notes_and_dismissals_survive_a_full_resync(history: History) -> None:
    history.run("journal", "add", "was ill", "--date", "2026-03-03")
    history.run("journal", "dismiss", "2026-03-05", "--reason", "a good lunch meeting")
    with sqlite3.connect(history.state / "watercooler.sqlite") as db:
        for table in ("objects", "collections", "parse_cache", "lunch_days", "social_seen",
                      "contacts"):  # fmt: skip
            db.execute(f"DELETE FROM {table}")  # noqa: S608 - the table names are ours
    assert history.entries() == []
    history.send_due()
    assert history.notes() == {1: ("2026-03-03", "was ill")}
    expected = [m.key for m in history.cal.missed() if m.key != "lunch/2026-03-05"]
    assert history.listed() == expected


def test_notes_and_dismissals_survive_a_caldav_resync_after_an_invalidated_sync_token(
    tmp_path: Path, run_cli: RunCli, xandikos: XandikosServer
) -> None:
    cal = write_history_calendar(tmp_path / "history.ics")
    url = make_calendar(xandikos.home_url(), "work", xandikos.auth)
    for number, text in enumerate(cal.objects.values()):
        put_event(url, f"{number}.ics", text, xandikos.auth)
    history = History(tmp_path, run_cli, cal=cal, source=url)
    declined = next(s for s in cal.socials if s.status == "declined")
    history.run("journal", "add", "was ill", "--date", "2026-03-03")
    history.run("journal", "dismiss", f"social/{declined.subject}", "--reason", "was away")
    database = history.state / "watercooler.sqlite"
    with sqlite3.connect(database) as db:
        db.execute("UPDATE collections SET sync_token = 'http://invalid/sync/never-was'")
        for table in ("lunch_days", "social_seen", "contacts"):  # the history is read anew
            db.execute(f"DELETE FROM {table}")  # noqa: S608 - the table names are ours
    resync = history.run("send-due")
    assert "sync token" in resync.stderr
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT sync_token FROM collections").fetchone()[0] != (
            "http://invalid/sync/never-was"
        )
    assert history.notes() == {1: ("2026-03-03", "was ill")}
    expected = [m.key for m in cal.missed() if m.key != f"social/{declined.subject}"]
    assert history.listed() == expected
    shown = {e["key"]: e for e in history.entries("--all")}
    assert shown[f"social/{declined.subject}"]["reason"] == "was away"


def test_notes_survive_a_damaged_database_restored_from_the_file_beside_it(
    history: History,
) -> None:
    history.run("journal", "add", "was ill", "--date", "2026-03-03")
    history.run("journal", "dismiss", "2026-03-05", "--reason", "a good lunch meeting")
    database = history.state / "watercooler.sqlite"
    database.write_bytes(b"this is no database " * 500)
    result = history.run("journal", "--weeks", "12")
    assert "note 1: was ill" in result.stdout
    notes_file = history.state / "journal-notes.jsonl"
    assert f"{notes_file}: the database held no journal notes; restored 1 note and 1 " \
        "dismissed entry from this file" in result.stderr  # fmt: skip
    assert list(history.state.glob("watercooler.sqlite.corrupt-*"))
    history.send_due()
    assert history.notes() == {1: ("2026-03-03", "was ill")}
    assert "lunch/2026-03-05" not in history.listed()
    assert "lunch/2026-03-05" in history.listed("--all")


def test_an_edit_to_a_past_desk_lunch_removes_its_missed_chance(history: History) -> None:
    day = max(history.cal.workdays_of("alone"))
    assert day == date(2026, 5, 20)
    assert f"lunch/{day}" in history.listed()
    write_history_calendar(history.cal.path, overrides={day: "team"})
    history.send_due()
    assert f"lunch/{day}" not in history.listed()
    assert len(history.listed()) == len(history.cal.missed()) - 1


def test_with_redact_the_journal_shows_what_happened_without_titles(
    tmp_path: Path, run_cli: RunCli
) -> None:
    history = History(tmp_path, run_cli, redact=True)
    text = history.run("journal", "--weeks", "12").stdout
    assert "titles are not kept" in text
    clash = next(s for s in history.cal.socials if s.status == "conflicted")
    assert f"double-booked — a social event at {clash.start:%H:%M}" in text
    assert "meetings: 2 events" in text
    for title in ("Lunch at desk", "Sprint review", "Client call", clash.title):
        assert title not in text
    assert history.journal()["redacted"] is True


def test_the_readme_example_is_what_the_journal_prints(history: History) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    start = readme.index("The journal of the last week, after that note and that dismissal")
    body = readme.index("\n", readme.index("```", start)) + 1
    shown = readme[body : readme.index("```", body)]
    history.run("journal", "add", "was ill, stayed in", "--date", "2026-05-19")
    history.run("journal", "dismiss", "2026-05-20", "--reason", "ate with Bo, not in the calendar")
    assert history.run("journal", "--weeks", "1").stdout == shown


def test_before_anything_ran_the_journal_says_how_history_is_recorded(
    tmp_path: Path, run_cli: RunCli
) -> None:
    config = write_history_config(tmp_path, write_history_calendar(tmp_path / "history.ics"))
    result = run_cli("journal", "--config", str(config), "--now", NOW)
    assert result.returncode == 0, result.stderr
    assert "no history is recorded for these weeks yet" in result.stdout
    assert "No missed chances." in result.stdout
    assert not (tmp_path / "state" / "journal-notes.jsonl").exists()
