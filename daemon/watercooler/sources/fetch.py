"""One HTTP GET with a deadline for the whole exchange and credentials bound to their origin.

niquests' timeouts apply to each socket operation, so a server that drips its answer one
byte at a time is never cut off by them; the whole exchange (connection, TLS, redirects,
headers, body) therefore runs on its own event loop under one ``asyncio.timeout``, which
cancels it wherever it waits. Redirects are followed here, not by the library, so that
each hop is judged before it is requested: the password goes only to the origin it was
configured for, a redirect from https to plain http is refused, and the plain-http check
runs on every URL actually requested.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import ssl
import warnings
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urljoin, urlsplit

from watercooler.errors import SourceError
from watercooler.urls import redact_url, require_safe_transport

if TYPE_CHECKING:
    import niquests

MAX_REDIRECTS = 5
DEFAULT_PORTS = {"http": 80, "https": 443}
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class Request:
    """What to fetch and how: ``label`` is the printable name used in every error."""

    url: str
    label: str
    headers: dict[str, str]
    timeout: float
    credentials: tuple[str, str] | None = None
    verify_tls: bool = True
    allow_insecure: bool = False
    max_bytes: int = 64 * 1024 * 1024
    given_scheme: str = ""
    """The scheme the user wrote (``webcal``), for advice when TLS fails."""


@dataclass(frozen=True, slots=True)
class Answer:
    """A final (non-redirect) answer, its body read in full."""

    status: int
    reason: str
    url: str
    body: bytes
    etag: str = ""
    last_modified: str = ""
    content_type: str = ""


@dataclass(slots=True)
class _Progress:
    """How far the exchange got, so that a timeout can say what was missing."""

    url: str
    scrubber: _UrlScrubber
    answered: bool = False


def fetch(request: Request) -> Answer:
    """GET ``request.url``; raise SourceError (a sentence naming the label) on any failure.

    The call returns within ``request.timeout`` seconds, whatever the server does.
    """
    scrubber = _UrlScrubber()
    with warnings.catch_warnings(), scrubber.installed():
        # verify_tls = false is the user's choice; urllib3 would warn on every request.
        warnings.filterwarnings("ignore", message="Unverified HTTPS request")
        return _run(_bounded(request, scrubber))


class _UrlScrubber(logging.Filter):
    """While a fetch runs, the URLs it requests are shown redacted in every log record:
    the HTTP library logs each request line at DEBUG, query tokens included."""

    def __init__(self) -> None:
        super().__init__()
        self.replacements: dict[str, str] = {}

    def add(self, url: str) -> None:
        parts = urlsplit(url)
        requested = parts.path + (f"?{parts.query}" if parts.query else "")
        shown = redact_url(url)
        if urlsplit(shown).path != requested:
            self.replacements[url] = shown
            self.replacements[requested] = urlsplit(shown).path

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        handlers = list(logging.getLogger().handlers)
        for handler in handlers:
            handler.addFilter(self)
        try:
            yield
        finally:
            for handler in handlers:
                handler.removeFilter(self)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.replacements:
            return True
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        for secret in sorted(self.replacements, key=len, reverse=True):
            message = message.replace(secret, self.replacements[secret])
        record.msg, record.args = message, None
        return True


def _run(coroutine: Coroutine[Any, Any, _T]) -> _T:
    """Run on a fresh loop, closed without waiting for stray resolver threads."""
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coroutine)
    finally:
        try:
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            loop.close()


async def _bounded(request: Request, scrubber: _UrlScrubber) -> Answer:
    import niquests

    progress = _Progress(request.url, scrubber)
    scrubber.add(request.url)
    try:
        async with asyncio.timeout(request.timeout):
            return await _follow(request, progress)
    except (TimeoutError, niquests.exceptions.Timeout):
        what = "the feed did not arrive in full" if progress.answered else "no answer"
        raise SourceError(f"{request.label}: {what} within {request.timeout:g} s") from None
    except niquests.exceptions.SSLError as error:
        raise SourceError(f"{request.label}: {_tls_reason(error, request)}") from None
    except niquests.exceptions.RequestException as error:
        raise SourceError(f"{request.label}: cannot fetch feed: {_reason(error)}") from None


async def _follow(request: Request, progress: _Progress) -> Answer:
    import niquests

    async with niquests.AsyncSession() as session:
        url = request.url
        for _ in range(MAX_REDIRECTS + 1):
            response = await _get(session, request, url)
            progress.answered = True
            target = response.headers.get("Location") if response.is_redirect else None
            if target is None:
                return await _answer(response, request, url)
            await response.close()
            url = _next_hop(request, url, urljoin(url, target))
            progress.scrubber.add(url)
            progress.url, progress.answered = url, False
    raise SourceError(f"{request.label}: more than {MAX_REDIRECTS} redirects; giving up")


async def _get(session: niquests.AsyncSession, request: Request, url: str) -> Any:
    """One request, with the password only if ``url`` is the configured origin."""
    credentials = request.credentials if same_origin(request.url, url) else None
    require_safe_transport(
        url, credentials[1] if credentials else None, allow_insecure=request.allow_insecure
    )
    return await session.get(
        url,
        headers=request.headers,
        auth=credentials,
        allow_redirects=False,
        stream=True,
        timeout=request.timeout,
        verify=request.verify_tls,
    )


def _next_hop(request: Request, current: str, target: str) -> str:
    """The URL a redirect points to, refused when it leaves https or is not http(s)."""
    scheme = urlsplit(target).scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise SourceError(f"{request.label}: redirected to a {scheme or 'relative'} URL; refused")
    if urlsplit(current).scheme.lower() == "https" and scheme == "http":
        raise SourceError(
            f"{request.label}: redirected from https to plain http ({redact_url(target)}); "
            "refused, as the feed would travel unencrypted"
        )
    return target


async def _answer(response: Any, request: Request, url: str) -> Answer:
    """Read the body (at most ``max_bytes``) of the final answer."""
    body = bytearray()
    if response.status_code == 200:
        async for chunk in await response.iter_content(-1):
            body += chunk
            if len(body) > request.max_bytes:
                raise SourceError(f"{request.label}: feed larger than {request.max_bytes} bytes")
    status = int(response.status_code)
    if status >= 400 and request.credentials and not same_origin(request.url, url):
        raise SourceError(
            f"{request.label}: HTTP {status} {response.reason or ''} from "
            f"{redact_url(url)}, where it redirected; the password is only sent to "
            f"{_origin_text(request.url)}"
        )
    headers = response.headers
    return Answer(
        status=status,
        reason=str(response.reason or ""),
        url=url,
        body=bytes(body),
        etag=headers.get("ETag", "") or "",
        last_modified=headers.get("Last-Modified", "") or "",
        content_type=headers.get("Content-Type", "") or "",
    )


def same_origin(configured: str, url: str) -> bool:
    """Whether ``url`` may receive the credentials configured for ``configured``: the same
    scheme, host and port, or the upgrade of the same host from http to https."""
    first, second = _origin(configured), _origin(url)
    if first == second:
        return True
    return (
        first[1] == second[1]
        and first == ("http", first[1], 80)
        and second == ("https", second[1], 443)
    )


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or DEFAULT_PORTS.get(scheme)


def _origin_text(url: str) -> str:
    scheme, host, port = _origin(url)
    return f"{scheme}://{host}" + ("" if port == DEFAULT_PORTS.get(scheme) else f":{port}")


def _tls_reason(error: BaseException, request: Request) -> str:
    """What a failed TLS handshake means for the person reading it."""
    cause = _innermost(error, ssl.SSLError)
    if isinstance(cause, ssl.SSLCertVerificationError):
        detail = cause.verify_message or "not trusted"
        return (
            f"the server's TLS certificate is not trusted ({detail}); if you trust this "
            "server, set verify_tls = false for this source"
        )
    if cause is not None and getattr(cause, "reason", "") in (
        "WRONG_VERSION_NUMBER",
        "RECORD_LAYER_FAILURE",
        "PACKET_LENGTH_TOO_LONG",
        "HTTP_REQUEST",
    ):
        advice = (
            "webcal:// feeds are fetched over https; if this one is served over plain "
            "http, write its URL with http:// instead"
            if request.given_scheme.lower().startswith("webcal")
            else "is it plain http (http://)?"
        )
        return f"the server does not speak TLS (https) at this address; {advice}"
    reason = getattr(cause, "reason", None) or "the handshake failed"
    return f"cannot set up TLS with the server: {reason}"


def _reason(error: BaseException) -> str:
    """A short reason from an error chain, never its repr (which carries the URL)."""
    cause = _innermost(error, OSError)
    if cause is not None and isinstance(cause.errno, int) and cause.errno > 0:
        return os.strerror(cause.errno)
    import niquests

    if isinstance(error, niquests.exceptions.ChunkedEncodingError):
        return "the connection broke off"
    if isinstance(error, niquests.exceptions.ContentDecodingError):
        return "the answer's compression is broken"
    if isinstance(error, niquests.exceptions.InvalidURL | niquests.exceptions.InvalidSchema):
        return "the URL is not valid"
    return "the connection failed"


def _innermost(error: BaseException, kind: type[BaseException]) -> Any:
    """The deepest exception of ``kind`` in the chain of causes, or None."""
    found = None
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, kind) and current is not error:
            found = current
        current = current.__cause__ or current.__context__
    return found
