"""The HTML report as a browser shows it: headless Chromium's screenshot, read pixel by pixel.

The heatmap is found in the picture by its fixed colours (nothing above it uses them): its
top row gives where the grid starts and how wide it is drawn, and from the SVG's own
geometry (``render_svg.CELL`` and ``PITCH``) each day's square has a known centre, whose
pixel must be the colour of that day's outcome. Each trend's points are counted as the
blobs of their exact colour (the joining line is faint, so never that colour), and the
blobs must stand as the values do: higher for more. A recording proxy takes every request
the browser makes; the page must make none (a control page shows the proxy would see one).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from chromium import RecordingProxy, screenshot
from progress_samples import sample_report
from watercooler.progress.model import ProgressReport
from watercooler.progress.render_html import BACKGROUNDS, OUTCOME_COLOURS, render_html
from watercooler.progress.render_svg import CELL, PITCH, SERIES_COLOURS

RGB = tuple[int, int, int]
SIZE = (1000, 1500)
PHONE = (390, 1800)
"""A phone's screen in CSS pixels (the page says width=device-width)."""
SLOW = 8.0
"""Seconds the control page's picture takes to come (and its browser stays alive)."""


def rgb(colour: str) -> RGB:
    return (int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16))


@pytest.fixture
def proxy() -> Iterator[RecordingProxy]:
    with RecordingProxy().running() as running:
        yield running


def shoot(
    report: ProgressReport,
    folder: Path,
    proxy: RecordingProxy,
    *,
    dark: bool,
    size: tuple[int, int] = SIZE,
) -> Image.Image:
    page = folder / "report.html"
    page.write_text(render_html(report), encoding="utf-8")
    png = folder / ("dark.png" if dark else "light.png")
    screenshot(page, png, proxy=proxy, profile=folder / "profile", size=size, dark=dark)
    with Image.open(png) as image:
        return image.convert("RGB")


def find_grid(image: Image.Image, weeks: int) -> tuple[float, float, float]:
    """The heatmap's top-left pixel and its pixels per SVG unit, found by its colours."""
    palette = {rgb(colour) for colour in OUTCOME_COLOURS.values()}
    width, height = image.size
    pixels = image.load()
    assert pixels is not None
    top = next(y for y in range(height) if any(pixels[x, y] in palette for x in range(0, width, 2)))
    row = top + 6  # below the squares' rounded corners
    xs = [x for x in range(width) if pixels[x, row] in palette]
    left, right = min(xs), max(xs)
    scale = (right - left + 1) / (PITCH * (weeks - 1) + CELL)
    return left, top, scale


def check_cells(image: Image.Image, report: ProgressReport) -> None:
    left, top, scale = find_grid(image, len(report.weeks))
    assert scale > 1  # big enough to read on a 1000-pixel screen
    pixels = image.load()
    assert pixels is not None
    wrong = []
    for column, week in enumerate(report.weeks):
        for row, day in enumerate(week.days):
            x = round(left + scale * (PITCH * column + CELL / 2))
            y = round(top + scale * (PITCH * row + CELL / 2))
            if pixels[x, y] != rgb(OUTCOME_COLOURS[day.outcome]):
                wrong.append((day.date.isoformat(), day.outcome, pixels[x, y]))
    assert wrong == []


def blobs(image: Image.Image, colour: str) -> list[tuple[float, float]]:
    """The centres of the connected patches (of a few pixels or more) of exactly ``colour``."""
    width = image.size[0]
    data, target = image.tobytes(), bytes(rgb(colour))
    matching: set[int] = set()
    at = data.find(target)
    while at >= 0:
        if at % 3 == 0:
            matching.add(at // 3)
        at = data.find(target, at + 1)
    found = []
    while matching:
        patch, stack = [], [matching.pop()]
        while stack:
            pixel = stack.pop()
            patch.append(pixel)
            x = pixel % width
            sideways = (pixel - 1,) * (x > 0) + (pixel + 1,) * (x < width - 1)
            for near in (pixel - width, pixel + width, *sideways):
                if near in matching:
                    matching.discard(near)
                    stack.append(near)
        if len(patch) >= 4:
            xs, ys = [p % width for p in patch], [p // width for p in patch]
            found.append((sum(xs) / len(patch), sum(ys) / len(patch)))
    return sorted(found)


def check_trend(image: Image.Image, colour: str, values: list[int]) -> None:
    points = blobs(image, colour)
    assert len(points) == len(values)
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(points)]
    assert max(gaps) - min(gaps) <= 2  # one point per week, evenly spaced
    for (_, ya), a in zip(points, values, strict=True):
        for (_, yb), b in zip(points, values, strict=True):
            if a > b:
                assert ya < yb - 2


def test_the_page_in_chromium_shows_each_days_colour_and_a_point_per_week(
    tmp_path: Path, proxy: RecordingProxy
) -> None:
    report = sample_report()
    image = shoot(report, tmp_path, proxy, dark=False)
    assert image.getpixel((3, 3)) == rgb(BACKGROUNDS["light"])
    check_cells(image, report)
    check_trend(
        image, SERIES_COLOURS["social_lunches"], [w.lunches["social"] for w in report.weeks]
    )
    check_trend(image, SERIES_COLOURS["people"], [len(w.people) for w in report.weeks])
    assert proxy.requests == []


def test_in_dark_mode_the_page_is_dark_and_the_days_keep_their_colours(
    tmp_path: Path, proxy: RecordingProxy
) -> None:
    report = sample_report()
    image = shoot(report, tmp_path, proxy, dark=True)
    assert image.getpixel((3, 3)) == rgb(BACKGROUNDS["dark"])
    assert sum(rgb(BACKGROUNDS["dark"])) < 100
    check_cells(image, report)
    check_trend(image, SERIES_COLOURS["people"], [len(w.people) for w in report.weeks])
    assert proxy.requests == []


def test_on_a_phone_the_whole_heatmap_and_every_point_are_on_screen(
    tmp_path: Path, proxy: RecordingProxy
) -> None:
    report = sample_report()
    image = shoot(report, tmp_path, proxy, dark=False, size=PHONE)
    check_cells(image, report)
    check_trend(
        image, SERIES_COLOURS["social_lunches"], [w.lunches["social"] for w in report.weeks]
    )
    check_trend(image, SERIES_COLOURS["people"], [len(w.people) for w in report.weeks])
    assert proxy.requests == []


def test_the_proxy_sees_the_pages_request_and_none_of_chromiums_own(tmp_path: Path) -> None:
    """The control: without it, an empty record could mean a proxy Chromium never used. The
    page's picture is answered late, so the browser lives some seconds longer than for a
    screenshot of the report: long enough for its own services to call home (push
    messaging checks in after about three seconds) if the flags let them."""
    page = tmp_path / "fetches.html"
    page.write_text('<img src="http://report.test/pixel.png"><p>a picture</p>', encoding="utf-8")
    with RecordingProxy(slow_host="report.test", slow_seconds=SLOW).running() as proxy:
        screenshot(page, tmp_path / "fetches.png", proxy=proxy, profile=tmp_path / "profile")
    assert proxy.requests == ["GET http://report.test/pixel.png HTTP/1.1"]
