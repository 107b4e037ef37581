"""Every source class keeps one contract, and every source gives the same ``check`` result.

One scenario calendar is read as a single ``.ics`` file, as a vdir (one object per UID,
each carrying its own VTIMEZONE, the way CalDAV servers store them) and as a feed from a
real HTTP server on loopback: the JSON of ``check`` must be identical. Then each source
class is held to the :class:`~watercooler.sources.CalendarSource` contract.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from conftest import RunCli
from helpers import BERLIN_VTIMEZONE, W_EUROPE_VTIMEZONE, calendar, event
from httpserver import FeedServer, Route
from watercooler.errors import SourceError
from watercooler.settings import SourceSettings
from watercooler.sources import CalendarObject, CalendarSource, open_source
from watercooler.sources.caldav import CalDAVSource
from watercooler.sources.feed import FeedSource
from watercooler.sources.files import IcsFileSource, VdirSource
from watercooler.store import Store

NOW = "2026-03-11T09:00:00+01:00"  # Wednesday, Berlin winter time
ICS_HEADERS = {"Content-Type": "text/calendar; charset=utf-8"}
ME = ("ana@example.com", "ACCEPTED")
LEA = ("lea@example.com", "ACCEPTED")
BEN = ("ben@example.com", "ACCEPTED")


def coffee(start: str, end: str, *lines: str, me: str = "ACCEPTED") -> str:
    return event(
        "Coffee with the team",
        start,
        end,
        uid="coffee-series@test",
        organizer="lea@example.com",
        attendees=[("ana@example.com", me), LEA, BEN],
        lines=lines,
    )


def scenario() -> dict[str, tuple[str, list[str]]]:
    """The week of Mon 9 March 2026 by UID: (VTIMEZONE, the UID's VEVENTs)."""
    return {
        "coffee-series@test": (
            BERLIN_VTIMEZONE,
            [
                coffee(
                    "20260309T150000", "20260309T153000", "RRULE:FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR"
                ),
                # Tuesday's is moved to 16:30.
                coffee(
                    "20260310T163000",
                    "20260310T170000",
                    "RECURRENCE-ID;TZID=Europe/Berlin:20260310T150000",
                ),
                # Wednesday's is cancelled.
                coffee(
                    "20260311T150000",
                    "20260311T153000",
                    "RECURRENCE-ID;TZID=Europe/Berlin:20260311T150000",
                    "STATUS:CANCELLED",
                ),
                # Thursday's I declined.
                coffee(
                    "20260312T150000",
                    "20260312T153000",
                    "RECURRENCE-ID;TZID=Europe/Berlin:20260312T150000",
                    me="DECLINED",
                ),
            ],
        ),
        "team-lunch@test": (
            BERLIN_VTIMEZONE,
            [
                event(
                    "Team lunch",
                    "20260309T120000",
                    "20260309T130000",
                    uid="team-lunch@test",
                    organizer="lea@example.com",
                    attendees=[ME, LEA, BEN],
                )
            ],
        ),
        "desk-lunch@test": (
            BERLIN_VTIMEZONE,
            [
                event(
                    "Lunch at my desk", "20260310T120000", "20260310T123000", uid="desk-lunch@test"
                )
            ],
        ),
        "cake@test": (
            BERLIN_VTIMEZONE,
            [
                event(
                    "Birthday cake for Jonas",
                    "20260311T160000",
                    "20260311T163000",
                    uid="cake@test",
                    organizer="ben@example.com",
                    attendees=[("ana@example.com", "DECLINED"), BEN, LEA],
                )
            ],
        ),
        "planning@test": (
            W_EUROPE_VTIMEZONE,
            [
                event(
                    "Planning",
                    "20260312T110000",
                    "20260312T134500",
                    uid="planning@test",
                    tz="W. Europe Standard Time",
                    organizer="ben@example.com",
                    attendees=[ME, BEN],
                    lines=["X-MICROSOFT-CDO-BUSYSTATUS:BUSY"],
                )
            ],
        ),
        "vacation@test": (
            BERLIN_VTIMEZONE,
            [event("Vacation", "20260313", "20260314", uid="vacation@test")],
        ),
    }


def single_calendar() -> str:
    parts = scenario().values()
    zones = list(dict.fromkeys(zone for zone, _ in parts))
    return calendar(*zones, *(vevent for _, vevents in parts for vevent in vevents))


def write_vdir(folder: Path) -> Path:
    folder.mkdir()
    for uid, (zone, vevents) in scenario().items():
        name = uid.replace("@", "-") + ".ics"
        (folder / name).write_text(calendar(zone, *vevents), encoding="utf-8")
    return folder


def write_config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text('timezone = "Europe/Berlin"\nme = ["ana@example.com"]\n', encoding="utf-8")
    return path


def check_json(run_cli: RunCli, config: Path, source: str) -> dict[str, Any]:
    result = run_cli(
        "check",
        "--config",
        str(config),
        "--source",
        source,
        "--now",
        NOW,
        "--days-back",
        "2",
        "--days-ahead",
        "4",
        "--format",
        "json",
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    document: dict[str, Any] = json.loads(result.stdout)
    return document


# --- one scenario, three sources -------------------------------------------------------


@pytest.fixture
def documents(
    run_cli: RunCli, tmp_path: Path, feed_server: FeedServer
) -> dict[str, dict[str, Any]]:
    config = write_config(tmp_path)
    text = single_calendar()
    single = tmp_path / "work.ics"
    single.write_text(text, encoding="utf-8")
    vdir = write_vdir(tmp_path / "vdir")
    feed_server.routes["/calendars/work.ics"] = Route(body=text.encode(), headers=ICS_HEADERS)
    return {
        "file": check_json(run_cli, config, str(single)),
        "vdir": check_json(run_cli, config, str(vdir)),
        "feed": check_json(run_cli, config, feed_server.url("/calendars/work.ics")),
    }


def test_the_scenario_is_classified_as_the_design_rules_say(
    documents: dict[str, dict[str, Any]],
) -> None:
    document = documents["file"]
    assert [(day["date"], day["lunch"]) for day in document["days"]] == [
        ("2026-03-09", "social"),
        ("2026-03-10", "alone"),
        ("2026-03-11", "free"),
        ("2026-03-12", "skipped"),
        ("2026-03-13", "off"),
        ("2026-03-14", "off"),
        ("2026-03-15", "off"),
    ]
    assert [(item["start"], item["summary"], item["status"]) for item in document["social"]] == [
        ("2026-03-09T12:00:00+01:00", "Team lunch", "accepted"),
        ("2026-03-09T15:00:00+01:00", "Coffee with the team", "accepted"),
        ("2026-03-10T16:30:00+01:00", "Coffee with the team", "accepted"),
        ("2026-03-11T15:00:00+01:00", "Coffee with the team", "cancelled"),
        ("2026-03-11T16:00:00+01:00", "Birthday cake for Jonas", "declined"),
        ("2026-03-12T15:00:00+01:00", "Coffee with the team", "declined"),
        ("2026-03-13T15:00:00+01:00", "Coffee with the team", "accepted"),
    ]


@pytest.mark.parametrize("kind", ["vdir", "feed"])
def test_a_vdir_and_a_feed_give_the_same_check_json_as_the_single_file(
    documents: dict[str, dict[str, Any]], kind: str
) -> None:
    assert documents[kind] == documents["file"]


def test_the_vdir_really_holds_one_object_per_uid_each_with_its_own_vtimezone(
    tmp_path: Path,
) -> None:
    vdir = write_vdir(tmp_path / "vdir")
    objects = list(VdirSource(vdir).objects())
    assert len(objects) == len(scenario())
    for item in objects:
        assert item.data.count(b"BEGIN:VTIMEZONE") == 1
        assert len({line for line in item.data.splitlines() if line.startswith(b"UID:")}) == 1


# --- the source contract ---------------------------------------------------------------


@dataclass
class Backend:
    """A source of one kind and a way to change what it holds."""

    source: CalendarSource
    write: Callable[[bytes], object]
    touch_same_size: Callable[[bytes], object]


def one_event(summary: str) -> bytes:
    return calendar(
        BERLIN_VTIMEZONE,
        event(summary, "20260310T150000", "20260310T153000", uid="contract@test"),
    ).encode()


def _rewrite_keeping_mtime(path: Path, data: bytes) -> None:
    """Change the content in place while size and modification time stay the same."""
    before = path.stat()
    assert len(data) == before.st_size
    path.write_bytes(data)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


@pytest.fixture(params=["file", "vdir", "feed"])
def backend(request: pytest.FixtureRequest, tmp_path: Path, feed_server: FeedServer) -> Backend:
    kind = request.param
    if kind == "file":
        path = tmp_path / "work.ics"
        path.write_bytes(one_event("Coffee"))
        return Backend(
            IcsFileSource(path), path.write_bytes, lambda data: _rewrite_keeping_mtime(path, data)
        )
    if kind == "vdir":
        folder = tmp_path / "vdir"
        folder.mkdir()
        path = folder / "contract-test.ics"
        path.write_bytes(one_event("Coffee"))
        return Backend(
            VdirSource(folder), path.write_bytes, lambda data: _rewrite_keeping_mtime(path, data)
        )

    def serve(data: bytes) -> None:
        feed_server.routes["/work.ics"] = Route(body=data, headers=ICS_HEADERS)

    serve(one_event("Coffee"))
    source = FeedSource(feed_server.url("/work.ics"), cache_dir=tmp_path / "cache", timeout=10)
    return Backend(source, serve, serve)


def test_a_source_is_a_calendar_source_with_a_printable_label(backend: Backend) -> None:
    assert isinstance(backend.source, CalendarSource)
    assert isinstance(backend.source.label, str)
    assert backend.source.label


def test_objects_yields_calendar_objects_with_href_etag_and_the_raw_data(
    backend: Backend,
) -> None:
    objects = list(backend.source.objects())
    assert len(objects) == 1
    item = objects[0]
    assert isinstance(item, CalendarObject)
    assert isinstance(item.href, str)
    assert item.href
    assert isinstance(item.etag, str)
    assert item.etag
    assert item.data == one_event("Coffee")


def test_the_etag_stays_the_same_while_the_content_does(backend: Backend) -> None:
    first = [item.etag for item in backend.source.objects()]
    second = [item.etag for item in backend.source.objects()]
    assert first == second


def test_the_etag_changes_when_the_content_changes(backend: Backend) -> None:
    (before,) = backend.source.objects()
    backend.write(one_event("Coffee with everybody from the third floor"))
    (after,) = backend.source.objects()
    assert after.data == one_event("Coffee with everybody from the third floor")
    assert after.href == before.href
    assert after.etag != before.etag


def test_the_etag_changes_when_the_content_changes_but_size_and_mtime_do_not(
    backend: Backend,
) -> None:
    # rsync -t, a backup restore or a coarse file system clock keep the modification time;
    # "Coffee" and "Drinks" have the same length.
    (before,) = backend.source.objects()
    backend.touch_same_size(one_event("Drinks"))
    (after,) = backend.source.objects()
    assert after.data == one_event("Drinks")
    assert after.etag != before.etag


def test_a_missing_file_raises_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError):
        list(IcsFileSource(tmp_path / "missing.ics").objects())


def test_a_missing_vdir_raises_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError):
        list(VdirSource(tmp_path / "missing").objects())


def test_a_missing_feed_raises_source_error(tmp_path: Path, feed_server: FeedServer) -> None:
    source = FeedSource(feed_server.url("/missing.ics"), cache_dir=tmp_path / "cache", timeout=10)
    with pytest.raises(SourceError):
        list(source.objects())


def test_open_source_picks_the_backend_by_url(tmp_path: Path, feed_server: FeedServer) -> None:
    single = tmp_path / "work.ics"
    single.write_bytes(one_event("Coffee"))
    vdir = tmp_path / "vdir"
    vdir.mkdir()
    store = Store(tmp_path / "state.sqlite")

    def opened(url: str) -> object:
        return open_source(
            SourceSettings(url=url), cache_dir=tmp_path / "cache", store=store, clock=_clock
        )

    assert isinstance(opened(str(single)), IcsFileSource)
    assert isinstance(opened(str(vdir)), VdirSource)
    assert isinstance(opened(feed_server.url("/work.ics")), FeedSource)
    assert isinstance(opened(feed_server.url("/dav/ana/work/")), CalDAVSource)


def _clock() -> datetime:
    return datetime(2026, 3, 9, tzinfo=UTC)


def test_a_vdir_yields_one_object_per_ics_file_named_by_its_file(tmp_path: Path) -> None:
    folder = tmp_path / "vdir"
    folder.mkdir()
    (folder / "b.ics").write_bytes(one_event("Coffee"))
    (folder / "a.ics").write_bytes(one_event("Drinks"))
    (folder / ".hidden.ics").write_bytes(one_event("Hidden"))
    (folder / "notes.txt").write_text("not a calendar", encoding="utf-8")
    (folder / "sub.ics").mkdir()
    source = VdirSource(folder)
    assert [item.href for item in source.objects()] == ["a.ics", "b.ics"]
    (folder / "c.ics").write_bytes(one_event("Cake"))
    (folder / "a.ics").unlink()
    assert [item.href for item in source.objects()] == ["b.ics", "c.ics"]
