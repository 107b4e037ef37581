"""The state database's schema, as the ordered migrations that build it.

A database carries the number of migrations applied in ``PRAGMA user_version``; opening it
applies the rest in order, each in its own transaction (see :class:`~watercooler.store.Store`).
A migration is never edited once released, except to drop what a later one removes.
"""


def _rekey(table: str, column: str) -> str:
    """Rewrite the occurrence names of schema 4's single events, ``uid@<local start to the
    minute with its offset>`` (``…@2026-03-11T17:00+01:00``), in one column to the one format
    :func:`~watercooler.rulebook.nudge.occurrence_subject` gives now: the UTC instant
    (``…@20260311T160000Z``), or the local date for a start at local midnight (all-day
    events started there). Nothing else ends in that shape: series were already named in
    UTC, days by their date. ``OR IGNORE`` keeps a row whose new name is taken as it was.
    """
    moment = f"substr({column}, -22)"
    shape = "[0-9]" * 4 + "-" + "[0-9]" * 2 + "-" + "[0-9]" * 2 + "T"
    shape += "[0-9][0-9]:[0-9][0-9][+-][0-9][0-9]:[0-9][0-9]"
    # The table and column names are the constants below, never input.
    return (
        f"UPDATE OR IGNORE {table} SET {column} = "  # noqa: S608
        f"substr({column}, 1, length({column}) - 22) || "
        f"CASE WHEN substr({moment}, 11, 6) = 'T00:00' "
        f"THEN replace(substr({moment}, 1, 10), '-', '') "
        f"ELSE strftime('%Y%m%dT%H%M%SZ', {moment}) END "
        f"WHERE substr({column}, -23, 1) = '@' AND {moment} GLOB '{shape}';\n"
    )


MIGRATIONS: tuple[str, ...] = (
    # 1: calendar cache — collections with their sync state, objects by href, digests.
    """
    CREATE TABLE collections (
        id INTEGER PRIMARY KEY,
        url TEXT NOT NULL UNIQUE,
        display_name TEXT NOT NULL DEFAULT '',
        sync_token TEXT,
        ctag TEXT,
        last_success TEXT,
        failures INTEGER NOT NULL DEFAULT 0,
        next_attempt TEXT
    );
    CREATE TABLE objects (
        collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
        href TEXT NOT NULL,
        etag TEXT NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (collection_id, href)
    ) WITHOUT ROWID;
    CREATE TABLE digests (
        key BLOB PRIMARY KEY,
        body BLOB NOT NULL,
        used TEXT NOT NULL DEFAULT ''
    ) WITHOUT ROWID;
    """,
    # 2: remember which configured source found each collection, so a poll can skip
    # discovery and go straight to the one sync REPORT per collection.
    """
    ALTER TABLE collections ADD COLUMN source TEXT NOT NULL DEFAULT '';
    CREATE INDEX collections_by_source ON collections (source);
    """,
    # 3: a poll compares etags; this index answers it without reading the event data.
    """
    CREATE INDEX objects_etags ON objects (collection_id, href, etag);
    """,
    # 4: delivery — what was seen, every nudge planned with its state, the deliveries to
    # each service (exactly-once across restarts), and holds (snooze, pause, back-off).
    """
    CREATE TABLE lunch_days (
        day TEXT PRIMARY KEY,
        outcome TEXT NOT NULL,
        seen TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE social_seen (
        subject TEXT PRIMARY KEY,
        start TEXT NOT NULL,
        summary TEXT NOT NULL,
        status TEXT NOT NULL,
        seen TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE nudges (
        key TEXT PRIMARY KEY,
        rule TEXT NOT NULL,
        tip INTEGER NOT NULL,
        due TEXT NOT NULL,
        expires TEXT NOT NULL,
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        tags TEXT NOT NULL DEFAULT '',
        quiet_hours TEXT NOT NULL,
        state TEXT NOT NULL
            CHECK (state IN ('pending', 'sent', 'failed', 'expired', 'dropped')),
        reason TEXT NOT NULL DEFAULT '',
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt TEXT,
        message TEXT,
        created TEXT NOT NULL,
        updated TEXT NOT NULL,
        sent_at TEXT,
        verdict TEXT
    ) WITHOUT ROWID;
    CREATE INDEX nudges_by_state ON nudges (state, due);
    CREATE INDEX nudges_by_rule ON nudges (rule, sent_at);
    CREATE TABLE deliveries (
        message TEXT NOT NULL,
        service TEXT NOT NULL,
        sent_at TEXT NOT NULL,
        PRIMARY KEY (message, service)
    ) WITHOUT ROWID;
    CREATE TABLE holds (
        name TEXT PRIMARY KEY,
        since TEXT NOT NULL,
        until TEXT NOT NULL
    ) WITHOUT ROWID;
    """,
    # 5: the parse cache under its own name, without the clock-reading default its
    # unused 'used' column had (every time in the store comes from the injected clock).
    """
    CREATE TABLE parse_cache (
        key BLOB PRIMARY KEY,
        body BLOB NOT NULL
    ) WITHOUT ROWID;
    INSERT INTO parse_cache (key, body) SELECT key, body FROM digests;
    DROP TABLE digests;
    """,
    # 6: one format for the name of an occurrence in nudge keys (single events were named
    # by their local start and offset, which a DST gap could move); every table that holds
    # a key or a subject is rewritten, so an upgrade sends nothing a second time.
    _rekey("nudges", "key")
    + _rekey("nudges", "message")
    + _rekey("deliveries", "message")
    + _rekey("social_seen", "subject"),
    # 7: a delivery is reserved (confirmed 0) before the send and confirmed after it, in
    # place: the row keeps its size, so the record after a send needs no new space.
    """
    ALTER TABLE deliveries ADD COLUMN confirmed INTEGER NOT NULL DEFAULT 1;
    """,
    # 8: per configured CalDAV source, the settings its discovery was made with and when
    # (discovery is redone when either is stale), and a refusal of its credentials, which
    # send-due retries at most once an hour.
    """
    CREATE TABLE caldav_sources (
        source TEXT PRIMARY KEY,
        config TEXT NOT NULL DEFAULT '',
        discovered TEXT,
        refused TEXT,
        refused_until TEXT
    ) WITHOUT ROWID;
    """,
    # 9: what the daemon last said about itself (started, last poll, next wake-up,
    # degraded files), one value per name, for `status` to show.
    """
    CREATE TABLE daemon_status (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL
    ) WITHOUT ROWID;
    """,
    # 10: progress — the evidence of each missed chance, each social occurrence's local
    # day, the people met (one row per person per occurrence I took part in), the
    # journal's notes and dismissals, and the people whose history was forgotten.
    """
    ALTER TABLE lunch_days ADD COLUMN evidence TEXT NOT NULL DEFAULT '';
    ALTER TABLE social_seen ADD COLUMN day TEXT NOT NULL DEFAULT '';
    ALTER TABLE social_seen ADD COLUMN evidence TEXT NOT NULL DEFAULT '';
    UPDATE social_seen SET day = substr(start, 1, 10);
    CREATE INDEX social_seen_by_day ON social_seen (day);
    CREATE TABLE contacts (
        subject TEXT NOT NULL,
        address TEXT NOT NULL,
        name TEXT NOT NULL,
        day TEXT NOT NULL,
        start TEXT NOT NULL,
        size INTEGER NOT NULL,
        kind TEXT NOT NULL,
        PRIMARY KEY (subject, address)
    ) WITHOUT ROWID;
    CREATE INDEX contacts_by_day ON contacts (day);
    CREATE INDEX contacts_by_address ON contacts (address, start);
    CREATE TABLE journal_notes (
        id INTEGER PRIMARY KEY,
        day TEXT NOT NULL,
        text TEXT NOT NULL,
        created TEXT NOT NULL,
        updated TEXT NOT NULL
    );
    CREATE INDEX journal_notes_by_day ON journal_notes (day);
    CREATE TABLE journal_dismissed (
        entry TEXT PRIMARY KEY,
        reason TEXT NOT NULL DEFAULT '',
        created TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE forgotten_people (
        address TEXT PRIMARY KEY,
        until TEXT NOT NULL
    ) WITHOUT ROWID;
    """,
    # 11: a nudge can carry a file to attach (the Friday report's HTML, a path under the
    # state folder); NULL for the nudges that carry none.
    """
    ALTER TABLE nudges ADD COLUMN attach TEXT;
    """,
)
