"""The progress report as one self-contained HTML page.

Inline CSS and inline SVG only: no script, no font, image or link to fetch (a Content
Security Policy says so to the browser too), so the file opens offline, from a mail or a
phone's downloads. Light or dark as the reader's system prefers; the day colours
(:data:`OUTCOME_COLOURS`) are the same in both, so a screenshot can be checked. On a narrow
screen the pictures shrink with their ``viewBox`` and the table scrolls sideways. Every
text from the report (names come from calendars) is escaped.
"""

from __future__ import annotations

from html import escape

from watercooler.progress.model import SOCIAL_STATUSES, ProgressReport, WeekSummary
from watercooler.progress.render_svg import heatmap_blocks, heatmap_svg, trend_svg, trends_shown
from watercooler.progress.render_words import (
    OUTCOME_COLOURS,
    counts_text,
    goal_details,
    goal_mark,
    goal_streaks_sentence,
    legend_items,
    people_text,
    plural,
    streak_sentence,
    summary_text,
)

__all__ = ["CSP", "OUTCOME_COLOURS", "render_html"]

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
"""Nothing may be fetched: the page is all there is."""
BACKGROUNDS = {"light": "#ffffff", "dark": "#0d1117"}
"""The page's background in each mode."""
TABLE_HEADS = (
    *("Week", "Social", "Alone", "Skipped", "Free", "Off", "Unknown"),
    *("Socials", "People met", "Goals", "Streak"),
)
"""The weekly table's columns: the week, its workday lunches by outcome, the rest."""
STYLE = """
:root { color-scheme: light dark; --bg: @light@; --fg: #1f2328; --muted: #59636e;
  --line: #d1d9e0; --card: #f6f8fa; }
@media (prefers-color-scheme: dark) {
  :root { --bg: @dark@; --fg: #e6edf3; --muted: #9198a1; --line: #3d444d; --card: #151b23; }
}
* { box-sizing: border-box; }
html, body { margin: 0; background: var(--bg); color: var(--fg); }
body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { max-width: 960px; margin: 0 auto; padding: 16px; }
h1 { font-size: 1.6rem; margin: 0 0 4px; }
h2 { font-size: 1.15rem; margin: 28px 0 8px; }
.meta, figcaption, .note { color: var(--muted); font-size: 0.9rem; }
.streak { font-weight: 600; }
svg { display: block; max-width: 100%; height: auto; }
svg text { fill: currentColor; font-size: 9px; }
.heatmap { margin: 8px 0; }
.trend { width: 100%; }
.trend text { font-size: 11px; }
.trend .axis { fill: var(--muted); }
.trend .baseline { stroke: var(--line); }
.trend .goal { stroke: var(--muted); stroke-dasharray: 4 3; }
.trend .series { fill: none; stroke-width: 1.5; stroke-opacity: 0.35; }
.trend .rest { fill: var(--card); }
rect.future { stroke: var(--fg); stroke-width: 1; stroke-dasharray: 2 1.5; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 16px; padding: 0; list-style: none;
  font-size: 0.9rem; }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px;
  vertical-align: -1px; margin-right: 6px; }
.trends { display: grid; grid-template-columns: repeat(auto-fit, minmax(280px, 1fr));
  gap: 16px; }
figure { margin: 0; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: 0.85rem; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 5px; text-align: left;
  vertical-align: top; }
th[scope="row"], td.n { white-space: nowrap; }
td.w { min-width: 8em; }
td.g { min-width: 10em; }
.when { color: var(--muted); font-weight: normal; font-size: 0.8rem; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
"""


def render_html(report: ProgressReport) -> str:
    """The whole page."""
    span = f"{report.weeks[0].iso_week} – {report.weeks[-1].iso_week}" if report.weeks else ""
    title = f"watercooler progress {span}".strip()
    head = (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="color-scheme" content="light dark">\n'
        f"<title>{escape(title)}</title>\n<style>{_style()}</style>\n</head>\n"
    )
    body = [
        "<body>\n<main>",
        *_intro(report, span),
        *_heatmap_section(report),
        *_trend_section(report),
        *_table_section(report),
        "</main>\n</body>\n</html>\n",
    ]
    return head + "\n".join(body)


def _intro(report: ProgressReport, span: str) -> list[str]:
    made = f"{report.generated:%a %d %b %Y %H:%M} ({report.timezone})"
    weeks = plural(len(report.weeks), "week")
    parts = [
        "<h1>Your progress</h1>",
        f'<p class="meta">{escape(weeks)}{escape(", " + span if span else "")}'
        f" · made {escape(made)}</p>",
    ]
    if report.summary:
        parts.append(f'<p class="summary">{escape(summary_text(report))}</p>')
    parts.append(f'<p class="streak">{escape(streak_sentence(report))}</p>')
    per_goal = goal_streaks_sentence(report)
    if per_goal:
        parts.append(f'<p class="goal-streaks">Per goal: {escape(per_goal)}.</p>')
    if report.redacted:
        parts.append('<p class="note">Names are left out of this report.</p>')
    return parts


def _heatmap_section(report: ProgressReport) -> list[str]:
    parts = ["<section>", "<h2>Lunch, day by day</h2>"]
    parts += [heatmap_svg(block) for block in heatmap_blocks(report.weeks)]
    parts.append('<ul class="legend">')
    parts += [
        f'<li><span class="swatch" style="background:{OUTCOME_COLOURS[outcome]}"></span>'
        f"{escape(label)}</li>"
        for outcome, label in legend_items()
    ]
    parts += ["</ul>", "</section>"]
    return parts


def _trend_section(report: ProgressReport) -> list[str]:
    if not report.weeks:
        return []
    parts = ["<section>", "<h2>Week by week</h2>", '<div class="trends">']
    for trend in trends_shown(report.weeks):
        parts += [
            "<figure>",
            trend_svg(report.weeks, trend),
            f"<figcaption>{escape(trend.title)}; the dashed line is the goal, a shaded "
            "week a rest week.</figcaption>",
            "</figure>",
        ]
    parts += ["</div>", "</section>"]
    return parts


def _table_section(report: ProgressReport) -> list[str]:
    parts = ["<section>", "<h2>The weeks</h2>", '<div class="scroll">', "<table>"]
    parts.append("<tr>" + "".join(f'<th scope="col">{head}</th>' for head in TABLE_HEADS) + "</tr>")
    parts += [_table_row(week, report.redacted) for week in report.weeks]
    parts += ["</table>", "</div>", "</section>"]
    return parts


def _table_row(week: WeekSummary, redacted: bool) -> str:
    goals = f"<b>{escape(goal_mark(week))}</b>"
    if week.goals and not week.rest:
        goals += f" {escape(goal_details(week))}"
    state = "" if week.complete else "<br>under way"
    counts = "".join(
        f'<td class="n">{week.lunches.get(outcome, 0)}</td>'
        for outcome in ("social", "alone", "skipped", "free", "off", "unknown")
    )
    cells = [
        f'<th scope="row">{escape(week.iso_week)}'
        f'<br><span class="when">Mon {week.monday:%d %b}{state}</span></th>',
        counts,
        f'<td class="w">{escape(counts_text(week.socials, SOCIAL_STATUSES))}</td>',
        f'<td class="w">{escape(people_text(week, redacted))}</td>',
        f'<td class="w g">{goals}</td>',
        f'<td class="n">{week.streak}</td>',
    ]
    return "<tr>" + "".join(cells) + "</tr>"


def _style() -> str:
    """The page's CSS with its two backgrounds filled in."""
    return STYLE.replace("@light@", BACKGROUNDS["light"]).replace("@dark@", BACKGROUNDS["dark"])
