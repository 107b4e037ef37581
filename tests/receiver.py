"""A real HTTP receiver on 127.0.0.1 for Apprise's ``json://`` service.

It records every message it accepts, with the files Apprise attached (``json://`` sends
them in its ``attachments`` list, base64-encoded), and can be told to fail (answer 500), to
be slow, or to go away entirely (the port closed) and come back on the same port. Other
services that post JSON with a ``title`` and a ``message`` (``gotify://``) land here too.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Attached:
    """One file Apprise attached to a message."""

    filename: str
    mimetype: str
    data: bytes


@dataclass(frozen=True)
class Message:
    """One message as Apprise posted it."""

    path: str
    title: str
    body: str
    raw: dict[str, Any]
    attachments: tuple[Attached, ...] = field(default=())


def _attached(document: dict[str, Any]) -> tuple[Attached, ...]:
    """The files in a ``json://`` post's ``attachments`` list."""
    found = document.get("attachments") or []
    return tuple(
        Attached(str(item["filename"]), str(item["mimetype"]), base64.b64decode(item["base64"]))
        for item in found
    )


class Receiver:
    """Accepts Apprise JSON posts on a fixed loopback port until stopped."""

    def __init__(self, port: int = 0) -> None:
        self.messages: list[Message] = []
        self.status = 200
        self.delay = 0.0
        self.arrived = 0
        """Posts that reached the receiver, counted before any hold or delay."""
        self.hold: threading.Event | None = None
        """When set, every post waits (up to 60 s) for this event before it is answered."""
        self._lock = threading.Lock()
        self._httpd = self._bind(port)
        self.port = self._httpd.server_address[1]
        self._thread: threading.Thread | None = None

    def _bind(self, port: int) -> ThreadingHTTPServer:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                data = self.rfile.read(length)
                if len(data) < length:
                    # The sender died between its headers and the end of its body (the
                    # crash tests kill it at random moments): no server takes a torn
                    # request as a message, so neither does this one.
                    self.close_connection = True
                    return
                with receiver._lock:
                    receiver.arrived += 1
                if receiver.delay:
                    time.sleep(receiver.delay)
                if receiver.hold is not None:
                    receiver.hold.wait(60)
                if receiver.status == 200:
                    document = json.loads(data or b"{}")
                    with receiver._lock:
                        receiver.messages.append(
                            Message(
                                self.path,
                                str(document.get("title", "")),
                                str(document.get("message", "")),
                                document,
                                _attached(document),
                            )
                        )
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                return

        ThreadingHTTPServer.allow_reuse_address = True
        httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        httpd.daemon_threads = True
        return httpd

    def url(self, path: str = "/hook") -> str:
        """The Apprise URL that posts to this receiver."""
        return f"json://127.0.0.1:{self.port}{path}"

    def start(self) -> Receiver:
        """Serve in a background thread."""
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Close the port: connections are refused until :meth:`restart`."""
        self._httpd.shutdown()
        self._httpd.server_close()

    def restart(self) -> Receiver:
        """Listen again on the same port."""
        self._httpd = self._bind(self.port)
        return self.start()

    def titles(self) -> list[str]:
        """The titles received, in order."""
        with self._lock:
            return [m.title for m in self.messages]
