"""A loopback HTTP receiver that takes Apprise's ``json://`` post and answers it one byte
every half second, counting the connections made to it.

Every read the client makes gets a byte well within any read timeout, so only a deadline
on the whole send ends it. Dripping stops when the receiver stops (then its connections
close); the client going away ends it too.
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
from typing import Self

ANSWER = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"


class DripReceiver:
    """Accepts posts on a free loopback port; answers each one byte at a time."""

    def __init__(self, interval: float = 0.5) -> None:
        self.interval = interval
        self.connections = 0
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        receiver = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                with receiver._lock:
                    receiver.connections += 1
                connection: socket.socket = self.request
                _read_request(connection)
                for index in range(len(ANSWER)):
                    if index and receiver._stopped.wait(receiver.interval):
                        return
                    try:
                        connection.sendall(ANSWER[index : index + 1])
                    except OSError:
                        return

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def url(self, path: str = "/hook") -> str:
        """The Apprise URL that posts here."""
        return f"json://127.0.0.1:{self.port}{path}"

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def _read_request(connection: socket.socket) -> None:
    """Read the headers and the Content-Length body of one request (or until it closes)."""
    data = b""
    with contextlib.suppress(OSError):
        while b"\r\n\r\n" not in data:
            chunk = connection.recv(65536)
            if not chunk:
                return
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip() or b"0")
        while len(body) < length:
            chunk = connection.recv(65536)
            if not chunk:
                return
            body += chunk
