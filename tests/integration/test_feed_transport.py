"""How a feed travels: one deadline per fetch, the password only for its origin, TLS.

Real servers on loopback, read through the installed CLI: a server that drips its answer
one byte every half second, redirects to a second loopback address (127.0.0.2, another
origin) that records the headers it gets, an HTTPS server with a certificate generated
here by openssl.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import RunCli
from helpers import calendar, event, timeout_bound
from httpserver import FeedServer, Route, self_signed

NOW = "2026-03-12T09:00:00+01:00"
PASSWORD = "s3cret-feed-password-4711"
ICS_HEADERS = {"Content-Type": "text/calendar; charset=utf-8"}
FEED = calendar(event("Coffee", "20260311T100000", "20260311T103000", uid="c@t")).encode()


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def other_origin() -> Iterator[FeedServer]:
    """A second server on 127.0.0.2: another origin for redirects."""
    server = FeedServer("127.0.0.2").start()
    yield server
    server.stop()


@pytest.fixture
def tls_server(certificate: tuple[Path, Path]) -> Iterator[FeedServer]:
    server = FeedServer(tls=certificate).start()
    yield server
    server.stop()


def write_config(tmp_path: Path, url: str, *lines: str, name: str = "config") -> Path:
    path = tmp_path / f"{name}.toml"
    body = "\n".join(['timezone = "Europe/Berlin"', "[[sources]]", f'url = "{url}"', *lines])
    path.write_text(body + "\n", encoding="utf-8")
    return path


def check(run_cli: RunCli, config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli("check", "--format", "json", "--config", str(config), "--now", NOW, *args)


def summaries(result: subprocess.CompletedProcess[str]) -> list[str]:
    assert result.returncode == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return [item["summary"] for item in document["social"]]


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("watercooler: error: ")
    return lines[0]


# --- one deadline for the whole fetch --------------------------------------------------


@pytest.mark.parametrize(
    ("command", "drip_head", "said"),
    [
        ("check", True, "no answer within 1 s"),
        ("check", False, "the feed did not arrive in full within 1 s"),
        ("send-due", True, "no answer within 1 s"),
    ],
    ids=["check-drips-everything", "check-drips-the-body", "send-due-drips-everything"],
)
def test_a_server_that_drips_its_answer_is_cut_off_after_the_timeout(
    run_cli: RunCli,
    tmp_path: Path,
    feed_server: FeedServer,
    command: str,
    drip_head: bool,
    said: str,
) -> None:
    timeout = 1

    def run(path: str) -> tuple[subprocess.CompletedProcess[str], float]:
        config = write_config(
            tmp_path, feed_server.url(path), f"timeout = {timeout}", name=path.strip("/.")
        )
        started = time.monotonic()
        result = run_cli(command, "--config", str(config), "--now", NOW)
        return result, time.monotonic() - started

    feed_server.routes["/fast.ics"] = Route(body=FEED, headers=ICS_HEADERS)
    healthy, baseline = run("/fast.ics")
    assert healthy.returncode == 0, healthy.stderr
    bound = timeout_bound(timeout, baseline)
    # One byte every half second: each read is quick, the whole answer takes minutes.
    feed_server.routes["/drip.ics"] = Route(
        body=FEED, headers=ICS_HEADERS, drip=0.5, drip_head=drip_head
    )
    result, elapsed = run("/drip.ics")
    line = one_line_error(result)
    assert feed_server.url("/drip.ics") in line
    assert said in line
    assert elapsed < bound, f"took {elapsed:.1f} s with a {timeout} s timeout ({baseline:.2f} s)"


# --- the password stays with its origin ------------------------------------------------


def private_feed(tmp_path: Path, url: str) -> Path:
    return write_config(tmp_path, url, 'username = "ana"', f'password = "{PASSWORD}"')


def test_a_redirect_to_another_origin_does_not_carry_the_password(
    run_cli: RunCli, tmp_path: Path, feed_server: FeedServer, other_origin: FeedServer
) -> None:
    other_origin.routes["/team.ics"] = Route(body=FEED, headers=ICS_HEADERS)
    feed_server.routes["/team.ics"] = Route(
        status=302, headers={"Location": other_origin.url("/team.ics")}
    )
    result = check(run_cli, private_feed(tmp_path, feed_server.url("/team.ics")))
    assert summaries(result) == ["Coffee"]
    assert feed_server.requests[0].headers["Authorization"].startswith("Basic ")
    [seen] = other_origin.requests
    assert "Authorization" not in seen.headers
    assert PASSWORD not in json.dumps(seen.headers)


def test_a_redirect_within_the_origin_keeps_the_password(
    run_cli: RunCli, tmp_path: Path, feed_server: FeedServer
) -> None:
    feed_server.routes["/old.ics"] = Route(status=301, headers={"Location": "/team.ics"})
    feed_server.routes["/team.ics"] = Route(body=FEED, headers=ICS_HEADERS)
    result = check(run_cli, private_feed(tmp_path, feed_server.url("/old.ics")))
    assert summaries(result) == ["Coffee"]
    assert [seen.path for seen in feed_server.requests] == ["/old.ics", "/team.ics"]
    assert all(seen.headers["Authorization"].startswith("Basic ") for seen in feed_server.requests)


def test_a_refusal_by_the_other_origin_says_the_password_was_not_sent_there(
    run_cli: RunCli, tmp_path: Path, feed_server: FeedServer, other_origin: FeedServer
) -> None:
    other_origin.routes["/team.ics"] = Route(status=401, body=b"who are you")
    feed_server.routes["/team.ics"] = Route(
        status=307, headers={"Location": other_origin.url("/team.ics")}
    )
    result = check(run_cli, private_feed(tmp_path, feed_server.url("/team.ics")))
    line = one_line_error(result)
    assert "HTTP 401" in line
    assert "127.0.0.2" in line
    assert "the password is only sent to http://127.0.0.1:" in line
    assert PASSWORD not in result.stderr


def test_a_redirect_from_https_to_plain_http_is_refused(
    run_cli: RunCli, tmp_path: Path, tls_server: FeedServer, other_origin: FeedServer
) -> None:
    other_origin.routes["/team.ics"] = Route(body=FEED, headers=ICS_HEADERS)
    tls_server.routes["/team.ics"] = Route(
        status=302, headers={"Location": other_origin.url("/team.ics")}
    )
    config = write_config(tmp_path, tls_server.url("/team.ics"), "verify_tls = false")
    line = one_line_error(check(run_cli, config))
    assert "redirected from https to plain http" in line
    assert other_origin.url("/team.ics") in line
    assert other_origin.requests == []


# --- TLS -------------------------------------------------------------------------------


def test_a_self_signed_feed_is_refused_unless_verify_tls_is_false(
    run_cli: RunCli, tmp_path: Path, tls_server: FeedServer
) -> None:
    tls_server.routes["/team.ics"] = Route(body=FEED, headers=ICS_HEADERS)
    url = tls_server.url("/team.ics")
    line = one_line_error(check(run_cli, write_config(tmp_path, url, name="strict")))
    assert "TLS certificate is not trusted (self-signed certificate)" in line
    assert "verify_tls = false" in line
    trusting = write_config(tmp_path, url, "verify_tls = false", name="trusting")
    result = check(run_cli, trusting)
    assert summaries(result) == ["Coffee"]
    assert result.stderr == ""


def test_a_webcal_url_to_a_plain_http_server_says_to_write_http(
    run_cli: RunCli, tmp_path: Path, feed_server: FeedServer
) -> None:
    feed_server.routes["/team.ics"] = Route(body=FEED, headers=ICS_HEADERS)
    url = f"webcal://127.0.0.1:{feed_server.port}/team.ics"
    line = one_line_error(check(run_cli, write_config(tmp_path, url)))
    assert url in line
    assert "does not speak TLS" in line
    assert "write its URL with http://" in line
    assert "SSL" not in line


# --- answers that are not calendars ----------------------------------------------------


def test_a_web_page_labelled_as_a_calendar_is_called_a_web_page(
    run_cli: RunCli, tmp_path: Path, feed_server: FeedServer
) -> None:
    feed_server.routes["/team.ics"] = Route(
        body=b"<!DOCTYPE html><html><body>Please sign in</body></html>", headers=ICS_HEADERS
    )
    line = one_line_error(check(run_cli, write_config(tmp_path, feed_server.url("/team.ics"))))
    assert "answered with a web page, not a calendar" in line
    assert "although the server labelled it text/calendar" in line
    assert "web page (text/calendar)" not in line
