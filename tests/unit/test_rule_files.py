"""Broken rule files: every problem at once, each with its file, line and path.

Rule files are edited by hand, so a mistake must point at the line to fix. Messages are
compared exactly; a valid file next to a broken one keeps its rules, a user rule replaces
the default with its id, and ``enabled: false`` switches a default off.
"""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path

import pytest

from watercooler.rulebook.loading import default_rules_dir, load_rulebook, parse_rule_text

NAME = "rules/team.yaml"
DEFAULT_IDS = {
    "deadline-celebration",
    "desk-lunch-streak",
    "free-lunch-slot",
    "keep-in-touch",
    "lunch-swallowed",
    "monday-plan",
    "outreach-quota",
    "social-missed",
    "social-unanswered",
    "weekly-reflection",
}

GOOD = """\
rules:
  - id: my-rule
    tip: 2
    trigger:
      kind: lunch
      outcomes: [alone]
    due:
      at: "11:00"
    message:
      title: "{count} lunches alone"
      body: Go out with the others.
"""


def errors_of(text: str) -> list[str]:
    """The problems of one file's text, named like a file in a rules folder."""
    loaded, errors = parse_rule_text(text, NAME)
    if errors:
        assert loaded == [], "a file with problems must give no rules"
    return errors


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def rule_text(rule_id: str, *, title: str = "a", extra: str = "") -> str:
    """A valid one-rule file with the given id; ``extra`` lines go after ``tip``."""
    return (
        "rules:\n"
        f"  - id: {rule_id}\n"
        "    tip: 2\n"
        f"{extra}"
        "    trigger: {kind: lunch, outcomes: [alone]}\n"
        '    due: {at: "11:00"}\n'
        f"    message: {{title: {title!r}, body: b}}\n"
    )


# -- a valid file ----------------------------------------------------------------------------


def test_a_valid_file_gives_its_rule_and_no_problem() -> None:
    loaded, errors = parse_rule_text(GOOD, NAME)
    assert errors == []
    assert [item.rule.id for item in loaded] == ["my-rule"]
    assert loaded[0].path == NAME
    assert loaded[0].rule.due.at == time(11, 0)


def test_a_file_with_an_empty_list_of_rules_is_valid_and_gives_none() -> None:
    assert parse_rule_text("rules: []\n", NAME) == ([], [])


def test_durations_are_read_in_days_hours_and_minutes() -> None:
    text = GOOD.replace("    due:\n", "    cooldown: 1d2h\n    expires_after: 45m\n    due:\n")
    loaded, errors = parse_rule_text(text, NAME)
    assert errors == []
    assert loaded[0].rule.cooldown == timedelta(days=1, hours=2)
    assert loaded[0].rule.expires_after == timedelta(minutes=45)


# -- one mistake, one exact message ------------------------------------------------------------


def test_bad_yaml_is_reported_with_the_line_where_the_parser_stopped() -> None:
    text = "rules:\n  - id: my-rule\n   tip: 2\n"
    assert errors_of(text) == [
        f"{NAME}:3: not valid YAML: the indentation does not line up with the lines above it"
    ]


def test_a_tab_for_indentation_is_bad_yaml_on_its_line() -> None:
    text = "rules:\n\t- id: my-rule\n"
    assert errors_of(text) == [
        f"{NAME}:2: not valid YAML: a tab where YAML needs spaces: indent with spaces"
    ]


def test_an_unknown_key_in_a_rule_is_named_with_its_line() -> None:
    text = GOOD.replace("    tip: 2\n", "    tip: 2\n    colour: red\n")
    assert errors_of(text) == [f"{NAME}:4: at 'rules[0].colour': unknown key"]


def test_an_unknown_key_in_a_trigger_is_named_without_the_trigger_kind_in_the_path() -> None:
    text = GOOD.replace("      outcomes: [alone]\n", "      outcomes: [alone]\n      atleast: 2\n")
    assert errors_of(text) == [
        f"{NAME}:7: at 'rules[0].trigger.atleast': unknown key; did you mean 'at_least'?"
    ]


def test_an_unknown_top_level_key_is_named() -> None:
    assert errors_of("version: 2\n" + GOOD) == [f"{NAME}:1: at 'version': unknown key"]


def test_a_word_where_a_number_belongs_is_a_wrong_type() -> None:
    text = GOOD.replace("tip: 2", "tip: two")
    assert errors_of(text) == [
        f"{NAME}:3: at 'rules[0].tip': "
        "Input should be a valid integer, unable to parse string as an integer"
    ]


def test_a_single_word_where_a_list_belongs_is_a_wrong_type() -> None:
    text = GOOD.replace("outcomes: [alone]", "outcomes: alone")
    assert errors_of(text) == [
        f"{NAME}:6: at 'rules[0].trigger.outcomes': Input should be a valid list"
    ]


def test_an_unknown_lunch_outcome_is_named_by_its_index_in_the_list() -> None:
    text = GOOD.replace("outcomes: [alone]", "outcomes: [alone, lonely]")
    assert errors_of(text) == [
        f"{NAME}:6: at 'rules[0].trigger.outcomes[1]': "
        "Input should be 'social', 'alone', 'skipped' or 'free'"
    ]


def test_a_tip_outside_the_guide_is_rejected() -> None:
    text = GOOD.replace("tip: 2", "tip: 5")
    assert errors_of(text) == [
        f"{NAME}:3: at 'rules[0].tip': Input should be less than or equal to 4"
    ]


def test_an_unknown_trigger_kind_lists_the_known_ones() -> None:
    text = GOOD.replace("kind: lunch", "kind: dinner")
    assert errors_of(text) == [
        f"{NAME}:4: at 'rules[0].trigger': unknown trigger kind 'dinner' "
        "(known: lunch, social, words, weekly)"
    ]


def test_a_duration_that_is_not_one_names_the_value() -> None:
    text = GOOD.replace("    due:\n", "    cooldown: forever\n    due:\n")
    assert errors_of(text) == [
        f"{NAME}:7: at 'rules[0].cooldown': not a duration like 30m, 2h or 1d: 'forever'"
    ]


def test_an_id_with_spaces_and_capitals_is_rejected() -> None:
    text = GOOD.replace("id: my-rule", "id: My Rule")
    assert errors_of(text) == [
        f"{NAME}:2: at 'rules[0].id': 'My Rule' is not an id: ids are lowercase letters, "
        "digits and dashes (at most 63, like desk-lunch-streak)"
    ]


def test_a_rule_without_a_message_says_the_field_is_required() -> None:
    text = GOOD.split("    message:")[0]
    assert errors_of(text) == [f"{NAME}:2: at 'rules[0].message': Field required"]


def test_a_file_that_is_a_list_instead_of_a_mapping_is_rejected_at_the_top() -> None:
    assert errors_of("- id: my-rule\n") == [
        f"{NAME}:1: at '(top)': a rule file is a mapping: it starts with 'rules:' and a list "
        "of rules"
    ]


def test_a_duplicate_id_in_one_file_points_at_the_second_rule() -> None:
    second = GOOD.removeprefix("rules:\n")
    assert errors_of(GOOD + second) == [f"{NAME}:12: at 'rules[1].id': duplicate rule id 'my-rule'"]


def test_an_empty_file_is_reported_as_empty() -> None:
    assert errors_of("") == [f"{NAME}: the file is empty (expected 'rules:' with a list of rules)"]


def test_a_file_of_only_comments_is_reported_as_empty() -> None:
    assert errors_of("# my rules, some day\n\n") == [
        f"{NAME}: the file is empty (expected 'rules:' with a list of rules)"
    ]


def test_rules_without_a_list_is_reported_on_its_line() -> None:
    assert errors_of("rules:\n") == [f"{NAME}:1: at 'rules': Input should be a valid list"]


def test_a_window_that_can_never_hold_the_count_is_impossible() -> None:
    text = GOOD.replace(
        "      outcomes: [alone]\n",
        "      outcomes: [alone]\n      at_least: 6\n      in_last_workdays: 5\n",
    )
    assert errors_of(text) == [
        f"{NAME}:4: at 'rules[0].trigger': at_least (6) can never be reached in "
        "in_last_workdays (5)"
    ]


def test_a_count_as_large_as_its_window_is_possible() -> None:
    text = GOOD.replace(
        "      outcomes: [alone]\n",
        "      outcomes: [alone]\n      at_least: 5\n      in_last_workdays: 5\n",
    )
    assert errors_of(text) == []


def test_an_unknown_placeholder_names_the_known_ones_for_that_trigger() -> None:
    text = GOOD.replace('title: "{count} lunches alone"', 'title: "{summary} again"')
    assert errors_of(text) == [
        f"{NAME}:10: at 'rules[0].message.title': unknown placeholder {{summary}} for a lunch "
        "rule (known: "
        "count, date, day, events, free_gaps, gap, gap_end, gap_start, lunch_goal, outcome, "
        "people_goal, people_met, person, rule, social_lunches, window)"
    ]


def test_due_with_both_a_time_and_an_offset_is_rejected() -> None:
    text = GOOD.replace('      at: "11:00"\n', '      at: "11:00"\n      offset: 1h\n')
    assert errors_of(text) == [
        f"{NAME}:7: at 'rules[0].due': give either 'at' (a time of day) or 'offset' with 'after'"
    ]


def test_an_offset_without_what_it_is_after_is_rejected() -> None:
    text = GOOD.replace('      at: "11:00"\n', "      offset: -45m\n")
    assert errors_of(text) == [
        f"{NAME}:7: at 'rules[0].due': 'offset' needs 'after': start, end or lunch"
    ]


def test_due_after_an_event_start_needs_an_event_trigger() -> None:
    text = GOOD.replace('      at: "11:00"\n', "      offset: -1h\n      after: start\n")
    assert errors_of(text) == [
        f"{NAME}:2: at 'rules[0]': due after the event's start needs a social or words trigger"
    ]


def test_an_unquoted_time_of_day_is_never_read_as_minutes_after_midnight() -> None:
    """YAML 1.1 reads ``15:00`` as the number 900; the rule must say 15:00 or refuse."""
    loaded, errors = parse_rule_text(GOOD.replace('at: "11:00"', "at: 15:00"), NAME)
    if errors:
        assert errors[0].startswith(f"{NAME}:8: at 'rules[0].due.at': "), errors
    else:
        assert loaded[0].rule.due.at == time(15, 0)


def test_a_key_written_twice_in_one_rule_is_an_error_on_its_second_line() -> None:
    text = GOOD.replace("    tip: 2\n", "    tip: 2\n    tip: 3\n")
    assert errors_of(text) == [
        f"{NAME}:4: at 'rules[0].tip': 'tip' is given twice here; only the last one would count"
    ]


def test_a_misspelt_trigger_kind_gets_a_suggestion() -> None:
    text = GOOD.replace("kind: lunch", "kind: lunches")
    assert errors_of(text) == [
        f"{NAME}:4: at 'rules[0].trigger': unknown trigger kind 'lunches'; did you mean "
        "'lunch'? (known: lunch, social, words, weekly)"
    ]


def test_a_misspelt_key_in_due_gets_a_suggestion() -> None:
    text = GOOD.replace('      at: "11:00"\n', '      at: "11:00"\n      afer: start\n')
    assert f"{NAME}:9: at 'rules[0].due.afer': unknown key; did you mean 'after'?" in (
        errors_of(text)
    )


def test_a_tag_is_described_in_words_not_as_a_pattern() -> None:
    text = GOOD.replace("    tip: 2\n", "    tip: 2\n    tags: [my phone]\n")
    assert errors_of(text) == [
        f"{NAME}:4: at 'rules[0].tags[0]': 'my phone' is not a tag: tags are letters, "
        "digits, dashes and underscores (at most 40)"
    ]


def test_days_off_takes_defer_drop_or_send() -> None:
    loaded, errors = parse_rule_text(
        GOOD.replace("    tip: 2\n", "    tip: 2\n    days_off: send\n"), NAME
    )
    assert errors == []
    assert loaded[0].rule.days_off == "send"
    assert parse_rule_text(GOOD, NAME)[0][0].rule.days_off == "defer"
    assert errors_of(GOOD.replace("    tip: 2\n", "    tip: 2\n    days_off: skip\n")) == [
        f"{NAME}:4: at 'rules[0].days_off': Input should be 'defer', 'drop' or 'send'"
    ]


# -- several mistakes ----------------------------------------------------------------------------


def test_several_problems_in_one_file_are_all_reported_each_on_its_line() -> None:
    text = """\
rules:
  - id: first
    tip: 9
    colour: red
    trigger:
      kind: lunch
      outcomes: [alone]
    due:
      at: "11:00"
    message:
      title: ""
      body: fine
  - id: second
    tip: 2
    trigger:
      kind: social
      statuses: [declined]
    due:
      offset: 10m
    message:
      title: t
      body: b
"""
    assert sorted(errors_of(text)) == sorted(
        [
            f"{NAME}:3: at 'rules[0].tip': Input should be less than or equal to 4",
            f"{NAME}:4: at 'rules[0].colour': unknown key",
            f"{NAME}:11: at 'rules[0].message.title': String should have at least 1 character",
            f"{NAME}:18: at 'rules[1].due': 'offset' needs 'after': start, end or lunch",
        ]
    )


def test_a_duplicate_id_is_reported_together_with_the_other_problems_of_its_file() -> None:
    """'Every error in every file at once': fixing the type error must not reveal a new one."""
    text = GOOD + GOOD.removeprefix("rules:\n").replace("tip: 2", "tip: two")
    assert sorted(errors_of(text)) == sorted(
        [
            f"{NAME}:12: at 'rules[1].id': duplicate rule id 'my-rule'",
            f"{NAME}:13: at 'rules[1].tip': "
            "Input should be a valid integer, unable to parse string as an integer",
        ]
    )


# -- loading folders --------------------------------------------------------------------------


def test_the_default_rules_load_without_a_problem() -> None:
    book = load_rulebook(None)
    assert book.errors == []
    assert set(book.rules) == DEFAULT_IDS
    assert book.disabled == {}
    for loaded in book.active():
        assert Path(loaded.path).parent == default_rules_dir()


def test_a_broken_user_file_leaves_the_rules_of_the_good_file_and_the_defaults_active(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "rules"
    good = write(folder, "good.yaml", GOOD)
    broken = write(
        folder, "broken.yaml", GOOD.replace("my-rule", "other-rule").replace("tip: 2", "tip: x")
    )
    book = load_rulebook(folder)
    assert book.errors == [
        f"{broken}:3: at 'rules[0].tip': "
        "Input should be a valid integer, unable to parse string as an integer"
    ]
    assert set(book.rules) == DEFAULT_IDS | {"my-rule"}
    assert book.rules["my-rule"].path == str(good)


def test_an_empty_and_a_bad_yaml_user_file_are_both_reported_and_the_rest_loads(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "rules"
    empty = write(folder, "a-empty.yaml", "")
    bad = write(folder, "b-bad.yml", "rules:\n  - id: x\n   tip: 2\n")
    write(folder, "c-good.yaml", GOOD)
    book = load_rulebook(folder)
    assert book.errors == [
        f"{empty}: the file is empty (expected 'rules:' with a list of rules)",
        f"{bad}:3: not valid YAML: the indentation does not line up with the lines above it",
    ]
    assert "my-rule" in book.rules


def test_a_user_file_that_is_not_utf8_is_reported_and_skipped(tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    folder.mkdir()
    latin = folder / "latin.yaml"
    latin.write_bytes(GOOD.replace("Go out", "Gehen Sie mit den Kollegen \xe4").encode("latin-1"))
    write(folder, "good.yaml", GOOD.replace("my-rule", "good-rule"))
    book = load_rulebook(folder)
    assert len(book.errors) == 1
    assert book.errors[0].startswith(f"{latin}: cannot read: ")
    assert "good-rule" in book.rules


def test_files_that_are_not_yaml_are_ignored(tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    write(folder, "notes.txt", "not a rule file at all: [")
    write(folder, "backup.yaml~", "nor this one")
    book = load_rulebook(folder)
    assert book.errors == []
    assert set(book.rules) == DEFAULT_IDS


def test_a_duplicate_id_across_two_user_files_keeps_the_first_and_the_rest_of_the_second(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "rules"
    first = write(folder, "a.yaml", rule_text("shared-id", title="from a"))
    write(
        folder,
        "b.yaml",
        rule_text("shared-id", title="from b") + rule_text("b-only").removeprefix("rules:\n"),
    )
    book = load_rulebook(folder)
    assert len(book.errors) == 1
    assert book.rules["shared-id"].path == str(first)
    assert book.rules["shared-id"].rule.message.title == "from a"
    assert "b-only" in book.rules


def test_a_duplicate_id_across_two_user_files_is_reported_with_its_line_and_path(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "rules"
    first = write(
        folder, "a.yaml", rule_text("other") + rule_text("shared-id").removeprefix("rules:\n")
    )
    second = write(folder, "b.yaml", rule_text("shared-id"))
    book = load_rulebook(folder)
    assert book.errors == [
        f"{second}:2: at 'rules[0].id': duplicate rule id 'shared-id' (also in {first})"
    ]


def test_a_user_rule_with_the_id_of_a_default_replaces_it(tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    text = GOOD.replace("my-rule", "desk-lunch-streak").replace(
        "      outcomes: [alone]\n",
        "      outcomes: [alone]\n      at_least: 3\n      in_last_workdays: 5\n",
    )
    mine = write(folder, "mine.yaml", text)
    book = load_rulebook(folder)
    assert book.errors == []
    assert set(book.rules) == DEFAULT_IDS
    replaced = book.rules["desk-lunch-streak"]
    assert replaced.path == str(mine)
    assert replaced.rule.trigger.kind == "lunch"
    assert replaced.rule.trigger.at_least == 3
    assert replaced.rule.due.at == time(11, 0)


def test_enabled_false_switches_a_default_rule_off(tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    text = (
        "rules:\n"
        "  - id: monday-plan\n"
        "    tip: 1\n"
        "    enabled: false\n"
        "    trigger: {kind: weekly, day: mon}\n"
        '    due: {at: "09:00"}\n'
        "    message: {title: not used, body: not used}\n"
    )
    mine = write(folder, "quiet.yaml", text)
    book = load_rulebook(folder)
    assert book.errors == []
    assert "monday-plan" not in book.rules
    assert book.disabled["monday-plan"].path == str(mine)
    assert {loaded.rule.id for loaded in book.active()} == DEFAULT_IDS - {"monday-plan"}


def test_a_broken_user_override_leaves_the_default_rule_active(tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    write(
        folder, "mine.yaml", GOOD.replace("my-rule", "free-lunch-slot").replace("tip: 2", "tip: 0")
    )
    book = load_rulebook(folder)
    assert len(book.errors) == 1
    assert Path(book.rules["free-lunch-slot"].path).parent == default_rules_dir()


def test_a_missing_user_folder_is_no_problem(tmp_path: Path) -> None:
    book = load_rulebook(tmp_path / "does-not-exist")
    assert book.errors == []
    assert set(book.rules) == DEFAULT_IDS


@pytest.mark.parametrize("suffix", ["yaml", "yml"])
def test_both_yaml_suffixes_are_read(tmp_path: Path, suffix: str) -> None:
    folder = tmp_path / "rules"
    write(folder, f"mine.{suffix}", GOOD)
    assert "my-rule" in load_rulebook(folder).rules
