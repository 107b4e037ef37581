"""The CalDAV test servers are real: Radicale and Xandikos on loopback, and a fault server.

These tests prove the fixtures the CalDAV source's tests stand on: auth is enforced, a
calendar made with plain WebDAV is discoverable, events round-trip, the counting proxy counts
exactly what a client sent, and the fault server produces each fault and then recovers.
"""

from __future__ import annotations

import http.client
import socket
import threading
import time
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from caldav.davclient import DAVClient

from caldav_servers import (
    Auth,
    DavRequestError,
    RadicaleServer,
    Response,
    XandikosServer,
    basic_auth,
    dav_request,
    delete_event,
    make_calendar,
    put_event,
    update_event,
)
from faultserver import Fault, FaultServer
from helpers import calendar, event

USER, PASSWORD = "ana", "correct horse battery staple"
DavServer = RadicaleServer | XandikosServer

# --- fixtures (the servers themselves are in conftest.py) -----------------------------------


@pytest.fixture
def faulty_radicale(radicale: RadicaleServer) -> Iterator[FaultServer]:
    """A fault server in front of Radicale, which holds calendar ``work`` with one event."""
    work = make_calendar(radicale.home_url(), "work", radicale.auth, name="Work")
    put_event(work, "coffee.ics", coffee(), radicale.auth)
    with FaultServer(radicale.direct_url) as server:
        yield server


# --- helpers --------------------------------------------------------------------------------

SYNC_REPORT = """<?xml version="1.0" encoding="utf-8"?>
<D:sync-collection xmlns:D="DAV:">
  <D:sync-token>{token}</D:sync-token>
  <D:sync-level>1</D:sync-level>
  <D:prop><D:getetag/></D:prop>
</D:sync-collection>
"""
PROPFIND = """<?xml version="1.0" encoding="utf-8"?>
<D:propfind xmlns:D="DAV:"><D:prop><D:resourcetype/><D:displayname/></D:prop></D:propfind>
"""
XML = {"Content-Type": "application/xml; charset=utf-8"}


def coffee(summary: str = "Coffee with Bo") -> str:
    return calendar(event(summary, "20260310T100000", "20260310T103000", uid="coffee@test"))


def sync(url: str, auth: Auth | None, token: str = "", timeout: float = 10) -> Response:
    """One RFC 6578 sync-collection REPORT."""
    headers = {**XML, "Depth": "1"}
    body = SYNC_REPORT.format(token=token)
    return dav_request("REPORT", url, auth=auth, body=body, headers=headers, timeout=timeout)


def propfind(url: str, auth: Auth | None, depth: str = "0") -> Response:
    headers = {**XML, "Depth": depth}
    return dav_request("PROPFIND", url, auth=auth, body=PROPFIND, headers=headers)


def parse(response: Response) -> ET.Element:
    return ET.fromstring(response.body)  # noqa: S314 - answers of our own test servers


def hrefs(response: Response) -> list[str]:
    return [element.text or "" for element in parse(response).iter("{DAV:}href")]


def event_hrefs(response: Response) -> list[str]:
    return [href for href in hrefs(response) if href.endswith(".ics")]


def sync_token(response: Response) -> str:
    return parse(response).findtext("{DAV:}sync-token") or ""


def path(url: str) -> str:
    return urlsplit(url).path


def work_calendar(server: DavServer) -> str:
    return make_calendar(server.home_url(), "work", server.auth, name="Work")


# --- Radicale and Xandikos --------------------------------------------------------------------


def test_radicale_answers_401_without_credentials_and_207_with_them(
    radicale: RadicaleServer,
) -> None:
    anonymous = propfind(radicale.principal_url(), None)
    assert anonymous.status == 401
    assert anonymous.headers["WWW-Authenticate"].startswith("Basic")
    assert propfind(radicale.principal_url(), (USER, "wrong")).status == 401
    assert propfind(radicale.principal_url(), radicale.auth).status == 207


# Xandikos's own auth middleware stores the user under a plain string key.
@pytest.mark.filterwarnings("ignore::aiohttp.web.NotAppKeyWarning")
def test_xandikos_given_users_answers_401_without_credentials_and_207_with_them(
    tmp_path: Path,
) -> None:
    with XandikosServer(tmp_path / "xandikos", users={USER: PASSWORD}) as server:
        assert propfind(server.principal_url(), None).status == 401
        assert propfind(server.principal_url(), (USER, "wrong")).status == 401
        assert propfind(server.principal_url(), server.auth).status == 207


def test_a_calendar_made_with_mkcalendar_is_listed_in_the_calendar_home(
    dav_server: DavServer,
) -> None:
    url = work_calendar(dav_server)
    listing = propfind(dav_server.home_url(), dav_server.auth, depth="1")
    assert listing.status == 207
    assert path(url) in hrefs(listing)


def test_caldav_discovers_the_calendar_from_the_server_root(dav_server: DavServer) -> None:
    url = work_calendar(dav_server)
    username, password = dav_server.auth or (None, None)
    with DAVClient(url=dav_server.url, username=username, password=password) as client:
        found = client.get_principal().get_calendars()
        assert isinstance(found, list)  # a synchronous client answers at once
        calendars = {str(c.url): c.get_display_name() for c in found}
    assert calendars[url] == "Work"


def test_an_event_is_created_read_changed_and_deleted(dav_server: DavServer) -> None:
    url, auth = work_calendar(dav_server), dav_server.auth
    etag = put_event(url, "coffee.ics", coffee(), auth)
    assert "SUMMARY:Coffee with Bo" in dav_request("GET", url + "coffee.ics", auth=auth).text
    with pytest.raises(DavRequestError, match="412"):
        put_event(url, "coffee.ics", coffee(), auth)  # If-None-Match: * never overwrites

    new_etag = update_event(url, "coffee.ics", coffee("Coffee with Cy"), auth, etag=etag)
    assert new_etag not in ("", etag)
    assert "SUMMARY:Coffee with Cy" in dav_request("GET", url + "coffee.ics", auth=auth).text
    with pytest.raises(DavRequestError, match="412"):
        update_event(url, "coffee.ics", coffee(), auth, etag=etag)  # a stale ETag

    delete_event(url, "coffee.ics", auth)
    assert dav_request("GET", url + "coffee.ics", auth=auth).status == 404


def test_the_proxy_counts_each_request_on_a_kept_alive_connection(dav_server: DavServer) -> None:
    url, auth = work_calendar(dav_server), dav_server.auth
    report = SYNC_REPORT.format(token="").encode()
    headers = {**XML, "Depth": "0", **basic_auth(auth)}
    dav_server.proxy.reset()

    connection = http.client.HTTPConnection("127.0.0.1", dav_server.port, timeout=10)
    for method, body in [("PROPFIND", PROPFIND.encode()), ("PROPFIND", b""), ("REPORT", report)]:
        connection.request(method, path(url), body, headers)
        response = connection.getresponse()
        response.read()
        assert response.status == 207
    connection.close()

    proxy = dav_server.proxy
    assert proxy.methods() == Counter({"PROPFIND": 2, "REPORT": 1})
    assert proxy.request_bytes("REPORT") == len(report)
    assert proxy.request_bytes() == len(PROPFIND.encode()) + len(report)
    assert proxy.response_bytes("REPORT") > 0
    assert [exchange.status for exchange in proxy.exchanges] == [207, 207, 207]


def test_caldav_with_basic_auth_set_up_front_sends_one_request_per_call(
    radicale: RadicaleServer,
) -> None:
    url = work_calendar(radicale)
    radicale.proxy.reset()
    with DAVClient(url=url, username=USER, password=PASSWORD, auth_type="basic") as client:
        client.propfind(url, depth=0)
    assert radicale.proxy.methods() == Counter({"PROPFIND": 1})


def test_a_sync_poll_with_nothing_changed_is_one_report_listing_nothing(
    dav_server: DavServer,
) -> None:
    url, auth = work_calendar(dav_server), dav_server.auth
    put_event(url, "coffee.ics", coffee(), auth)
    token = sync_token(sync(url, auth))
    assert token
    dav_server.proxy.reset()

    unchanged = sync(url, auth, token)

    assert unchanged.status == 207
    assert event_hrefs(unchanged) == []
    assert dav_server.proxy.methods() == Counter({"REPORT": 1})
    put_event(url, "lunch.ics", calendar(event("Lunch", "20260311T120000")), auth)
    assert event_hrefs(sync(url, auth, token)) == [path(url) + "lunch.ics"]


@pytest.mark.parametrize("kind", ["radicale", "xandikos"])
def test_a_server_answers_once_started_and_stops_without_leaving_threads_or_ports(
    tmp_path: Path, kind: str
) -> None:
    threads_before = set(threading.enumerate())
    server = (
        RadicaleServer(tmp_path, {USER: PASSWORD})
        if kind == "radicale"
        else XandikosServer(tmp_path)
    ).start()
    # start() returns once the server serves: the first request, through the proxy, works.
    kept_alive = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    kept_alive.request("PROPFIND", "/", headers={"Depth": "0", **basic_auth(server.auth)})
    answer = kept_alive.getresponse()
    answer.read()  # the connection stays open across stop()
    assert answer.status == 207
    ports = server.port, server.direct_port

    server.stop()

    kept_alive.close()
    assert set(threading.enumerate()) == threads_before
    for port in ports:
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=1).close()


# --- the fault server ---------------------------------------------------------------------------

STATUS_FAULTS = [
    pytest.param(Fault.server_error(), 500, {}, id="500"),
    pytest.param(Fault.unavailable(retry_after=120), 503, {"Retry-After": "120"}, id="503"),
    pytest.param(Fault.too_many_requests(retry_after=30), 429, {"Retry-After": "30"}, id="429"),
    pytest.param(
        Fault.unauthorized(),
        401,
        {"WWW-Authenticate": 'Basic realm="watercooler fault server"'},
        id="401",
    ),
    pytest.param(Fault.forbidden(), 403, {}, id="403"),
    pytest.param(
        Fault.captive_portal(), 200, {"Content-Type": "text/html; charset=utf-8"}, id="html-200"
    ),
]


@pytest.mark.parametrize(("fault", "status", "headers"), STATUS_FAULTS)
@pytest.mark.parametrize("method", ["PROPFIND", "REPORT", "GET", "OPTIONS"])
def test_the_fault_server_answers_every_method_with_the_injected_status(
    fault_server: FaultServer, fault: Fault, status: int, headers: dict[str, str], method: str
) -> None:
    fault_server.inject(fault)
    response = dav_request(method, fault_server.url + "ana/work/", body="<x/>")
    assert response.status == status
    for name, value in headers.items():
        assert response.headers[name] == value
    assert fault_server.methods() == Counter({method: 1})


def test_the_captive_portal_is_an_html_page(fault_server: FaultServer) -> None:
    fault_server.inject(Fault.captive_portal())
    assert sync(fault_server.url + "ana/work/", None).text.startswith("<!DOCTYPE html>")


def test_without_a_fault_or_an_upstream_the_fault_server_answers_502(
    fault_server: FaultServer,
) -> None:
    assert propfind(fault_server.url, None).status == 502


def test_a_truncated_207_promises_more_than_it_sends(fault_server: FaultServer) -> None:
    fault_server.inject(Fault.truncated_xml())
    with pytest.raises(http.client.IncompleteRead):
        sync(fault_server.url + "ana/work/", None)


def test_a_cut_207_with_an_honest_length_only_fails_to_parse(fault_server: FaultServer) -> None:
    fault_server.inject(Fault.truncated_xml(honest_length=True))
    response = sync(fault_server.url + "ana/work/", None)
    assert response.status == 207
    assert b"<response>" in response.body
    with pytest.raises(ET.ParseError):
        parse(response)


def test_malformed_xml_arrives_whole_and_fails_to_parse(fault_server: FaultServer) -> None:
    fault_server.inject(Fault.malformed_xml())
    response = sync(fault_server.url + "ana/work/", None)
    assert response.status == 207
    assert response.body.rstrip().endswith(b"</multistatus>")
    with pytest.raises(ET.ParseError, match="mismatched tag"):
        parse(response)


def test_a_hanging_server_accepts_the_request_and_never_answers(
    fault_server: FaultServer,
) -> None:
    fault_server.inject(Fault.hang())
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        sync(fault_server.url + "ana/work/", None, timeout=0.3)
    assert time.monotonic() - started >= 0.3
    assert [(e.method, e.status) for e in fault_server.exchanges] == [("REPORT", None)]


def test_a_refused_connection_reaches_nothing(fault_server: FaultServer) -> None:
    fault_server.inject(Fault.refused())
    with pytest.raises(ConnectionRefusedError):
        sync(fault_server.url + "ana/work/", None)
    assert fault_server.count() == 0


def test_a_fault_limited_to_one_report_lets_everything_else_through(
    faulty_radicale: FaultServer,
) -> None:
    url = faulty_radicale.url + f"{USER}/work/"
    auth = (USER, PASSWORD)
    faulty_radicale.inject(Fault.server_error().only("REPORT").limit(1))
    assert propfind(url, auth).status == 207
    assert sync(url, auth).status == 500
    assert sync(url, auth).status == 207


BETWEEN_GOOD_POLLS = [
    pytest.param(Fault.refused(), ConnectionRefusedError, id="refused"),
    pytest.param(Fault.hang(), TimeoutError, id="hang"),
    pytest.param(Fault.truncated_xml(), http.client.IncompleteRead, id="truncated"),
    pytest.param(Fault.truncated_xml(honest_length=True), ET.ParseError, id="cut-xml"),
    pytest.param(Fault.malformed_xml(), ET.ParseError, id="malformed-xml"),
    pytest.param(Fault.server_error(), 500, id="500"),
    pytest.param(Fault.unavailable(), 503, id="503"),
    pytest.param(Fault.too_many_requests(), 429, id="429"),
    pytest.param(Fault.unauthorized(), 401, id="401"),
    pytest.param(Fault.forbidden(), 403, id="403"),
    pytest.param(Fault.captive_portal(), 200, id="html-200"),
]


@pytest.mark.parametrize(("fault", "expected"), BETWEEN_GOOD_POLLS)
def test_a_fault_between_two_good_polls_of_radicale(
    faulty_radicale: FaultServer, fault: Fault, expected: int | type[Exception]
) -> None:
    url = faulty_radicale.url + f"{USER}/work/"
    auth = (USER, PASSWORD)
    assert event_hrefs(sync(url, auth)) == [f"/{USER}/work/coffee.ics"]

    faulty_radicale.inject(fault)
    if isinstance(expected, int):
        assert sync(url, auth).status == expected
    else:
        with pytest.raises(expected):
            parse(sync(url, auth, timeout=0.3))
    faulty_radicale.clear()

    assert event_hrefs(sync(url, auth)) == [f"/{USER}/work/coffee.ics"]
