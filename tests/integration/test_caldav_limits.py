"""CalDAV servers that push limits, through the CLI: answers dripped a byte at a time,
``Retry-After``, refused credentials on a timer, an event beyond the XML parser's limits,
calendars added or deselected, and URLs that are not a CalDAV server.

Real Radicale on loopback, with a ``FaultServer`` in between where a fault is needed;
``check`` and ``send-due`` run from a config file whose cache lives in ``tmp_path/state``.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest

from caldav_servers import RadicaleServer, make_calendar, put_event
from conftest import DAV_PASSWORD, DAV_USER, RunCli
from faultserver import Exchange, Fault, FaultServer, Reply
from helpers import calendar, event, timeout_bound
from httpserver import FeedServer, Route
from watercooler.store import Store

NOW = "2026-03-09T09:00:00+01:00"


def at(seconds: float) -> str:
    """``NOW`` plus some seconds, as ``--now`` takes it."""
    return (datetime.fromisoformat(NOW) + timedelta(seconds=seconds)).isoformat()


def ics(summary: str, uid: str, day: str = "20260309", *lines: str) -> str:
    return calendar(event(summary, f"{day}T150000", f"{day}T153000", uid=uid, lines=lines))


def write_config(tmp_path: Path, source: dict[str, Any]) -> Path:
    """A config with one [[sources]] entry, nudges to the log only, the cache in state/."""
    entry = "".join(f"{key} = {json.dumps(value)}\n" for key, value in source.items())
    path = tmp_path / "config.toml"
    path.write_text(
        'timezone = "Europe/Berlin"\nme = ["ana@example.com"]\n'
        f'state_dir = "{tmp_path / "state"}"\n[[sources]]\n{entry}'
        "[notify]\ndesktop = false\n[notify.quiet_hours]\nenabled = false\n",
        encoding="utf-8",
    )
    return path


def with_password(tmp_path: Path, url: str, **extra: Any) -> dict[str, Any]:
    secret = tmp_path / "dav-password"
    secret.write_text(DAV_PASSWORD + "\n", encoding="utf-8")
    secret.chmod(0o600)
    return {"url": url, "username": DAV_USER, "password_file": str(secret), **extra}


def check(
    run_cli: RunCli, config: Path, now: str = NOW, *extra: str
) -> subprocess.CompletedProcess[str]:
    return run_cli(
        "check", "--config", str(config), "--now", now, "--days-back", "1",
        "--days-ahead", "1", "--format", "json", *extra,
    )  # fmt: skip


def send_due(run_cli: RunCli, config: Path, now: str) -> subprocess.CompletedProcess[str]:
    return run_cli("send-due", "--config", str(config), "--now", now, "--format", "json")


def socials(result: subprocess.CompletedProcess[str]) -> list[str]:
    assert result.returncode == 0, result.stderr
    return sorted(item["summary"] for item in json.loads(result.stdout)["social"])


def multigets(exchanges: list[Exchange]) -> list[Exchange]:
    return [e for e in exchanges if e.method == "REPORT" and b"calendar-multiget" in e.body]


@pytest.fixture
def work(radicale: RadicaleServer) -> str:
    url = make_calendar(radicale.home_url(), "work", radicale.auth, name="Work")
    put_event(url, "a.ics", ics("Coffee with Lea", "a"), radicale.auth)
    put_event(url, "b.ics", ics("Team lunch", "b"), radicale.auth)
    return url


@pytest.fixture
def faulty(radicale: RadicaleServer, work: str) -> Iterator[FaultServer]:
    with FaultServer(radicale.direct_url) as server:
        yield server


def through(faulty: FaultServer) -> str:
    return f"{faulty.url}{DAV_USER}/work/"


# --- one deadline per request ------------------------------------------------------------


def timed(
    run: Callable[[], subprocess.CompletedProcess[str]],
) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    result = run()
    return result, time.monotonic() - started


@pytest.mark.parametrize("command", ["check", "send-due"])
def test_a_server_dripping_its_answer_is_cut_off_at_the_timeout_and_the_cache_used(
    run_cli: RunCli, tmp_path: Path, faulty: FaultServer, command: str
) -> None:
    timeout = 1
    config = write_config(tmp_path, with_password(tmp_path, through(faulty), timeout=timeout))

    def run(now: str) -> subprocess.CompletedProcess[str]:
        if command == "check":
            return check(run_cli, config, now)
        return send_due(run_cli, config, now)

    assert socials(check(run_cli, config)) == ["Coffee with Lea", "Team lunch"]
    healthy, baseline = timed(lambda: run(at(1)))  # the same run, the server answering
    assert healthy.returncode == 0, healthy.stderr
    faulty.reset()
    faulty.inject(Fault.drip(0.5))  # a byte every half second: each read is in time
    result, elapsed = timed(lambda: run(at(2)))
    assert elapsed < timeout_bound(timeout, baseline), (
        f"took {elapsed:.1f} s with timeout = {timeout} (a healthy run took {baseline:.2f} s)"
    )
    assert result.returncode == 0, result.stderr
    assert "no answer in time" in result.stderr
    assert "using the copy from" in result.stderr
    assert faulty.count() == 1  # one request, given up on; nothing else sent to that server


# --- Retry-After -------------------------------------------------------------------------


def http_date(seconds: float) -> str:
    return format_datetime(datetime.fromisoformat(at(seconds)).astimezone(UTC), usegmt=True)


RETRY_AFTER: dict[str, tuple[Callable[[], Fault], int, int]] = {
    # name: the fault, a moment still inside the wait, a moment past it
    "503-seconds": (lambda: Fault.unavailable(retry_after=600), 300, 620),
    "429-seconds": (lambda: Fault.too_many_requests(retry_after=600), 300, 620),
    "503-http-date": (lambda: Fault.unavailable(retry_after=http_date(10 + 1200)), 900, 1230),
    "a-week-capped-at-an-hour": (lambda: Fault.unavailable(retry_after=7 * 86400), 3000, 3620),
}


@pytest.mark.parametrize("case", RETRY_AFTER)
def test_send_due_waits_as_long_as_retry_after_asks_up_to_an_hour(
    run_cli: RunCli, tmp_path: Path, faulty: FaultServer, case: str
) -> None:
    fault, inside, past = RETRY_AFTER[case]
    config = write_config(tmp_path, with_password(tmp_path, through(faulty)))
    assert send_due(run_cli, config, NOW).returncode == 0
    faulty.inject(fault())
    failed = send_due(run_cli, config, at(10))
    assert failed.returncode == 0, failed.stderr
    assert "as the server asked" in failed.stderr
    faulty.clear()
    faulty.reset()
    waiting = send_due(run_cli, config, at(10 + inside))  # far past the 30 s backoff
    assert waiting.returncode == 0, waiting.stderr
    assert faulty.exchanges == []
    later = send_due(run_cli, config, at(10 + past))
    assert later.returncode == 0, later.stderr
    assert faulty.exchanges != []


# --- refused credentials -----------------------------------------------------------------


def test_send_due_retries_refused_credentials_at_most_once_an_hour_and_check_at_once(
    run_cli: RunCli, tmp_path: Path, faulty: FaultServer
) -> None:
    config = write_config(tmp_path, with_password(tmp_path, through(faulty)))
    assert send_due(run_cli, config, NOW).returncode == 0
    faulty.inject(Fault.unauthorized())
    refused = send_due(run_cli, config, at(10))
    assert refused.returncode == 2
    assert "HTTP 401" in refused.stderr
    faulty.reset()
    again = send_due(run_cli, config, at(20 * 60))
    assert again.returncode == 2
    assert faulty.exchanges == []  # said again from memory: nothing sent
    (line,) = again.stderr.splitlines()
    assert "HTTP 401" in line
    assert f"'{DAV_USER}'" in line
    assert "not tried again before 10:00" in line
    assert DAV_PASSWORD not in again.stderr
    hour_later = send_due(run_cli, config, at(3620))
    assert hour_later.returncode == 2
    assert faulty.exchanges != []  # an hour on: asked once more
    faulty.reset()
    manual = check(run_cli, config)  # a person asks: it polls at once
    assert manual.returncode == 2
    assert faulty.exchanges != []
    faulty.clear()
    assert socials(check(run_cli, config)) == ["Coffee with Lea", "Team lunch"]
    faulty.reset()
    accepted = send_due(run_cli, config, at(3630))  # the good poll ended the wait
    assert accepted.returncode == 0, accepted.stderr
    assert faulty.exchanges != []


def test_a_caldav_source_url_without_credentials_says_where_they_come_from(
    run_cli: RunCli, tmp_path: Path, radicale: RadicaleServer, work: str
) -> None:
    config = write_config(tmp_path, with_password(tmp_path, work))
    elsewhere = make_calendar(radicale.home_url(), "home", radicale.auth, name="Home")
    result = check(run_cli, config, NOW, "--source", elsewhere)
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert elsewhere in line
    assert "401" in line
    assert "[[sources]] entry with this url" in line
    assert "username and password_file" in line


# --- an event beyond libxml2's limits ------------------------------------------------------


class Inflating(FaultServer):
    """Proxies Radicale, writing 11 MB of text where an event's DESCRIPTION says
    ``INFLATE-ME`` in multiget answers: one text node past libxml2's 10 MB limit.

    Radicale holding an 11 MB event for real takes it a minute to parse and again to
    serialize each answer (vobject), beyond any timeout: so the size is added on the way.
    """

    def reply(self, exchange: Exchange) -> Reply | None:
        headers = copy.copy(exchange.headers)
        del headers["Accept-Encoding"]  # an answer this proxy can read and change
        answer = super().reply(dataclasses.replace(exchange, headers=headers))
        if answer is None or b"INFLATE-ME" not in answer.body:
            return answer
        return dataclasses.replace(
            answer, body=answer.body.replace(b"INFLATE-ME", b"x" * 11_000_000)
        )


def test_an_event_beyond_the_xml_parsers_limits_is_skipped_by_name_and_the_others_read(
    run_cli: RunCli, tmp_path: Path, radicale: RadicaleServer, work: str
) -> None:
    huge = ics("Coffee marathon", "huge", "20260309", "DESCRIPTION:INFLATE-ME")
    put_event(work, "huge.ics", huge, radicale.auth)
    with Inflating(radicale.direct_url) as server:
        config = write_config(tmp_path, with_password(tmp_path, through(server)))
        first = check(run_cli, config)
        assert socials(first) == ["Coffee with Lea", "Team lunch"]
        (warning,) = first.stderr.splitlines()
        assert "huge.ics" in warning
        assert "too large" in warning
        assert any(e.response_size > 11_000_000 for e in multigets(server.exchanges))
        server.reset()
        second = check(run_cli, config)
        assert socials(second) == ["Coffee with Lea", "Team lunch"]
        assert "huge.ics" in second.stderr  # still said: the calendar is not read whole
        assert multigets(server.exchanges) == []  # not fetched again while unchanged


# --- the calendars a server has today --------------------------------------------------


def cached_names(tmp_path: Path) -> list[str]:
    """The file names of every object in the CalDAV cache of ``tmp_path/state``."""
    with Store(tmp_path / "state" / "watercooler.sqlite") as store:
        rows = store.db.execute("SELECT href FROM objects ORDER BY href").fetchall()
    return sorted(str(href).rsplit("/", 1)[-1] for (href,) in rows)


def test_a_calendar_added_on_the_server_is_read_a_day_later(
    run_cli: RunCli, tmp_path: Path, radicale: RadicaleServer, work: str
) -> None:
    # send-due, whose --now is also the clock its cache keeps time by (check's is the
    # wall clock, like the rest of the cache's).
    config = write_config(tmp_path, with_password(tmp_path, radicale.home_url()))
    assert send_due(run_cli, config, NOW).returncode == 0
    assert cached_names(tmp_path) == ["a.ics", "b.ics"]
    team = make_calendar(radicale.home_url(), "team", radicale.auth, name="Team")
    put_event(team, "c.ics", ics("Friday drinks", "c"), radicale.auth)
    assert send_due(run_cli, config, at(3600)).returncode == 0
    assert cached_names(tmp_path) == ["a.ics", "b.ics"]  # discovery an hour old: kept
    assert send_due(run_cli, config, at(86400)).returncode == 0
    assert cached_names(tmp_path) == ["a.ics", "b.ics", "c.ics"]


def test_a_changed_calendars_setting_is_honoured_on_the_next_run(
    run_cli: RunCli, tmp_path: Path, radicale: RadicaleServer, work: str
) -> None:
    team = make_calendar(radicale.home_url(), "team", radicale.auth, name="Team")
    put_event(team, "c.ics", ics("Friday drinks", "c"), radicale.auth)
    source = with_password(tmp_path, radicale.home_url(), calendars=["Work"])
    config = write_config(tmp_path, source)
    assert socials(check(run_cli, config)) == ["Coffee with Lea", "Team lunch"]
    config = write_config(tmp_path, {**source, "calendars": ["Team"]})
    assert socials(check(run_cli, config, at(60))) == ["Friday drinks"]


# --- not a CalDAV server -----------------------------------------------------------------


def test_a_web_page_given_as_a_caldav_url_is_named_a_web_page_with_the_url_to_use(
    run_cli: RunCli, tmp_path: Path, feed_server: FeedServer
) -> None:
    page = b"<!DOCTYPE html><html><body><h1>Our team calendar</h1></body></html>"
    feed_server.routes["/calendar"] = Route(body=page, headers={"Content-Type": "text/html"})
    config = write_config(tmp_path, {"url": feed_server.url("/calendar")})
    result = check(run_cli, config)
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert feed_server.url("/calendar") in line
    assert "looks like a web page, not a CalDAV server" in line
    assert "CalDAV URL" in line
    assert ".ics" in line


def test_check_during_a_backoff_polls_and_says_it_polled_ahead_of_the_schedule(
    run_cli: RunCli, tmp_path: Path, faulty: FaultServer
) -> None:
    config = write_config(tmp_path, with_password(tmp_path, through(faulty)))
    assert socials(check(run_cli, config)) == ["Coffee with Lea", "Team lunch"]
    faulty.inject(Fault.server_error())
    first = check(run_cli, config)
    assert first.returncode == 0, first.stderr
    assert "send-due's next attempt in" in first.stderr
    assert "ahead of the schedule" not in first.stderr
    faulty.reset()
    again = check(run_cli, config)  # seconds later: inside the backoff, and check polls
    assert again.returncode == 0, again.stderr
    assert faulty.exchanges != []
    (warning,) = again.stderr.splitlines()
    assert "HTTP 500" in warning
    assert "polled ahead of the schedule, send-due's next attempt in" in warning
