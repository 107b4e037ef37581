"""Desktop notifications when no Apprise service is configured: ``notify-test`` and
``send-due`` show their message through the session bus's notification server.

It protects the promise ``notify.desktop`` makes: with a session bus and nothing else
configured, the test message and each nudge reach the notification server (as well as the
log); without a notification server, or with a bus that never answers, ``notify-test``
fails naming the desktop service with a one-line reason, within the notify timeout; and
``notify.desktop = false`` keeps everything off the desktop.

Everything is real: a dbus-daemon on a socket of its own, a notification server on it
(jeepney, in a thread of the test) that answers ``Notify`` and records what it was sent,
and the installed console script, told where the bus is by DBUS_SESSION_BUS_ADDRESS.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jeepney import (  # type: ignore[import-untyped]
    DBusNameFlags,
    HeaderFields,
    MessageType,
    message_bus,
    new_error,
    new_method_return,
)
from jeepney.io.blocking import Proxy, open_dbus_connection  # type: ignore[import-untyped]

from conftest import RunCli
from delivery_helpers import declined_coffee, delivery_config, only_rules, social_rule
from helpers import ME

NOW = "2026-03-04T14:50:00+01:00"
NAME = "org.freedesktop.Notifications"
LABEL = "Desktop notifications (D-Bus)"
TIMEOUT = 2.0
TEST_MESSAGE = ("watercooler test", "If you read this, watercooler can reach you here.")
BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""
"""A session bus with no service directories: nothing is activated behind the test's back."""


class NotificationServer:
    """``org.freedesktop.Notifications`` on a bus, served from a thread: answers ``Notify``
    with a fresh id, any other call with an error, and records each ``Notify`` it got."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.connection = open_dbus_connection(address)
        bus = Proxy(message_bus, self.connection, timeout=5)
        reply = bus.RequestName(NAME, DBusNameFlags.do_not_queue)
        assert reply == (1,), f"could not own {NAME}: {reply}"
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def received(self) -> list[tuple[str, str]]:
        """(summary, body) of each notification, in order."""
        return [(str(args[3]), str(args[4])) for _, args in self.calls]

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                message = self.connection.receive(timeout=0.05)
            except TimeoutError:
                continue
            header = message.header
            if header.message_type is not MessageType.method_call:
                continue
            fields = header.fields
            if fields.get(HeaderFields.member) == "Notify" and fields.get(
                HeaderFields.interface
            ) in (NAME, None):
                self.calls.append((str(fields.get(HeaderFields.signature)), message.body))
                self.connection.send(new_method_return(message, "u", (len(self.calls),)))
            else:
                error = "org.freedesktop.DBus.Error.UnknownMethod"
                self.connection.send(new_error(message, error, "s", ("not served here",)))

    def stop(self) -> None:
        """Leave the bus, and return once the bus knows the name has no owner (again: no-op)."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        self._thread.join(5)
        self.connection.close()
        with open_dbus_connection(self.address) as connection:
            bus = Proxy(message_bus, connection, timeout=5)
            deadline = time.monotonic() + 5
            while bus.NameHasOwner(NAME) != (False,):
                assert time.monotonic() < deadline, f"{NAME} is still owned"
                time.sleep(0.02)


@pytest.fixture
def short_dir() -> Iterator[Path]:
    """A folder with a short path: a socket's path has room for about 100 bytes only."""
    folder = Path(tempfile.mkdtemp(prefix="wc-bus-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def session_bus(short_dir: Path) -> Iterator[str]:
    """A real dbus-daemon; yields its address."""
    config = short_dir / "bus.conf"
    config.write_text(BUS_CONFIG.format(socket=short_dir / "bus"), encoding="utf-8")
    command = ["dbus-daemon", f"--config-file={config}", "--nofork", "--print-address=1"]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        try:
            assert process.stdout is not None
            assert process.stderr is not None
            address = process.stdout.readline().strip()
            if not address:
                pytest.fail(f"dbus-daemon did not start: {process.stderr.read().strip()}")
            yield address
        finally:
            process.terminate()
            process.wait(10)


@pytest.fixture
def server(session_bus: str) -> Iterator[NotificationServer]:
    """A notification server on the session bus."""
    served = NotificationServer(session_bus)
    yield served
    served.stop()


@pytest.fixture
def ics(tmp_path: Path) -> Path:
    """A coffee I declined at 15:00 on Wed 4 March 2026: the social rule nudges at 14:45."""
    return declined_coffee(tmp_path / "cal.ics", ME)


def desktop_config(tmp_path: Path, *, desktop: bool = True, timeout: float = TIMEOUT) -> Path:
    """No Apprise URL at all; one social rule; the desktop as asked."""
    rules = only_rules(tmp_path / "rules", social_rule(expires="3h"))
    return delivery_config(tmp_path, [], rules_dir=rules, desktop=desktop, timeout=timeout)


def timed_notify_test(
    run_cli: RunCli, config: Path, address: str
) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    result = run_cli(
        "notify-test", "--config", str(config), env={"DBUS_SESSION_BUS_ADDRESS": address}
    )
    return result, time.monotonic() - started


def desktop_line(output: str) -> str:
    [line] = [line for line in output.splitlines() if LABEL in line and "nudges go" not in line]
    return line


def test_notify_test_shows_the_test_message_on_the_desktop(
    run_cli: RunCli, tmp_path: Path, server: NotificationServer
) -> None:
    result, _ = timed_notify_test(run_cli, desktop_config(tmp_path), server.address)
    assert result.returncode == 0, result.stdout + result.stderr
    assert server.received == [TEST_MESSAGE]
    [(signature, args)] = server.calls
    assert signature == "susssasa{sv}i"
    assert (args[0], args[1], args[2], args[5], args[6], args[7]) == (
        "watercooler", 0, "", [], {}, -1
    )  # fmt: skip
    assert f"nudges go to the log, {LABEL}" in result.stdout
    assert desktop_line(result.stdout).startswith("ok")
    assert "2 of 2 services reached" in result.stdout
    assert "watercooler test" in result.stderr  # the log has it too


def test_send_due_shows_the_nudge_on_the_desktop_once(
    run_cli: RunCli, tmp_path: Path, ics: Path, server: NotificationServer
) -> None:
    config = desktop_config(tmp_path)
    args = ("send-due", "--config", str(config), "--source", str(ics), "--now", NOW)
    env = {"DBUS_SESSION_BUS_ADDRESS": server.address}
    result = run_cli(*args, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert server.received == [("Drop by Coffee with Sam", "It starts at 15:00.")]
    assert f"to the log, {LABEL}" in result.stdout
    assert "1 sent · 0 failed" in result.stdout
    again = run_cli(*args, env=env)
    assert again.returncode == 0, again.stdout + again.stderr
    assert len(server.calls) == 1


def test_a_bus_without_a_notification_server_only_warns_when_a_nudge_is_sent(
    run_cli: RunCli, tmp_path: Path, ics: Path, session_bus: str
) -> None:
    """A headless session often has a bus and no notification server: the log holds the
    nudge, so it counts as sent (never retried for ever), with one warning."""
    config = desktop_config(tmp_path)
    args = ("send-due", "--config", str(config), "--source", str(ics), "--now", NOW)
    result = run_cli(*args, env={"DBUS_SESSION_BUS_ADDRESS": session_bus})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 sent · 0 failed" in result.stdout
    assert "nudge: Drop by Coffee with Sam" in result.stderr
    warnings = [line for line in result.stderr.splitlines() if LABEL in line]
    assert len(warnings) == 1, result.stderr
    assert "the nudge is in the log" in warnings[0]


def test_without_a_notification_server_notify_test_fails_in_time(
    run_cli: RunCli, tmp_path: Path, server: NotificationServer
) -> None:
    config = desktop_config(tmp_path)
    healthy, healthy_seconds = timed_notify_test(run_cli, config, server.address)
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    server.stop()
    result, seconds = timed_notify_test(run_cli, config, server.address)
    assert result.returncode == 1, result.stdout + result.stderr
    line = desktop_line(result.stdout)
    assert line.startswith("FAILED")
    assert "no notification server on the session bus" in line
    assert "1 of 2 services reached" in result.stdout
    assert "Traceback" not in result.stderr
    assert seconds < TIMEOUT + 2 * healthy_seconds
    assert len(server.calls) == 1  # the healthy run's only


def test_a_bus_that_never_answers_costs_the_notify_timeout_and_no_more(
    run_cli: RunCli, tmp_path: Path, short_dir: Path, server: NotificationServer
) -> None:
    config = desktop_config(tmp_path, timeout=1)
    healthy, healthy_seconds = timed_notify_test(run_cli, config, server.address)
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    with socket.socket(socket.AF_UNIX) as mute:  # takes connections, never says a word
        mute.bind(str(short_dir / "mute"))
        mute.listen(8)
        result, seconds = timed_notify_test(run_cli, config, f"unix:path={short_dir / 'mute'}")
    assert result.returncode == 1, result.stdout + result.stderr
    line = desktop_line(result.stdout)
    assert line.startswith("FAILED")
    assert "the session bus did not answer within 1 s" in line
    assert 1 <= seconds < 1 + 2 * healthy_seconds


def test_a_stale_bus_address_is_a_failed_send_with_a_reason(
    run_cli: RunCli, tmp_path: Path, short_dir: Path
) -> None:
    config = desktop_config(tmp_path)
    result, _ = timed_notify_test(run_cli, config, f"unix:path={short_dir / 'gone'}")
    assert result.returncode == 1, result.stdout + result.stderr
    line = desktop_line(result.stdout)
    assert line.startswith("FAILED")
    assert "cannot reach the session bus: No such file or directory" in line
    assert "Traceback" not in result.stderr


def test_desktop_false_keeps_everything_off_the_desktop(
    run_cli: RunCli, tmp_path: Path, ics: Path, server: NotificationServer
) -> None:
    config = desktop_config(tmp_path, desktop=False)
    tested, _ = timed_notify_test(run_cli, config, server.address)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "nudges go to the log\n" in tested.stdout
    assert LABEL not in tested.stdout
    sent = run_cli(
        *("send-due", "--config", str(config), "--source", str(ics), "--now", NOW),
        env={"DBUS_SESSION_BUS_ADDRESS": server.address},
    )
    assert sent.returncode == 0, sent.stdout + sent.stderr
    assert "1 sent" in sent.stdout
    assert server.calls == []
