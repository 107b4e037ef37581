"""What the store remembers of one configured CalDAV source, and the schedule it keeps.

Per source: the settings its calendars were discovered with and when (discovery is redone
when the settings change and at least once a day, so a calendar added on the server is
read), and the last refusal of its credentials (a 401 or 403, which ``send-due`` retries at
most once an hour). Also the reading of a server's ``Retry-After``.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

from watercooler.settings import SourceSettings
from watercooler.store import Store
from watercooler.urls import split_credentials

BACKOFF_FIRST = timedelta(seconds=30)
BACKOFF_CAP = timedelta(minutes=15)
DISCOVERY_MAX_AGE = timedelta(days=1)
AUTH_RETRY = timedelta(hours=1)
RETRY_AFTER_CAP = timedelta(hours=1)
"""A server asking for more than this is asked again after it: a week's Retry-After (or a
mistaken date) must not stop the calendar for a week."""


@dataclass(frozen=True, slots=True)
class SourceState:
    """The stored state of one configured CalDAV source."""

    config: str
    discovered: str | None
    refused: str | None
    refused_until: str | None


def fingerprint(settings: SourceSettings) -> str:
    """The settings that decide which calendars a source reads: a change means discovering
    again. No secret is part of it."""
    url, in_url = split_credentials(settings.url.strip())  # a password in the URL stays out
    username = settings.username or (in_url[0] if in_url else "")
    calendars = [name.strip() for name in settings.calendars if name.strip()]
    return json.dumps([url, username, calendars])


def source_state(store: Store, source: str) -> SourceState | None:
    """The stored state of a source, None if it was never discovered nor refused."""
    row = store.db.execute(
        "SELECT config, discovered, refused, refused_until FROM caldav_sources WHERE source = ?",
        (source,),
    ).fetchone()
    return None if row is None else SourceState(*row)


def discovery_stale(state: SourceState | None, config: str, now: datetime) -> bool:
    """Whether the source's calendars should be discovered again."""
    if state is None or state.discovered is None or state.config != config:
        return True
    age = now - datetime.fromisoformat(state.discovered)
    return not timedelta(0) <= age < DISCOVERY_MAX_AGE  # a clock set back counts too


def record_discovery(store: Store, source: str, config: str, when: datetime) -> None:
    """Remember that the source's calendars were discovered with ``config`` at ``when``."""
    with store.transaction() as db:
        db.execute(
            "INSERT INTO caldav_sources (source, config, discovered) VALUES (?, ?, ?) "
            "ON CONFLICT(source) DO UPDATE SET config = excluded.config, "
            "discovered = excluded.discovered",
            (source, config, when.isoformat()),
        )


def record_refusal(store: Store, source: str, message: str, when: datetime) -> datetime:
    """Remember a refusal of the credentials (its message holds no secret); return when
    ``send-due`` may try again."""
    until = when + AUTH_RETRY
    with store.transaction() as db:
        db.execute(
            "INSERT INTO caldav_sources (source, refused, refused_until) VALUES (?, ?, ?) "
            "ON CONFLICT(source) DO UPDATE SET refused = excluded.refused, "
            "refused_until = excluded.refused_until",
            (source, message, until.isoformat()),
        )
    return until


def still_refused(state: SourceState | None, now: datetime) -> str | None:
    """The refusal to say again, sending nothing, when it is less than an hour old."""
    if state is None or not state.refused or not state.refused_until:
        return None
    until = datetime.fromisoformat(state.refused_until)
    if now >= until:
        return None
    return f"{state.refused}; not tried again before {until:%H:%M} (`watercooler check` tries now)"


def clear_refusal(store: Store, source: str) -> None:
    """Forget a refusal once the server accepted the credentials again."""
    with store.transaction() as db:
        db.execute(
            "UPDATE caldav_sources SET refused = NULL, refused_until = NULL WHERE source = ?",
            (source,),
        )


def retry_after(value: str | None, now: datetime) -> timedelta | None:
    """A ``Retry-After`` value (seconds, or an HTTP date read against ``now``) as a delay,
    at most :data:`RETRY_AFTER_CAP`; None when absent or unreadable."""
    text = (value or "").strip()
    if not text:
        return None
    if text.isdigit():
        delay = timedelta(seconds=min(int(text), RETRY_AFTER_CAP.total_seconds()))
    else:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            return None
        delay = max(when - now, timedelta(0))
    return min(delay, RETRY_AFTER_CAP)


def backoff(failures: int, rng: random.Random) -> timedelta:
    """Exponential backoff with jitter: 30 s, 1 min, 2 min … capped at 15 min."""
    ceiling = min(BACKOFF_CAP, BACKOFF_FIRST * (2 ** min(max(failures - 1, 0), 10)))
    return timedelta(seconds=ceiling.total_seconds() * rng.uniform(0.5, 1.0))
