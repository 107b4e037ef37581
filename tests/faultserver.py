"""A loopback HTTP proxy that counts what passes, and a fault server that misbehaves on purpose.

``CountingProxy`` forwards every request to its ``upstream`` and records it (the real CalDAV
servers of ``caldav_servers`` sit behind one). ``FaultServer`` is a ``CountingProxy``: with no
fault injected it proxies (502 without an upstream). ``inject(fault)`` makes it answer with
that fault instead — every method, or only some (``.only("REPORT")``), every time, or only
the next few requests (``.limit(1)``) — until ``clear()``. So a test can do
good poll → fault → good poll against the same URL::

    faults = FaultServer(radicale.direct_url).start()
    faults.inject(Fault.unavailable(retry_after=120))
    ...
    faults.clear()
"""

from __future__ import annotations

import contextlib
import dataclasses
import http.client
import socket
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal, Self
from urllib.parse import urlsplit

LOOPBACK = "127.0.0.1"
# Headers that describe one hop, not the message: the proxy sets its own.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "content-length",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)


# --- the counting proxy ------------------------------------------------------------------


@dataclass
class Exchange:
    """One request as the proxy received it, and what it answered.

    ``status`` is None while the request is in flight, or when nothing was answered (a fault
    server that hangs or drops the connection). ``response_size`` counts body bytes written.
    """

    method: str
    path: str
    headers: Message
    body: bytes
    status: int | None = None
    response_size: int = 0


@dataclass(frozen=True)
class Reply:
    """An HTTP answer. ``cut_at``: write only that many body bytes, then drop the connection.
    ``drip``: write the whole answer, status line and headers included, one byte every
    ``drip`` seconds (each read a client makes gets a byte well within its timeout)."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    cut_at: int | None = None
    drip: float | None = None


class CountingProxy:
    """A reverse proxy on a free loopback port that records every request it forwards.

    Given the base URL of an upstream server, forward each request to it with the same
    method, path, headers (Host included, so the server's hrefs point back at the proxy) and
    body, and record an ``Exchange``. Clients keep their HTTP/1.1 connections to the proxy;
    the proxy opens one upstream connection per request. Subclasses change ``reply()``.
    """

    def __init__(self, upstream: str | None = None, *, timeout: float = 30.0) -> None:
        self.upstream = upstream
        self.timeout = timeout
        self.exchanges: list[Exchange] = []
        self._lock = threading.Lock()
        self._connections: set[socket.socket] = set()
        self._stopped = threading.Event()
        self._httpd = _ProxyHTTPServer(self)
        self.port: int = self._httpd.server_address[1]
        self._serving: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}/"

    def start(self) -> Self:
        self._start_serving()
        return self

    def stop(self) -> None:
        """Stop accepting, cut open client connections and wait for every handler thread."""
        self._stopped.set()
        self._stop_serving()
        self._drop_connections()
        self._httpd.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # --- what was seen ---

    def count(self, method: str | None = None) -> int:
        """How many requests arrived (of one method, if given)."""
        return len(self._matching(method))

    def methods(self) -> Counter[str]:
        """Requests by method: ``Counter({"PROPFIND": 3, "REPORT": 1})``."""
        return Counter(exchange.method for exchange in self._matching(None))

    def request_bytes(self, method: str | None = None) -> int:
        """Request body bytes received (of one method, if given)."""
        return sum(len(exchange.body) for exchange in self._matching(method))

    def response_bytes(self, method: str | None = None) -> int:
        """Response body bytes sent back (of one method, if given)."""
        return sum(exchange.response_size for exchange in self._matching(method))

    def reset(self) -> None:
        """Forget what was seen (e.g. after a test's setup requests)."""
        with self._lock:
            self.exchanges.clear()

    def connections(self) -> int:
        """How many client connections are open now."""
        with self._lock:
            return len(self._connections)

    def _matching(self, method: str | None) -> list[Exchange]:
        with self._lock:
            return [e for e in self.exchanges if method is None or e.method == method.upper()]

    # --- answering ---

    def reply(self, exchange: Exchange) -> Reply | None:
        """The answer to one request; None closes the connection without answering."""
        return self.forward(exchange)

    def forward(self, exchange: Exchange) -> Reply:
        """Send the request upstream and return its answer (502 if there is no upstream)."""
        if self.upstream is None:
            return text_reply(502, "no upstream configured\n")
        parts = urlsplit(self.upstream)
        connection = http.client.HTTPConnection(
            parts.hostname or LOOPBACK, parts.port, timeout=self.timeout
        )
        try:
            connection.putrequest(
                exchange.method, exchange.path, skip_host=True, skip_accept_encoding=True
            )
            for name, value in exchange.headers.items():
                if name.lower() not in HOP_BY_HOP:
                    connection.putheader(name, value)
            if exchange.body or "Content-Length" in exchange.headers:
                connection.putheader("Content-Length", str(len(exchange.body)))
            connection.endheaders(exchange.body or None)
            response = connection.getresponse()
            body = response.read()
            headers = response.getheaders()
        except OSError as error:
            return text_reply(502, f"upstream {self.upstream} failed: {error}\n")
        finally:
            connection.close()
        if exchange.method != "HEAD":
            headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
        return Reply(response.status, [(k, v) for k, v in headers if not _hop(k)], body)

    # --- plumbing shared with subclasses ---

    def pause(self, seconds: float) -> bool:
        """Wait between two dripped bytes; True when the server is told to stop instead."""
        return self._stopped.wait(seconds)

    def _record(self, exchange: Exchange) -> None:
        with self._lock:
            self.exchanges.append(exchange)

    def _opened(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.add(connection)

    def _closed(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.discard(connection)

    def _drop_connections(self) -> None:
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def _start_serving(self) -> None:
        self._serving = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.01},
            name=f"proxy:{self.port}",
        )
        self._serving.start()

    def _stop_serving(self) -> None:
        if self._serving is not None and self._serving.is_alive():
            self._httpd.shutdown()
            self._serving.join()
        self._serving = None


def _hop(name: str) -> bool:
    return name.lower() in HOP_BY_HOP - {"content-length"}


def text_reply(status: int, text: str, *headers: tuple[str, str]) -> Reply:
    """A plain-text answer."""
    return Reply(status, [("Content-Type", "text/plain; charset=utf-8"), *headers], text.encode())


class _ProxyHTTPServer(ThreadingHTTPServer):
    daemon_threads = False  # server_close() joins every handler thread: nothing leaks
    block_on_close = True

    def __init__(self, proxy: CountingProxy) -> None:
        self.proxy = proxy
        super().__init__((LOOPBACK, 0), _ProxyHandler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        return  # a client that went away mid-answer is the client's business


class _ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 60  # an idle keep-alive connection is dropped after this
    server: _ProxyHTTPServer

    def setup(self) -> None:
        super().setup()
        self.server.proxy._opened(self.connection)

    def finish(self) -> None:
        try:
            with contextlib.suppress(OSError):
                super().finish()
        finally:
            self.server.proxy._closed(self.connection)

    def relay(self) -> None:
        proxy = self.server.proxy
        exchange = Exchange(self.command, self.path, self.headers, self._read_body())
        proxy._record(exchange)
        reply = proxy.reply(exchange)
        if reply is None:
            self.close_connection = True
            return
        self._send(exchange, reply)

    def __getattr__(self, name: str) -> Callable[[], None]:
        if name.startswith("do_"):  # every method is relayed, WebDAV's and unknown ones alike
            return self.relay
        raise AttributeError(name)

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return self._read_chunked()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _read_chunked(self) -> bytes:
        chunks = []
        while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
            chunks.append(self.rfile.read(size))
            self.rfile.readline()
        while self.rfile.readline().strip():  # trailers
            pass
        return b"".join(chunks)

    def _drip(self, exchange: Exchange, reply: Reply, interval: float) -> None:
        """The whole answer, one byte at a time, until sent or the server is stopped."""
        head = [f"HTTP/1.1 {reply.status} {http.client.responses.get(reply.status, '')}"]
        head += [f"{name}: {value}" for name, value in reply.headers]
        head += [f"Content-Length: {len(reply.body)}", "", ""]
        data = "\r\n".join(head).encode("latin-1") + reply.body
        self.close_connection = True
        exchange.status = reply.status
        for index in range(len(data)):
            if index and self.server.proxy.pause(interval):
                return
            self.wfile.write(data[index : index + 1])
            self.wfile.flush()
            exchange.response_size = max(0, index + 1 - (len(data) - len(reply.body)))

    def _send(self, exchange: Exchange, reply: Reply) -> None:
        if reply.drip is not None:
            self._drip(exchange, reply, reply.drip)
            return
        body = reply.body if exchange.method != "HEAD" else b""
        sent = body if reply.cut_at is None else body[: reply.cut_at]
        self.send_response_only(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        if exchange.method != "HEAD" and reply.status not in (204, 304):
            self.send_header("Content-Length", str(len(body)))
        if reply.cut_at is not None:
            self.close_connection = True
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(sent)
        exchange.status = reply.status
        exchange.response_size = len(sent)

    def log_message(self, format: str, *args: object) -> None:
        return


# --- faults ---------------------------------------------------------------------------------


XML_TYPE = ("Content-Type", 'application/xml; charset="utf-8"')

# A sync-collection answer like Radicale's; the faults below cut and break it.
MULTISTATUS = b"""<?xml version="1.0" encoding="utf-8"?>
<multistatus xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <response>
    <href>/ana/work/coffee.ics</href>
    <propstat>
      <prop><getetag>"0f1e2d3c4b5a69788796a5b4c3d2e1f0"</getetag></prop>
      <status>HTTP/1.1 200 OK</status>
    </propstat>
  </response>
  <response>
    <href>/ana/work/lunch.ics</href>
    <propstat>
      <prop><getetag>"8796a5b4c3d2e1f00f1e2d3c4b5a6978"</getetag></prop>
      <status>HTTP/1.1 200 OK</status>
    </propstat>
  </response>
  <sync-token>http://radicale.org/ns/sync/5f1d0e9a7c3b</sync-token>
</multistatus>
"""

# A complete document whose <getetag> is never closed.
MALFORMED = b"""<?xml version="1.0" encoding="utf-8"?>
<multistatus xmlns="DAV:">
  <response>
    <href>/ana/work/coffee.ics</href>
    <propstat>
      <prop><getetag>"0f1e2d3c4b5a69788796a5b4c3d2e1f0"</prop>
      <status>HTTP/1.1 200 OK</status>
    </propstat>
  </response>
  <sync-token>http://radicale.org/ns/sync/5f1d0e9a7c3b</sync-token>
</multistatus>
"""

CAPTIVE_PORTAL = b"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Welcome to Airport Free Wi-Fi</title></head>
<body>
  <h1>Welcome!</h1>
  <p>Please accept the terms of use to continue browsing.</p>
  <form method="post" action="/login"><button>Accept and connect</button></form>
</body>
</html>
"""

Kind = Literal["reply", "truncate", "hang", "refuse", "drip"]


@dataclass(frozen=True)
class Fault:
    """One way to misbehave; build it with a class method, e.g. ``Fault.server_error()``.

    ``methods`` limits it to some request methods (None: all); ``times`` to the next N
    matching requests (None: until cleared).
    """

    kind: Kind
    reply: Reply | None = None
    honest_length: bool = False
    methods: frozenset[str] | None = None
    times: int | None = None

    def only(self, *methods: str) -> Fault:
        """The same fault for these methods only; the others are proxied."""
        return dataclasses.replace(self, methods=frozenset(m.upper() for m in methods))

    def limit(self, times: int) -> Fault:
        """The same fault for the next ``times`` matching requests, then proxying again."""
        if self.kind == "refuse":
            raise ValueError("a refused connection is never seen, so it cannot be counted")
        return dataclasses.replace(self, times=times)

    @classmethod
    def status(cls, status: int, body: bytes | str = b"", *headers: tuple[str, str]) -> Fault:
        """Any status; ``body`` as plain text unless a Content-Type header is given."""
        text = body.decode() if isinstance(body, bytes) else body
        reply = text_reply(status, text, *headers)
        if any(name.lower() == "content-type" for name, _ in headers):
            reply = Reply(status, list(headers), text.encode())
        return cls("reply", reply)

    @classmethod
    def server_error(cls) -> Fault:
        return cls.status(500, "Internal Server Error\n")

    @classmethod
    def unavailable(cls, retry_after: int | str = 120) -> Fault:
        """503 with ``Retry-After`` (seconds, or an HTTP date)."""
        return cls.status(503, "Service Unavailable\n", ("Retry-After", str(retry_after)))

    @classmethod
    def too_many_requests(cls, retry_after: int | str = 60) -> Fault:
        return cls.status(429, "Too Many Requests\n", ("Retry-After", str(retry_after)))

    @classmethod
    def unauthorized(cls, realm: str = "watercooler fault server") -> Fault:
        return cls.status(401, "Unauthorized\n", ("WWW-Authenticate", f'Basic realm="{realm}"'))

    @classmethod
    def forbidden(cls) -> Fault:
        return cls.status(403, "Forbidden\n")

    @classmethod
    def truncated_xml(cls, *, honest_length: bool = False) -> Fault:
        """A 207 cut in the middle of its XML.

        The upstream's real answer when proxying, else a canned multistatus. By default the
        headers promise the whole body, half of it is sent and the connection is dropped (the
        client sees an incomplete read); with ``honest_length`` the Content-Length matches
        the cut body, so only the XML parser notices.
        """
        return cls("truncate", Reply(207, [XML_TYPE], MULTISTATUS), honest_length=honest_length)

    @classmethod
    def malformed_xml(cls) -> Fault:
        """A complete 207 whose XML is not well-formed (an element never closed)."""
        return cls("reply", Reply(207, [XML_TYPE], MALFORMED))

    @classmethod
    def captive_portal(cls) -> Fault:
        """200 with an HTML login page, whatever was asked."""
        return cls(
            "reply", Reply(200, [("Content-Type", "text/html; charset=utf-8")], CAPTIVE_PORTAL)
        )

    @classmethod
    def hang(cls) -> Fault:
        """Accept the connection, read the request, never answer (until cleared or stopped)."""
        return cls("hang")

    @classmethod
    def drip(cls, interval: float = 0.5) -> Fault:
        """The real answer (or a canned multistatus without an upstream), status line and
        headers included, one byte every ``interval`` seconds: no single read ever waits
        long, the whole answer takes minutes."""
        return cls("drip", Reply(207, [XML_TYPE], MULTISTATUS, drip=interval))

    @classmethod
    def refused(cls) -> Fault:
        """Nothing listens on the port any more: connecting is refused."""
        return cls("refuse")


class FaultServer(CountingProxy):
    """A ``CountingProxy`` that answers with the injected ``Fault`` instead of proxying."""

    def __init__(self, upstream: str | None = None, *, timeout: float = 30.0) -> None:
        super().__init__(upstream, timeout=timeout)
        self._fault: Fault | None = None
        self._remaining: int | None = None
        self._release = threading.Event()
        self._placeholder: socket.socket | None = None

    def inject(self, fault: Fault) -> None:
        """Misbehave from now on (replacing any earlier fault)."""
        self.clear()
        if fault.kind == "refuse":
            self._refuse()
        with self._lock:
            self._fault, self._remaining = fault, fault.times
            self._release.clear()

    def clear(self) -> None:
        """Proxy again; hung requests end with their connection closed unanswered."""
        with self._lock:
            self._fault = None
        self._release.set()
        if self._placeholder is not None:
            self._listen_again()

    @property
    def fault(self) -> Fault | None:
        with self._lock:
            return self._fault

    def stop(self) -> None:
        self._release.set()
        if self._placeholder is not None:
            self._placeholder.close()
            self._placeholder = None
        super().stop()

    def reply(self, exchange: Exchange) -> Reply | None:
        fault = self._take(exchange.method)
        if fault is None:
            return self.forward(exchange)
        if fault.kind == "hang":
            self._release.wait()
            return None
        if fault.kind == "truncate":
            return self._truncate(exchange, fault)
        if fault.kind == "drip":
            assert fault.reply is not None
            reply = self.forward(exchange) if self.upstream else fault.reply
            return dataclasses.replace(reply, drip=fault.reply.drip)
        return fault.reply

    def pause(self, seconds: float) -> bool:
        """Dripping stops when the fault is cleared, as a hang does, or the server stops."""
        return self._release.wait(seconds) or super().pause(0)

    def _take(self, method: str) -> Fault | None:
        with self._lock:
            fault = self._fault
            if fault is None or (fault.methods is not None and method not in fault.methods):
                return None
            if self._remaining is not None:
                if self._remaining == 0:
                    return None
                self._remaining -= 1
            return fault

    def _truncate(self, exchange: Exchange, fault: Fault) -> Reply:
        assert fault.reply is not None
        reply = self.forward(exchange) if self.upstream else fault.reply
        cut = len(reply.body) // 2
        if fault.honest_length:
            return dataclasses.replace(reply, body=reply.body[:cut])
        return dataclasses.replace(reply, cut_at=cut)

    def _refuse(self) -> None:
        """Close the listening socket; hold the port with a bound socket that never listens.

        Connections that are already open are cut too, as when a server goes away, so a
        client's pooled keep-alive connection cannot dodge the fault.
        """
        self._stop_serving()
        self._httpd.socket.close()
        placeholder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        placeholder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            placeholder.bind((LOOPBACK, self.port))
        except OSError:
            placeholder.close()
            raise
        self._placeholder = placeholder
        self._drop_connections()

    def _listen_again(self) -> None:
        assert self._placeholder is not None
        self._placeholder.listen(self._httpd.request_queue_size)
        self._httpd.socket, self._placeholder = self._placeholder, None
        self._start_serving()
