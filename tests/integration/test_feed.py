"""iCalendar feeds from a real HTTP server on loopback, read through the installed CLI."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from pathlib import Path
from typing import Any, Literal

import pytest

from conftest import RunCli
from helpers import calendar, event, timeout_bound
from httpserver import FeedServer, Route
from watercooler.settings import SourceSettings
from watercooler.sources import source_kind
from watercooler.urls import http_url, redact_url

NOW = "2026-03-12T09:00:00+01:00"
TOKEN = "tok3n-abcdef0123456789"
ICS_HEADERS = {"Content-Type": "text/calendar; charset=utf-8"}


def feed_body(*summaries: str) -> bytes:
    events = [
        event(
            summary, f"202603{10 + index}T100000", f"202603{10 + index}T103000", uid=f"e{index}@t"
        )
        for index, summary in enumerate(summaries)
    ]
    return calendar(*events).encode()


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text('timezone = "Europe/Berlin"\nme = ["ana@example.com"]\n', encoding="utf-8")
    return path


def check(run_cli: RunCli, config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli("check", "--format", "json", "--config", str(config), "--now", NOW, *args)


def summaries(result: subprocess.CompletedProcess[str]) -> list[str]:
    assert result.returncode == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return [item["summary"] for item in document["social"]]


def assert_one_line_error(result: subprocess.CompletedProcess[str], *fragments: str) -> str:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("watercooler: error: ")
    for fragment in fragments:
        assert fragment in lines[0]
    return lines[0]


def cache_dir(tmp_path: Path) -> Path:
    return tmp_path / "xdg-state" / "watercooler" / "cache" / "feeds"


# --- reading and caching ---------------------------------------------------------------


def test_a_feed_is_read(run_cli: RunCli, config: Path, feed_server: FeedServer) -> None:
    feed_server.routes["/team.ics"] = Route(body=feed_body("Coffee", "Cake"), headers=ICS_HEADERS)
    result = check(run_cli, config, "--source", feed_server.url("/team.ics"))
    assert summaries(result) == ["Coffee", "Cake"]
    assert result.stderr == ""
    assert feed_server.requests[0].headers["Accept"].startswith("text/calendar")


def test_a_feed_configured_in_sources_is_read(
    run_cli: RunCli, tmp_path: Path, feed_server: FeedServer
) -> None:
    feed_server.routes["/team.ics"] = Route(body=feed_body("Coffee"), headers=ICS_HEADERS)
    config = tmp_path / "feed.toml"
    config.write_text(
        f'timezone = "Europe/Berlin"\n[[sources]]\nurl = "{feed_server.url("/team.ics")}"\n',
        encoding="utf-8",
    )
    assert summaries(check(run_cli, config)) == ["Coffee"]


def test_a_feed_url_without_ics_is_read_as_a_feed_when_its_type_says_so(
    run_cli: RunCli, tmp_path: Path, feed_server: FeedServer
) -> None:
    feed_server.routes["/export"] = Route(body=feed_body("Drinks"), headers=ICS_HEADERS)
    config = tmp_path / "feed.toml"
    config.write_text(
        f'timezone = "Europe/Berlin"\n[[sources]]\nurl = "{feed_server.url("/export")}"\n'
        'type = "ics"\n',
        encoding="utf-8",
    )
    assert summaries(check(run_cli, config)) == ["Drinks"]


def test_the_second_run_sends_if_none_match_gets_304_and_gives_the_same_json(
    run_cli: RunCli, config: Path, tmp_path: Path, feed_server: FeedServer
) -> None:
    feed_server.routes["/team.ics"] = Route(
        body=feed_body("Coffee", "Cake"), headers=ICS_HEADERS, etag='"v1"'
    )
    url = feed_server.url("/team.ics")
    first = check(run_cli, config, "--source", url)
    assert summaries(first) == ["Coffee", "Cake"]
    assert "If-None-Match" not in feed_server.requests[0].headers
    cached = sorted(path.suffix for path in cache_dir(tmp_path).iterdir())
    assert cached == [".ics", ".json"]

    feed_server.routes["/team.ics"].body = b""  # a 200 now would be an empty, invalid feed
    second = check(run_cli, config, "--source", url)
    assert second.returncode == 0, second.stderr
    assert feed_server.requests[1].headers.get("If-None-Match") == '"v1"'
    assert second.stdout == first.stdout
    assert second.stderr == ""


def test_a_changed_feed_is_read_again(
    run_cli: RunCli, config: Path, feed_server: FeedServer
) -> None:
    route = Route(body=feed_body("Coffee"), headers=ICS_HEADERS, etag='"v1"')
    feed_server.routes["/team.ics"] = route
    url = feed_server.url("/team.ics")
    assert summaries(check(run_cli, config, "--source", url)) == ["Coffee"]
    route.body, route.etag = feed_body("Coffee", "Birthday cake"), '"v2"'
    assert summaries(check(run_cli, config, "--source", url)) == ["Coffee", "Birthday cake"]
    assert feed_server.requests[1].headers.get("If-None-Match") == '"v1"'


def test_the_second_run_sends_if_modified_since_when_the_feed_gave_last_modified(
    run_cli: RunCli, config: Path, feed_server: FeedServer
) -> None:
    stamp = "Wed, 11 Mar 2026 08:00:00 GMT"
    feed_server.routes["/team.ics"] = Route(
        body=feed_body("Coffee"), headers={**ICS_HEADERS, "Last-Modified": stamp}
    )
    url = feed_server.url("/team.ics")
    check(run_cli, config, "--source", url)
    assert summaries(check(run_cli, config, "--source", url)) == ["Coffee"]
    assert feed_server.requests[1].headers.get("If-Modified-Since") == stamp


def test_the_feed_cache_follows_the_configured_state_dir(
    run_cli: RunCli, tmp_path: Path, feed_server: FeedServer
) -> None:
    feed_server.routes["/team.ics"] = Route(body=feed_body("Coffee"), headers=ICS_HEADERS)
    config = tmp_path / "state.toml"
    config.write_text(f'state_dir = "{tmp_path / "state"}"\n', encoding="utf-8")
    assert summaries(check(run_cli, config, "--source", feed_server.url("/team.ics")))
    assert len(list((tmp_path / "state" / "cache" / "feeds").glob("*.ics"))) == 1
    assert not cache_dir(tmp_path).exists()


# --- failures --------------------------------------------------------------------------


def test_a_missing_feed_exits_2_with_one_line(
    run_cli: RunCli, config: Path, feed_server: FeedServer
) -> None:
    url = feed_server.url("/gone.ics")
    assert_one_line_error(check(run_cli, config, "--source", url), url, "HTTP 404")


def test_a_missing_feed_is_an_error_even_when_an_old_copy_is_cached(
    run_cli: RunCli, config: Path, feed_server: FeedServer
) -> None:
    feed_server.routes["/team.ics"] = Route(body=feed_body("Coffee"), headers=ICS_HEADERS)
    url = feed_server.url("/team.ics")
    assert summaries(check(run_cli, config, "--source", url)) == ["Coffee"]
    del feed_server.routes["/team.ics"]
    assert_one_line_error(check(run_cli, config, "--source", url), "HTTP 404")


def test_a_web_page_answered_with_200_exits_2(
    run_cli: RunCli, config: Path, feed_server: FeedServer
) -> None:
    feed_server.routes["/team.ics"] = Route(
        body=b"<!DOCTYPE html><html><body>Please sign in</body></html>",
        headers={"Content-Type": "text/html; charset=utf-8"},
    )
    result = check(run_cli, config, "--source", feed_server.url("/team.ics"))
    assert_one_line_error(result, "web page", "text/html")


def test_an_answer_that_is_not_icalendar_exits_2(
    run_cli: RunCli, config: Path, feed_server: FeedServer
) -> None:
    feed_server.routes["/team.ics"] = Route(
        body=b'{"error": "rate limited"}', headers={"Content-Type": "application/json"}
    )
    result = check(run_cli, config, "--source", feed_server.url("/team.ics"))
    assert_one_line_error(result, "not an iCalendar feed")


def test_an_empty_answer_is_an_error_not_an_empty_calendar(
    run_cli: RunCli, config: Path, feed_server: FeedServer
) -> None:
    feed_server.routes["/team.ics"] = Route(body=b"", headers=ICS_HEADERS)
    result = check(run_cli, config, "--source", feed_server.url("/team.ics"))
    assert_one_line_error(result, "not an iCalendar feed")


def test_a_server_that_does_not_answer_within_the_timeout_exits_2_after_the_timeout(
    run_cli: RunCli, tmp_path: Path, feed_server: FeedServer
) -> None:
    timeout = 1

    def config_for(name: str) -> Path:
        config = tmp_path / f"{name}.toml"
        url = feed_server.url(f"/{name}.ics")
        config.write_text(f'[[sources]]\nurl = "{url}"\ntimeout = {timeout}\n', encoding="utf-8")
        return config

    # The same check against a feed that answers at once: the slack the timeout's bound allows.
    feed_server.routes["/fast.ics"] = Route(body=feed_body("Coffee"), headers=ICS_HEADERS)
    started = time.monotonic()
    healthy = check(run_cli, config_for("fast"))
    baseline = time.monotonic() - started
    assert healthy.returncode == 0, healthy.stderr
    bound = timeout_bound(timeout, baseline)

    # Slower than the bound, so a check that waited for the answer would overrun it.
    feed_server.routes["/slow.ics"] = Route(body=feed_body("Coffee"), delay=bound + 2)
    started = time.monotonic()
    result = check(run_cli, config_for("slow"))
    elapsed = time.monotonic() - started
    assert_one_line_error(result, feed_server.url("/slow.ics"), f"no answer within {timeout} s")
    assert elapsed < bound, (
        f"took {elapsed:.1f} s with a {timeout} s timeout (a healthy check took {baseline:.2f} s)"
    )


def test_a_feed_nobody_listens_for_exits_2_with_one_line(run_cli: RunCli, config: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/team.ics"
    assert_one_line_error(check(run_cli, config, "--source", url), url, "cannot fetch feed")


# --- URLs: webcal and secrets ----------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "fetched"),
    [
        ("webcal://calendar.example.com/team.ics", "https://calendar.example.com/team.ics"),
        ("webcals://calendar.example.com/team.ics", "https://calendar.example.com/team.ics"),
        ("WEBCAL://Calendar.example.com/Team.ics", "https://Calendar.example.com/Team.ics"),
        ("webcal://host:8443/a.ics?token=x", "https://host:8443/a.ics?token=x"),
        ("https://calendar.example.com/team.ics", "https://calendar.example.com/team.ics"),
        ("http://127.0.0.1:8080/team.ics", "http://127.0.0.1:8080/team.ics"),
    ],
)
def test_webcal_urls_are_fetched_over_https(given: str, fetched: str) -> None:
    assert http_url(given) == fetched


@pytest.mark.parametrize(
    ("url", "kind_of_type", "kind"),
    [
        ("webcal://calendar.example.com/team", None, "feed"),
        ("https://calendar.example.com/team.ics", None, "feed"),
        ("https://calendar.example.com/team.ICS?x=1", None, "feed"),
        ("https://dav.example.com/calendars/ana/work/", None, "caldav"),
        ("https://dav.example.com/calendars/ana/work/", "ics", "feed"),
        ("https://calendar.example.com/team.ics", "caldav", "caldav"),
    ],
)
def test_a_url_is_read_as_a_feed_or_caldav_by_its_scheme_suffix_and_type(
    url: str, kind_of_type: Literal["caldav", "ics"] | None, kind: str
) -> None:
    assert source_kind(SourceSettings(url=url, type=kind_of_type)) == kind


def test_redact_url_drops_the_query_the_password_and_long_path_tokens() -> None:
    redacted = redact_url(
        f"https://ana:pw-{TOKEN}@calendar.example.com/ical/{TOKEN}{TOKEN}/basic.ics?token={TOKEN}"
    )
    assert TOKEN not in redacted
    assert redacted.startswith("https://calendar.example.com/ical/")
    assert redacted.endswith("/basic.ics")


def test_a_token_in_the_query_never_appears_in_the_error(
    run_cli: RunCli, config: Path, feed_server: FeedServer
) -> None:
    url = feed_server.url(f"/gone.ics?token={TOKEN}")
    for debug in ((), ("--debug",)):
        result = check(run_cli, config, "--source", url, *debug)
        assert result.returncode == 2
        assert "HTTP 404" in result.stderr
        assert TOKEN not in result.stderr + result.stdout
    assert feed_server.requests[0].path.endswith(f"?token={TOKEN}")  # but it was sent


def test_a_token_in_the_url_never_appears_in_warnings(
    run_cli: RunCli, config: Path, feed_server: FeedServer
) -> None:
    broken = event("Backwards cake", "20260312T150000", "20260312T140000", uid="backwards@t")
    good = event("Coffee", "20260312T100000", "20260312T103000", uid="good@t")
    feed_server.routes[f"/ical/{TOKEN}{TOKEN}/basic.ics"] = Route(
        body=calendar(good, broken).encode(), headers=ICS_HEADERS
    )
    url = feed_server.url(f"/ical/{TOKEN}{TOKEN}/basic.ics?token={TOKEN}")
    result = check(run_cli, config, "--debug", "--source", url)
    assert summaries(result) == ["Coffee"]
    assert "backwards@t" in result.stderr
    assert TOKEN not in result.stderr


def test_a_token_in_the_url_never_appears_when_the_server_is_too_slow(
    run_cli: RunCli, tmp_path: Path, feed_server: FeedServer
) -> None:
    feed_server.routes["/slow.ics"] = Route(body=feed_body("Coffee"), delay=5)
    config = tmp_path / "slow.toml"
    url = feed_server.url(f"/slow.ics?token={TOKEN}")
    config.write_text(f'[[sources]]\nurl = "{url}"\ntimeout = 1\n', encoding="utf-8")
    result = check(run_cli, config)
    assert result.returncode == 2
    assert TOKEN not in result.stderr


@pytest.mark.parametrize("port", [True, False], ids=["with-port", "without-port"])
def test_a_password_in_the_feed_url_never_appears_in_the_error(
    run_cli: RunCli, config: Path, feed_server: FeedServer, port: bool
) -> None:
    host = f"127.0.0.1:{feed_server.port}" if port else "127.0.0.1"
    url = f"http://ana:{TOKEN}@{host}/missing.ics"
    result = check(run_cli, config, "--source", url)
    assert result.returncode == 2
    assert TOKEN not in result.stderr + result.stdout
    assert "unexpected" not in result.stderr
