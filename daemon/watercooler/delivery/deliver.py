"""One delivery tick: plan what the rules gave, decide each due nudge's fate, send it once.

What ``send-due`` does and what the daemon does on every poll. Each due nudge meets, in
order: its expiry, a pause, its rule's back-off, quiet hours (its rule drops, defers or
digests it), a snooze, and the daily cap; what passes is sent to each service it is for.
The ledger records every step before the next one, so a crash anywhere repeats at most
the one send in flight. A nudge's attachment (the Friday report's HTML, in the state
folder) goes with it; a file gone by then costs the attachment, with a warning, never the
send.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from watercooler.classify.classifier import Classification
from watercooler.delivery.ledger import PAUSE, RULE_HOLD, SNOOZE, Ledger, Planned, State
from watercooler.delivery.notifier import Notifier, Service
from watercooler.delivery.quiet import is_quiet, quiet_end
from watercooler.rulebook.nudge import Nudge
from watercooler.settings import Settings
from watercooler.text import short_time
from watercooler.timebox import DateRange

log = logging.getLogger(__name__)

BACKOFF_AFTER = 3
"""Sent nudges in a row that changed nothing before a rule pauses itself."""
BACKOFF_FOR = timedelta(days=7)
NOTICE_RULE = "watercooler"
"""Notices (a rule backing off) are messages from watercooler itself: tip 0, no cap."""
NOTICE_LIFETIME = timedelta(days=1)
ATTACHED_ELSEWHERE = "The full report is in `watercooler report`."
"""The last line of a message whose attachment a service cannot take (or that is gone)."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one tick did with one nudge."""

    key: str
    rule: str
    title: str
    due: datetime
    action: str
    """sent, failed, expired, dropped or waiting."""
    reason: str
    missed: bool = False
    """Expired while nothing ran (never tried): said together, in one line, not one each."""


@dataclass(slots=True)
class Report:
    """Everything one tick did."""

    planned: int = 0
    outcomes: list[Outcome] = field(default_factory=list)

    def count(self, action: str) -> int:
        """How many nudges met this action."""
        return sum(1 for outcome in self.outcomes if outcome.action == action)

    def missed(self) -> list[Outcome]:
        """The nudges whose useful time passed while nothing ran, by due time."""
        return [outcome for outcome in self.outcomes if outcome.missed]


@dataclass(slots=True)
class _Tick:
    ledger: Ledger
    notifier: Notifier
    settings: Settings
    now: datetime
    watched: frozenset[str]
    report: Report
    first_run: bool = False
    """The ledger was empty: what expired before this run is recorded without a word."""

    # -- deciding ------------------------------------------------------------------------

    def when(self, moment: datetime) -> str:
        """A moment as the ledger's reasons show it (the year only when it is not now's)."""
        return short_time(moment, self.settings.zone, now=self.now)

    def decide(self, planned: Planned) -> bool:
        """Apply expiry, holds, quiet hours, snooze and cap; True when it may be sent now."""
        now, notify, zone = self.now, self.settings.notify, self.settings.zone
        if now >= planned.expires:
            self.expire(planned)
            return False
        pause = self.ledger.active_hold(PAUSE, now)
        if pause is not None:
            self.settle(planned, "dropped", f"paused until {self.when(pause.until)}")
            return False
        if planned.tip > 0 and self.backed_off(planned):
            return False
        quiet = notify.quiet_hours
        if is_quiet(now, quiet, zone) or (
            planned.quiet_hours == "drop" and is_quiet(planned.due, quiet, zone)
        ):
            if planned.quiet_hours == "drop":
                self.settle(planned, "dropped", "due in quiet hours")
                return False
            return self.wait(planned, quiet_end(now, quiet, zone), "quiet hours")
        snooze = self.ledger.active_hold(SNOOZE, now)
        if snooze is not None:
            return self.wait(planned, snooze.until, "snoozed")
        if planned.tip > 0 and self.capped():
            self.settle(planned, "dropped", f"the daily cap of {notify.daily_cap} was reached")
            return False
        return True

    def expire(self, planned: Planned) -> None:
        """Record a nudge whose useful time is over: one never tried expired while nothing
        ran (said in one summary line; on the first run, not at all)."""
        never_tried = planned.state == "pending" and planned.attempts == 0
        if never_tried and self.first_run:
            why = "its useful time was over before watercooler first ran"
            self.ledger.mark(planned.key, "expired", why, self.now)
            return
        why = "its useful time was over before it could be sent"
        if planned.state == "failed":
            why += f" (last failure: {planned.reason})"
        self.ledger.mark(planned.key, "expired", why, self.now)
        self.outcome(planned, "expired", why, missed=never_tried)

    def wait(self, planned: Planned, until: datetime, why: str) -> bool:
        if until >= planned.expires:
            self.settle(
                planned,
                "expired",
                f"{why} until {self.when(until)}, past its useful time",
            )
            return False
        reason = f"{why} until {self.when(until)}"
        self.ledger.mark(planned.key, planned.state, reason, self.now, next_attempt=until)
        self.outcome(planned, "waiting", reason)
        return False

    def capped(self) -> bool:
        """Whether today's messages (local day) reached the cap."""
        today = self.now.astimezone(self.settings.zone).date()
        start, end = DateRange(today, today).bounds(self.settings.zone)
        return self.ledger.messages_sent_between(start, end) >= self.settings.notify.daily_cap

    def backed_off(self, planned: Planned) -> bool:
        """Whether the nudge's rule is (or now goes) on a week's back-off; drops it if so."""
        if not self.settings.notify.backoff or planned.rule not in self.watched:
            return False
        name = RULE_HOLD + planned.rule
        hold = self.ledger.hold(name)
        if hold is not None and hold.since <= self.now < hold.until:
            self.settle(
                planned,
                "dropped",
                f"{planned.rule} paused itself until {self.when(hold.until)}",
            )
            return True
        since = hold.until if hold else None
        last = self.ledger.last_concluded(planned.rule, since, self.now, BACKOFF_AFTER)
        if len(last) < BACKOFF_AFTER or any(p.verdict != "unchanged" for p in last):
            return False
        until = self.now + BACKOFF_FOR
        self.ledger.set_hold(name, self.now, until)
        self.ledger.add_notice(self.notice(planned, until), self.now)
        self.settle(
            planned,
            "dropped",
            f"its last {BACKOFF_AFTER} nudges changed nothing; "
            f"{planned.rule} paused itself until {self.when(until)}",
        )
        log.warning(
            "rule %s paused itself for a week: its last %d nudges changed nothing",
            planned.rule,
            BACKOFF_AFTER,
        )
        return True

    def notice(self, planned: Planned, until: datetime) -> Nudge:
        when = self.when(until)
        return Nudge(
            rule=NOTICE_RULE,
            tip=0,
            due=self.now,
            expires=self.now + NOTICE_LIFETIME,
            title=f"Pausing the {planned.rule} nudges for a week",
            body=f"The last {BACKOFF_AFTER} of them changed nothing, so they stay quiet "
            f"until {when}. Run 'watercooler resume {planned.rule}' to have them back sooner.",
            key=f"notice/backoff/{planned.rule}/{self.now.date().isoformat()}",
            quiet_hours="defer",
            tags=planned.tags,
        )

    # -- sending ------------------------------------------------------------------------

    def send(self, members: list[Planned], message: str, title: str, body: str) -> None:
        """Send one message for these nudges to every service still missing it."""
        tags = () if any(not p.tags for p in members) else _union(p.tags for p in members)
        targets = self.targets(tags)
        done = self.ledger.delivered_to(message)
        todo = [service for service in targets if service.ident not in done]
        # Reserved before sending: a write that fails (a full disk) means "not sent".
        self.ledger.begin_attempt(
            [p.key for p in members], message, [s.ident for s in todo], self.now
        )
        self.ledger.store.make_room()
        errors = []
        files, wanted = self.attachments(members)
        instead = ATTACHED_ELSEWHERE if wanted else ""
        for service in todo:
            result = self.notifier.send(service, title, body, files, instead=instead)
            if result.ok:
                self.ledger.delivered(message, service.ident, self.now)
            elif service.best_effort:
                log.warning("%s: %s (the nudge is in the log)", service.label, result.error)
            else:
                errors.append(f"{service.label}: {result.error}")
        if not errors:
            names = ", ".join(s.label for s in targets)
            for planned in members:
                self.settle(planned, "sent", f"to {names}")
            return
        for planned in members:
            attempts = planned.attempts + 1
            notify = self.settings.notify
            delay = min(notify.retry_first * 2 ** (attempts - 1), notify.retry_max)
            retry = self.now + timedelta(seconds=delay)
            reason = "; ".join(errors)
            log.warning("could not deliver %s yet: %s", planned.key, reason)
            self.ledger.mark(planned.key, "failed", reason, self.now, next_attempt=retry)
            self.outcome(planned, "failed", f"{reason} (retry {self.when(retry)})")

    def attachments(self, members: list[Planned]) -> tuple[list[Path], bool]:
        """The files these nudges carry that are still there, and whether any carries one;
        a missing file is a warning: the text goes without it."""
        folder = self.ledger.store.path.parent
        files: list[Path] = []
        for planned in members:
            if planned.attach is None:
                continue
            path = folder / planned.attach  # an absolute path stays itself
            if path.is_file():
                files.append(path)
            else:
                log.warning(
                    "%s: the file to attach, %s, is gone; sending the text alone",
                    planned.key,
                    path,
                )
        return files, any(p.attach is not None for p in members)

    def targets(self, tags: tuple[str, ...]) -> list[Service]:
        found = self.notifier.targets(tags)
        if found:
            return found
        log.warning("no service is tagged %s; the nudge goes to the log", ", ".join(tags))
        return self.notifier.fallback[:1]

    # -- recording ----------------------------------------------------------------------

    def settle(self, planned: Planned, state: State, reason: str) -> None:
        self.ledger.mark(planned.key, state, reason, self.now)
        self.outcome(planned, state, reason)

    def outcome(self, planned: Planned, action: str, reason: str, *, missed: bool = False) -> None:
        log.info("%s %s: %s (%s)", action, planned.key, planned.title, reason)
        self.report.outcomes.append(
            Outcome(planned.key, planned.rule, planned.title, planned.due, action, reason, missed)
        )


def deliver(
    ledger: Ledger,
    notifier: Notifier,
    settings: Settings,
    *,
    nudges: Sequence[Nudge],
    situations: dict[str, bool],
    covered: tuple[datetime, datetime],
    classification: Classification,
    watched: frozenset[str],
    now: datetime,
    complete: bool = True,
    dropped: Sequence[tuple[Nudge, str]] = (),
    first_run: bool | None = None,
) -> Report:
    """Plan the nudges the rules gave and deliver every one that is due at ``now``.

    ``situations`` tells, by key, whether each subject the rules looked at still fires;
    ``covered`` is the span they looked at; ``watched`` the rules whose situation a nudge
    can change (only those back off); ``dropped`` those due on a day off, not to be sent.
    When the calendars were not all read (``complete`` false), no nudge is dropped for an
    event that is missing: it may be in the calendar that failed. ``first_run`` (the
    ledger was empty before this tick recorded its history) is found out when not given.
    """
    report = Report()
    if first_run is None:
        first_run = not ledger.has_run()
    if not complete:
        covered = (now, now)  # an empty span: nothing's absence is evidence
    report.planned = ledger.plan(nudges, now)
    tick = _Tick(ledger, notifier, settings, now, watched, report, first_run)
    if ledger.store.recovered_from is not None:
        # A fresh ledger does not know what the damaged one had sent: what fell due before
        # the recovery is recorded, never sent a second time.
        for planned in ledger.actionable(now):
            tick.settle(planned, "dropped", "due before the state database was recovered")
    for planned in ledger.settle(situations, covered, now):
        tick.outcome(planned, "dropped", "its situation changed before it was sent")
    _drop_on_days_off(tick, dropped)
    _send_actionable(ledger, tick, now)
    return report


def _send_actionable(ledger: Ledger, tick: _Tick, now: datetime) -> None:
    """Send every open nudge that is due, digests as one message each."""
    handled: set[str] = set()
    for _ in range(2):  # the second round sends notices the first one raised
        digest: dict[str, list[Planned]] = {}
        for planned in ledger.actionable(now):
            if planned.key in handled:
                continue
            handled.add(planned.key)
            if not tick.decide(planned):
                continue
            if planned.quiet_hours == "digest" and planned.tip > 0:
                digest.setdefault(planned.message or f"digest/{now.isoformat()}", []).append(
                    planned
                )
                continue
            tick.send([planned], planned.message or planned.key, planned.title, planned.body)
        for message, members in digest.items():
            title, body = _digest_text(members)
            tick.send(members, message, title, body)


def _drop_on_days_off(tick: _Tick, dropped: Sequence[tuple[Nudge, str]]) -> None:
    """Record the nudges due on a day off that their rules do not give, once due, as
    ``dropped`` with the reason; one planned before (when it was still due on a workday)
    and not yet attempted is dropped too."""
    for nudge, reason in dropped:
        planned = tick.ledger.get(nudge.key)
        if planned is None and nudge.due <= tick.now:
            tick.ledger.plan([nudge], tick.now)
            planned = tick.ledger.get(nudge.key)
        if planned is not None and planned.state == "pending" and planned.attempts == 0:
            tick.settle(planned, "dropped", reason)


def _digest_text(members: list[Planned]) -> tuple[str, str]:
    if len(members) == 1:
        return members[0].title, members[0].body
    lines = [f"• {p.title}: {p.body}" for p in members]
    return f"{len(members)} nudges from the quiet hours", "\n".join(lines)


def _union(groups: Iterable[tuple[str, ...]]) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for tags in groups:
        found.update(dict.fromkeys(tags))
    return tuple(found)
