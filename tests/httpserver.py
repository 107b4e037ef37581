"""A real HTTP(S) server on a loopback address that serves what a test tells it to and
records every request it gets (path and headers).

It listens on 127.0.0.1 unless told another address of 127.0.0.0/8 (a second origin for
redirect tests), speaks TLS with a certificate the test generates (:func:`self_signed`),
and can drip an answer one byte at a time (a server that never stops sending).
"""

from __future__ import annotations

import socket
import ssl
import subprocess
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


@dataclass
class Route:
    """What one path answers: a status, a body, headers, and optionally a delay.

    With ``drip`` the answer is sent one byte every ``drip`` seconds: all of it, status
    line included, or (``drip_head`` false) the body only, after the head at once.
    """

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    delay: float = 0.0
    drip: float = 0.0
    drip_head: bool = True


@dataclass
class Seen:
    """One request as the server received it."""

    path: str
    headers: dict[str, str]


def self_signed(folder: Path, host: str = "127.0.0.1") -> tuple[Path, Path]:
    """A throwaway certificate for ``host`` and its key, made by the openssl command."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-keyout", str(key), "-out", str(cert), "-subj", f"/CN={host}",
         "-addext", f"subjectAltName=IP:{host}"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


class FeedServer:
    """Serves routes on a free port of a loopback address until stopped."""

    def __init__(self, host: str = "127.0.0.1", tls: tuple[Path, Path] | None = None) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Seen] = []
        self.host = host
        self.scheme = "https" if tls else "http"
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append(Seen(self.path, dict(self.headers.items())))
                route = server.routes.get(self.path.split("?")[0], Route(status=404, body=b"nope"))
                if route.delay:
                    time.sleep(route.delay)
                if route.drip:
                    self._drip(route)
                    return
                if route.etag and self.headers.get("If-None-Match") == route.etag:
                    self.send_response(304)
                    self.send_header("ETag", route.etag)
                    self.end_headers()
                    return
                self.send_response(route.status)
                for name, value in route.headers.items():
                    self.send_header(name, value)
                if route.etag:
                    self.send_header("ETag", route.etag)
                self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                self.wfile.write(route.body)

            def _drip(self, route: Route) -> None:
                head = [f"HTTP/1.1 {route.status} OK"]
                head += [f"{name}: {value}" for name, value in route.headers.items()]
                head.append(f"Content-Length: {len(route.body)}")
                answer = ("\r\n".join(head) + "\r\n\r\n").encode() + route.body
                try:
                    if not route.drip_head:
                        self.wfile.write(answer[: -len(route.body)])
                        answer = route.body
                    for byte in answer:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(route.drip)
                except OSError:
                    return  # the client gave up, as it should

            def log_message(self, format: str, *args: object) -> None:
                return

        self._httpd = _Server((host, 0), Handler, tls)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        """The full URL of a path on this server."""
        return f"{self.scheme}://{self.host}:{self.port}{path}"

    def start(self) -> FeedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


class _Server(ThreadingHTTPServer):
    """Wraps each accepted connection in TLS when given a certificate; the handshake then
    runs in the connection's own thread, so a client that never finishes it blocks no one."""

    def __init__(self, address: tuple[str, int], handler: Any, tls: tuple[Path, Path] | None):
        self._context: ssl.SSLContext | None = None
        if tls is not None:
            self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self._context.load_cert_chain(str(tls[0]), str(tls[1]))
        super().__init__(address, handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        connection, address = super().get_request()
        if self._context is None:
            return connection, address
        wrapped = self._context.wrap_socket(
            connection, server_side=True, do_handshake_on_connect=False
        )
        return wrapped, address

    def handle_error(self, request: Any, client_address: Any) -> None:
        return  # a client that refused the certificate, as some tests want
