"""Headless Chromium for the tests: a screenshot of an HTML file, and a proxy that records
every request the browser makes.

Chromium is the Debian package ``chromium`` (``/usr/bin/chromium``), which the suite installs
when it runs as root (``system_packages.COMMANDS``). Each screenshot runs a fresh browser
with its own profile in the test's temporary folder, every network request sent to a
:class:`RecordingProxy` on loopback (``<-loopback>`` takes loopback off the bypass list,
so even a request to 127.0.0.1 would show), and Chromium's own background traffic
(component updates, safe browsing, metrics, field trials, …) switched off by flags, so
that what the proxy records is what the page asked for. Nothing is filtered out of the
record: should a new Chromium call home in a way these flags do not stop, the tests that
expect no request fail and name the host, and :data:`QUIET_FLAGS` gains what silences it.
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

QUIET_FLAGS = (
    "--headless=new",
    "--no-sandbox",  # the tests run as root in a container
    "--disable-gpu",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
    "--force-color-profile=srgb",  # colours in the PNG are the page's, not a display's
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-sync",
    "--disable-breakpad",
    "--disable-crash-reporter",
    "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
    "--disable-field-trial-config",
    "--metrics-recording-only",
    "--safebrowsing-disable-auto-update",
    # Each feature named here made a request of its own on a fresh profile (seen through
    # the proxy, then named from Chromium's net log): the network-time query
    # (clients2.google.com/time), the preconnect to the search engine and AI Mode's
    # eligibility check (www.google.com, /async/folae); the rest are known to fetch later.
    "--disable-features=NetworkTimeServiceQuerying,PreconnectToSearch,AimEnabled,"
    "AimServerRequestOnStartupEnabled,Translate,OptimizationHints,MediaRouter,"
    "DialMediaRouteProvider,AutofillServerCommunication,CertificateTransparencyComponentUpdater,"
    "InterestFeedContentSuggestions,LensOverlay,DnsOverHttpsUpgrade",
    # Chromium's own Google-account check (accounts.google.com/ListAccounts, asked once at
    # profile start) has no switch of its own: its address is pointed at an empty data: URL,
    # so the check fails inside the browser. Only that address of the account service changes.
    '--gaia-config-contents={"urls":{"list_accounts_url":{"url":"data:,"}}}',
    # Push messaging (GCM) checks in with android.clients.google.com about three seconds
    # after start: a browser slowed by a busy machine lives that long. Its addresses too.
    "--gcm-checkin-url=data:,",
    "--gcm-registration-url=data:,",
    "--gcm-mcs-endpoint=data:,",
    "--password-store=basic",
    "--use-mock-keychain",
)
"""A headless browser that keeps to itself: no first-run pages, no update or reporting
traffic of its own."""
DARK_FLAGS = ("--blink-settings=preferredColorScheme=0",)
"""``prefers-color-scheme: dark`` for the page (Blink's enum: 0 is dark, 1 light). On
Chromium 150 ``--force-dark-mode`` does it too, but through the browser's own theme; this
setting speaks to the page alone."""


@dataclass
class RecordingProxy:
    """An HTTP proxy on 127.0.0.1 that records the first line of every request it gets
    (``GET http://…``, ``CONNECT host:443``) and refuses it with 403."""

    slow_host: str = ""
    """A request naming this host is answered only after :attr:`slow_seconds`: the page
    that asked keeps loading, and the browser stays alive that long."""
    slow_seconds: float = 0.0
    requests: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: socketserver.ThreadingTCPServer | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the proxy is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def record(self, line: str) -> None:
        with self._lock:
            self.requests.append(line)

    @contextlib.contextmanager
    def running(self) -> Iterator[RecordingProxy]:
        proxy = self

        class Handler(socketserver.BaseRequestHandler):
            request: socket.socket

            def handle(self) -> None:
                line = _request_line(self.request)
                proxy.record(line)
                if proxy.slow_host and proxy.slow_host in line:
                    time.sleep(proxy.slow_seconds)
                with contextlib.suppress(OSError):
                    self.request.sendall(_REFUSAL)

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        with Server(("127.0.0.1", 0), Handler) as server:
            self._server = server
            thread = threading.Thread(target=server.serve_forever, daemon=True)
            thread.start()
            try:
                yield self
            finally:
                server.shutdown()
                thread.join(timeout=5)
                self._server = None


_REFUSAL = b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


def _request_line(connection: socket.socket) -> str:
    """The first line of what a client sent (or a note that it sent nothing)."""
    connection.settimeout(5)
    received = b""
    with contextlib.suppress(OSError):
        while b"\r\n" not in received and len(received) < 65536:
            chunk = connection.recv(4096)
            if not chunk:
                break
            received += chunk
    line = received.split(b"\r\n", 1)[0].decode("latin-1")
    return line or "(a connection that sent no request)"


def screenshot(
    page: Path,
    png: Path,
    *,
    proxy: RecordingProxy,
    profile: Path,
    size: tuple[int, int] = (1000, 1400),
    dark: bool = False,
    timeout: float = 90,
) -> subprocess.CompletedProcess[str]:
    """Render ``page`` in a fresh headless Chromium and save a ``size`` screenshot to
    ``png``; fail with Chromium's own words when no picture came out."""
    width, height = size
    command = [
        "chromium",
        *QUIET_FLAGS,
        *(DARK_FLAGS if dark else ()),
        f"--user-data-dir={profile}",
        f"--proxy-server={proxy.url}",
        "--proxy-bypass-list=<-loopback>",
        f"--window-size={width},{height}",
        f"--screenshot={png}",
        page.resolve().as_uri(),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    if result.returncode != 0 or not png.exists():
        raise RuntimeError(
            f"chromium made no screenshot (exit {result.returncode}): {result.stderr[-2000:]}"
        )
    return result
