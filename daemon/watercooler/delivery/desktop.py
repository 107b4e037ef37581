"""Desktop notifications: one ``Notify`` call to the session bus's notification server.

Each send opens its own connection to the bus (through jeepney, imported only then) and
holds one deadline across connecting, authenticating, ``Hello`` and ``Notify``, so a bus
that hangs costs at most the notify timeout. Every failure is a one-line reason, never an
exception: no bus, no notification server, a refusal or no answer in time.
"""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass
from typing import Any

LABEL = "Desktop notifications (D-Bus)"
APP_NAME = "watercooler"
_PATH = "/org/freedesktop/Notifications"
_NAME = "org.freedesktop.Notifications"
_NO_SERVER = (
    "org.freedesktop.DBus.Error.ServiceUnknown",
    "org.freedesktop.DBus.Error.NameHasNoOwner",
)


@dataclass(frozen=True, slots=True)
class Desktop:
    """The notification server on the session bus at ``address`` (as in
    ``DBUS_SESSION_BUS_ADDRESS``), given ``timeout`` seconds per message."""

    address: str
    timeout: float

    def send(self, title: str, body: str) -> str | None:
        """Show one notification; return None once the server took it, else why not."""
        try:
            _notify(self.address, title, body, time.monotonic() + self.timeout)
        except TimeoutError:
            return f"the session bus did not answer within {self.timeout:g} s"
        except Exception as error:  # noqa: BLE001 - any failure is one failed send
            return _reason(error)
        return None


def _notify(address: str, title: str, body: str, deadline: float) -> None:
    import jeepney  # type: ignore[import-untyped]

    target = jeepney.DBusAddress(_PATH, bus_name=_NAME, interface=_NAME)
    notify = jeepney.new_method_call(
        target,
        "Notify",
        "susssasa{sv}i",
        (APP_NAME, 0, "", title, body, [], {}, -1),
    )
    with socket.socket(socket.AF_UNIX) as sock:
        _within(sock, deadline).connect(jeepney.bus.get_bus(address))
        auth = jeepney.auth.Authenticator()
        for line in auth:
            _within(sock, deadline).sendall(line)
            auth.feed(_receive(sock, deadline))
        _within(sock, deadline).sendall(jeepney.auth.BEGIN)
        parser = jeepney.Parser()
        _call(sock, parser, jeepney.message_bus.Hello(), 1, deadline)
        _call(sock, parser, notify, 2, deadline)


def _call(sock: socket.socket, parser: Any, message: Any, serial: int, deadline: float) -> Any:
    """Send a method call and return its reply's body; raise DBusErrorResponse for an error
    reply. Signals and other messages arriving meanwhile are passed over."""
    import jeepney

    _within(sock, deadline).sendall(message.serialise(serial=serial))
    while True:
        reply = parser.get_next_message()
        if reply is None:
            parser.add_data(_receive(sock, deadline))
        elif reply.header.fields.get(jeepney.HeaderFields.reply_serial) == serial:
            return jeepney.wrappers.unwrap_msg(reply)


def _within(sock: socket.socket, deadline: float) -> socket.socket:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError
    sock.settimeout(left)
    return sock


def _receive(sock: socket.socket, deadline: float) -> bytes:
    data = _within(sock, deadline).recv(4096)
    if not data:
        raise ConnectionResetError("the session bus closed the connection")
    return data


def _reason(error: Exception) -> str:
    if isinstance(error, ImportError):
        return f"cannot use D-Bus: {error}"
    import jeepney

    if isinstance(error, jeepney.wrappers.DBusErrorResponse):
        if error.name in _NO_SERVER:
            return f"no notification server on the session bus ({error.name})"
        detail = f": {error.data[0]}" if error.data and isinstance(error.data[0], str) else ""
        return f"the notification server refused it: {error.name}{detail}"
    if isinstance(error, jeepney.auth.AuthenticationError):
        return "the session bus did not accept us (authentication failed)"
    if isinstance(error, OSError):
        return f"cannot reach the session bus: {error.strerror or error}"
    return f"cannot use the session bus: {type(error).__name__}: {error}"
