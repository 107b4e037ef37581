"""The few WebDAV/CalDAV requests watercooler sends, and the checks on their answers.

The caldav library's client carries the connection: one HTTP session, authentication set
up front (probing unauthenticated costs a round trip, a second on Radicale), timeouts.
The request bodies are written here and every answer is checked before it is believed: a
multistatus that is not XML, HTML answered with 200 by a captive portal, a truncated body
or a 5xx are :class:`TransientError` — a failed poll, never "the calendar is empty".

Each request runs under one deadline (the source's timeout and half a second), however
slowly the server answers: the library times each read only. Answers are parsed within
libxml2's size and depth limits (no ``huge_tree``); an answer beyond them is
:class:`OversizedError`, so the caller can narrow the request down to the one object.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit
from xml.sax.saxutils import escape

from caldav.davclient import DAVClient
from caldav.lib import error as dav_error
from lxml import etree

from watercooler.deadline import DeadlineExceeded, Worker
from watercooler.errors import SourceError

log = logging.getLogger(__name__)

DAV = "DAV:"
CALDAV = "urn:ietf:params:xml:ns:caldav"
CS = "http://calendarserver.org/ns/"
NAMESPACES = f'xmlns:d="{DAV}" xmlns:c="{CALDAV}" xmlns:cs="{CS}"'


class TransientError(SourceError):
    """The server could not answer properly this time; the cache stays in use.

    ``retry_after`` is the server's ``Retry-After`` value as sent (seconds or an HTTP
    date), when it gave one."""

    def __init__(self, message: str, retry_after: str | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class OversizedError(TransientError):
    """The answer is beyond the XML parser's size or depth limits."""


class NotCalDAVError(SourceError):
    """The URL answers like a web page, not like a CalDAV server."""


class AuthError(SourceError):
    """The server refused the credentials (401) or the access (403)."""


class InvalidTokenError(SourceError):
    """The server no longer knows the sync token: a full resync is needed."""


class NotSupportedError(SourceError):
    """The server does not offer this report (sync-collection): list etags instead."""


class BatchTooLargeError(SourceError):
    """The server refused a multiget as too large (400/413/507): send smaller batches."""


@dataclass(frozen=True, slots=True)
class Collection:
    """A calendar collection as the server describes it."""

    url: str
    name: str
    components: tuple[str, ...]
    sync_token: str | None
    ctag: str | None

    @property
    def has_events(self) -> bool:
        """Whether the collection may hold VEVENTs (servers that say nothing allow all)."""
        return not self.components or "VEVENT" in self.components


@dataclass(slots=True)
class Listing:
    """What a sync REPORT or an etag PROPFIND returned: hrefs with etags, deleted hrefs."""

    etags: dict[str, str] = field(default_factory=dict)
    deleted: set[str] = field(default_factory=set)
    token: str | None = None
    ctag: str | None = None


class Dav:
    """Sends the requests through a caldav client and checks the answers."""

    def __init__(self, client: DAVClient, label: str, username: str | None, timeout: float) -> None:
        self.client = client
        self.label = label
        self.username = username
        self.timeout = timeout
        self._worker = Worker(f"caldav:{label}")
        # lxml parsers keep state between documents and are not thread-safe: one per
        # client, never a module-level one shared by every thread. libxml2's limits stay.
        self._parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)

    # -- requests ----------------------------------------------------------------------

    def propfind(self, url: str, props: str, depth: int) -> etree._Element:
        """PROPFIND ``url``; return the multistatus root."""
        body = (
            f'<?xml version="1.0" encoding="utf-8"?><d:propfind {NAMESPACES}>'
            f"<d:prop>{props}</d:prop></d:propfind>"
        )
        return self._multistatus(url, "PROPFIND", body, {"Depth": str(depth)})

    def report(self, url: str, body: str, depth: int = 1) -> etree._Element:
        """REPORT on ``url``; return the multistatus root."""
        return self._multistatus(url, "REPORT", body, {"Depth": str(depth)})

    def _multistatus(
        self, url: str, method: str, body: str, headers: dict[str, str]
    ) -> etree._Element:
        headers = {**headers, "Content-Type": 'application/xml; charset="utf-8"'}
        try:
            response = self._worker.run(
                lambda: self.client.request(url, method, body, headers), self.timeout + 0.5
            )
            status = int(response.status)
            raw = response.raw
            kind = str(response.headers.get("Content-Type") or "").lower()
        except DeadlineExceeded:
            raise TransientError(
                f"{self.label}: no answer in time (a request takes at most {self.timeout:g} s)"
            ) from None
        except dav_error.AuthorizationError as error:
            raise self._refusal(method, error) from None
        except dav_error.RateLimitError as error:
            wait = str(error.retry_after or "").strip() or None
            asked = f", Retry-After: {wait}" if wait else ""
            raise TransientError(
                f"{self.label}: the server is overloaded (HTTP {error.status}{asked})", wait
            ) from None
        except etree.XMLSyntaxError as error:  # the client parses the answer too
            raise self._unreadable(error) from None
        except Exception as error:  # noqa: BLE001 - network stack errors vary by transport
            raise TransientError(f"{self.label}: {describe_failure(error)}") from None
        if status == 200 and "html" in kind:
            raise TransientError(
                f"{self.label}: answered {method} with a web page, not CalDAV (a captive "
                "portal's login page, or a URL that is not a CalDAV server's)"
            )
        return self._check(method, status, raw)

    def _unreadable(self, error: etree.XMLSyntaxError) -> TransientError:
        text = str(error)
        if "huge" in text.lower() or "depth" in text.lower():
            return OversizedError(
                f"{self.label}: the answer is beyond the XML parser's size or depth limits"
            )
        return TransientError(f"{self.label}: the answer is not valid XML ({text})")

    def _check(self, method: str, status: int, raw: Any) -> etree._Element:
        if status in (403, 409, 412) and method == "REPORT" and "valid-sync-token" in str(raw):
            raise InvalidTokenError(f"{self.label}: the sync token expired")
        if status in (405, 501) or (
            method == "REPORT" and status == 403 and "supported-report" in str(raw)
        ):
            raise NotSupportedError(f"{self.label}: the server does not support {method} here")
        if status in (400, 413, 507) and method == "REPORT":
            raise BatchTooLargeError(f"{self.label}: the server refused the request ({status})")
        if status in (401, 403):
            raise AuthError(self._auth_text(status))
        if status != 207:
            raise TransientError(f"{self.label}: {method} answered HTTP {status}")
        data = raw.encode("utf-8") if isinstance(raw, str) else bytes(raw or b"")
        try:
            root = etree.fromstring(data, self._parser)
        except etree.XMLSyntaxError as error:
            raise self._unreadable(error) from None
        if root.tag != f"{{{DAV}}}multistatus":
            raise TransientError(f"{self.label}: the answer is not a WebDAV multistatus")
        return root

    def _refusal(self, method: str, error: Exception) -> SourceError:
        """A 401/403 is an auth problem unless its precondition says otherwise (RFC 6578:
        an expired sync token is a 403 with DAV:valid-sync-token)."""
        preconditions = " ".join(str(p) for p in getattr(error, "preconditions", None) or ())
        body = str(getattr(error, "body", "") or "")
        if method == "REPORT" and "valid-sync-token" in preconditions + body:
            return InvalidTokenError(f"{self.label}: the sync token expired")
        if method == "REPORT" and "supported-report" in preconditions + body:
            return NotSupportedError(f"{self.label}: the server does not support this report")
        status = getattr(error, "status", None)
        return AuthError(self._auth_text(403 if status == 403 else 401))

    def _auth_text(self, status: int) -> str:
        who = f"user {self.username!r}" if self.username else "no user name"
        if status == 403:
            return f"{self.label}: access refused (HTTP 403) for {who}"
        if not self.username:
            return (
                f"{self.label}: the server wants credentials (HTTP 401) and was given "
                "no user name: they come from the [[sources]] entry with this url (its "
                "username and password_file), also for a --source URL"
            )
        return f"{self.label}: the server refused the credentials (HTTP 401) of {who}"

    # -- CalDAV operations -------------------------------------------------------------

    def describe(self, url: str, depth: int = 0) -> list[tuple[str, dict[str, Any]]]:
        """PROPFIND the properties discovery needs; return (absolute URL, props) pairs."""
        props = (
            "<d:resourcetype/><d:displayname/><d:current-user-principal/>"
            "<c:calendar-home-set/><c:supported-calendar-component-set/><d:sync-token/>"
            "<cs:getctag/>"
        )
        root = self.propfind(url, props, depth)
        return [(urljoin(url, href), found) for href, found in _responses(root)]

    def sync(self, url: str, token: str | None) -> Listing:
        """A sync-collection REPORT (RFC 6578): changes since ``token``, or everything."""
        body = (
            f'<?xml version="1.0" encoding="utf-8"?><d:sync-collection {NAMESPACES}>'
            f"<d:sync-token>{escape(token or '')}</d:sync-token><d:sync-level>1</d:sync-level>"
            "<d:prop><d:getetag/></d:prop></d:sync-collection>"
        )
        root = self.report(url, body)
        listing = Listing(token=_text(root.find(f"{{{DAV}}}sync-token")) or None)
        for response in root.findall(f"{{{DAV}}}response"):
            href = _href(response)
            if href is None or _same_path(href, url):
                continue
            etag = _etag_of(response)
            if etag is None and _status_of(response) == 404:
                listing.deleted.add(href)
            elif etag is not None:
                listing.etags[href] = etag
        return listing

    def etags(self, url: str) -> Listing:
        """List every object's etag with a depth-1 PROPFIND (for servers without sync)."""
        return _etag_listing(self.propfind(url, "<d:getetag/><d:resourcetype/>", 1), url)

    def ctag(self, url: str) -> str | None:
        """The collection's CalendarServer ctag (changes with any member), None if absent."""
        root = self.propfind(url, "<cs:getctag/>", 0)
        for _, props in _responses(root):
            value = property_text(props, CS, "getctag")
            if value:
                return value
        return None

    def time_range(self, url: str, start: str, end: str) -> Listing:
        """List the etags of the events between two UTC instants (``YYYYMMDDTHHMMSSZ``), for
        servers that neither sync nor list a collection."""
        body = (
            f'<?xml version="1.0" encoding="utf-8"?><c:calendar-query {NAMESPACES}>'
            '<d:prop><d:getetag/></d:prop><c:filter><c:comp-filter name="VCALENDAR">'
            f'<c:comp-filter name="VEVENT"><c:time-range start="{start}" end="{end}"/>'
            "</c:comp-filter></c:comp-filter></c:filter></c:calendar-query>"
        )
        return _etag_listing(self.report(url, body), url)

    def multiget(self, url: str, hrefs: Iterable[str]) -> dict[str, tuple[str, bytes]]:
        """Fetch objects by href; return href → (etag, data). Missing objects are left out."""
        wanted = "".join(f"<d:href>{escape(href)}</d:href>" for href in hrefs)
        body = (
            f'<?xml version="1.0" encoding="utf-8"?><c:calendar-multiget {NAMESPACES}>'
            f"<d:prop><d:getetag/><c:calendar-data/></d:prop>{wanted}</c:calendar-multiget>"
        )
        root = self.report(url, body)
        found: dict[str, tuple[str, bytes]] = {}
        for response in root.findall(f"{{{DAV}}}response"):
            href = _href(response)
            data = response.find(f".//{{{CALDAV}}}calendar-data")
            if href is None or data is None or not (data.text or "").strip():
                continue
            found[href] = (_etag_of(response) or "", (data.text or "").encode("utf-8"))
        return found


def _etag_listing(root: etree._Element, url: str) -> Listing:
    """The members' hrefs and etags in a multistatus, the collection itself left out."""
    listing = Listing()
    for response in root.findall(f"{{{DAV}}}response"):
        href = _href(response)
        etag = _etag_of(response)
        if href is not None and etag is not None and not _same_path(href, url):
            listing.etags[href] = etag
    return listing


def _responses(root: etree._Element) -> list[tuple[str, dict[str, Any]]]:
    """Each response's href and its successfully returned properties."""
    out = []
    for response in root.findall(f"{{{DAV}}}response"):
        href = _href(response)
        if href is None:
            continue
        props: dict[str, Any] = {}
        for propstat in response.findall(f"{{{DAV}}}propstat"):
            if not _ok(_text(propstat.find(f"{{{DAV}}}status"))):
                continue
            prop = propstat.find(f"{{{DAV}}}prop")
            for element in prop if prop is not None else []:
                props[str(element.tag)] = element
        out.append((href, props))
    return out


def property_text(props: dict[str, Any], namespace: str, name: str) -> str | None:
    """The text of a returned property, None when absent."""
    element = props.get(f"{{{namespace}}}{name}")
    return None if element is None else (_text(element) or "")


def property_href(props: dict[str, Any], namespace: str, name: str) -> str | None:
    """The first href inside a returned property (principal, home set)."""
    element = props.get(f"{{{namespace}}}{name}")
    if element is None:
        return None
    href = element.find(f"{{{DAV}}}href")
    return _text(href) or None


def is_calendar(props: dict[str, Any]) -> bool:
    """Whether a resourcetype says calendar collection."""
    element = props.get(f"{{{DAV}}}resourcetype")
    return element is not None and element.find(f"{{{CALDAV}}}calendar") is not None


def components_of(props: dict[str, Any]) -> tuple[str, ...]:
    """The component types a collection accepts (empty when the server does not say)."""
    element = props.get(f"{{{CALDAV}}}supported-calendar-component-set")
    if element is None:
        return ()
    return tuple(str(comp.get("name", "")).upper() for comp in element.findall(f"{{{CALDAV}}}comp"))


def _href(response: etree._Element) -> str | None:
    return _text(response.find(f"{{{DAV}}}href")) or None


def _etag_of(response: etree._Element) -> str | None:
    for propstat in response.findall(f"{{{DAV}}}propstat"):
        if _ok(_text(propstat.find(f"{{{DAV}}}status"))):
            etag = propstat.find(f"{{{DAV}}}prop/{{{DAV}}}getetag")
            if etag is not None and _text(etag):
                return _text(etag)
    return None


def _status_of(response: etree._Element) -> int:
    text = _text(response.find(f"{{{DAV}}}status"))
    parts = text.split()
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0


def _ok(status: str) -> bool:
    parts = status.split()
    return len(parts) > 1 and parts[1].startswith("2")


def _text(element: etree._Element | None) -> str:
    return "" if element is None else (element.text or "").strip()


def _same_path(href: str, url: str) -> bool:
    return unquote(urlsplit(href).path).rstrip("/") == unquote(urlsplit(url).path).rstrip("/")


def describe_failure(error: Exception) -> str:
    """A short, secret-free description of a transport failure."""
    name = type(error).__name__
    text = str(error).lower()
    if "timed out" in text or "timeout" in name.lower():
        return "no answer in time"
    if "refused" in text:
        return "connection refused"
    if "name or service" in text or "resolve" in text:
        return "host name not found"
    if "certificate" in text or "ssl" in name.lower():
        return "TLS certificate could not be verified"
    return f"request failed ({name})"
