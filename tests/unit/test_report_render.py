"""The progress report's four formats, each laid out from the same hand-made report.

The sample (``progress_samples.sample_report``) has twelve weeks, a rest week, days
without a record and days whose calendar could not be read; every test reads the format
back (the heatmap's characters, the table's rows, the JSON document, the HTML's elements)
and compares it with the sample's own data.
"""

from __future__ import annotations

import dataclasses
import json
import re
from html.parser import HTMLParser

import pytest

from progress_samples import REST_WEEK, sample_report
from watercooler.progress.model import LUNCH_OUTCOMES, ProgressReport
from watercooler.progress.render_html import CSP, OUTCOME_COLOURS, render_html
from watercooler.progress.render_json import report_document
from watercooler.progress.render_markdown import render_markdown
from watercooler.progress.render_text import LABEL, render_text
from watercooler.progress.render_words import OUTCOME_CHARS, WEEKDAYS

ANSI = re.compile(r"\x1b\[[0-9;]*m")
HOSTILE = "<b>Ana</b> | *x*"
SCRIPT = "Lunch with <script>alert(1)</script>"


def with_hostile_name(report: ProgressReport) -> ProgressReport:
    """The sample with a name and a summary from a calendar that are markup in every format."""
    latest = report.weeks[-1]
    hostile = dataclasses.replace(latest, people=(HOSTILE, *latest.people[1:]))
    return dataclasses.replace(report, weeks=(*report.weeks[:-1], hostile), summary=SCRIPT)


def heatmap_rows(text: str) -> list[list[str]]:
    """Per block of the text heatmap, its seven rows (weekday label cut off)."""
    lines = text.splitlines()
    blocks = []
    for index, line in enumerate(lines):
        if line.startswith(f"{WEEKDAYS[0]:<{LABEL}}"):
            blocks.append([row[LABEL:] for row in lines[index : index + 7]])
    return blocks


def test_the_text_heatmap_shows_each_days_character_without_colour() -> None:
    report = sample_report()
    text = render_text(report, color=False)
    assert "\x1b" not in text
    (block,) = heatmap_rows(text)
    for column, week in enumerate(report.weeks):
        for row, day in enumerate(week.days):
            assert block[row][2 * column] == OUTCOME_CHARS[day.outcome], (week.iso_week, row)
    assert len(set(OUTCOME_CHARS.values())) == len(OUTCOME_CHARS)
    for outcome, char in OUTCOME_CHARS.items():
        assert re.search(rf"(^|  ){re.escape(char)} \w", text, re.MULTILINE), outcome


def test_the_text_report_fits_100_columns_and_wraps_two_years_into_blocks() -> None:
    for weeks in (12, 104):
        report = sample_report(weeks=weeks)
        text = render_text(report, color=True)
        plain = ANSI.sub("", text)
        assert max(len(line) for line in plain.splitlines()) <= 100
        blocks = heatmap_rows(plain)
        assert len(blocks) == (1 if weeks == 12 else 3)
        shown = "".join("".join(rows[r][::2] for rows in blocks) for r in range(7))
        expected = "".join(
            OUTCOME_CHARS[week.days[r].outcome] for r in range(7) for week in report.weeks
        )
        assert shown == expected


def test_the_text_report_in_colour_paints_the_cells_and_says_the_same() -> None:
    report = sample_report()
    text = render_text(report, color=True)
    social = "38;2;45;164;78"  # OUTCOME_COLOURS["social"], #2da44e
    assert f"\x1b[1;{social}m#\x1b[0m" in text
    assert OUTCOME_COLOURS["social"] == "#2da44e"
    assert ANSI.sub("", text) == render_text(report, color=False)


def test_each_week_has_its_counts_people_goal_and_streak() -> None:
    text = render_text(with_hostile_name(sample_report()), color=False)
    rest = sample_report().weeks[REST_WEEK]
    assert f"{rest.iso_week} · Mon {rest.monday:%d %b %Y}   goal rest week" in text
    assert "2026-W04 · Mon 19 Jan 2026   goal ✓          streak 2" in text
    assert "2026-W05 · Mon 26 Jan 2026   goal ✗          streak 0" in text
    words = " ".join(text.split())  # the details wrap at 100 columns
    assert "lunches 3 social, 1 alone, 1 free · socials 2 accepted, 1 conflicted" in words
    assert "people met 5 (Greta, Hiro, Ana +2)" in words
    assert f"people met 4 ({HOSTILE}, Eun-ji, Farid +1)" in words
    assert "(under way)" in text


def test_a_name_cannot_send_escape_sequences_to_the_terminal() -> None:
    report = sample_report()
    latest = report.weeks[-1]
    sneaky = dataclasses.replace(latest, people=("Eve\x1b[2J\x1b]0;owned\x07", "x" * 300))
    report = dataclasses.replace(
        report, weeks=(*report.weeks[:-1], sneaky), summary="Done.\x1b[31m\nFake line"
    )
    text = render_text(report, color=False)
    assert "\x1b" not in text
    assert "\x07" not in text
    assert "Fake line" not in text.splitlines()
    assert "x" * 40 not in text


def test_a_redacted_report_counts_people_without_names() -> None:
    text = render_text(sample_report(redacted=True), color=False)
    markdown = render_markdown(sample_report(redacted=True))
    page = render_html(sample_report(redacted=True))
    for output in (text, markdown, page):
        assert "Greta" not in output
        assert "Hiro" not in output
    assert "people met 5 ·" in " ".join(text.split())
    assert "Names are left out" in page


def test_the_streak_line_speaks_of_this_week_and_the_best_run() -> None:
    report = sample_report()
    text = render_text(report, color=False)
    assert "Streak: 2 weeks in a row with every goal met, this week included." in text
    assert "Best run: 4 weeks." in text
    new_start = dataclasses.replace(report, streak=0)
    line = render_text(new_start, color=False).splitlines()
    assert "This week can start a new streak. Best run: 4 weeks." in line
    no_goals = dataclasses.replace(
        report, weeks=tuple(dataclasses.replace(w, goals=()) for w in report.weeks)
    )
    assert "No weekly goals are set" in render_text(no_goals, color=False)
    for output in (text, "\n".join(line), render_markdown(report), render_html(report)):
        assert "back to zero" not in output.lower()
        assert "reset" not in output.lower()


def test_the_markdown_has_a_table_row_per_week_and_the_heatmap_block() -> None:
    report = with_hostile_name(sample_report())
    markdown = render_markdown(report)
    rows = [line for line in markdown.splitlines() if line.startswith("| 2026-W")]
    assert [row.split(" | ")[0][2:10] for row in rows] == [w.iso_week for w in report.weeks]
    header = next(line for line in markdown.splitlines() if line.startswith("| Week"))
    unescaped_pipes = re.compile(r"(?<!\\)\|")
    for row in rows:
        assert len(unescaped_pipes.findall(row)) == len(unescaped_pipes.findall(header))
    assert "| 2026-W05 | 2026-01-26 | 1 | 2 | 1 | 1 | 0 | 0 | 1 declined | 1 (Dmitri) |" in markdown
    assert "<b>" not in markdown
    assert r"\<b\>Ana\</b\> \| \*x\*" in markdown
    fence = markdown.split("```")
    assert len(fence) == 3
    assert heatmap_rows(fence[1])
    assert "Best run: 4 weeks." in fence[2]


def test_the_json_document_round_trips_with_every_weeks_counts() -> None:
    report = sample_report()
    document = report_document(report)
    assert json.loads(json.dumps(document)) == document
    assert list(document) == ["generated", "timezone", "redacted", "summary", "streak", "weeks"]
    assert document["generated"] == "2026-03-27T17:00:00+01:00"
    assert document["streak"] == {
        "current": 2,
        "best": 4,
        "goals": {"social_lunches": {"current": 2, "best": 4}, "people": {"current": 2, "best": 4}},
    }
    assert len(document["weeks"]) == 12
    for week, entry in zip(report.weeks, document["weeks"], strict=True):
        assert entry["week"] == week.iso_week
        assert entry["monday"] == week.monday.isoformat()
        assert list(entry["lunches"]) == list(LUNCH_OUTCOMES)
        assert entry["lunches"] == week.lunches
        assert entry["socials"] == week.socials
        assert entry["people"] == {"count": len(week.people), "names": list(week.people)}
        assert entry["met"] == week.met
        assert [day["outcome"] for day in entry["days"]] == [d.outcome for d in week.days]
    rest = document["weeks"][REST_WEEK]
    assert (rest["rest"], rest["met"]) == (True, None)
    redacted = report_document(sample_report(redacted=True))
    assert redacted["weeks"][2]["people"] == {"count": 4, "names": []}


class Elements(HTMLParser):
    """Every start tag with its attributes, and the svg each sits in."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str], int]] = []
        self.svgs: list[dict[str, str]] = []
        self._inside = -1

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "svg":
            self.svgs.append(values)
            self._inside = len(self.svgs) - 1
        self.tags.append((tag, values, self._inside))

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg":
            self._inside = -1

    def within(self, tag: str, svg_class: str) -> list[list[dict[str, str]]]:
        """The ``tag`` elements of each svg of class ``svg_class``."""
        return [
            [attrs for name, attrs, inside in self.tags if name == tag and inside == number]
            for number, svg in enumerate(self.svgs)
            if svg.get("class") == svg_class
        ]


def parsed(page: str) -> Elements:
    elements = Elements()
    elements.feed(page)
    return elements


def test_the_html_page_is_self_contained() -> None:
    page = render_html(with_hostile_name(sample_report()))
    assert "<script" not in page.lower()
    assert not re.search(r"https?://", page)
    assert " src=" not in page
    assert "<link" not in page
    assert "@import" not in page
    assert f'<meta http-equiv="Content-Security-Policy" content="{CSP}">' in page
    assert CSP == "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "prefers-color-scheme: dark" in page


def test_the_html_heatmap_has_a_square_per_day_in_its_outcomes_colour() -> None:
    report = sample_report()
    (cells,) = parsed(render_html(report)).within("rect", "heatmap")
    days = [day for week in report.weeks for day in week.days]
    assert len(cells) == len(days) == 84
    by_date = {cell["data-date"]: cell for cell in cells}
    for day in days:
        assert by_date[day.date.isoformat()]["fill"] == OUTCOME_COLOURS[day.outcome]
    assert len(set(OUTCOME_COLOURS.values())) == len(OUTCOME_COLOURS)


def test_two_years_of_heatmap_wrap_into_half_years_with_every_day() -> None:
    report = sample_report(weeks=104)
    blocks = parsed(render_html(report)).within("rect", "heatmap")
    assert [len(block) for block in blocks] == [26 * 7] * 4
    fills = [cell["fill"] for block in blocks for cell in block]
    assert fills == [OUTCOME_COLOURS[d.outcome] for w in report.weeks for d in w.days]


@pytest.mark.parametrize("weeks", [12, 104])
def test_the_html_trend_has_one_point_per_week(weeks: int) -> None:
    report = sample_report(weeks=weeks)
    elements = parsed(render_html(report))
    charts = elements.within("circle", "trend")
    goals = [svg["data-goal"] for svg in elements.svgs if svg.get("class") == "trend"]
    assert goals == ["social_lunches", "people"]
    assert [len(points) for points in charts] == [weeks, weeks]
    social = [float(point["cy"]) for point in charts[0]]
    values = [week.lunches["social"] for week in report.weeks]
    for a in range(weeks):
        for b in range(weeks):
            if values[a] > values[b]:
                assert social[a] < social[b]
    assert all("viewbox" in svg for svg in elements.svgs)  # the parser lowercases names


def test_every_text_in_the_html_is_escaped() -> None:
    page = render_html(with_hostile_name(sample_report()))
    assert "<b>Ana" not in page
    assert "&lt;b&gt;Ana&lt;/b&gt; | *x*, Eun-ji, Farid +1" in page
    assert "Lunch with &lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_report_without_weeks_still_renders_in_every_format() -> None:
    empty = dataclasses.replace(
        sample_report(), weeks=(), streak=0, best_streak=0, goal_streaks={}, summary=""
    )
    text = render_text(empty, color=True)
    assert "No weekly goals are set" in text
    assert "lunch with others" in text  # the legend
    assert "| Week |" in render_markdown(empty)
    assert report_document(empty)["weeks"] == []
    page = render_html(empty)
    assert "<svg" not in page
    assert "<table>" in page
