"""The same calendar read from a file, a vdir, a feed, Radicale and Xandikos checks the same.

One scenario week — a coffee series whose moved, cancelled and declined occurrences are
overrides in the series' own resource, a team lunch with attendees, a lunch at the desk, a
declined birthday cake, an all-day vacation, a meeting in an Outlook (Windows-named) zone
with its VTIMEZONE and a floating-time lunch — is written as one ``.ics`` file, as a vdir,
served as a feed, and stored on real Radicale (htpasswd auth) and real Xandikos with one
resource per UID. Each is configured as the one ``[[sources]]`` entry of a config file (the
Radicale password in a ``password_file``) and read by the installed ``watercooler check
--format json``: the documents must be identical. Then the servers change between two runs
of ``check`` and the JSON follows, read incrementally from the cache.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from caldav_servers import RadicaleServer, XandikosServer, delete_event, make_calendar, put_event
from caldav_servers import update_event as replace_event
from conftest import DAV_PASSWORD, DAV_USER, RunCli, watercooler_command
from helpers import BERLIN_VTIMEZONE, W_EUROPE_VTIMEZONE, calendar, event
from httpserver import FeedServer, Route
from watercooler.store import Store

DavServer = RadicaleServer | XandikosServer
Runner = Callable[..., subprocess.CompletedProcess[str]]

NOW = "2026-03-11T09:00:00+01:00"  # Wednesday of the scenario week, Berlin winter time
ICS_HEADERS = {"Content-Type": "text/calendar; charset=utf-8"}
ANA = "ana@example.com"
LEA = ("lea@example.com", "ACCEPTED")
BEN = ("ben@example.com", "ACCEPTED")
ME_ACCEPTED = (ANA, "ACCEPTED")


@dataclass(frozen=True)
class Resource:
    """One UID as a CalDAV server stores it: its VTIMEZONEs and all its VEVENTs."""

    zones: tuple[str, ...]
    vevents: tuple[str, ...]

    def ics(self) -> str:
        return calendar(*self.zones, *self.vevents)


def coffee(start: str, end: str, *lines: str, me: str = "ACCEPTED") -> str:
    return event(
        "Coffee with the team",
        start,
        end,
        uid="coffee-series@test",
        organizer="lea@example.com",
        attendees=[(ANA, me), LEA, BEN],
        lines=lines,
    )


def override(day: str, *lines: str, start: str = "150000", end: str = "153000", **kw: str) -> str:
    """An occurrence of the coffee series, overridden in the series' resource."""
    recurrence_id = f"RECURRENCE-ID;TZID=Europe/Berlin:{day}T150000"
    return coffee(f"{day}T{start}", f"{day}T{end}", recurrence_id, *lines, **kw)


def scenario(*, friday_coffee_cancelled: bool = False) -> dict[str, Resource]:
    """The week of Monday 9 March 2026, by UID."""
    series = [
        coffee("20260309T150000", "20260309T153000", "RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"),
        override("20260310", start="163000", end="170000"),  # Tuesday's moved to 16:30
        override("20260311", "STATUS:CANCELLED"),  # Wednesday's cancelled
        override("20260312", me="DECLINED"),  # Thursday's declined by me
    ]
    if friday_coffee_cancelled:
        series.append(override("20260313", "STATUS:CANCELLED"))
    return {
        "coffee-series@test": Resource((BERLIN_VTIMEZONE,), tuple(series)),
        "team-lunch@test": Resource(
            (BERLIN_VTIMEZONE,),
            (
                event(
                    "Team lunch",
                    "20260309T120000",
                    "20260309T130000",
                    uid="team-lunch@test",
                    organizer="lea@example.com",
                    attendees=[ME_ACCEPTED, LEA, BEN],
                ),
            ),
        ),
        "desk-lunch@test": Resource(
            (BERLIN_VTIMEZONE,),
            (
                event(
                    "Lunch at my desk",
                    "20260310T120000",
                    "20260310T123000",
                    uid="desk-lunch@test",
                ),
            ),
        ),
        "cake@test": Resource(
            (BERLIN_VTIMEZONE,),
            (
                event(
                    "Birthday cake for Jonas",
                    "20260311T160000",
                    "20260311T163000",
                    uid="cake@test",
                    organizer="ben@example.com",
                    attendees=[(ANA, "DECLINED"), BEN, LEA],
                ),
            ),
        ),
        # Floating: read in the user's zone, so 12:30 Berlin whatever zone the server is in.
        "marta-lunch@test": Resource(
            (),
            (
                event(
                    "Lunch with Marta",
                    "20260311T123000",
                    "20260311T133000",
                    uid="marta-lunch@test",
                    tz=None,
                ),
            ),
        ),
        "planning@test": Resource(
            (W_EUROPE_VTIMEZONE,),
            (
                event(
                    "Planning",
                    "20260312T110000",
                    "20260312T134500",
                    uid="planning@test",
                    tz="W. Europe Standard Time",
                    organizer="ben@example.com",
                    attendees=[ME_ACCEPTED, BEN],
                    lines=["X-MICROSOFT-CDO-BUSYSTATUS:BUSY"],
                ),
            ),
        ),
        "vacation@test": Resource(
            (BERLIN_VTIMEZONE,), (event("Vacation", "20260313", "20260314", uid="vacation@test"),)
        ),
    }


def resource_name(uid: str) -> str:
    return uid.replace("@", "-") + ".ics"


def single_calendar(resources: dict[str, Resource]) -> str:
    """Every UID in one VCALENDAR, each VTIMEZONE once (as an export writes it)."""
    zones = dict.fromkeys(zone for resource in resources.values() for zone in resource.zones)
    vevents = [vevent for resource in resources.values() for vevent in resource.vevents]
    return calendar(*zones, *vevents)


# --- running check from a config file --------------------------------------------------


def write_config(tmp_path: Path, name: str, source: dict[str, str]) -> Path:
    """A config whose one [[sources]] entry is ``source``; its own state folder."""
    lines = [
        'timezone = "Europe/Berlin"',
        f'me = ["{ANA}"]',
        f'state_dir = "{tmp_path / "state"}"',
        "[[sources]]",
        *(f"{key} = {json.dumps(value)}" for key, value in source.items()),
    ]
    path = tmp_path / f"{name}.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def check_json(run_cli: RunCli | Runner, config: Path) -> dict[str, Any]:
    result = run_cli(
        "check", "--config", str(config), "--now", NOW, "--days-back", "2",
        "--days-ahead", "4", "--format", "json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def server_source(server: DavServer, tmp_path: Path, collection: str) -> dict[str, str]:
    """The [[sources]] entry of a server's collection; Radicale's password in a file."""
    if server.auth is None:
        return {"url": collection}
    secret = tmp_path / "dav-password"
    secret.write_text(DAV_PASSWORD + "\n", encoding="utf-8")
    secret.chmod(0o600)  # as a password file should be
    return {"url": collection, "username": DAV_USER, "password_file": str(secret)}


def upload(server: DavServer, resources: dict[str, Resource]) -> str:
    """A calendar "Work" holding each UID as one resource; return its URL."""
    collection = make_calendar(server.home_url(), "work", server.auth, name="Work")
    for uid, resource in resources.items():
        put_event(collection, resource_name(uid), resource.ics(), server.auth)
    return collection


def file_document(run_cli: RunCli, tmp_path: Path, resources: dict[str, Resource]) -> Any:
    tmp_path.mkdir(exist_ok=True)
    path = tmp_path / "expected.ics"
    path.write_text(single_calendar(resources), encoding="utf-8")
    return check_json(run_cli, write_config(tmp_path, "expected", {"url": str(path)}))


# --- one scenario, five sources --------------------------------------------------------


def run_outside_a_test(*args: str) -> subprocess.CompletedProcess[str]:
    """``run_cli`` for module-scoped fixtures, in the same clean environment it gives."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("WATERCOOLER_") and key != "CREDENTIALS_DIRECTORY"
    }
    environment.update(NO_COLOR="1", XDG_CONFIG_HOME="/nonexistent", XDG_STATE_HOME="/nonexistent")
    return subprocess.run(
        [*watercooler_command(), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=environment,
        check=False,
    )


@dataclass(frozen=True)
class Readings:
    """The check document of each source, and the state folder the servers were cached in."""

    documents: dict[str, dict[str, Any]]
    state_dir: Path


@pytest.fixture(scope="module")
def readings(tmp_path_factory: pytest.TempPathFactory) -> Readings:
    """The scenario through all five sources (started once: each check costs a process)."""
    tmp_path = tmp_path_factory.mktemp("contract")
    resources = scenario()
    text = single_calendar(resources)
    single = tmp_path / "work.ics"
    single.write_text(text, encoding="utf-8")
    vdir = tmp_path / "vdir"
    vdir.mkdir()
    for uid, resource in resources.items():
        (vdir / resource_name(uid)).write_text(resource.ics(), encoding="utf-8")
    feed_server = FeedServer().start()
    try:
        with (
            RadicaleServer(tmp_path / "radicale", {DAV_USER: DAV_PASSWORD}) as radicale,
            XandikosServer(tmp_path / "xandikos") as xandikos,
        ):
            feed_server.routes["/calendars/work.ics"] = Route(
                body=text.encode(), headers=ICS_HEADERS
            )
            sources = {
                "file": {"url": str(single)},
                "vdir": {"url": str(vdir)},
                "feed": {"url": feed_server.url("/calendars/work.ics")},
                "radicale": server_source(radicale, tmp_path, upload(radicale, resources)),
                "xandikos": server_source(xandikos, tmp_path, upload(xandikos, resources)),
            }
            documents = {
                name: check_json(run_outside_a_test, write_config(tmp_path, name, source))
                for name, source in sources.items()
            }
    finally:
        feed_server.stop()
    return Readings(documents, tmp_path / "state")


def test_the_file_reading_of_the_scenario_is_what_the_design_rules_say(
    readings: Readings,
) -> None:
    document = readings.documents["file"]
    assert document["now"] == NOW
    assert document["timezone"] == "Europe/Berlin"
    assert [(day["date"], day["lunch"]) for day in document["days"]] == [
        ("2026-03-09", "social"),  # the team lunch
        ("2026-03-10", "alone"),  # at the desk
        ("2026-03-11", "social"),  # with Marta, at 12:30 local (floating)
        ("2026-03-12", "skipped"),  # planning 11:00-13:45 in W. Europe Standard Time
        ("2026-03-13", "off"),  # vacation
        ("2026-03-14", "off"),
        ("2026-03-15", "off"),
    ]
    assert [(item["start"], item["summary"], item["status"]) for item in document["social"]] == [
        ("2026-03-09T12:00:00+01:00", "Team lunch", "accepted"),
        ("2026-03-09T15:00:00+01:00", "Coffee with the team", "accepted"),
        ("2026-03-10T16:30:00+01:00", "Coffee with the team", "accepted"),
        ("2026-03-11T12:30:00+01:00", "Lunch with Marta", "accepted"),
        ("2026-03-11T15:00:00+01:00", "Coffee with the team", "cancelled"),
        ("2026-03-11T16:00:00+01:00", "Birthday cake for Jonas", "declined"),
        ("2026-03-12T15:00:00+01:00", "Coffee with the team", "declined"),
        ("2026-03-13T15:00:00+01:00", "Coffee with the team", "accepted"),
    ]


@pytest.mark.parametrize("kind", ["vdir", "feed", "radicale", "xandikos"])
def test_check_json_is_identical_whichever_source_holds_the_calendar(
    readings: Readings, kind: str
) -> None:
    assert readings.documents[kind] == readings.documents["file"]


def test_the_servers_hold_one_resource_per_uid_with_the_overrides_beside_their_series(
    readings: Readings,
) -> None:
    store = Store(readings.state_dir / "watercooler.sqlite")
    try:
        collections = store.db.execute("SELECT id, url FROM collections ORDER BY url").fetchall()
        assert len(collections) == 2  # Radicale's "Work" and Xandikos' "Work"
        for collection_id, url in collections:
            objects = {href: data for href, _, data in store.objects(collection_id)}
            assert sorted(href.rsplit("/", 1)[-1] for href in objects) == sorted(
                resource_name(uid) for uid in scenario()
            ), url
            series = next(data for href, data in objects.items() if "coffee-series" in href)
            assert series.count(b"BEGIN:VEVENT") == 4
            assert series.count(b"RECURRENCE-ID") == 3
    finally:
        store.close()


# --- the server changes between two runs of check --------------------------------------


def test_a_changed_and_a_deleted_event_on_the_server_show_in_the_next_check(
    run_cli: RunCli, tmp_path: Path, dav_server: DavServer
) -> None:
    collection = upload(dav_server, scenario())
    config = write_config(tmp_path, "server", server_source(dav_server, tmp_path, collection))
    before = check_json(run_cli, config)
    assert before == file_document(run_cli, tmp_path / "before", scenario())

    changed = scenario(friday_coffee_cancelled=True)
    replace_event(
        collection,
        resource_name("coffee-series@test"),
        changed["coffee-series@test"].ics(),
        dav_server.auth,
    )
    delete_event(collection, resource_name("desk-lunch@test"), dav_server.auth)
    del changed["desk-lunch@test"]
    dav_server.proxy.reset()
    after = check_json(run_cli, config)

    assert after == file_document(run_cli, tmp_path / "after", changed)
    lunches = {day["date"]: day["lunch"] for day in after["days"]}
    assert lunches["2026-03-10"] == "free"  # the desk lunch is gone
    friday = [item for item in after["social"] if item["start"].startswith("2026-03-13")]
    assert [(item["summary"], item["status"]) for item in friday] == [
        ("Coffee with the team", "cancelled")
    ]
    # Read incrementally: no discovery, one sync-collection REPORT and one multiget.
    assert dav_server.proxy.methods() == {"REPORT": 2}


def test_an_event_added_on_the_server_shows_in_the_next_check(
    run_cli: RunCli, tmp_path: Path, dav_server: DavServer
) -> None:
    collection = upload(dav_server, scenario())
    config = write_config(tmp_path, "server", server_source(dav_server, tmp_path, collection))
    check_json(run_cli, config)
    drinks = Resource(
        (BERLIN_VTIMEZONE,),
        (event("Drinks", "20260312T180000", "20260312T200000", uid="drinks@test"),),
    )
    put_event(collection, resource_name("drinks@test"), drinks.ics(), dav_server.auth)
    after = check_json(run_cli, config)
    assert after == file_document(
        run_cli, tmp_path / "after", {**scenario(), "drinks@test": drinks}
    )
    assert ("2026-03-12T18:00:00+01:00", "Drinks", "accepted") in [
        (item["start"], item["summary"], item["status"]) for item in after["social"]
    ]
