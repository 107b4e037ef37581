"""CalDAV faults and fallbacks that test_caldav_source.py does not cover, through ``check``.

Real Radicale and Xandikos on loopback, with a ``FaultServer`` (or a small subclass of it
defined here) in between. ``check`` runs as users run it, from a config file, and its cache
lives in the config's ``state_dir`` so a test can look into it between runs.

Decided here: a 401 or 403 is not transient. The cached calendar would hide a revoked
password for ever, so ``check`` exits 2 with one line naming the URL and the user (never
the password), the cache stays as it was, and the next good poll works.
"""

from __future__ import annotations

import base64
import copy
import dataclasses
import hashlib
import ipaddress
import json
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from caldav_servers import RadicaleServer, XandikosServer, delete_event, make_calendar, put_event
from caldav_servers import update_event as replace_event
from conftest import DAV_PASSWORD, DAV_USER, RunCli
from faultserver import Exchange, Fault, FaultServer, Reply, text_reply
from helpers import calendar, event, timeout_bound
from watercooler.errors import ConfigError
from watercooler.settings import SourceSettings
from watercooler.sources import open_source
from watercooler.sources.caldav import CalDAVSource
from watercooler.store import Store

DavServer = RadicaleServer | XandikosServer
NOW = "2026-03-09T09:00:00+01:00"
BASIC = "Basic " + base64.b64encode(f"{DAV_USER}:{DAV_PASSWORD}".encode()).decode()
DOCUMENTATION_ADDRESS = "192.0.2.1"  # TEST-NET-1 (RFC 5737): routed nowhere, never dialled


def clock() -> datetime:
    return datetime(2026, 3, 9, 8, 0, tzinfo=UTC)


def ics(summary: str, uid: str) -> str:
    return calendar(event(summary, "20260309T150000", "20260309T153000", uid=uid))


# --- running check ---------------------------------------------------------------------


def write_config(tmp_path: Path, source: dict[str, Any], name: str = "config") -> Path:
    """A config with one [[sources]] entry and the cache in ``tmp_path/state``."""
    lines = [
        'timezone = "Europe/Berlin"',
        'me = ["ana@example.com"]',
        f'state_dir = "{tmp_path / "state"}"',
        "[[sources]]",
        *(f"{key} = {json.dumps(value)}" for key, value in source.items()),
    ]
    path = tmp_path / f"{name}.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def radicale_source(tmp_path: Path, url: str, **extra: Any) -> dict[str, Any]:
    secret = tmp_path / "dav-password"
    secret.write_text(DAV_PASSWORD + "\n", encoding="utf-8")
    secret.chmod(0o600)  # as a password file should be
    return {"url": url, "username": DAV_USER, "password_file": str(secret), **extra}


def check(run_cli: RunCli, config: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return run_cli(
        "check", "--config", str(config), "--now", NOW, "--days-back", "0",
        "--days-ahead", "0", "--format", "json", *extra,
    )  # fmt: skip


def good(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """The JSON of a run that must have read every source without a word on stderr."""
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def socials(document: dict[str, Any]) -> list[str]:
    return sorted(item["summary"] for item in document["social"])


def cached(tmp_path: Path) -> dict[str, str]:
    """href → etag of every object in the CalDAV cache of ``tmp_path/state``."""
    store = Store(tmp_path / "state" / "watercooler.sqlite")
    try:
        rows = store.db.execute("SELECT href, etag FROM objects ORDER BY href").fetchall()
        return {str(href): str(etag) for href, etag in rows}
    finally:
        store.close()


def set_token(tmp_path: Path, collection: str, token: str) -> None:
    """Make the cache remember ``token`` for a collection (as if the server had given it)."""
    store = Store(tmp_path / "state" / "watercooler.sqlite")
    try:
        state = store.collection(collection)
        assert state is not None, collection
        store.apply_sync(state.id, {}, set(), token, state.ctag, "2026-03-09T08:00:00+01:00")
    finally:
        store.close()


def multiget_hrefs(exchange: Exchange) -> list[str]:
    return [h.decode() for h in re.findall(rb"<(?:\w+:)?href>([^<]*)</", exchange.body)]


def is_multiget(exchange: Exchange) -> bool:
    return exchange.method == "REPORT" and b"calendar-multiget" in exchange.body


def is_sync(exchange: Exchange) -> bool:
    return exchange.method == "REPORT" and b"sync-collection" in exchange.body


# --- servers in between ----------------------------------------------------------------


class ReportFaults(FaultServer):
    """A ``FaultServer`` that can also answer one kind of REPORT differently.

    ``Fault.only("REPORT")`` cannot tell a sync-collection from a calendar-multiget: both
    are REPORTs, and the sync comes first. Here each rule sees the request and returns a
    reply, or None to let it through (to an injected fault, or the upstream server).
    """

    def __init__(self, upstream: str) -> None:
        super().__init__(upstream)
        self.rules: list[Callable[[Exchange], Reply | None]] = []

    def reply(self, exchange: Exchange) -> Reply | None:
        for rule in self.rules:
            answer = rule(exchange)
            if answer is not None:
                return answer
        return super().reply(exchange)


@pytest.fixture
def work(radicale: RadicaleServer) -> str:
    """A calendar "Work" on Radicale with two events; its URL (direct, not through faults)."""
    url = make_calendar(radicale.home_url(), "work", radicale.auth, name="Work")
    put_event(url, "a.ics", ics("Coffee with Lea", "a"), radicale.auth)
    put_event(url, "b.ics", ics("Team lunch", "b"), radicale.auth)
    return url


@pytest.fixture
def faulty(radicale: RadicaleServer, work: str) -> Iterator[ReportFaults]:
    """A fault server in front of Radicale; the collection is ``faulty.url + "ana/work/"``."""
    with ReportFaults(radicale.direct_url) as server:
        yield server


def through(faulty: FaultServer) -> str:
    return f"{faulty.url}{DAV_USER}/work/"


# --- 401 and 403 -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "status"),
    [(Fault.unauthorized(), "401"), (Fault.forbidden(), "403")],
    ids=["401", "403"],
)
def test_credentials_refused_after_a_good_poll_exit_2_with_one_line_naming_url_and_user(
    run_cli: RunCli, tmp_path: Path, faulty: ReportFaults, fault: Fault, status: str
) -> None:
    config = write_config(tmp_path, radicale_source(tmp_path, through(faulty)))
    before = good(check(run_cli, config))
    objects = cached(tmp_path)
    assert len(objects) == 2

    faulty.inject(fault)
    result = check(run_cli, config)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("watercooler: error: ")
    assert through(faulty) in lines[0]
    assert f"'{DAV_USER}'" in lines[0]
    assert status in lines[0]
    debug = check(run_cli, config, "--debug")
    assert debug.returncode == 2
    for output in (result.stderr, debug.stderr, debug.stdout):
        assert DAV_PASSWORD not in output
        assert BASIC.split()[1] not in output
    assert cached(tmp_path) == objects

    faulty.clear()
    assert good(check(run_cli, config)) == before


# --- timeouts --------------------------------------------------------------------------


def test_a_server_that_never_answers_is_given_up_on_after_the_timeout_and_the_cache_used(
    run_cli: RunCli, tmp_path: Path, faulty: ReportFaults
) -> None:
    timeout = 1
    config = write_config(tmp_path, radicale_source(tmp_path, through(faulty), timeout=timeout))
    before = good(check(run_cli, config))
    # The same poll, with the cache filled, while the server answers: the bound's slack.
    started = time.monotonic()
    assert good(check(run_cli, config)) == before
    baseline = time.monotonic() - started
    bound = timeout_bound(timeout, baseline)
    faulty.inject(Fault.hang())
    started = time.monotonic()
    result = check(run_cli, config)
    elapsed = time.monotonic() - started
    assert elapsed < bound, (
        f"took {elapsed:.1f} s with timeout = {timeout} (a healthy poll took {baseline:.2f} s)"
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == before
    (warning,) = result.stderr.splitlines()
    assert warning.startswith("watercooler: warning: ")
    assert "no answer in time" in warning
    assert "using the copy from" in warning


def test_a_server_that_never_answers_the_first_poll_is_an_error_within_the_timeout(
    run_cli: RunCli, tmp_path: Path, faulty: ReportFaults
) -> None:
    timeout = 1
    # The same first poll, from another empty cache, while the server answers: the slack.
    healthy = tmp_path / "healthy"
    healthy.mkdir()
    control = write_config(healthy, radicale_source(healthy, through(faulty), timeout=timeout))
    started = time.monotonic()
    good(check(run_cli, control))
    baseline = time.monotonic() - started
    bound = timeout_bound(timeout, baseline)
    faulty.inject(Fault.hang())
    config = write_config(tmp_path, radicale_source(tmp_path, through(faulty), timeout=timeout))
    started = time.monotonic()
    result = check(run_cli, config)
    elapsed = time.monotonic() - started
    assert elapsed < bound, (
        f"took {elapsed:.1f} s with timeout = {timeout} (a healthy poll took {baseline:.2f} s)"
    )
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert "no answer in time" in line
    assert through(faulty) in line


# --- sync tokens -----------------------------------------------------------------------


def test_an_invalidated_sync_token_on_xandikos_is_one_full_resync_logged_once(
    run_cli: RunCli, tmp_path: Path, xandikos: XandikosServer
) -> None:
    url = make_calendar(xandikos.home_url(), "work", name="Work")
    put_event(url, "a.ics", ics("Coffee with Lea", "a"))
    config = write_config(tmp_path, {"url": url})
    good(check(run_cli, config))
    # Xandikos' tokens are commit ids of the collection's git repository: this one was
    # never made there, as after the server's data was restored from a backup.
    set_token(tmp_path, url, hashlib.sha1(b"never committed", usedforsecurity=False).hexdigest())
    put_event(url, "b.ics", ics("Team lunch", "b"))
    xandikos.proxy.reset()

    result = check(run_cli, config)
    assert result.returncode == 0, result.stderr
    assert socials(json.loads(result.stdout)) == ["Coffee with Lea", "Team lunch"]
    (warning,) = result.stderr.splitlines()
    assert "sync token expired" in warning
    assert "reading the calendar again" in warning
    statuses = [(is_sync(e), is_multiget(e), e.status) for e in xandikos.proxy.exchanges]
    assert statuses == [(True, False, 412), (True, False, 207), (False, True, 207)]
    # The resync lists everything but fetches only what the cache does not hold already.
    (multiget,) = [e for e in xandikos.proxy.exchanges if is_multiget(e)]
    assert [href.rsplit("/", 1)[-1] for href in multiget_hrefs(multiget)] == ["b.ics"]

    xandikos.proxy.reset()
    assert socials(good(check(run_cli, config))) == ["Coffee with Lea", "Team lunch"]
    assert xandikos.proxy.methods() == {"REPORT": 1}


def test_deleted_hrefs_listed_in_a_sync_are_removed_from_the_cache_without_a_fetch(
    run_cli: RunCli, tmp_path: Path, dav_server: DavServer
) -> None:
    url = make_calendar(dav_server.home_url(), "work", dav_server.auth, name="Work")
    put_event(url, "a.ics", ics("Coffee with Lea", "a"), dav_server.auth)
    put_event(url, "b.ics", ics("Team lunch", "b"), dav_server.auth)
    source: dict[str, Any] = {"url": url}
    if dav_server.auth:
        source = radicale_source(tmp_path, url)
    config = write_config(tmp_path, source)
    good(check(run_cli, config))
    assert [href.rsplit("/", 1)[-1] for href in cached(tmp_path)] == ["a.ics", "b.ics"]

    delete_event(url, "b.ics", dav_server.auth)
    dav_server.proxy.reset()
    assert socials(good(check(run_cli, config))) == ["Coffee with Lea"]
    assert [href.rsplit("/", 1)[-1] for href in cached(tmp_path)] == ["a.ics"]
    assert dav_server.proxy.methods() == {"REPORT": 1}  # the sync; nothing to fetch


class TombstoneServer(ReportFaults):
    """Adds 404 responses for ``gone`` hrefs to every token-less sync-collection answer."""

    def __init__(self, upstream: str, gone: list[str]) -> None:
        super().__init__(upstream)
        self.gone = gone
        self.answers_changed = 0

    def reply(self, exchange: Exchange) -> Reply | None:
        empty_token = re.search(rb"<(\w+:)?sync-token\s*(/>|>\s*</)", exchange.body)
        if not is_sync(exchange) or empty_token is None:
            return super().reply(exchange)
        headers = copy.copy(exchange.headers)
        del headers["Accept-Encoding"]  # an answer this proxy can read and extend
        answer = super().reply(dataclasses.replace(exchange, headers=headers))
        if answer is None or answer.status != 207:
            return answer
        extra = "".join(
            f'<D:response xmlns:D="DAV:"><D:href>{href}</D:href>'
            "<D:status>HTTP/1.1 404 Not Found</D:status></D:response>"
            for href in self.gone
        ).encode()
        body = re.sub(rb"(</(\w+:)?multistatus>\s*)$", extra + rb"\1", answer.body)
        self.answers_changed += body != answer.body
        return Reply(answer.status, answer.headers, body)


def test_deleted_hrefs_a_server_lists_in_a_token_less_sync_are_never_fetched_and_leave_the_cache(
    run_cli: RunCli, tmp_path: Path, radicale: RadicaleServer, work: str
) -> None:
    gone = [f"/{DAV_USER}/work/long-gone.ics", f"/{DAV_USER}/work/b.ics"]
    with TombstoneServer(radicale.direct_url, gone[:1]) as server:
        collection = through(server)
        config = write_config(tmp_path, radicale_source(tmp_path, collection))
        assert socials(good(check(run_cli, config))) == ["Coffee with Lea", "Team lunch"]
        assert server.answers_changed == 1
        assert sorted(cached(tmp_path)) == [f"/{DAV_USER}/work/a.ics", f"/{DAV_USER}/work/b.ics"]
        fetched = [href for e in server.exchanges if is_multiget(e) for href in multiget_hrefs(e)]
        assert not any("long-gone" in href for href in fetched)

        # b.ics is deleted and the token lost: the full resync lists b.ics as deleted.
        delete_event(work, "b.ics", radicale.auth)
        set_token(tmp_path, collection, "http://radicale.org/ns/sync/" + "0" * 64)
        server.gone = gone
        server.reset()
        result = check(run_cli, config)
        assert result.returncode == 0, result.stderr
        assert socials(json.loads(result.stdout)) == ["Coffee with Lea"]
        assert server.answers_changed == 2
        assert sorted(cached(tmp_path)) == [f"/{DAV_USER}/work/a.ics"]
        assert not any(is_multiget(e) for e in server.exchanges)


# --- servers without sync-collection ---------------------------------------------------

SUPPORTED_REPORT = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    '<D:error xmlns:D="DAV:"><D:supported-report/></D:error>\n'
)
NO_SYNC = {
    "501": lambda: text_reply(501, "Not Implemented\n"),
    "403-supported-report": lambda: Reply(
        403, [("Content-Type", 'application/xml; charset="utf-8"')], SUPPORTED_REPORT.encode()
    ),
}


def refuse_sync(kind: str) -> Callable[[Exchange], Reply | None]:
    def rule(exchange: Exchange) -> Reply | None:
        return NO_SYNC[kind]() if is_sync(exchange) else None

    return rule


@pytest.mark.parametrize("kind", NO_SYNC)
def test_a_server_without_sync_collection_is_listed_by_etags_and_sees_every_change(
    run_cli: RunCli,
    tmp_path: Path,
    radicale: RadicaleServer,
    work: str,
    faulty: ReportFaults,
    kind: str,
) -> None:
    faulty.rules.append(refuse_sync(kind))
    config = write_config(tmp_path, radicale_source(tmp_path, through(faulty)))
    assert socials(good(check(run_cli, config))) == ["Coffee with Lea", "Team lunch"]

    put_event(work, "c.ics", ics("Drinks", "c"), radicale.auth)
    replace_event(work, "a.ics", ics("Coffee with Lea and Ben", "a"), radicale.auth)
    delete_event(work, "b.ics", radicale.auth)
    faulty.reset()
    assert socials(good(check(run_cli, config))) == ["Coffee with Lea and Ben", "Drinks"]
    assert not any(is_sync(e) for e in faulty.exchanges)  # remembered: no sync to ask for
    (multiget,) = [e for e in faulty.exchanges if is_multiget(e)]
    assert sorted(h.rsplit("/", 1)[-1] for h in multiget_hrefs(multiget)) == ["a.ics", "c.ics"]

    faulty.reset()
    assert socials(good(check(run_cli, config))) == ["Coffee with Lea and Ben", "Drinks"]
    assert faulty.methods() == {"PROPFIND": 1}  # the unchanged ctag


def test_a_server_that_stops_offering_sync_after_a_good_poll_is_listed_by_etags(
    run_cli: RunCli, tmp_path: Path, radicale: RadicaleServer, work: str, faulty: ReportFaults
) -> None:
    config = write_config(tmp_path, radicale_source(tmp_path, through(faulty)))
    good(check(run_cli, config))
    # A server upgrade, or a reverse proxy put in front of it, and sync-collection is gone.
    faulty.rules.append(refuse_sync("501"))
    put_event(work, "c.ics", ics("Drinks", "c"), radicale.auth)
    result = check(run_cli, config)
    assert result.returncode == 0, result.stderr
    assert socials(json.loads(result.stdout)) == ["Coffee with Lea", "Drinks", "Team lunch"]


def test_a_400_to_the_sync_report_after_a_good_poll_keeps_the_cached_calendar(
    run_cli: RunCli, tmp_path: Path, faulty: ReportFaults
) -> None:
    # The one-shot fault hits the first REPORT of the poll: the sync-collection.
    config = write_config(tmp_path, radicale_source(tmp_path, through(faulty)))
    before = good(check(run_cli, config))
    faulty.inject(Fault.status(400, "Bad Request\n").only("REPORT").limit(1))
    result = check(run_cli, config)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == before
    assert "error" not in result.stderr
    assert good(check(run_cli, config)) == before


# --- multiget batches ------------------------------------------------------------------


def at_most(hrefs: int, status: int = 400) -> Callable[[Exchange], Reply | None]:
    """A rule: a multiget of more than ``hrefs`` hrefs is refused with ``status``."""

    def rule(exchange: Exchange) -> Reply | None:
        if is_multiget(exchange) and len(multiget_hrefs(exchange)) > hrefs:
            return text_reply(status, f"at most {hrefs} objects per report\n")
        return None

    return rule


def test_a_multiget_refused_with_400_as_too_large_is_split_until_it_is_accepted(
    run_cli: RunCli, tmp_path: Path, radicale: RadicaleServer, work: str, faulty: ReportFaults
) -> None:
    for number in range(10):
        put_event(
            work, f"m{number}.ics", ics(f"Coffee round {number}", f"m{number}"), radicale.auth
        )
    faulty.rules.append(at_most(3))
    config = write_config(tmp_path, radicale_source(tmp_path, through(faulty)))
    document = good(check(run_cli, config))
    assert len(document["social"]) == 12
    multigets = [e for e in faulty.exchanges if is_multiget(e)]
    assert multigets[0].status == 400
    assert len(multiget_hrefs(multigets[0])) == 12
    accepted = [href for e in multigets if e.status == 207 for href in multiget_hrefs(e)]
    assert len(accepted) == len(set(accepted)) == 12  # each object fetched exactly once
    assert all(len(multiget_hrefs(e)) <= 3 for e in multigets if e.status == 207)


def test_radicale_refusing_a_large_multiget_body_with_413_gets_it_in_smaller_batches(
    run_cli: RunCli, tmp_path: Path
) -> None:
    limits = {"server": {"max_content_length": "2000"}}  # bytes per request body
    users = {DAV_USER: DAV_PASSWORD}
    with RadicaleServer(tmp_path / "radicale", users, settings=limits) as radicale:
        url = make_calendar(radicale.home_url(), "big", radicale.auth, name="Big")
        for number in range(60):
            put_event(url, f"event-{number:02}.ics", ics("Coffee", f"e{number}"), radicale.auth)
        config = write_config(tmp_path, radicale_source(tmp_path, url))
        document = good(check(run_cli, config))
        multigets = [e for e in radicale.proxy.exchanges if is_multiget(e)]
    assert len(document["social"]) == 60
    assert multigets[0].status == 413
    assert len(multigets[0].body) > 2000
    accepted = [href for e in multigets if e.status == 207 for href in multiget_hrefs(e)]
    assert len(accepted) == len(set(accepted)) == 60


# --- check --source with a CalDAV URL --------------------------------------------------


def test_check_source_with_a_caldav_url_takes_the_credentials_of_the_entry_with_that_url(
    run_cli: RunCli, tmp_path: Path, radicale: RadicaleServer, work: str
) -> None:
    other = tmp_path / "other.ics"
    other.write_text(ics("Birthday cake", "other"), encoding="utf-8")
    (tmp_path / "dav-password").write_text(DAV_PASSWORD + "\n", encoding="utf-8")
    (tmp_path / "dav-password").chmod(0o600)  # as a password file should be
    config = tmp_path / "config.toml"
    config.write_text(
        'timezone = "Europe/Berlin"\nme = ["ana@example.com"]\n'
        f'state_dir = "{tmp_path / "state"}"\n'
        f'[[sources]]\nurl = "{other}"\n'
        # password_file relative to the config file's folder
        f'[[sources]]\nurl = "{work}"\nusername = "{DAV_USER}"\npassword_file = "dav-password"\n',
        encoding="utf-8",
    )
    radicale.proxy.reset()
    document = good(check(run_cli, config, "--source", work))
    assert socials(document) == ["Coffee with Lea", "Team lunch"]  # not the other source
    assert radicale.proxy.count() > 0
    for exchange in radicale.proxy.exchanges:
        assert exchange.headers.get("Authorization") == BASIC  # up front, every request
        assert exchange.status != 401

    elsewhere = make_calendar(radicale.home_url(), "home", radicale.auth, name="Home")
    result = check(run_cli, config, "--source", elsewhere)
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert "401" in line
    assert elsewhere in line
    assert "no user name" in line


# --- plain http to a remote host -------------------------------------------------------

_attempts: list[tuple[str, object]] | None = None
_attempts_lock = threading.Lock()


def _audit(event_name: str, args: tuple[object, ...]) -> None:
    """Record, and stop, any connection (or name lookup) off loopback while guarded."""
    if _attempts is None or event_name not in ("socket.connect", "socket.getaddrinfo"):
        return
    address = args[1] if event_name == "socket.connect" else args[0]
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, bytes):
        host = host.decode()
    if not isinstance(host, str):
        return
    try:
        if ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        if host == "localhost":
            return
    with _attempts_lock:
        _attempts.append((event_name, address))
    if event_name == "socket.connect":
        raise PermissionError(f"the test forbids connecting to {address}")


_hooked: list[bool] = []


@contextmanager
def off_loopback_forbidden() -> Iterator[list[tuple[str, object]]]:
    """Within the block, connections off loopback fail and are recorded in the list.

    An audit hook (PEP 578) sees every ``socket.connect`` of the process, whichever library
    makes it; it cannot be removed, so it is added once and does nothing outside a block.
    """
    global _attempts
    if not _hooked:
        sys.addaudithook(_audit)
        _hooked.append(True)
    _attempts = []
    try:
        yield _attempts
    finally:
        _attempts = None


def remote_settings(path: str, credentials: str) -> SourceSettings:
    """A source on the documentation address, its password in the settings or in the URL."""
    if credentials == "in-the-url":
        url = f"http://{DAV_USER}:{DAV_PASSWORD.replace(' ', '%20')}@{DOCUMENTATION_ADDRESS}{path}"
        return SourceSettings(url=url, timeout=20)
    url = f"http://{DOCUMENTATION_ADDRESS}{path}"
    return SourceSettings(url=url, username=DAV_USER, password=DAV_PASSWORD, timeout=20)


CREDENTIALS = ["in-the-settings", "in-the-url"]


@pytest.mark.parametrize("credentials", CREDENTIALS)
def test_a_password_over_plain_http_to_a_remote_address_is_refused_before_connecting(
    tmp_path: Path, credentials: str
) -> None:
    settings = remote_settings(f"/dav/{DAV_USER}/work/", credentials)
    store = Store(tmp_path / "state.sqlite")
    with off_loopback_forbidden() as attempts, pytest.raises(ConfigError) as raised:
        list(CalDAVSource(settings, store, clock).objects())
    assert attempts == []  # refused before any connection was tried, let alone waited on
    message = str(raised.value)
    assert DOCUMENTATION_ADDRESS in message
    assert "allow_insecure" in message
    assert DAV_PASSWORD not in message


GUARDED_CLI = """
import ipaddress, sys
def audit(event, args):
    if event == "socket.connect" and isinstance(args[1], tuple):
        if not ipaddress.ip_address(args[1][0]).is_loopback:
            print("CONNECTED OFF LOOPBACK", args[1], file=sys.stderr)
            raise PermissionError(args[1])
sys.addaudithook(audit)
from watercooler.cli import main
raise SystemExit(main(sys.argv[1:]))
"""


def test_check_refuses_a_password_over_plain_http_to_a_remote_address_with_exit_2(
    tmp_path: Path,
) -> None:
    url = f"http://{DOCUMENTATION_ADDRESS}/dav/{DAV_USER}/work/"
    config = write_config(tmp_path, radicale_source(tmp_path, url, timeout=20))
    # The console script's own entry point, with connections off loopback made impossible.
    result = subprocess.run(
        [sys.executable, "-c", GUARDED_CLI, "check", "--config", str(config), "--now", NOW],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith("watercooler: error: ")
    assert "refusing to send a password over plain http://" in line
    assert "allow_insecure = true" in line
    assert DAV_PASSWORD not in result.stderr + result.stdout


def test_allow_insecure_lets_the_password_go_over_plain_http_to_a_host_not_known_as_loopback(
    run_cli: RunCli, tmp_path: Path, radicale: RadicaleServer, work: str
) -> None:
    # "127.1" is 127.0.0.1 to the resolver, but not a host name or address the refusal
    # recognises as loopback: so it stands for a remote host, and stays on this machine.
    url = work.replace("127.0.0.1", "127.1")
    refused = check(run_cli, write_config(tmp_path, radicale_source(tmp_path, url)))
    assert refused.returncode == 2
    assert "allow_insecure" in refused.stderr
    allowed = radicale_source(tmp_path, url, allow_insecure=True)
    document = good(check(run_cli, write_config(tmp_path, allowed, "allowed")))
    assert socials(document) == ["Coffee with Lea", "Team lunch"]


@pytest.mark.parametrize("credentials", CREDENTIALS)
def test_a_feed_password_over_plain_http_to_a_remote_address_is_refused_before_connecting(
    tmp_path: Path, credentials: str
) -> None:
    settings = remote_settings(f"/private/{DAV_USER}.ics", credentials)
    store = Store(tmp_path / "state.sqlite")

    def read() -> None:
        source = open_source(settings, cache_dir=tmp_path / "cache", store=store, clock=clock)
        list(source.objects())

    with off_loopback_forbidden() as attempts, pytest.raises(ConfigError, match="allow_insecure"):
        read()
    assert attempts == []


# --- the backoff schedule ----------------------------------------------------------------


def backoff_config(tmp_path: Path, url: str) -> Path:
    """A send-due config: the CalDAV source, nudges to the log only."""
    source = radicale_source(tmp_path, url)
    entry = "[[sources]]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in source.items())
    config = tmp_path / "config.toml"
    config.write_text(
        'timezone = "Europe/Berlin"\nme = ["ana@example.com"]\n'
        f'state_dir = "{tmp_path / "state"}"\n{entry}'
        "[notify]\ndesktop = false\n[notify.quiet_hours]\nenabled = false\n",
        encoding="utf-8",
    )
    return config


def test_send_due_keeps_the_backoff_schedule_and_check_polls_anyway(
    run_cli: RunCli, tmp_path: Path, faulty: ReportFaults
) -> None:
    """After a failed poll, send-due (a timer runs it) serves the cache and sends nothing to
    the server until the next attempt is due; a person's check polls at once."""
    config = backoff_config(tmp_path, through(faulty))

    def send_due(at: str) -> subprocess.CompletedProcess[str]:
        return run_cli("send-due", "--config", str(config), "--now", at, "--format", "json")

    first = send_due("2026-03-09T09:00:00+01:00")
    assert first.returncode == 0, first.stderr
    faulty.inject(Fault.server_error())
    failed = send_due("2026-03-09T09:00:10+01:00")
    assert failed.returncode == 0, failed.stderr
    assert "next attempt in" in failed.stderr  # at least 15 s away: backoff(1) is 15-30 s
    faulty.reset()
    waiting = send_due("2026-03-09T09:00:20+01:00")
    assert waiting.returncode == 0, waiting.stderr
    assert faulty.exchanges == []  # the cache served, nothing sent to the server
    assert "next attempt in" not in waiting.stderr
    faulty.clear()
    later = send_due("2026-03-09T09:20:00+01:00")  # past any backoff (at most 15 min)
    assert later.returncode == 0, later.stderr
    assert faulty.exchanges != []
    faulty.inject(Fault.server_error())
    assert "next attempt in" in send_due("2026-03-09T09:20:10+01:00").stderr
    faulty.reset()
    manual = check(run_cli, config)
    assert manual.returncode == 0, manual.stderr
    assert faulty.exchanges != []  # check, run by a person, polls during the backoff
