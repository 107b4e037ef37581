"""The sd_notify protocol against real datagram sockets of the test's own: a socket file,
and an abstract socket (``@name``), as systemd may hand either in ``NOTIFY_SOCKET``."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from watercooler.service.sd_notify import Notifier, watchdog_interval


@pytest.fixture
def listener(tmp_path: Path) -> Iterator[tuple[socket.socket, str]]:
    """A bound datagram socket and the NOTIFY_SOCKET value naming it (a path)."""
    path = tmp_path / "notify"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(str(path))
        server.settimeout(5)
        yield server, str(path)


def received(server: socket.socket) -> dict[str, str]:
    lines = server.recv(4096).decode().split("\n")
    return dict(line.split("=", 1) for line in lines)


def test_ready_reaches_a_socket_file_with_its_status(listener: tuple[socket.socket, str]) -> None:
    server, name = listener
    notifier = Notifier.from_environment({"NOTIFY_SOCKET": name})
    assert notifier.supervised
    assert notifier.ready("watching 2 calendars")
    assert received(server) == {"READY": "1", "STATUS": "watching 2 calendars"}


def test_an_abstract_socket_is_reached_by_its_at_name() -> None:
    name = f"watercooler-test-{os.getpid()}-{id(object())}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(b"\0" + name.encode())
        server.settimeout(5)
        notifier = Notifier.from_environment({"NOTIFY_SOCKET": "@" + name})
        assert notifier.reloading(123456789)
        assert received(server) == {"RELOADING": "1", "MONOTONIC_USEC": "123456789"}
        notifier.watchdog()
        assert received(server) == {"WATCHDOG": "1"}
        notifier.stopping()
        assert received(server) == {"STOPPING": "1"}


def test_a_status_with_a_newline_stays_one_assignment(
    listener: tuple[socket.socket, str],
) -> None:
    server, name = listener
    Notifier.from_environment({"NOTIFY_SOCKET": name}).status("degraded: rules.yaml\nREADY=1")
    assert received(server) == {"STATUS": "degraded: rules.yaml READY=1"}


def test_without_a_supervisor_nothing_is_sent_and_nothing_fails() -> None:
    notifier = Notifier.from_environment({})
    assert not notifier.supervised
    assert notifier.ready("up") is False


def test_a_supervisor_that_went_away_does_not_stop_the_service(tmp_path: Path) -> None:
    notifier = Notifier.from_environment({"NOTIFY_SOCKET": str(tmp_path / "gone")})
    assert notifier.ready("up") is False
    assert notifier.watchdog() is False  # said once at debug level, never raised
    assert notifier.failed


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({"WATCHDOG_USEC": "20000000"}, 10.0),
        ({"WATCHDOG_USEC": "20000000", "WATCHDOG_PID": "4242"}, 10.0),
        ({"WATCHDOG_USEC": "20000000", "WATCHDOG_PID": "1"}, None),  # another process's
        ({"WATCHDOG_USEC": "0"}, None),
        ({"WATCHDOG_USEC": "soon"}, None),
        ({}, None),
    ],
)
def test_the_watchdog_pings_at_half_its_interval_for_this_process_only(
    environment: dict[str, str], expected: float | None
) -> None:
    assert watchdog_interval(environment, pid=4242) == expected
