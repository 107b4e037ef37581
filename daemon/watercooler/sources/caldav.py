"""A CalDAV calendar, kept in the local store and brought up to date incrementally.

A poll where nothing changed costs one sync-collection REPORT per collection (RFC 6578):
discovery is remembered in the store for a day (or until the source's settings change),
changed objects are fetched with calendar-multiget in batches, deletions remove them.
Servers without sync tokens are listed by etag. A failed poll never changes the cache: the
last good copy stays in use and the next attempt backs off exponentially with jitter,
capped at 15 minutes, or later when the server's Retry-After asks (up to an hour).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, unquote, urljoin, urlsplit

from caldav.davclient import DAVClient

from watercooler.errors import SourceError
from watercooler.settings import SourceSettings
from watercooler.sources import caldav_state as remembered
from watercooler.sources.base import CalendarObject, Clock
from watercooler.sources.caldav_state import backoff
from watercooler.sources.dav import (
    CALDAV,
    DAV,
    AuthError,
    BatchTooLargeError,
    Collection,
    Dav,
    InvalidTokenError,
    Listing,
    NotCalDAVError,
    NotSupportedError,
    OversizedError,
    TransientError,
    components_of,
    is_calendar,
    property_href,
    property_text,
)
from watercooler.store import CollectionState, Store
from watercooler.urls import redact_url, require_safe_transport, split_credentials

log = logging.getLogger(__name__)

BATCH = 1000
"""Most hrefs in one multiget (Radicale refuses reports of more than 10,000 events)."""


class CalDAVSource:
    """A configured CalDAV URL: one collection, or every calendar of a principal."""

    def __init__(
        self,
        settings: SourceSettings,
        store: Store,
        clock: Clock,
        rng: random.Random | None = None,
        *,
        honour_backoff: bool = False,
    ) -> None:
        self.settings = settings
        self.honour_backoff = honour_backoff
        """Serve the cache, sending nothing, until a failed collection's next attempt is
        due (``send-due`` and the daemon); ``check``, run by a person, polls anyway."""
        self.store = store
        self.clock = clock
        self.rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography
        # Credentials written into the URL are moved out at once: the URL is shown, stored
        # and joined with discovered paths, the password must not travel with it.
        self.url, self._url_credentials = split_credentials(settings.url.strip())
        user = f" as {settings.username}" if settings.username else ""
        self.label = f"{redact_url(self.url)}{user}"
        self._dav: Dav | None = None

    def objects(self) -> Iterator[CalendarObject]:
        """Sync, then yield every cached object of the selected collections."""
        return self.cached(self.sync())

    def cached(self, states: list[CollectionState]) -> Iterator[CalendarObject]:
        """Yield every cached object of these collections, contacting nothing."""
        for state in states:
            for href, etag, data in self.store.objects(state.id):
                if not data:  # stored empty: beyond the XML parser's limits
                    log.warning(
                        "%s: %s is too large to read (beyond the XML parser's size limits); "
                        "skipped", self.label, href,
                    )  # fmt: skip
                    continue
                yield CalendarObject(href=href, etag=etag, data=data)

    # -- syncing -----------------------------------------------------------------------

    def sync(self, *, rediscover: bool = False) -> list[CollectionState]:
        """Bring the cache up to date and return the collections' states.

        Raise SourceError when the server cannot be used and nothing is cached, or the
        credentials are refused.
        """
        known = self.store.collections_of(self.url)
        source = remembered.source_state(self.store, self.url)
        self._still_refused(source)
        try:
            if rediscover or not known or self._discovery_due(source, known):
                known = self._rediscover(known)
            states = [self._sync_collection(state) for state in known]
        except AuthError as error:
            remembered.record_refusal(self.store, self.url, str(error), self.clock())
            raise
        if source is not None and source.refused:
            remembered.clear_refusal(self.store, self.url)
        return states

    def _rediscover(self, known: list[CollectionState]) -> list[CollectionState]:
        """Discover the calendars again; keep the known ones when the server fails."""
        try:
            found = self.discover()
        except TransientError as error:
            if not known:
                raise
            log.warning("%s; using the cached calendars", error)
            return known
        self.store.forget_collections(self.url, {c.url for c in found})
        config = remembered.fingerprint(self.settings)
        remembered.record_discovery(self.store, self.url, config, self.clock())
        return [self.store.ensure_collection(c.url, c.name, self.url) for c in found]

    def _discovery_due(
        self, source: remembered.SourceState | None, known: list[CollectionState]
    ) -> bool:
        """Whether the settings changed or a day passed since discovery (never while a
        collection waits for its next attempt: that sends nothing)."""
        config = remembered.fingerprint(self.settings)
        if not remembered.discovery_stale(source, config, self.clock()):
            return False
        return not any(self._not_due(state) for state in known)

    def _still_refused(self, source: remembered.SourceState | None) -> None:
        """For send-due: within the hour after a 401/403, say it again, sending nothing."""
        refusal = remembered.still_refused(source, self.clock()) if self.honour_backoff else None
        if refusal is not None:
            raise AuthError(refusal)

    def _not_due(self, state: CollectionState) -> bool:
        if not self.honour_backoff or not state.next_attempt:
            return False
        return self.clock() < datetime.fromisoformat(state.next_attempt)

    def _waiting(self, state: CollectionState) -> bool:
        """Whether a failed collection's next attempt is not due yet (then its cache is
        served, or, with nothing cached, the error said again)."""
        if not self._not_due(state):
            return False
        due = datetime.fromisoformat(str(state.next_attempt))
        if self.store.last_success(state.id) is None:
            raise TransientError(
                f"{self.label}: not reachable at the last attempt; next attempt at {due:%H:%M:%S}"
            )
        log.info("%s: next attempt at %s; using the cached copy", state.url, due)
        return True

    def _sync_collection(self, state: CollectionState) -> CollectionState:
        if self._waiting(state):
            return state
        try:
            listing, full = self._listing(state)
            stored = self.store.etags(state.id) if full or listing.etags or listing.deleted else {}
            if full:
                if stored and not listing.etags:
                    raise TransientError(
                        f"{self.label}: the server listed {state.url} as empty while "
                        f"{len(stored)} events are cached; treated as a failed poll"
                    )
                deleted = set(stored) - set(listing.etags)
            else:
                deleted = listing.deleted & set(stored)
            changed = {h: etag for h, etag in listing.etags.items() if stored.get(h) != etag}
            fetched = self._fetch(state, changed)
            # The token moves last: a sync cut short is simply redone from the old token.
            self.store.apply_sync(
                state.id, {}, deleted, listing.token, listing.ctag, self.clock().isoformat()
            )
            if fetched or deleted:
                log.info("%s: %d changed, %d deleted", state.url, fetched, len(deleted))
        except TransientError as error:
            self._failed(state, error)
        except (NotSupportedError, BatchTooLargeError, InvalidTokenError) as error:
            self._failed(state, TransientError(str(error)))
        refreshed = self.store.collection(state.url)
        return refreshed or state

    def _listing(self, state: CollectionState) -> tuple[Listing, bool]:
        """What changed: a token sync when the server offers one, else an etag listing.

        Return the listing and whether it is complete (deletions are then what is missing).
        A server without sync support is remembered by an empty token.
        """
        dav = self._client()
        if state.sync_token == "":
            return self._without_sync(dav, state)
        if state.sync_token:
            try:
                return _normalised(dav.sync(state.url, state.sync_token)), False
            except InvalidTokenError:
                log.warning("%s: sync token expired; reading the calendar again", state.url)
            except (NotSupportedError, BatchTooLargeError) as error:
                log.warning("%s: %s; reading the calendar again", state.url, error)
        try:
            return _normalised(dav.sync(state.url, None)), True
        except (NotSupportedError, BatchTooLargeError) as error:
            log.info("%s: %s; listing etags instead", state.url, error)
        return self._without_sync(dav, state)

    def _without_sync(self, dav: Dav, state: CollectionState) -> tuple[Listing, bool]:
        """For servers without sync tokens: nothing when the ctag is unchanged, else every
        etag by PROPFIND, else (servers that refuse that) the events of two years around
        now by a time-range query."""
        ctag = dav.ctag(state.url)
        if ctag is not None and ctag == state.ctag:
            return Listing(token="", ctag=ctag), False
        try:
            listing = dav.etags(state.url)
        except NotSupportedError:
            now = self.clock()
            listing = dav.time_range(
                state.url, _utc(now - timedelta(days=366)), _utc(now + timedelta(days=366))
            )
        listing = _normalised(listing)
        listing.token, listing.ctag = "", ctag
        return listing, True

    def _fetch(self, state: CollectionState, etags: dict[str, str]) -> int:
        """Fetch and store changed objects (href → listed etag) batch by batch (memory
        stays flat); return how many arrived."""
        count = 0
        hrefs = list(etags)
        for start in range(0, len(hrefs), BATCH):
            batch = self._multiget(state.url, hrefs[start : start + BATCH], etags)
            self.store.put_objects(state.id, batch)
            count += len(batch)
        return count

    def _multiget(
        self, url: str, hrefs: list[str], etags: dict[str, str]
    ) -> dict[str, tuple[str, bytes]]:
        """One multiget; a batch the server refuses as too large is split in two, and so is
        an answer beyond the XML parser's limits, down to the one object, which is stored
        empty (skipped with a warning, not fetched again until it changes)."""
        try:
            answer = self._client().multiget(url, [_quoted(href) for href in hrefs])
        except (BatchTooLargeError, OversizedError) as error:
            if len(hrefs) == 1 and isinstance(error, OversizedError):
                return {hrefs[0]: (etags.get(hrefs[0], ""), b"")}
            if len(hrefs) == 1:
                raise TransientError(f"{self.label}: the server refused {hrefs[0]}") from None
            half = len(hrefs) // 2
            return {
                **self._multiget(url, hrefs[:half], etags),
                **self._multiget(url, hrefs[half:], etags),
            }
        return {_path(href): value for href, value in answer.items()}

    def _failed(self, state: CollectionState, error: TransientError) -> None:
        """Schedule the next attempt (the backoff, or later if the server asked), and say
        what was done: ``check`` polls whatever the schedule, ``send-due`` keeps it."""
        ahead = state.next_attempt is not None and not self.honour_backoff
        ahead = ahead and self.clock() < datetime.fromisoformat(str(state.next_attempt))
        delay = backoff(state.failures + 1, self.rng)
        asked = remembered.retry_after(error.retry_after, self.clock())
        if asked is not None and asked > delay:
            delay = asked
        self.store.record_failure(state.id, (self.clock() + delay).isoformat())
        last = self.store.last_success(state.id)
        if last is None:
            raise error
        when = "polled ahead of the schedule, " if ahead else ""
        who = "next attempt" if self.honour_backoff else "send-due's next attempt"
        why = " (as the server asked)" if delay == asked else ""
        log.warning(
            "%s; using the copy from %s; %s%s in %d s%s",
            error, last[:16].replace("T", " "), when, who, delay.total_seconds(), why,
        )  # fmt: skip

    # -- discovery ---------------------------------------------------------------------

    def discover(self) -> list[Collection]:
        """The calendar collections this source reads: the URL itself, or the principal's
        calendars that hold events, narrowed to ``calendars`` when it is set."""
        dav = self._client()
        try:
            described = dav.describe(self.url)
        except NotSupportedError:
            raise NotCalDAVError(
                f"{self.label}: this looks like a web page, not a CalDAV server (it does not "
                "answer PROPFIND): use the calendar server's CalDAV URL (README, \"CalDAV "
                "servers\"), or for a calendar's .ics address a URL ending in .ics or "
                'type = "ics"'
            ) from None
        if not described:
            raise TransientError(f"{self.label}: the server described nothing at this URL")
        _, props = described[0]
        if is_calendar(props):
            return [_collection(self.url, props)]
        home = property_href(props, CALDAV, "calendar-home-set")
        if home is None:
            principal = property_href(props, DAV, "current-user-principal")
            if principal is None:
                raise SourceError(f"{self.label}: neither a calendar nor a CalDAV principal")
            principal_props = dict(dav.describe(urljoin(self.url, principal))).values()
            home = next(
                (
                    found
                    for p in principal_props
                    if (found := property_href(p, CALDAV, "calendar-home-set"))
                ),
                None,
            )
            if home is None:
                raise SourceError(f"{self.label}: the principal has no calendar home")
        home_url = urljoin(self.url, home)
        calendars = [
            _collection(found_url, found)
            for found_url, found in dav.describe(home_url, depth=1)
            if is_calendar(found)
        ]
        return self._selected([c for c in calendars if c.has_events])

    def _selected(self, calendars: list[Collection]) -> list[Collection]:
        wanted = [name.strip() for name in self.settings.calendars if name.strip()]
        if not wanted:
            return calendars
        chosen = [
            c
            for c in calendars
            if c.name in wanted or c.url in wanted or _path(c.url) in {_path(w) for w in wanted}
        ]
        missing = [
            w
            for w in wanted
            if not any(w in (c.name, c.url) or _path(c.url) == _path(w) for c in chosen)
        ]
        if missing:
            names = ", ".join(sorted(c.name or c.url for c in calendars)) or "none"
            raise SourceError(f"{self.label}: no calendar {missing[0]!r} (found: {names})")
        return chosen

    def _client(self) -> Dav:
        if self._dav is None:
            url, in_url = self.url, self._url_credentials
            username = self.settings.username or (in_url[0] if in_url else None)
            password = self.settings.resolve_password() or (in_url[1] if in_url else None)
            require_safe_transport(url, password, allow_insecure=self.settings.allow_insecure)
            client = DAVClient(
                url=url,
                username=username,
                password=password,
                auth_type=self.settings.auth if username else None,
                timeout=self.settings.timeout,  # type: ignore[arg-type]
                ssl_verify_cert=self.settings.verify_tls,
                enable_rfc6764=False,
                rate_limit_handle=False,
            )
            self._dav = Dav(client, self.label, username, self.settings.timeout)
        return self._dav


def _collection(url: str, props: dict[str, object]) -> Collection:
    return Collection(
        url=url,
        name=property_text(props, DAV, "displayname") or _path(url).rstrip("/").rsplit("/", 1)[-1],
        components=components_of(props),
        sync_token=property_text(props, DAV, "sync-token"),
        ctag=property_text(props, "http://calendarserver.org/ns/", "getctag"),
    )


def _path(href: str) -> str:
    """An href in the one form it is stored and compared in: its unquoted path."""
    return unquote(urlsplit(href).path)


def _quoted(path: str) -> str:
    return quote(path, safe="/@:+,;=~!$&'()*")


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _normalised(listing: Listing) -> Listing:
    listing.etags = {_path(href): etag for href, etag in listing.etags.items()}
    listing.deleted = {_path(href) for href in listing.deleted}
    return listing


__all__ = ["AuthError", "CalDAVSource", "backoff"]
