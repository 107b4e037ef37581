"""Real CalDAV servers on 127.0.0.1 for tests: Radicale and Xandikos, each behind a counting proxy.

Both run in-process, in a thread, on a free loopback port. In front of each sits a
``CountingProxy`` (see ``faultserver``): a real HTTP/1.1 reverse proxy on its own free
loopback port that forwards every request unchanged and records it, so a test can assert
what a client actually sent ("a poll where nothing changed is one REPORT") without mocking
anything. ``server.url`` is the proxy; ``server.direct_url`` reaches the server itself.

The ``make_calendar``/``put_event``/``update_event``/``delete_event`` helpers change a server
between polls with plain WebDAV requests (``http.client``, no client library in between).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import http.client
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import Self
from urllib.parse import urljoin, urlsplit
from xml.sax.saxutils import escape

from aiohttp import web
from radicale import config as radicale_config
from radicale import server as radicale_server
from xandikos import htpasswd as xandikos_htpasswd
from xandikos import web as xandikos_web

from faultserver import LOOPBACK, CountingProxy

START_TIMEOUT = 10.0
Auth = tuple[str, str]


# --- the servers ---------------------------------------------------------------------------


class RadicaleServer:
    """Radicale with htpasswd auth (plain passwords) and filesystem storage under ``root``.

    Started the way Radicale's own tests start it: ``radicale.server.serve(configuration,
    shutdown_socket)`` in a thread on a free loopback port, stopped by closing the other end
    of the socketpair. ``settings`` overrides Radicale's configuration, e.g.
    ``{"storage": {"max_sync_token_age": "1"}}``. The failed-login delay defaults to 0 here
    (Radicale's default is 1 s); count requests instead of timing them.
    """

    def __init__(
        self,
        root: Path,
        users: Mapping[str, str],
        *,
        auth_delay: float = 0.0,
        settings: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        if not users:
            raise ValueError("Radicale needs at least one user")
        self.root = root
        self.users = dict(users)
        self.auth_delay = auth_delay
        self.settings = settings or {}
        self.direct_port = 0
        self.proxy = CountingProxy()
        self._shutdown: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    @property
    def url(self) -> str:
        return self.proxy.url

    @property
    def port(self) -> int:
        return self.proxy.port

    @property
    def direct_url(self) -> str:
        return f"http://{LOOPBACK}:{self.direct_port}/"

    @property
    def auth(self) -> Auth:
        """The first user's credentials."""
        return next(iter(self.users.items()))

    def principal_url(self, user: str | None = None) -> str:
        return f"{self.url}{user or self.auth[0]}/"

    def home_url(self, user: str | None = None) -> str:
        """Where this user's calendars live (Radicale: the principal itself)."""
        return self.principal_url(user)

    def start(self) -> Self:
        # Created here, else Radicale warns that it creates them.
        (self.root / "collections" / "collection-root").mkdir(parents=True, exist_ok=True)
        lines = "".join(f"{user}:{password}\n" for user, password in self.users.items())
        (self.root / "users").write_text(lines, encoding="utf-8")
        for _ in range(3):  # the free port can be taken between probing and binding
            if self._try_start(free_port()):
                break
        else:
            raise RuntimeError(f"Radicale did not start: {self._error}")
        self.proxy.upstream = self.direct_url
        self.proxy.start()
        return self

    def stop(self) -> None:
        self.proxy.stop()
        self._stop_radicale()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _stop_radicale(self) -> None:
        if self._shutdown is not None:
            self._shutdown.close()  # serve() sees its end close and returns
            self._shutdown = None
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _try_start(self, port: int) -> bool:
        configuration = self._configuration(port)
        self._shutdown, shutdown_there = socket.socketpair()
        self._thread = threading.Thread(
            target=self._serve, args=(configuration, shutdown_there), name=f"radicale:{port}"
        )
        self._thread.start()
        if wait_for_port(port, self._thread.is_alive):
            self.direct_port = port
            return True
        self._stop_radicale()
        return False

    def _serve(self, configuration: radicale_config.Configuration, sock: socket.socket) -> None:
        try:
            radicale_server.serve(configuration, sock)
        except (OSError, RuntimeError) as error:  # reported by start()
            self._error = error

    def _configuration(self, port: int) -> radicale_config.Configuration:
        configuration = radicale_config.load()
        values: dict[str, dict[str, str]] = {
            "server": {"hosts": f"{LOOPBACK}:{port}", "delay_on_error": "0"},
            "auth": {
                "type": "htpasswd",
                "htpasswd_filename": str(self.root / "users"),
                "htpasswd_encryption": "plain",
                "delay": str(self.auth_delay),
            },
            "rights": {"type": "owner_only"},
            "storage": {"filesystem_folder": str(self.root / "collections")},
        }
        configuration.update(values, "watercooler tests")
        # "Disable syncing to disk for better performance", as Radicale's own tests do.
        configuration.update(
            {"storage": {"_filesystem_fsync": "False"}}, "watercooler tests", privileged=True
        )
        if self.settings:
            configuration.update(
                {section: dict(options) for section, options in self.settings.items()},
                "test settings",
            )
        return configuration


class XandikosServer:
    """Xandikos on a free loopback port, its aiohttp application run in a thread's event loop.

    The application is assembled as ``xandikos.web.main`` assembles it (well-known redirects,
    the principal created with its default calendar and address book under
    ``{principal}calendars/calendar/``). Xandikos is single-user; with ``users`` the requests
    need Basic auth (its own ``basic_auth_middleware``, ``{SHA}`` htpasswd entries), without
    them there is no auth.
    """

    def __init__(
        self,
        root: Path,
        *,
        principal: str = "/user/",
        users: Mapping[str, str] | None = None,
    ) -> None:
        self.root = root
        self.principal = principal
        self.users = dict(users or {})
        self.direct_port = 0
        self.proxy = CountingProxy()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._error: BaseException | None = None

    @property
    def url(self) -> str:
        return self.proxy.url

    @property
    def port(self) -> int:
        return self.proxy.port

    @property
    def direct_url(self) -> str:
        return f"http://{LOOPBACK}:{self.direct_port}/"

    @property
    def auth(self) -> Auth | None:
        return next(iter(self.users.items()), None)

    def principal_url(self, user: str | None = None) -> str:
        """The one principal (Xandikos ignores ``user``)."""
        return urljoin(self.url, self.principal)

    def home_url(self, user: str | None = None) -> str:
        return urljoin(self.principal_url(), "calendars/")

    def start(self) -> Self:
        application = self._application()
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind((LOOPBACK, 0))  # bound here: no window for another process
        self.direct_port = listener.getsockname()[1]
        ready = threading.Event()
        self._thread = threading.Thread(
            target=self._run,
            args=(application, listener, ready),
            name=f"xandikos:{self.direct_port}",
        )
        self._thread.start()
        if not ready.wait(START_TIMEOUT) or self._error is not None:
            self._stop_xandikos()
            listener.close()
            raise RuntimeError(f"Xandikos did not start: {self._error}")
        self.proxy.upstream = self.direct_url
        self.proxy.start()
        return self

    def stop(self) -> None:
        self.proxy.stop()
        self._stop_xandikos()

    def _stop_xandikos(self) -> None:
        if self._loop is not None and self._stopping is not None:
            with contextlib.suppress(RuntimeError):  # the loop already ended
                self._loop.call_soon_threadsafe(self._stopping.set)
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self._loop = self._stopping = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _application(self) -> web.Application:
        data = self.root / "data"
        data.mkdir(parents=True, exist_ok=True)
        backend = xandikos_web.SingleUserFilesystemBackend(str(data))
        backend._mark_as_principal(self.principal)  # as xandikos.web.main does
        if not backend.get_resource(self.principal):
            backend.create_principal(self.principal, create_defaults=True)
        dav = xandikos_web.XandikosApp(
            backend, current_user_principal=self.principal, state_dir=str(self.root / "state")
        )

        async def handler(request: web.Request) -> web.StreamResponse:
            response: web.StreamResponse = await dav.aiohttp_handler(request, "/")
            return response

        application = web.Application()
        if self.users:
            application.middlewares.append(xandikos_web.basic_auth_middleware(self._htpasswd()))
        for path in xandikos_web.WELLKNOWN_DAV_PATHS:
            application.router.add_route("*", path, xandikos_web.RedirectDavHandler("/").__call__)
        application.router.add_route("*", "/{path_info:.*}", handler)
        return application

    def _htpasswd(self) -> xandikos_htpasswd.HtpasswdFile:
        path = self.root / "htpasswd"
        lines = []
        for user, password in self.users.items():
            digest = base64.b64encode(
                hashlib.sha1(password.encode(), usedforsecurity=False).digest()
            ).decode()
            lines.append(f"{user}:{{SHA}}{digest}\n")
        path.write_text("".join(lines), encoding="utf-8")
        return xandikos_htpasswd.HtpasswdFile(str(path))

    def _run(
        self, application: web.Application, listener: socket.socket, ready: threading.Event
    ) -> None:
        try:
            asyncio.run(self._serve(application, listener, ready))
        except (OSError, RuntimeError) as error:  # reported by start()
            self._error = error
            ready.set()

    async def _serve(
        self, application: web.Application, listener: socket.socket, ready: threading.Event
    ) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        runner = web.AppRunner(application, access_log=None)
        await runner.setup()
        try:
            await web.SockSite(runner, listener).start()
            ready.set()
            await self._stopping.wait()
        finally:
            await runner.cleanup()


def free_port() -> int:
    """A loopback port nothing listens on right now (Radicale's tests pick theirs so)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_port(port: int, alive: Callable[[], bool], timeout: float = START_TIMEOUT) -> bool:
    """Given a port and a liveness check, return True once the port accepts connections."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and alive():
        try:
            with socket.create_connection((LOOPBACK, port), timeout=1):
                return True
        except ConnectionRefusedError:
            time.sleep(0.005)
    return False


# --- changing a server between polls ------------------------------------------------------


@dataclass(frozen=True)
class Response:
    status: int
    headers: Message
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class DavRequestError(AssertionError):
    """A helper's request got an answer the test did not expect."""


def dav_request(
    method: str,
    url: str,
    *,
    auth: Auth | None = None,
    body: bytes | str = b"",
    headers: Mapping[str, str] | None = None,
    timeout: float = 10.0,
) -> Response:
    """Send one request with ``http.client`` (no redirects, no retries) and return the answer.

    Raise what ``http.client`` raises: ``ConnectionRefusedError``, ``TimeoutError``,
    ``http.client.IncompleteRead``, ``http.client.RemoteDisconnected``…
    """
    parts = urlsplit(url)
    payload = body.encode() if isinstance(body, str) else body
    sent = {**basic_auth(auth), **(headers or {})}
    connection = http.client.HTTPConnection(parts.hostname or LOOPBACK, parts.port, timeout=timeout)
    try:
        path = parts.path or "/"
        target = f"{path}?{parts.query}" if parts.query else path
        connection.request(method, target, payload or None, sent)
        response = connection.getresponse()
        return Response(response.status, response.headers, response.read())
    finally:
        connection.close()


def basic_auth(auth: Auth | None) -> dict[str, str]:
    """The ``Authorization`` header for these credentials (none for None)."""
    if auth is None:
        return {}
    token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def expect(response: Response, method: str, url: str, *statuses: int) -> Response:
    if response.status not in statuses:
        raise DavRequestError(f"{method} {url}: {response.status} {response.text[:300]!r}")
    return response


MKCALENDAR_BODY = """<?xml version="1.0" encoding="utf-8"?>
<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:set><D:prop>
    <D:displayname>{name}</D:displayname>
    <C:supported-calendar-component-set>{components}</C:supported-calendar-component-set>
  </D:prop></D:set>
</C:mkcalendar>
"""
XML = {"Content-Type": "application/xml; charset=utf-8"}
ICS = {"Content-Type": "text/calendar; charset=utf-8"}


def make_calendar(
    base_url: str,
    path: str,
    auth: Auth | None = None,
    *,
    name: str | None = None,
    components: tuple[str, ...] = ("VEVENT",),
) -> str:
    """Create a calendar collection at ``path`` (relative to ``base_url``); return its URL."""
    url = urljoin(base_url, path.rstrip("/") + "/")
    comps = "".join(f'<C:comp name="{escape(c)}"/>' for c in components)
    body = MKCALENDAR_BODY.format(name=escape(name or path.strip("/")), components=comps)
    expect(
        dav_request("MKCALENDAR", url, auth=auth, body=body, headers=XML), "MKCALENDAR", url, 201
    )
    return url


def put_event(collection_url: str, name: str, ics: bytes | str, auth: Auth | None = None) -> str:
    """Create ``name`` in a collection (``If-None-Match: *``); return the new ETag."""
    return _put(collection_url, name, ics, auth, {"If-None-Match": "*"})


def update_event(
    collection_url: str,
    name: str,
    ics: bytes | str,
    auth: Auth | None = None,
    *,
    etag: str = "*",
) -> str:
    """Replace ``name`` (``If-Match``: that ETag, or ``*`` for any); return the new ETag."""
    return _put(collection_url, name, ics, auth, {"If-Match": etag})


def delete_event(
    collection_url: str, name: str, auth: Auth | None = None, *, etag: str | None = None
) -> None:
    """Delete ``name`` from a collection (``If-Match`` when an ETag is given)."""
    url = urljoin(collection_url, name)
    headers = {"If-Match": etag} if etag else {}
    expect(dav_request("DELETE", url, auth=auth, headers=headers), "DELETE", url, 200, 204)


def _put(
    collection_url: str,
    name: str,
    ics: bytes | str,
    auth: Auth | None,
    condition: dict[str, str],
) -> str:
    url = urljoin(collection_url, name)
    response = expect(
        dav_request("PUT", url, auth=auth, body=ics, headers={**ICS, **condition}),
        "PUT",
        url,
        201,
        204,
    )
    return response.headers.get("ETag") or ""
