"""Event text is data, never code: hostile summaries through every default rule's message.

A calendar is written by other people. Its text only fills placeholders: format strings,
shell and template syntax and Markdown appear verbatim, control characters become
spaces, a value is cut to 120 characters, and nothing crashes. Every default rule is made
to fire in the week of Mon 9 March 2026 with hostile text in every summary it can see and
an attendee whose address is hostile too.
"""

from __future__ import annotations

import os
import re
import unicodedata
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from helpers import ME, calendar, event, settings
from watercooler.check import CheckResult, run_check
from watercooler.cli.render_check import render_explanation, to_json, to_text
from watercooler.rulebook.evaluate import explain
from watercooler.rulebook.format import PLACEHOLDERS
from watercooler.rulebook.loading import LoadedRule, load_rulebook, parse_rule_text
from watercooler.sources.files import IcsFileSource

DEFAULTS = {loaded.rule.id: loaded for loaded in load_rulebook(None).active()}
LIMIT = 120
BOB = "bob@example.com"
STRANGER = "{0.__class__}${home}{{7*7}}%(x)s{summary}@example.com"
"""An attendee met last week: the rules suggest meeting again by the address's name."""
STRANGER_SHOWN = "{0.__class__}${home}{{7*7}}%(x)s{summary}"

# name: (text in the calendar, how it must appear once cleaned, before the length cut)
HOSTILE: dict[str, tuple[str, str]] = {
    "format-strings": (
        "{0.__class__} {0.__init__.__globals__} ${HOME} $(id) {{7*7}} %(x)s %s {} "
        "{summary} {count}",
        "{0.__class__} {0.__init__.__globals__} ${HOME} $(id) {{7*7}} %(x)s %s {} "
        "{summary} {count}",
    ),
    "markdown-and-html": (
        "**bold** _it_ [click](https://evil.example/x) `code` <b>html</b> # heading | a |",
        "**bold** _it_ [click](https://evil.example/x) `code` <b>html</b> # heading | a |",
    ),
    "control-characters": (
        "esc\x1b[2J\x1b]0;owned\x07 bel\x07 del\x7f vt\x0b ff\x0c end",
        "esc [2J ]0;owned bel del vt ff end",
    ),
    "bidi-overrides": ("abc\u202edcba\u2066x\u2069 \u200bzero", "abc dcba x zero"),
    "newlines": (
        "first line\nsecond line\u2028third\u2029fourth\x85fifth",
        "first line second line third fourth fifth",
    ),
    "100-kilobytes": ("A" * 100_000, "A" * 100_000),
}
INTERPRETED = ("<class", "49", os.environ.get("HOME", "/nonexistent-home"))
"""What would show up if a template engine, format string or shell had read the text."""


def ical_text(text: str) -> str:
    """Escape a TEXT value the way iCalendar requires (backslash, comma, semicolon, LF)."""
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def cut(text: str) -> str:
    return text if len(text) <= LIMIT else text[: LIMIT - 1] + "…"


def shown(prefix: str, case: str) -> str:
    """How a summary of ``prefix`` plus the hostile text appears in a message."""
    return cut(f"{prefix} {HOSTILE[case][1]}")


def hostile_week(text: str, stranger_name: str = "") -> str:
    """Mon 2 March: coffee with the stranger. Mon 9 to Fri 13: every rule has a reason.

    UIDs are fixed and digit-free so nothing but the text could look interpreted.
    """

    def summary(prefix: str) -> str:
        return ical_text(f"{prefix} {text}")

    def stranger() -> dict[str, Any]:
        if not stranger_name:
            return {"attendees": [(ME, "ACCEPTED"), (STRANGER, "ACCEPTED")]}
        line = f'ATTENDEE;CN="{stranger_name}";PARTSTAT=ACCEPTED:mailto:{STRANGER}'
        return {"attendees": [(ME, "ACCEPTED")], "lines": [line]}

    return calendar(
        event(summary("Coffee"), "20260302T150000", "20260302T153000", uid="a@t", **stranger()),
        event(summary("Lunch at my desk"), "20260309T120000", "20260309T123000", uid="b@t"),
        event(summary("Lunch at my desk"), "20260310T120000", "20260310T123000", uid="c@t"),
        event(summary("Release"), "20260310T140000", "20260310T150000", uid="d@t", **stranger()),
        event(summary("Steering"), "20260311T113000", "20260311T140000", uid="e@t"),
        event(
            summary("Coffee"),
            "20260312T150000",
            "20260312T153000",
            uid="f@t",
            attendees=[(ME, "NEEDS-ACTION"), (BOB, "ACCEPTED")],
        ),
        event(
            summary("Drinks"),
            "20260312T170000",
            "20260312T190000",
            uid="g@t",
            attendees=[(ME, "DECLINED"), (BOB, "ACCEPTED")],
        ),
    )


def check_week(folder: Path, text: str, rules: list[Any], stranger_name: str = "") -> CheckResult:
    path = folder / "hostile.ics"
    path.write_text(hostile_week(text, stranger_name), encoding="utf-8")
    # Bob is someone to keep in touch with, never met: the keep-in-touch rule fires.
    config = settings(people=[{"name": "Bob", "email": BOB, "every": "1w"}])
    now = datetime(2026, 3, 9, 7, 0, tzinfo=config.zone)
    return run_check(config, [IcsFileSource(path)], now, 7, 4, rules=rules)


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, CheckResult]:
    """The hostile week checked once per hostile text, plus a calm week to compare with."""
    rules = [loaded.rule for loaded in DEFAULTS.values()]
    texts = {name: raw for name, (raw, _) in HOSTILE.items()} | {"calm": "plain words"}
    return {
        name: check_week(tmp_path_factory.mktemp(name), text, rules) for name, text in texts.items()
    }


def nudges_of(result: CheckResult, rule: str) -> list[dict[str, Any]]:
    return [nudge for nudge in result.nudges if nudge["rule"] == rule]


def assert_clean(text: str) -> None:
    """One line, no control or format characters, nothing a template engine produced."""
    bad = [c for c in text if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")]
    assert bad == [], f"control characters {bad!r} in {text[:200]!r}"
    for marker in INTERPRETED:
        assert marker not in text, f"{marker!r} in {text[:200]!r}"
    assert "A" * (LIMIT + 1) not in text


# -- the message each default rule gives -----------------------------------------------------


def expected_text(rule: str, case: str) -> list[str]:
    """Fragments the rule's title or body must hold verbatim for the hostile case."""
    person = cut(STRANGER_SHOWN)
    return {
        "desk-lunch-streak": [f"({shown('Lunch at my desk', case)} today)"],
        "social-unanswered": [
            f"Still undecided: {shown('Coffee', case)}",
            f"{shown('Coffee', case)} is on Thursday at 15:00",
        ],
        "social-missed": [
            f"Drop by {shown('Drinks', case)} for five minutes",
            f"{shown('Drinks', case)} (17:00–19:00) clashes",
        ],
        "weekly-reflection": [f"Thu left unanswered {shown('Coffee', case)[:20]}"],
        "keep-in-touch": ["Time to see Bob"],
        "deadline-celebration": [
            f"{shown('Release', case)} is done",
            f"Celebrate it with {person}: coffee",
        ],
        "free-lunch-slot": [f"Invite a colleague, or {person}, instead"],
        "outreach-quota": [f"Send {person} something worth reading"],
        "lunch-swallowed": [],
        "monday-plan": [],
    }[rule]


@pytest.mark.parametrize("case", list(HOSTILE))
@pytest.mark.parametrize("rule", sorted(DEFAULTS))
def test_hostile_text_appears_verbatim_and_cleaned_in_every_default_rule(
    results: dict[str, CheckResult], rule: str, case: str
) -> None:
    found = nudges_of(results[case], rule)
    assert found, f"{rule} did not fire in the hostile week"
    messages = [f"{nudge['title']}\n{nudge['body']}" for nudge in found]
    for nudge in found:
        assert_clean(nudge["title"])
        assert_clean(nudge["body"])
    for fragment in expected_text(rule, case):
        assert any(fragment in message for message in messages), (fragment, messages)


@pytest.mark.parametrize("rule", ["lunch-swallowed", "monday-plan"])
@pytest.mark.parametrize("case", list(HOSTILE))
def test_rules_that_show_no_event_text_say_the_same_as_for_a_calm_calendar(
    results: dict[str, CheckResult], rule: str, case: str
) -> None:
    assert nudges_of(results[case], rule) == nudges_of(results["calm"], rule)


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_text_changes_no_due_time_and_no_key(
    results: dict[str, CheckResult], case: str
) -> None:
    def frame(result: CheckResult) -> list[tuple[str, str]]:
        return [(n["rule"], n["due"]) for n in result.nudges]

    assert frame(results[case]) == frame(results["calm"])
    keys = [nudge["key"] for nudge in results[case].nudges]
    assert len(keys) == len(set(keys))
    for key in keys:
        assert_clean(key)
        assert len(key) < 200


def test_a_100_kilobyte_summary_is_cut_to_120_characters(
    results: dict[str, CheckResult],
) -> None:
    (nudge,) = nudges_of(results["100-kilobytes"], "social-unanswered")
    value = nudge["title"].removeprefix("Still undecided: ")
    assert len(value) == LIMIT
    assert value == "Coffee " + "A" * (LIMIT - len("Coffee ") - 1) + "…"


# -- every placeholder of every trigger kind ---------------------------------------------------

SEPARATOR = " ‖ "
TRIGGERS = {
    "lunch": "{kind: lunch, outcomes: [social, alone, skipped, free]}",
    "social": "{kind: social, statuses: "
    "[cancelled, declined, conflicted, tentative, unanswered, accepted]}",
    "words": "{kind: words, words: [release, coffee, lunch, drinks, steering]}",
    "weekly": "{kind: weekly, day: fri}",
    "people": "{kind: people, day: mon}",
}


def every_placeholder_rules() -> list[LoadedRule]:
    """One rule per trigger kind whose body is every placeholder it knows."""
    text = "rules:\n"
    for kind, trigger in TRIGGERS.items():
        body = SEPARATOR.join(f"{{{name}}}" for name in sorted(PLACEHOLDERS[kind]))
        text += (
            f"  - id: every-{kind}\n"
            "    tip: 1\n"
            f"    trigger: {trigger}\n"
            '    due: {at: "12:00"}\n'
            f"    message: {{title: '{{date}} {{day}}', body: '{body}'}}\n"
        )
    loaded, errors = parse_rule_text(text, "every.yaml")
    assert errors == []
    return loaded


@pytest.mark.parametrize("case", list(HOSTILE))
def test_every_placeholder_of_every_trigger_kind_gets_a_clean_value_of_at_most_120(
    tmp_path: Path, case: str
) -> None:
    rules = every_placeholder_rules()
    result = check_week(tmp_path, HOSTILE[case][0], [loaded.rule for loaded in rules])
    fired = {nudge["rule"] for nudge in result.nudges}
    assert fired == {loaded.rule.id for loaded in rules}
    for nudge in result.nudges:
        assert_clean(nudge["title"])
        values = nudge["body"].split(SEPARATOR)
        kind = nudge["rule"].removeprefix("every-")
        assert len(values) == len(PLACEHOLDERS[kind])
        for value in values:
            assert len(value) <= LIMIT, value[:200]
            assert_clean(value)


# -- every placeholder of every trigger kind has a value where it must ------------------------

MUST_HAVE_VALUES = {
    "lunch": "{kind: lunch, outcomes: [free]}",
    "social": "{kind: social, statuses: [declined]}",
    "words": "{kind: words, words: [release]}",
    "weekly": "{kind: weekly, day: fri}",
    "people": "{kind: people, day: mon}",
}
"""Triggers that fire in the calm week where every placeholder of their kind must have a
value: a free lunch has a gap (so ``gap``, ``gap_start``, ``gap_end``), the declined
Drinks and the Release are events with times and people, Friday ends a week of lunches."""
HH_MM = r"\d\d:\d\d"
SPAN = rf"{HH_MM}–{HH_MM}"
WEEKDAY = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
NUMBERS = ("count", "window", "social_lunches", "lunch_goal", "people_met", "people_goal",
           "alone_lunches", "skipped_lunches", "free_lunches", "missed")  # fmt: skip
PLAUSIBLE: dict[tuple[str, str], str] = {
    **{(kind, name): r"\d+" for kind in PLACEHOLDERS for name in NUMBERS},
    **{(kind, "date"): r"2026-03-\d\d" for kind in PLACEHOLDERS},
    **{(kind, "day"): WEEKDAY for kind in PLACEHOLDERS},
    **{(kind, name): HH_MM for kind in ("social", "words") for name in ("start", "end")},
    **{(kind, "time"): SPAN for kind in ("social", "words")},
    ("lunch", "gap"): SPAN,
    ("lunch", "gap_start"): HH_MM,
    ("lunch", "gap_end"): HH_MM,
    ("lunch", "outcome"): "free",
    ("lunch", "free_gaps"): rf"{SPAN}(, {SPAN})*",
    ("social", "status"): "declined",
    ("weekly", "free_gaps"): rf"\w{{3}} {SPAN}(, \w{{3}} {SPAN})*",
    ("weekly", "streak"): r"\d+",
    ("weekly", "best_streak"): r"\d+",
    ("weekly", "journal_count"): r"\d+",
    ("weekly", "socials_attended"): r"\d+",
    ("weekly", "socials_goal"): r"\d+",
    ("people", "free_gaps"): rf"\w{{3}} {SPAN}(, \w{{3}} {SPAN})*",
    ("people", "gap"): rf"\w{{3}} {SPAN}",
    ("people", "every"): r"\d+ (weeks|days)",
    ("people", "person"): "Bob",
    ("people", "last_contact"): "none in your calendar yet",
}
"""What some values must look like in full, beyond not being empty."""


def value_rule_id(kind: str, name: str) -> str:
    return f"value-{kind}-{name.replace('_', '-')}"


@pytest.fixture(scope="module")
def placeholder_values(
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, dict[str, dict[str, str]]]:
    """kind → nudge subject → placeholder → value, from the calm week.

    Each placeholder has a rule of its own, titled ``{name}`` with the body ``[{name}]``,
    so a value that comes out empty is seen as empty, not hidden among the others.
    """
    text = "rules:\n"
    for kind, trigger in MUST_HAVE_VALUES.items():
        for name in sorted(PLACEHOLDERS[kind]):
            text += (
                f"  - id: {value_rule_id(kind, name)}\n"
                "    tip: 1\n"
                f"    trigger: {trigger}\n"
                '    due: {at: "12:00"}\n'
                f"    message: {{title: '{{{name}}}', body: '[{{{name}}}]'}}\n"
            )
    loaded, errors = parse_rule_text(text, "values.yaml")
    assert errors == []
    result = check_week(
        tmp_path_factory.mktemp("values"), "plain words", [rule.rule for rule in loaded]
    )
    names = {
        value_rule_id(kind, name): (kind, name)
        for kind in PLACEHOLDERS
        for name in PLACEHOLDERS[kind]
    }
    values: dict[str, dict[str, dict[str, str]]] = {kind: {} for kind in PLACEHOLDERS}
    for nudge in result.nudges:
        kind, name = names[nudge["rule"]]
        assert nudge["body"] == f"[{nudge['title']}]", nudge
        subject = nudge["key"].removeprefix(f"{nudge['rule']}/")
        values[kind].setdefault(subject, {})[name] = nudge["title"]
    return values


def placeholder_cases() -> list[Any]:
    return [
        pytest.param(
            kind,
            name,
        )
        for kind in sorted(PLACEHOLDERS)
        for name in sorted(PLACEHOLDERS[kind])
    ]


@pytest.mark.parametrize(("kind", "name"), placeholder_cases())
def test_every_placeholder_of_every_trigger_kind_has_a_value_where_it_must(
    placeholder_values: dict[str, dict[str, dict[str, str]]], kind: str, name: str
) -> None:
    subjects = placeholder_values[kind]
    assert subjects, f"no {kind} rule fired in the calm week"
    for subject, values in subjects.items():
        assert name in values, f"{value_rule_id(kind, name)} did not fire for {subject}"
        value = values[name]
        assert value.strip(), f"{{{name}}} is empty for {kind} {subject}"
        pattern = PLAUSIBLE.get((kind, name))
        if pattern is not None:
            assert re.fullmatch(pattern, value), f"{{{name}}} = {value!r} for {kind} {subject}"
        if name == "rule":
            assert value == value_rule_id(kind, name)


@pytest.mark.parametrize(("kind", "first", "last", "span"), [
    ("lunch", "gap_start", "gap_end", "gap"),
    ("social", "start", "end", "time"),
    ("words", "start", "end", "time"),
])  # fmt: skip
def test_a_span_ends_after_it_starts_and_reads_as_its_start_and_end(
    placeholder_values: dict[str, dict[str, dict[str, str]]],
    kind: str,
    first: str,
    last: str,
    span: str,
) -> None:
    subjects = placeholder_values[kind]
    assert subjects, f"no {kind} rule fired in the calm week"
    for subject, values in subjects.items():
        assert values[first] < values[last], (subject, values[first], values[last])
        assert values[span] == f"{values[first]}–{values[last]}", (subject, values[span])


# -- what people read: the terminal, JSON and rules explain ------------------------------------


@pytest.mark.parametrize("case", list(HOSTILE))
def test_the_text_table_and_the_json_of_a_hostile_week_hold_no_control_characters(
    results: dict[str, CheckResult], case: str
) -> None:
    table = to_text(results[case], colour=False)
    for line in table.splitlines():
        assert_clean(line)
    document = to_json(results[case])
    assert "\x1b" not in document
    assert "\x07" not in document


@pytest.mark.parametrize("case", list(HOSTILE))
@pytest.mark.parametrize("rule", sorted(DEFAULTS))
def test_rules_explain_shows_a_hostile_week_line_by_line_without_control_characters(
    results: dict[str, CheckResult], rule: str, case: str
) -> None:
    facts = results[case].facts
    assert facts is not None
    loaded = DEFAULTS[rule]
    text = render_explanation(loaded, explain(loaded.rule, facts))
    assert "FIRES" in text
    for line in text.splitlines():
        assert_clean(line)


def test_a_hostile_attendee_name_is_shown_verbatim_wherever_people_are_named(
    tmp_path: Path,
) -> None:
    name = "{0.__class__} ${HOME} {{7*7}} %(x)s **Dr. Evil** <b>x</b> [a](b) " + "N" * 200
    rules = [loaded.rule for loaded in DEFAULTS.values()]
    result = check_week(tmp_path, "plain words", rules, stranger_name=name)
    person = cut(name)
    assert person.endswith("N…")
    bodies = {nudge["rule"]: nudge["body"] for nudge in result.nudges}
    assert f"Send {person} something worth reading" in bodies["outreach-quota"]
    assert f"Invite a colleague, or {person}, instead" in bodies["free-lunch-slot"]
    assert f"Celebrate it with {person}: coffee" in bodies["deadline-celebration"]
    for body in bodies.values():
        assert_clean(body)
