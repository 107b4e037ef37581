"""The CalDAV source against real Radicale and Xandikos: discovery, incremental sync, faults."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path

import pytest

from caldav_servers import RadicaleServer, XandikosServer, delete_event, make_calendar, put_event
from caldav_servers import update_event as replace_event
from conftest import DAV_PASSWORD, DAV_USER, RunCli
from faultserver import Fault, FaultServer
from helpers import calendar, event
from watercooler.errors import ConfigError, SourceError
from watercooler.settings import SourceSettings
from watercooler.sources.caldav import CalDAVSource, backoff
from watercooler.store import Store

DavServer = RadicaleServer | XandikosServer
NOW = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)


def clock() -> datetime:
    return NOW


def ics(summary: str, uid: str, day: str = "20260309") -> str:
    return calendar(event(summary, f"{day}T120000", f"{day}T130000", uid=uid))


def credentials(server: DavServer) -> dict[str, str]:
    return {"username": DAV_USER, "password": DAV_PASSWORD} if server.auth else {}


def source_for(server: DavServer, store: Store, url: str, **extra: object) -> CalDAVSource:
    settings = SourceSettings(url=url, **{**credentials(server), **extra})
    return CalDAVSource(settings, store, clock, random.Random(7))


def summaries(source: CalDAVSource) -> list[str]:
    found: list[str] = []
    for item in source.objects():
        text = item.data.decode()
        found.extend(line[8:] for line in text.splitlines() if line.startswith("SUMMARY:"))
    return sorted(found)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "state.sqlite")


@pytest.fixture
def work(dav_server: DavServer) -> str:
    """A calendar "Work" with two events on the server; its URL."""
    url = make_calendar(dav_server.home_url(), "work", dav_server.auth, name="Work")
    put_event(url, "a.ics", ics("Team lunch", "a"), dav_server.auth)
    put_event(url, "b.ics", ics("Coffee", "b"), dav_server.auth)
    return url


def test_a_collection_url_is_read(dav_server: DavServer, work: str, store: Store) -> None:
    assert summaries(source_for(dav_server, store, work)) == ["Coffee", "Team lunch"]


def test_a_principal_url_discovers_its_calendars_with_events_only(
    dav_server: DavServer, work: str, store: Store
) -> None:
    make_calendar(
        dav_server.home_url(), "tasks", dav_server.auth, name="Tasks", components=("VTODO",)
    )
    source = source_for(dav_server, store, dav_server.principal_url(), calendars=[])
    names = [c.name for c in source.discover()]
    assert "Work" in names
    assert "Tasks" not in names


def test_calendars_are_selected_by_display_name(
    dav_server: DavServer, work: str, store: Store
) -> None:
    other = make_calendar(dav_server.home_url(), "home", dav_server.auth, name="Home")
    put_event(other, "h.ics", ics("Birthday party", "h"), dav_server.auth)
    source = source_for(dav_server, store, dav_server.principal_url(), calendars=["Home"])
    assert summaries(source) == ["Birthday party"]


def test_an_unknown_calendar_name_is_a_clear_error(
    dav_server: DavServer, work: str, store: Store
) -> None:
    source = source_for(dav_server, store, dav_server.principal_url(), calendars=["Nope"])
    with pytest.raises(SourceError, match=r"no calendar 'Nope' \(found: .*Work"):
        list(source.objects())


def test_a_poll_where_nothing_changed_is_one_report(
    dav_server: DavServer, work: str, store: Store
) -> None:
    list(source_for(dav_server, store, work).objects())
    dav_server.proxy.reset()
    assert summaries(source_for(dav_server, store, work)) == ["Coffee", "Team lunch"]
    assert dav_server.proxy.methods() == {"REPORT": 1}


def test_added_changed_and_deleted_events_are_seen_with_one_report_and_one_multiget(
    dav_server: DavServer, work: str, store: Store
) -> None:
    list(source_for(dav_server, store, work).objects())
    put_event(work, "c.ics", ics("Happy hour", "c"), dav_server.auth)
    replace_event(work, "a.ics", ics("Team lunch at the Thai place", "a"), dav_server.auth)
    delete_event(work, "b.ics", dav_server.auth)
    dav_server.proxy.reset()
    assert summaries(source_for(dav_server, store, work)) == [
        "Happy hour",
        "Team lunch at the Thai place",
    ]
    assert dav_server.proxy.methods() == {"REPORT": 2}


def test_an_invalid_sync_token_falls_back_to_a_full_resync(
    dav_server: DavServer, work: str, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    list(source_for(dav_server, store, work).objects())
    state = store.collection(work)
    assert state is not None
    store.apply_sync(state.id, {}, set(), "http://invalid/sync/token-that-never-was", None, "x")
    put_event(work, "c.ics", ics("Happy hour", "c"), dav_server.auth)
    assert summaries(source_for(dav_server, store, work)) == ["Coffee", "Happy hour", "Team lunch"]
    assert "sync token expired" in caplog.text


def test_many_objects_are_fetched_in_batches(
    radicale: RadicaleServer, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A smaller batch than the real 1000, so the test stays quick; the logic is the same.
    monkeypatch.setattr("watercooler.sources.caldav.BATCH", 4)
    url = make_calendar(radicale.home_url(), "big", radicale.auth, name="Big")
    for number in range(10):
        put_event(url, f"{number}.ics", ics(f"Meeting {number}", f"m{number}"), radicale.auth)
    radicale.proxy.reset()
    assert len(summaries(source_for(radicale, store, url))) == 10
    # discovery of the collection, one sync, three multigets
    assert radicale.proxy.methods() == {"PROPFIND": 1, "REPORT": 4}


def test_wrong_credentials_give_one_line_naming_url_and_user_never_the_password(
    radicale: RadicaleServer, store: Store
) -> None:
    settings = SourceSettings(url=radicale.principal_url(), username=DAV_USER, password="wrong")
    source = CalDAVSource(settings, store, clock)
    with pytest.raises(SourceError) as raised:
        list(source.objects())
    message = str(raised.value)
    assert "401" in message
    assert "'ana'" in message
    assert "127.0.0.1" in message
    assert "wrong" not in message
    assert "\n" not in message


def test_a_password_is_never_sent_over_plain_http_to_a_remote_host(store: Store) -> None:
    settings = SourceSettings(url="http://dav.example.com/cal/", username="ana", password="pw")
    with pytest.raises(ConfigError, match="refusing to send a password over plain http"):
        list(CalDAVSource(settings, store, clock).objects())


def test_backoff_doubles_with_jitter_and_is_capped_at_fifteen_minutes() -> None:
    rng = random.Random(1)
    delays = [backoff(failures, rng).total_seconds() for failures in range(1, 12)]
    assert 15 <= delays[0] <= 30
    assert 30 <= delays[1] <= 60
    assert all(delay <= 900 for delay in delays)
    assert delays[-1] >= 450


FAULTS = {
    "refused": Fault.refused,
    "server-error": Fault.server_error,
    "unavailable": lambda: Fault.unavailable(retry_after=120),
    "rate-limited": lambda: Fault.too_many_requests(retry_after=120),
    "truncated-xml": Fault.truncated_xml,
    "malformed-xml": Fault.malformed_xml,
    "captive-portal": Fault.captive_portal,
    "hang": Fault.hang,
}


@pytest.mark.parametrize("fault", FAULTS)
def test_a_failed_poll_keeps_the_cached_calendar_and_the_next_good_poll_works(
    radicale: RadicaleServer, store: Store, fault: str, caplog: pytest.LogCaptureFixture
) -> None:
    url = make_calendar(radicale.home_url(), "work", radicale.auth, name="Work")
    put_event(url, "a.ics", ics("Team lunch", "a"), radicale.auth)
    with FaultServer(radicale.direct_url) as faulty:
        collection = f"{faulty.url}{DAV_USER}/work/"
        settings = SourceSettings(
            url=collection, username=DAV_USER, password=DAV_PASSWORD, timeout=1
        )
        assert summaries(CalDAVSource(settings, store, clock)) == ["Team lunch"]
        faulty.inject(FAULTS[fault]())
        assert summaries(CalDAVSource(settings, store, clock)) == ["Team lunch"]
        assert "using the copy from" in caplog.text
        state = store.collection(collection)
        assert state is not None
        assert state.failures == 1
        assert state.next_attempt is not None
        faulty.clear()
        put_event(url, "b.ics", ics("Coffee", "b"), radicale.auth)
        assert summaries(CalDAVSource(settings, store, clock)) == ["Coffee", "Team lunch"]
        state = store.collection(collection)
        assert state is not None
        assert state.failures == 0


def test_a_server_that_fails_before_anything_was_cached_is_an_error(
    fault_server: FaultServer, store: Store
) -> None:
    fault_server.inject(Fault.server_error())
    settings = SourceSettings(url=f"{fault_server.url}cal/")
    with pytest.raises(SourceError, match="HTTP 500"):
        list(CalDAVSource(settings, store, clock).objects())


def test_an_empty_listing_while_events_are_cached_is_a_failed_poll(
    radicale: RadicaleServer, store: Store
) -> None:
    url = make_calendar(radicale.home_url(), "work", radicale.auth, name="Work")
    put_event(url, "a.ics", ics("Team lunch", "a"), radicale.auth)
    source = source_for(radicale, store, url)
    list(source.objects())
    state = store.collection(url)
    assert state is not None
    store.apply_sync(state.id, {}, set(), None, None, "x")  # forget the token: full listing
    delete_event(url, "a.ics", radicale.auth)
    assert summaries(source_for(radicale, store, url)) == ["Team lunch"]


def test_check_reads_a_caldav_source_from_the_config(
    run_cli: RunCli, radicale: RadicaleServer, tmp_path: Path
) -> None:
    url = make_calendar(radicale.home_url(), "work", radicale.auth, name="Work")
    put_event(url, "a.ics", ics("Team lunch", "a"), radicale.auth)
    secret = tmp_path / "dav-password"
    secret.write_text(DAV_PASSWORD + "\n", encoding="utf-8")
    secret.chmod(0o600)  # as a password file should be
    config = tmp_path / "config.toml"
    config.write_text(
        'timezone = "Europe/Berlin"\nme = ["ana@example.com"]\n'
        f'[[sources]]\nurl = "{radicale.principal_url()}"\nusername = "{DAV_USER}"\n'
        f'password_file = "{secret}"\n',
        encoding="utf-8",
    )
    result = run_cli(
        "check", "--config", str(config), "--now", "2026-03-09T09:00", "--days-back", "0",
        "--days-ahead", "0", "--format", "json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert '"lunch": "social"' in result.stdout
    override = run_cli(
        "check", "--config", str(config), "--source", radicale.principal_url(),
        "--now", "2026-03-09T09:00", "--days-back", "0", "--days-ahead", "0",
    )  # fmt: skip
    assert override.returncode == 0, override.stderr
    listing = run_cli("calendars", "--config", str(config))
    assert listing.returncode == 0, listing.stderr
    assert "Work" in listing.stdout
    assert "VEVENT" in listing.stdout
    assert "incremental sync" in listing.stdout
    assert DAV_PASSWORD not in result.stderr + override.stderr + listing.stdout


def test_without_sync_tokens_an_unchanged_ctag_costs_one_propfind(
    radicale: RadicaleServer, store: Store
) -> None:
    url = make_calendar(radicale.home_url(), "work", radicale.auth, name="Work")
    put_event(url, "a.ics", ics("Team lunch", "a"), radicale.auth)
    list(source_for(radicale, store, url).objects())
    state = store.collection(url)
    assert state is not None
    store.apply_sync(state.id, {}, set(), "", None, "x")  # as if the server had no sync
    list(source_for(radicale, store, url).objects())  # learns the ctag, lists etags
    radicale.proxy.reset()
    assert summaries(source_for(radicale, store, url)) == ["Team lunch"]
    assert radicale.proxy.methods() == {"PROPFIND": 1}
    put_event(url, "b.ics", ics("Coffee", "b"), radicale.auth)
    delete_event(url, "a.ics", radicale.auth)
    radicale.proxy.reset()
    assert summaries(source_for(radicale, store, url)) == ["Coffee"]
    assert radicale.proxy.methods() == {"PROPFIND": 2, "REPORT": 1}


def test_the_state_database_is_readable_by_the_user_alone(tmp_path: Path) -> None:
    state = tmp_path / "state" / "watercooler.sqlite"
    store = Store(state)
    store.put_parsed({b"k": b"v"})
    assert state.stat().st_mode & 0o777 == 0o600
    assert state.parent.stat().st_mode & 0o777 == 0o700
    store.close()
