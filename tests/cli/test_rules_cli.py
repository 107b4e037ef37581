"""``watercooler rules check|list|explain`` and the ``check`` backtest, through the console
script. Rule files are the user's: the defaults ship in ``rules/``, theirs live in
``$XDG_CONFIG_HOME/watercooler/rules/`` (a temporary folder in every test).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections import Counter
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from conftest import RunCli
from helpers import ME, calendar, event
from watercooler.rulebook.format import PLACEHOLDERS
from watercooler.rulebook.loading import default_rules_dir, load_rulebook

BERLIN = ZoneInfo("Europe/Berlin")
DEFAULT_FILES = {
    "desk-lunch-streak": "lunch.yaml",
    "lunch-swallowed": "lunch.yaml",
    "free-lunch-slot": "lunch.yaml",
    "outreach-quota": "outreach.yaml",
    "deadline-celebration": "outreach.yaml",
    "keep-in-touch": "outreach.yaml",
    "social-unanswered": "social.yaml",
    "social-missed": "social.yaml",
    "monday-plan": "weekly.yaml",
    "weekly-reflection": "weekly.yaml",
}
BROKEN = """\
rules:
  - id: team-lunch-nudge
    tip: 7
    trigger:
      kind: lunch
      outcomes: [alone]
      at_least: 3
      in_last_workdays: 2
    due:
      at: "11:00"
    message:
      title: "{count} alone"
      body: fine
      colour: red
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text('timezone = "Europe/Berlin"\nme = ["ana@example.com"]\n', encoding="utf-8")
    return path


@pytest.fixture
def user_rules() -> Path:
    """The user's rules folder under the test's $XDG_CONFIG_HOME."""
    return Path(os.environ["XDG_CONFIG_HOME"]) / "watercooler" / "rules"


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def rule_text(rule_id: str, *, tip: int = 2, extra: str = "") -> str:
    return (
        "rules:\n"
        f"  - id: {rule_id}\n"
        f"    tip: {tip}\n"
        f"{extra}"
        "    trigger: {kind: lunch, outcomes: [alone]}\n"
        '    due: {at: "11:00"}\n'
        "    message: {title: mine, body: mine}\n"
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("watercooler: error: ")
    for fragment in fragments:
        assert fragment in lines[0]


# -- rules check --------------------------------------------------------------------------


def test_rules_check_on_the_defaults_exits_0_and_counts_them(run_cli: RunCli, config: Path) -> None:
    result = run_cli("--config", str(config), "rules", "check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == "10 rules valid\n"


def test_rules_check_on_the_shipped_folder_exits_0(run_cli: RunCli) -> None:
    result = run_cli("rules", "check", str(default_rules_dir()))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == "10 rules valid\n"


def test_rules_check_on_a_broken_file_exits_1_with_a_line_per_problem(
    run_cli: RunCli, tmp_path: Path
) -> None:
    path = write(tmp_path, "team.yaml", BROKEN)
    result = run_cli("rules", "check", str(path))
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == "3 problems found"
    assert sorted(lines[:-1]) == sorted(
        [
            f"{path}:3: at 'rules[0].tip': Input should be less than or equal to 4",
            f"{path}:4: at 'rules[0].trigger': at_least (3) can never be reached in "
            "in_last_workdays (2)",
            f"{path}:14: at 'rules[0].message.colour': unknown key",
        ]
    )
    pattern = re.compile(rf"^{re.escape(str(path))}:\d+: at '[^']+': .+$")
    assert all(pattern.match(line) for line in lines[:-1])


def test_rules_check_reports_every_file_and_counts_the_valid_rules_only_when_all_are(
    run_cli: RunCli, tmp_path: Path
) -> None:
    good = write(tmp_path, "good.yaml", rule_text("good-rule"))
    empty = write(tmp_path, "empty.yaml", "")
    bad_yaml = write(tmp_path, "bad.yaml", "rules:\n  - id: x\n   tip: 2\n")
    result = run_cli("rules", "check", str(good), str(empty), str(bad_yaml))
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"{empty}: the file is empty (expected 'rules:' with a list of rules)",
        f"{bad_yaml}:3: not valid YAML: the indentation does not line up with the lines above it",
        "2 problems found",
    ]


def test_rules_check_on_a_valid_file_exits_0(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("rules", "check", str(write(tmp_path, "one.yaml", rule_text("one"))))
    assert result.returncode == 0
    assert result.stdout == "1 rule valid\n"


def test_rules_check_of_a_folder_finds_an_id_used_in_two_of_its_files(
    run_cli: RunCli, tmp_path: Path
) -> None:
    """``rules check`` of the folder must agree with loading it: the second rule is dropped."""
    folder = tmp_path / "shared"
    write(folder, "a.yaml", rule_text("shared-id"))
    second = write(folder, "b.yaml", rule_text("shared-id"))
    result = run_cli("rules", "check", str(folder))
    assert result.returncode == 1, result.stdout
    assert result.stdout.splitlines()[0].startswith(f"{second}:2: ")
    assert "duplicate rule id 'shared-id'" in result.stdout


def test_rules_check_without_paths_reports_a_broken_user_file(
    run_cli: RunCli, config: Path, user_rules: Path
) -> None:
    broken = write(user_rules, "team.yaml", BROKEN)
    result = run_cli("--config", str(config), "rules", "check")
    assert result.returncode == 1
    assert f"{broken}:3: at 'rules[0].tip': Input should be less than or equal to 4" in (
        result.stdout.splitlines()
    )


def test_rules_check_of_a_missing_file_says_it_cannot_read_it(
    run_cli: RunCli, tmp_path: Path
) -> None:
    missing = tmp_path / "nope.yaml"
    result = run_cli("rules", "check", str(missing))
    assert result.returncode == 1
    assert result.stdout.splitlines()[0].startswith(f"{missing}: cannot read: ")


MANY_MISTAKES = """\
rules:
  - id: Team Lunch
    tip: 9
    trigger:
      kind: lunch
      outcomes: [alone]
      atleast: 2
    due:
      at: "11:00"
    expire_after: 1h
    message:
      title: "{cout} lunches alone"
      body: >-
        On {date} you ate alone;
        {summary} was on.
"""


def test_rules_check_reports_every_mistake_at_once_each_on_the_line_to_fix(
    run_cli: RunCli, tmp_path: Path
) -> None:
    path = write(tmp_path, "team.yaml", MANY_MISTAKES)
    result = run_cli("rules", "check", str(path))
    assert result.returncode == 1, result.stdout + result.stderr
    known = (
        "count, date, day, events, free_gaps, gap, gap_end, gap_start, lunch_goal, outcome, "
        "people_goal, people_met, person, rule, social_lunches, window"
    )
    assert result.stdout.splitlines() == [
        f"{path}:2: at 'rules[0].id': 'Team Lunch' is not an id: ids are lowercase letters, "
        "digits and dashes (at most 63, like desk-lunch-streak)",
        f"{path}:3: at 'rules[0].tip': Input should be less than or equal to 4",
        f"{path}:7: at 'rules[0].trigger.atleast': unknown key; did you mean 'at_least'?",
        f"{path}:10: at 'rules[0].expire_after': unknown key; did you mean 'expires_after'?",
        f"{path}:12: at 'rules[0].message.title': unknown placeholder {{cout}} for a lunch "
        f"rule; did you mean {{count}}? (known: {known})",
        f"{path}:13: at 'rules[0].message.body': unknown placeholder {{summary}} for a lunch "
        f"rule (known: {known})",
        "6 problems found",
    ]


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        (
            'rules:\n  - id: a\n    summary: "never closed\n    tip: 2\n    due: {at: "9:00"}\n',
            3,
            "this quote is never closed",
        ),
        (
            "rules:\n  - id: a\n    tags: [phone, desk\n    tip: 2\n",
            3,
            "this '[' list is never closed with ']'",
        ),
        (
            "rules:\n  - id: a\n    tip\n    due: 2\n",
            3,
            "this line needs a ':' after its key (key: value)",
        ),
        (
            "rules:\n  - id: a\n    summary: lunch: later\n",
            3,
            "a ':' where YAML does not expect one: put text with ': ' in quotes, "
            "or check the indentation",
        ),
    ],
    ids=["unclosed-quote", "unclosed-list", "missing-colon", "colon-in-text"],
)
def test_rules_check_puts_a_yaml_mistake_on_the_line_where_it_is_made(
    run_cli: RunCli, tmp_path: Path, text: str, line: int, reason: str
) -> None:
    path = write(tmp_path, "broken.yaml", text)
    result = run_cli("rules", "check", str(path))
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"{path}:{line}: not valid YAML: {reason}",
        "1 problem found",
    ]


def test_a_broken_user_file_overriding_a_shipped_rule_says_which_shipped_rule_is_active(
    run_cli: RunCli, config: Path, user_rules: Path, tmp_path: Path
) -> None:
    mine = write(user_rules, "mine.yaml", rule_text("free-lunch-slot", tip=0))
    shipped = default_rules_dir() / "lunch.yaml"
    note = (
        f"{mine}: it has problems, so the shipped rule 'free-lunch-slot' from {shipped} "
        "is active in its place"
    )
    result = run_cli("--config", str(config), "rules", "check")
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"{mine}:3: at 'rules[0].tip': Input should be greater than or equal to 1",
        note,
        "1 problem found",
    ]
    listing = run_cli("--config", str(config), "rules", "list")
    assert listed(listing.stdout)["free-lunch-slot"] == ("on", str(shipped))
    assert f"watercooler: warning: {note}" in listing.stderr.splitlines()
    checked = run_cli(
        *("check", "--config", str(config), "--source", str(desk_week(tmp_path))),
        *("--now", "2026-03-31T08:00"),
    )
    assert f"watercooler: warning: {note}" in checked.stderr.splitlines()


def test_a_broken_file_that_overrides_nothing_shipped_names_no_fallback(
    run_cli: RunCli, config: Path, user_rules: Path
) -> None:
    write(user_rules, "mine.yaml", rule_text("my-own-rule", tip=0))
    result = run_cli("--config", str(config), "rules", "check")
    assert "active in its place" not in result.stdout
    assert result.stdout.splitlines()[-1] == "1 problem found"


# -- rules show ---------------------------------------------------------------------------


def test_rules_show_prints_a_shipped_rule_as_a_file_to_copy(
    run_cli: RunCli, config: Path, user_rules: Path
) -> None:
    result = run_cli("--config", str(config), "rules", "show", "desk-lunch-streak")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "# yaml-language-server: $schema=rules.schema.json"
    assert lines[1] == f"# desk-lunch-streak, from {default_rules_dir() / 'lunch.yaml'}"
    assert lines[2:5] == ["rules:", "  - id: desk-lunch-streak", "    tip: 2"]
    assert "lunch-swallowed" not in result.stdout
    assert '      title: "{count} lunches alone lately"' in lines
    copy = write(
        user_rules, "copy.yaml", result.stdout.replace("in_last_workdays: 5", "in_last_workdays: 4")
    )
    checked = run_cli("--config", str(config), "rules", "check")
    assert checked.stdout == "10 rules valid\n", checked.stdout
    listing = listed(run_cli("--config", str(config), "rules", "list").stdout)
    assert listing["desk-lunch-streak"] == ("on", str(copy))


def test_rules_show_prints_just_the_one_rule_of_a_user_file(
    run_cli: RunCli, config: Path, user_rules: Path
) -> None:
    second = rule_text("second-rule", tip=3).removeprefix("rules:\n")
    text = rule_text("first-rule") + "\n  # my own lunch rule\n" + second + "\n# the end\n"
    write(user_rules, "mine.yaml", text)
    first = run_cli("--config", str(config), "rules", "show", "first-rule")
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines()[2:] == rule_text("first-rule").splitlines()
    last = run_cli("--config", str(config), "rules", "show", "second-rule")
    assert last.stdout.splitlines()[2:] == rule_text("second-rule", tip=3).splitlines()


def test_rules_show_of_an_unknown_rule_is_one_error_line_with_exit_2(
    run_cli: RunCli, config: Path
) -> None:
    result = run_cli("--config", str(config), "rules", "show", "desk-lunch")
    assert_one_line_error(result, "no rule 'desk-lunch'", "desk-lunch-streak")


# -- rules list ---------------------------------------------------------------------------


def listed(output: str) -> dict[str, tuple[str, str]]:
    """rule id -> (on/off, the file it comes from), from ``rules list``."""
    lines = output.splitlines()
    rows = {}
    for first, second in zip(lines[::2], lines[1::2], strict=True):
        rule_id, _, _, state = first.split()[:4]
        assert second.strip().startswith("from "), second
        rows[rule_id] = (state, second.strip().removeprefix("from "))
    return rows


def test_rules_list_shows_every_default_rule_with_its_file(run_cli: RunCli, config: Path) -> None:
    result = run_cli("--config", str(config), "rules", "list")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    folder = default_rules_dir()
    assert listed(result.stdout) == {
        rule_id: ("on", str(folder / name)) for rule_id, name in DEFAULT_FILES.items()
    }


def test_rules_list_shows_the_tip_kind_and_summary(run_cli: RunCli, config: Path) -> None:
    result = run_cli("--config", str(config), "rules", "list")
    line = next(row for row in result.stdout.splitlines() if row.startswith("monday-plan "))
    assert line.split()[:5] == ["monday-plan", "tip", "1", "on", "weekly"]
    assert "Monday morning, propose two small encounters" in line


def test_rules_list_shows_a_user_override_and_a_switched_off_default_from_the_users_files(
    run_cli: RunCli, config: Path, user_rules: Path
) -> None:
    mine = write(user_rules, "mine.yaml", rule_text("desk-lunch-streak"))
    quiet = write(user_rules, "quiet.yml", rule_text("monday-plan", extra="    enabled: false\n"))
    own = write(user_rules, "own.yaml", rule_text("my-own-rule", tip=3))
    result = run_cli("--config", str(config), "rules", "list")
    assert result.returncode == 0, result.stderr
    rows = listed(result.stdout)
    assert rows["desk-lunch-streak"] == ("on", str(mine))
    assert rows["monday-plan"] == ("off", str(quiet))
    assert rows["my-own-rule"] == ("on", str(own))
    assert rows["free-lunch-slot"] == ("on", str(default_rules_dir() / "lunch.yaml"))
    assert len(rows) == 11


def test_rules_list_warns_about_a_broken_user_file_and_lists_the_rest(
    run_cli: RunCli, config: Path, user_rules: Path
) -> None:
    broken = write(user_rules, "team.yaml", BROKEN)
    result = run_cli("--config", str(config), "rules", "list")
    assert result.returncode == 0
    assert set(listed(result.stdout)) == set(DEFAULT_FILES)
    assert f"watercooler: warning: {broken}:3: at 'rules[0].tip'" in result.stderr


# -- rules explain ------------------------------------------------------------------------


def desk_week(tmp_path: Path) -> Path:
    """Desk lunches on Fri 27 and Tue 31 March 2026, meetings over lunch on Mon 30."""
    path = tmp_path / "desk.ics"
    path.write_text(
        calendar(
            event("Lunch at my desk", "20260327T120000", "20260327T123000"),
            event("Steering committee", "20260330T113000", "20260330T140000"),
            event("Lunch at my desk", "20260331T120000", "20260331T123000"),
        ),
        encoding="utf-8",
    )
    return path


def test_rules_explain_shows_why_the_rule_fires_or_stays_quiet_on_each_day(
    run_cli: RunCli, config: Path, tmp_path: Path
) -> None:
    result = run_cli(
        *("--config", str(config), "rules", "explain", "desk-lunch-streak"),
        *("--source", str(desk_week(tmp_path)), "--now", "2026-03-31T08:00"),
        *("--days-back", "4", "--days-ahead", "0"),
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == (
        f"desk-lunch-streak (tip 2, lunch trigger) from {default_rules_dir() / 'lunch.yaml'}"
    )
    verdicts = [line.strip() for line in lines if line.strip().startswith(("FIRES", "quiet"))]
    assert verdicts == [
        "quiet  2026-03-27  due Fri 27 Mar 10:45: 1 of the last 5 workdays, fewer than 2",
        "quiet  2026-03-30  due Mon 30 Mar 10:45: lunch is skipped, not alone",
        "FIRES  2026-03-31  due Tue 31 Mar 10:45: lunch is alone; 2 of the last 5 workdays",
    ]
    assert "→ 2 lunches alone lately" in result.stdout
    assert result.stdout.count("facts: ") == 3
    assert "count=2" in result.stdout
    assert "outcome=alone" in result.stdout


def test_rules_explain_of_a_weekly_rule_names_the_week(
    run_cli: RunCli, config: Path, tmp_path: Path
) -> None:
    result = run_cli(
        *("--config", str(config), "rules", "explain", "outreach-quota"),
        *("--source", str(desk_week(tmp_path)), "--now", "2026-04-01T08:00"),
        *("--days-back", "2", "--days-ahead", "0"),
    )
    assert result.returncode == 0, result.stderr
    assert "FIRES  2026-W14  due Wed 01 Apr 10:00: met 0 of 3 people this week" in result.stdout


def test_rules_explain_with_nothing_to_look_at_says_so(
    run_cli: RunCli, config: Path, tmp_path: Path
) -> None:
    result = run_cli(
        *("--config", str(config), "rules", "explain", "social-missed"),
        *("--source", str(desk_week(tmp_path)), "--now", "2026-03-31T08:00"),
    )
    assert result.returncode == 0, result.stderr
    assert "  nothing in the range for this rule to look at" in result.stdout.splitlines()


def test_rules_explain_of_an_unknown_rule_is_one_error_line_with_exit_2(
    run_cli: RunCli, config: Path, tmp_path: Path
) -> None:
    result = run_cli(
        *("--config", str(config), "rules", "explain", "no-such-rule"),
        *("--source", str(desk_week(tmp_path))),
    )
    assert_one_line_error(result, "no rule 'no-such-rule'", "desk-lunch-streak")


def test_rules_explain_uses_the_users_override(
    run_cli: RunCli, config: Path, tmp_path: Path, user_rules: Path
) -> None:
    mine = write(user_rules, "mine.yaml", rule_text("desk-lunch-streak"))
    result = run_cli(
        *("--config", str(config), "rules", "explain", "desk-lunch-streak"),
        *("--source", str(desk_week(tmp_path)), "--now", "2026-03-31T08:00"),
        *("--days-back", "4", "--days-ahead", "0"),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].endswith(f"from {mine}")
    assert "FIRES  2026-03-27  due Fri 27 Mar 11:00" in result.stdout


def social_week(tmp_path: Path) -> Path:
    """A coffee I have not answered on Wed 1 April 2026, after desk lunches."""
    path = tmp_path / "social.ics"
    path.write_text(
        calendar(
            event("Lunch at my desk", "20260331T120000", "20260331T123000"),
            event(
                "Coffee with Sam",
                "20260401T150000",
                "20260401T153000",
                attendees=[(ME, "NEEDS-ACTION"), ("sam@example.com", "ACCEPTED")],
            ),
        ),
        encoding="utf-8",
    )
    return path


def test_rules_explain_shows_only_the_facts_the_rules_placeholders_can_name(
    run_cli: RunCli, config: Path, tmp_path: Path
) -> None:
    result = run_cli(
        *("--config", str(config), "rules", "explain", "social-unanswered"),
        *("--source", str(social_week(tmp_path)), "--now", "2026-03-31T08:00"),
        *("--days-back", "0", "--days-ahead", "1"),
    )
    assert result.returncode == 0, result.stderr
    (facts,) = [line.strip() for line in result.stdout.splitlines() if "facts: " in line]
    names = {
        item.split("=")[0] for item in facts.removeprefix("facts: ").split(", ") if "=" in item
    }
    assert {"summary", "start", "status", "people_met"} <= names
    assert names <= PLACEHOLDERS["social"]
    assert "alone_lunches=" not in result.stdout
    assert "free_gaps=" not in result.stdout


def test_rules_explain_honours_format_json(run_cli: RunCli, config: Path, tmp_path: Path) -> None:
    result = run_cli(
        *("--config", str(config), "rules", "explain", "social-unanswered"),
        *("--source", str(social_week(tmp_path)), "--now", "2026-03-31T08:00"),
        *("--days-back", "0", "--days-ahead", "1", "--format", "json"),
    )
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["rule"] == "social-unanswered"
    assert document["trigger"] == "social"
    assert document["from"] == str(default_rules_dir() / "social.yaml")
    (subject,) = document["subjects"]
    assert subject["fires"] is True
    assert subject["due"] == "2026-03-31T15:00:00+02:00"
    assert subject["reason"] == "status unanswered"
    assert subject["facts"]["summary"] == "Coffee with Sam"
    assert set(subject["facts"]) <= PLACEHOLDERS["social"]
    assert subject["nudge"]["title"] == "Still undecided: Coffee with Sam"
    assert subject["nudge"]["key"].startswith("social-unanswered/")


# -- check with the user's rules -----------------------------------------------------------


def check_json(run_cli: RunCli, *args: str) -> dict[str, Any]:
    result = run_cli("check", "--format", "json", *args)
    assert result.returncode == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def test_check_leaves_out_a_default_the_user_switched_off(
    run_cli: RunCli, config: Path, tmp_path: Path, user_rules: Path
) -> None:
    source = str(desk_week(tmp_path))
    args = ("--config", str(config), "--source", source, "--now", "2026-03-31T08:00")
    before = {n["rule"] for n in check_json(run_cli, *args, "--days-back", "4")["nudges"]}
    write(user_rules, "quiet.yaml", rule_text("desk-lunch-streak", extra="    enabled: false\n"))
    after = {n["rule"] for n in check_json(run_cli, *args, "--days-back", "4")["nudges"]}
    assert "desk-lunch-streak" in before
    assert after == before - {"desk-lunch-streak"}


def test_check_warns_about_a_broken_user_file_and_still_gives_the_other_nudges(
    run_cli: RunCli, config: Path, tmp_path: Path, user_rules: Path
) -> None:
    broken = write(user_rules, "team.yaml", BROKEN)
    result = run_cli(
        *("check", "--format", "json", "--config", str(config)),
        *("--source", str(desk_week(tmp_path)), "--now", "2026-03-31T08:00"),
    )
    assert result.returncode == 0, result.stderr
    assert f"watercooler: warning: {broken}:3: " in result.stderr
    rules = {nudge["rule"] for nudge in json.loads(result.stdout)["nudges"]}
    assert {"desk-lunch-streak", "lunch-swallowed", "monday-plan"} <= rules


# -- the backtest -------------------------------------------------------------------------

FIRST_MONDAY = date(2026, 3, 2)
BACKTEST_NOW = "2026-03-29T12:00:00+02:00"  # the Sunday the clocks change
LUNCHES = ["desk", "team", "swallowed", "free", "desk"]
COLLEAGUES = ["bob", "eve", "joe", "kim", "lea", "max", "ned", "ola"]


def stamp(day: date, hour: int, minute: int = 0) -> str:
    return f"{day:%Y%m%d}T{hour:02d}{minute:02d}00"


def at(day: date, hour: int, minute: int = 0) -> str:
    return datetime.combine(day, time(hour, minute), tzinfo=BERLIN).isoformat()


def invited(summary: str, day: date, start: int, mine: str, friend: str, *lines: str) -> str:
    """A half-hour social event I answered with ``mine``, with one colleague."""
    return event(
        summary,
        stamp(day, start),
        stamp(day, start, 30),
        attendees=[(ME, mine), (f"{friend}@example.com", "ACCEPTED")],
        lines=lines,
    )


def four_weeks() -> tuple[str, dict[str, list[str]]]:
    """Mon 2 to Fri 27 March 2026: a lunch a day (desk, team, meetings over lunch or free,
    rotating by week), and each week a social event with every status and a release.

    Returns the calendar and, per rule, the due times a person working it out by hand
    expects.
    """
    events: list[str] = []
    expected: dict[str, list[str]] = {}

    def expect(rule: str, due: str) -> None:
        expected.setdefault(rule, []).append(due)

    for week in range(4):
        monday = FIRST_MONDAY + timedelta(weeks=week)
        friend, other = COLLEAGUES[2 * week], COLLEAGUES[2 * week + 1]
        kinds = LUNCHES[week:] + LUNCHES[:week]
        for offset, kind in enumerate(kinds):
            day = monday + timedelta(days=offset)
            if kind == "desk":
                events.append(event("Lunch at my desk", stamp(day, 12), stamp(day, 12, 30)))
            elif kind == "team":
                events.append(
                    event(
                        "Team lunch",
                        stamp(day, 12),
                        stamp(day, 13),
                        attendees=[(ME, "ACCEPTED"), (f"{other}@example.com", "ACCEPTED")],
                    )
                )
            elif kind == "swallowed":
                events.append(event("Planning", stamp(day, 11), stamp(day, 12, 15)))
                events.append(event("Review", stamp(day, 12, 15), stamp(day, 14)))
                expect("lunch-swallowed", at(day, 8, 30))
            else:
                expect("free-lunch-slot", at(day, 10))
        tuesday, wednesday = monday + timedelta(days=1), monday + timedelta(days=2)
        thursday, friday = monday + timedelta(days=3), monday + timedelta(days=4)

        events += [
            invited("Coffee with a colleague", monday, 16, "ACCEPTED", friend),
            invited("Drinks", tuesday, 17, "TENTATIVE", friend),
            invited("Birthday cake", wednesday, 15, "NEEDS-ACTION", friend),
            invited("Happy hour", thursday, 17, "DECLINED", friend),
            invited("Coffee chat", friday, 15, "ACCEPTED", friend),
            event("Incident review", stamp(friday, 14, 30), stamp(friday, 16)),
            invited("Team social", friday, 17, "ACCEPTED", friend, "STATUS:CANCELLED"),
            event(f"Release 1.{week}", stamp(tuesday, 10), stamp(tuesday, 11)),
        ]
        expect("social-unanswered", at(monday, 17))
        expect("social-unanswered", at(tuesday, 15))
        expect("social-missed", at(thursday, 16, 45))
        expect("social-missed", at(friday, 14, 45))
        expect("deadline-celebration", at(tuesday, 12))
        expect("monday-plan", at(monday, 9))
        expect("outreach-quota", at(wednesday, 10))
        expect("weekly-reflection", at(friday, 15))
    # desk lunches fall on Mon 2 and Fri 6, Thu 12 and Fri 13, Wed 18 and Thu 19, Tue 24
    # and Wed 25: the second of each pair completes a streak (the 2-day cooldown holds the
    # next one back).
    for day in (date(2026, 3, 6), date(2026, 3, 12), date(2026, 3, 18), date(2026, 3, 24)):
        expect("desk-lunch-streak", at(day, 10, 45))
    return calendar(*events), {rule: sorted(dues) for rule, dues in expected.items()}


@pytest.fixture
def backtest(run_cli: RunCli, config: Path, tmp_path: Path) -> tuple[dict[str, Any], Any]:
    text, expected = four_weeks()
    path = tmp_path / "four-weeks.ics"
    path.write_text(text, encoding="utf-8")
    document = check_json(
        run_cli,
        *("--config", str(config), "--source", str(path), "--now", BACKTEST_NOW),
        *("--days-back", "28", "--days-ahead", "0"),
    )
    return document, expected


def test_the_backtest_covers_the_four_weeks_before_now(
    backtest: tuple[dict[str, Any], Any],
) -> None:
    document, _ = backtest
    assert document["days"][0]["date"] == "2026-03-01"
    assert document["days"][-1]["date"] == "2026-03-29"
    assert Counter(item["status"] for item in document["social"]) == {
        "accepted": 8,  # a team lunch is a social event too
        "tentative": 4,
        "unanswered": 4,
        "declined": 4,
        "conflicted": 4,
        "cancelled": 4,
    }


def test_every_backtest_nudge_is_due_inside_the_range(backtest: tuple[dict[str, Any], Any]) -> None:
    document, _ = backtest
    first = datetime(2026, 3, 1, tzinfo=BERLIN)
    after = datetime(2026, 3, 30, tzinfo=BERLIN)
    assert document["nudges"]
    for nudge in document["nudges"]:
        assert first <= datetime.fromisoformat(nudge["due"]) < after, nudge


def test_the_backtest_gives_each_rule_the_nudges_worked_out_by_hand(
    backtest: tuple[dict[str, Any], Any],
) -> None:
    document, expected = backtest
    found: dict[str, list[str]] = {}
    for nudge in document["nudges"]:
        found.setdefault(nudge["rule"], []).append(nudge["due"])
    assert {rule: sorted(dues) for rule, dues in found.items()} == expected
    assert len(expected["weekly-reflection"]) == 4
    assert len(expected["monday-plan"]) == 4


def test_the_backtest_nudges_are_in_due_order_with_unique_keys_and_weekly_limits(
    backtest: tuple[dict[str, Any], Any],
) -> None:
    document, _ = backtest
    nudges = document["nudges"]
    dues = [datetime.fromisoformat(n["due"]) for n in nudges]
    assert dues == sorted(dues)
    keys = [n["key"] for n in nudges]
    assert len(keys) == len(set(keys))
    limits = {loaded.rule.id: loaded.rule.max_per_week for loaded in load_rulebook(None).active()}
    per_week = Counter(
        (n["rule"], datetime.fromisoformat(n["due"]).isocalendar()[:2]) for n in nudges
    )
    for (rule, week), count in per_week.items():
        assert count <= limits[rule], (rule, week)
    weekly = [n["key"] for n in nudges if n["rule"] == "weekly-reflection"]
    assert weekly == [f"weekly-reflection/2026-W{week}" for week in (10, 11, 12, 13)]
