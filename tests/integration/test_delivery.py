"""Delivery through the real Apprise to a real HTTP receiver, at injected moments.

Each test runs delivery ticks (what ``send-due`` and the daemon do) against a real ``.ics``
file, a real SQLite ledger and Apprise's ``json://`` service posting to 127.0.0.1, with the
clock given as an argument: nights, DST changes and a week of back-off take no real time.
"""

from __future__ import annotations

import itertools
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from delivery_helpers import only_rules, social_rule
from helpers import ME, calendar, event, timeout_bound
from receiver import Receiver
from watercooler.delivery.deliver import Report
from watercooler.delivery.ledger import PAUSE, SNOOZE, Ledger, State
from watercooler.delivery.notifier import build_notifier
from watercooler.delivery.tick import send_due
from watercooler.rulebook.format import Rule
from watercooler.rulebook.loading import load_rulebook
from watercooler.settings import Settings, settings_from
from watercooler.sources.files import IcsFileSource
from watercooler.store import Store

BERLIN = ZoneInfo("Europe/Berlin")


def at(text: str) -> datetime:
    """A Berlin wall-clock moment, like ``2026-03-04 14:50``."""
    return datetime.fromisoformat(text).replace(tzinfo=BERLIN)


def declined(summary: str, start: str, end: str, uid: str | None = None) -> str:
    """A social event I declined (``start``/``end`` as 20260304T150000)."""
    return event(
        summary, start, end, uid=uid, attendees=[(ME, "DECLINED"), ("sam@example.com", "ACCEPTED")]
    )


class World:
    """A calendar file, rules, settings and a ledger in one temporary folder."""

    def __init__(self, tmp_path: Path, urls: list[str], *rules: str, **notify: Any) -> None:
        self.tmp_path = tmp_path
        self.ics = tmp_path / "work.ics"
        self.ics.write_text(calendar(), encoding="utf-8")
        folder = only_rules(tmp_path / "rules", *(rules or (social_rule(),)))
        book = load_rulebook(folder)
        assert book.errors == []
        self.rules: list[Rule] = [loaded.rule for loaded in book.active()]
        notify.setdefault("desktop", False)
        notify.setdefault("quiet_hours", {"enabled": False})
        self.settings: Settings = settings_from(
            {
                "timezone": "Europe/Berlin",
                "me": [ME],
                "state_dir": str(tmp_path / "state"),
                "notify": {"urls": urls, **notify},
            }
        )
        self.path = tmp_path / "state" / "watercooler.sqlite"

    def events(self, *components: str) -> None:
        self.ics.write_text(calendar(*components), encoding="utf-8")

    def tick(self, moment: datetime) -> Report:
        """One delivery tick at ``moment``, with a fresh store as after a restart."""
        store = Store(self.path)
        try:
            notifier = build_notifier(self.settings.notify, self.settings.redactor())
            _, report = send_due(
                self.settings, [IcsFileSource(self.ics)], self.rules, store, notifier, moment
            )
            return report
        finally:
            store.close()

    def ledger(self) -> tuple[Store, Ledger]:
        store = Store(self.path)
        return store, Ledger(store)

    def state(self, key_part: str) -> tuple[str, str]:
        store, ledger = self.ledger()
        try:
            found = [p for p in ledger.in_states(*_ALL) if key_part in p.key + p.title]
        finally:
            store.close()
        assert len(found) == 1, found
        return found[0].state, found[0].reason


_ALL: tuple[State, ...] = ("pending", "sent", "failed", "expired", "dropped")


def actions(report: Report) -> Counter[str]:
    return Counter(outcome.action for outcome in report.outcomes)


# -- arrives once ------------------------------------------------------------------------


def test_a_due_nudge_arrives_once_with_its_title_and_body(
    tmp_path: Path, receiver: Receiver
) -> None:
    world = World(tmp_path, [receiver.url()])
    world.events(declined("Coffee with Sam", "20260304T150000", "20260304T153000"))
    assert actions(world.tick(at("2026-03-04 14:40"))) == Counter()  # due 14:45
    assert receiver.messages == []
    report = world.tick(at("2026-03-04 14:46"))
    assert actions(report) == Counter({"sent": 1})
    [message] = receiver.messages
    assert message.title == "Drop by Coffee with Sam"
    assert message.body == "It starts at 15:00."
    for minute in (47, 50, 59):  # later polls, each a restart: nothing is sent again
        world.tick(at(f"2026-03-04 14:{minute}"))
    assert len(receiver.messages) == 1
    assert world.state("Coffee")[0] == "sent"


def test_a_nudge_is_planned_pending_before_it_is_due(tmp_path: Path, receiver: Receiver) -> None:
    world = World(tmp_path, [receiver.url()])
    world.events(declined("Coffee with Sam", "20260305T150000", "20260305T153000"))
    report = world.tick(at("2026-03-04 09:00"))
    assert report.planned == 1
    assert world.state("Coffee") == ("pending", "")
    assert receiver.messages == []


def test_after_downtime_a_still_useful_nudge_is_sent_and_an_old_one_expires(
    tmp_path: Path, receiver: Receiver
) -> None:
    world = World(tmp_path, [receiver.url()], social_rule(expires="2h"))
    world.events(
        declined("Coffee early", "20260304T090000", "20260304T093000"),  # due 08:45, gone 10:45
        declined("Coffee late", "20260304T113000", "20260304T120000"),  # due 11:15, until 13:15
    )
    world.tick(at("2026-03-04 08:00"))  # it ran, then a morning of downtime
    report = world.tick(at("2026-03-04 12:00"))
    assert actions(report) == Counter({"sent": 1, "expired": 1})
    assert [o.title for o in report.missed()] == ["Drop by Coffee early"]
    assert receiver.titles() == ["Drop by Coffee late"]
    state, reason = world.state("early")
    assert state == "expired"
    assert "useful time" in reason


def test_a_nudge_whose_situation_changed_before_it_was_due_is_dropped(
    tmp_path: Path, receiver: Receiver
) -> None:
    world = World(tmp_path, [receiver.url()])
    uid = "cake@test"
    world.events(declined("Cake for Jonas", "20260304T150000", "20260304T153000", uid=uid))
    world.tick(at("2026-03-04 10:00"))
    assert world.state("cake@test")[0] == "pending"
    me_going = [(ME, "ACCEPTED")]
    accepted = event(
        "Cake for Jonas", "20260304T150000", "20260304T153000", uid=uid, attendees=me_going
    )
    world.events(accepted)  # I changed my mind and accepted
    world.tick(at("2026-03-04 14:50"))
    assert receiver.messages == []
    state, reason = world.state("cake@test")
    assert state == "dropped"
    assert "situation changed" in reason


def test_a_nudge_whose_event_was_deleted_is_dropped(tmp_path: Path, receiver: Receiver) -> None:
    world = World(tmp_path, [receiver.url()])
    world.events(declined("Cake for Jonas", "20260304T150000", "20260304T153000", uid="c@t"))
    world.tick(at("2026-03-04 10:00"))
    world.events()
    world.tick(at("2026-03-04 14:50"))
    assert receiver.messages == []
    assert world.state("c@t")[0] == "dropped"


# -- failures and retries ----------------------------------------------------------------


def test_receiver_down_then_up_delivers_once_after_recovery(
    tmp_path: Path, receiver: Receiver
) -> None:
    world = World(tmp_path, [receiver.url()], social_rule(expires="3h"), retry_first=60)
    world.events(declined("Coffee with Sam", "20260304T150000", "20260304T153000"))
    receiver.stop()
    report = world.tick(at("2026-03-04 14:46"))
    assert actions(report) == Counter({"failed": 1})
    state, reason = world.state("Coffee")
    assert state == "failed"
    assert "JSON" in reason
    receiver.restart()
    # Backoff: the first retry waits a minute, the second two.
    assert actions(world.tick(at("2026-03-04 14:46:30"))) == Counter()
    assert receiver.messages == []
    assert actions(world.tick(at("2026-03-04 14:47:01"))) == Counter({"sent": 1})
    for minute in range(48, 60):
        world.tick(at(f"2026-03-04 14:{minute}"))
    assert receiver.titles() == ["Drop by Coffee with Sam"]


def test_retries_back_off_exponentially_until_the_nudge_expires(
    tmp_path: Path, receiver: Receiver
) -> None:
    world = World(tmp_path, [receiver.url()], social_rule(expires="30m"), retry_first=60)
    world.events(declined("Coffee with Sam", "20260304T150000", "20260304T153000"))
    receiver.stop()
    attempts = []
    moment = at("2026-03-04 14:45")
    while moment < at("2026-03-04 15:30"):
        if world.tick(moment).count("failed"):
            attempts.append(moment)
        moment += timedelta(seconds=30)
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(attempts)]
    assert gaps == [60, 120, 240, 480]
    state, reason = world.state("Coffee")
    assert state == "expired"
    assert "last failure" in reason


def test_a_receiver_slower_than_the_timeout_is_a_failure_retried_later(
    tmp_path: Path, receiver: Receiver
) -> None:
    timeout = 0.5
    coffee = declined("Coffee with Sam", "20260304T150000", "20260304T153000")
    # The same first tick against a healthy receiver: the slack the timeout's bound allows.
    healthy = Receiver().start()
    try:
        (tmp_path / "healthy").mkdir()
        control = World(
            tmp_path / "healthy", [healthy.url()], social_rule(expires="3h"), timeout=timeout
        )
        control.events(coffee)
        started = time.monotonic()
        assert actions(control.tick(at("2026-03-04 14:46"))) == Counter({"sent": 1})
        baseline = time.monotonic() - started
    finally:
        healthy.stop()
    bound = timeout_bound(timeout, baseline)

    world = World(tmp_path, [receiver.url()], social_rule(expires="3h"), timeout=timeout)
    world.events(coffee)
    receiver.delay = bound + 2.0  # a tick that waited for the answer would overrun the bound
    started = time.monotonic()
    report = world.tick(at("2026-03-04 14:46"))
    elapsed = time.monotonic() - started
    assert actions(report) == Counter({"failed": 1})
    assert elapsed < bound, (
        f"the tick waited {elapsed:.1f} s for a {timeout} s timeout "
        f"(a healthy tick took {baseline:.2f} s)"
    )
    slow = receiver.delay
    receiver.delay = 0.0
    time.sleep(slow)  # let the slow request finish on the receiver's side
    slow_copies = len(receiver.messages)  # it may have arrived after we gave up
    assert actions(world.tick(at("2026-03-04 14:50"))) == Counter({"sent": 1})
    assert len(receiver.messages) == slow_copies + 1
    assert len(receiver.messages) <= 2  # at most the one in flight is duplicated


def test_a_retry_reaches_only_the_service_that_missed_it(tmp_path: Path) -> None:
    first, second = Receiver().start(), Receiver().start()
    try:
        world = World(tmp_path, [first.url(), second.url()], social_rule(expires="3h"))
        world.events(declined("Coffee with Sam", "20260304T150000", "20260304T153000"))
        second.stop()
        assert actions(world.tick(at("2026-03-04 14:46"))) == Counter({"failed": 1})
        second.restart()
        assert actions(world.tick(at("2026-03-04 14:48"))) == Counter({"sent": 1})
        assert len(first.messages) == 1
        assert len(second.messages) == 1
    finally:
        first.stop()
        second.stop()


# -- quiet hours -------------------------------------------------------------------------


def quiet(start: str, end: str) -> dict[str, Any]:
    return {"enabled": True, "start": start, "end": end}


def test_quiet_hours_across_midnight_defer_until_they_end(
    tmp_path: Path, receiver: Receiver
) -> None:
    world = World(
        tmp_path,
        [receiver.url()],
        social_rule(expires="12h"),
        quiet_hours=quiet("22:00", "07:00"),
    )
    world.events(declined("Late drinks", "20260304T233000", "20260305T010000"))
    report = world.tick(at("2026-03-04 23:20"))
    assert actions(report) == Counter({"waiting": 1})
    assert "quiet hours until Thu 05 Mar 07:00" in report.outcomes[0].reason
    for moment in ("2026-03-05 00:30", "2026-03-05 03:00", "2026-03-05 06:59"):
        assert world.tick(at(moment)).outcomes == []
    assert receiver.messages == []
    assert actions(world.tick(at("2026-03-05 07:00"))) == Counter({"sent": 1})
    assert receiver.titles() == ["Drop by Late drinks"]


def test_quiet_hours_drop_a_rule_that_says_drop(tmp_path: Path, receiver: Receiver) -> None:
    world = World(
        tmp_path,
        [receiver.url()],
        social_rule(expires="12h", quiet="drop"),
        quiet_hours=quiet("22:00", "07:00"),
    )
    world.events(declined("Late drinks", "20260304T233000", "20260305T010000"))
    world.tick(at("2026-03-04 23:20"))
    world.tick(at("2026-03-05 07:30"))  # still inside its useful window, but it was dropped
    assert receiver.messages == []
    assert world.state("Late") == ("dropped", "due in quiet hours")


def test_a_deferred_nudge_that_expires_during_quiet_hours_is_not_sent_late(
    tmp_path: Path, receiver: Receiver
) -> None:
    world = World(
        tmp_path,
        [receiver.url()],
        social_rule(expires="2h"),
        quiet_hours=quiet("22:00", "07:00"),
    )
    world.events(declined("Late drinks", "20260304T233000", "20260305T010000"))
    world.tick(at("2026-03-04 23:20"))
    world.tick(at("2026-03-05 07:00"))
    assert receiver.messages == []
    assert world.state("Late")[0] == "expired"


def test_digest_rules_arrive_as_one_message_when_quiet_hours_end(
    tmp_path: Path, receiver: Receiver
) -> None:
    world = World(
        tmp_path,
        [receiver.url()],
        social_rule(expires="12h", quiet="digest"),
        quiet_hours=quiet("22:00", "07:00"),
    )
    world.events(
        declined("Late drinks", "20260304T233000", "20260305T010000"),
        declined("Night party", "20260305T003000", "20260305T030000"),
    )
    world.tick(at("2026-03-04 23:20"))
    world.tick(at("2026-03-05 00:20"))
    world.tick(at("2026-03-05 07:01"))
    [message] = receiver.messages
    assert message.title == "2 nudges from the quiet hours"
    assert "Drop by Late drinks" in message.body
    assert "Drop by Night party" in message.body
    assert world.state("Late")[0] == world.state("Night")[0] == "sent"


@pytest.mark.parametrize(
    ("night", "event_start", "before_end", "end"),
    [
        # Autumn: 25 Oct 2026 has 25 hours; 07:00 CET is 06:00 UTC, nine wall hours later.
        ("2026-10-24", "20261024T230000", "2026-10-25 06:59", "2026-10-25 07:00"),
        # Spring: 29 Mar 2026 has 23 hours; 07:00 CEST is 05:00 UTC.
        ("2026-03-28", "20260328T230000", "2026-03-29 06:59", "2026-03-29 07:00"),
    ],
)
def test_quiet_hours_end_at_the_local_wall_clock_across_a_dst_change(
    tmp_path: Path, receiver: Receiver, night: str, event_start: str, before_end: str, end: str
) -> None:
    world = World(
        tmp_path,
        [receiver.url()],
        # Both nights are Saturday's: the rule says to send on days off too.
        social_rule(offset="-30m", expires="12h", extra="    days_off: send\n"),
        quiet_hours=quiet("22:00", "07:00"),
    )
    day = event_start[:8]
    world.events(declined("Late drinks", event_start, f"{day}T235900"))
    world.tick(at(f"{night} 22:35"))
    assert world.tick(at(before_end)).outcomes == []
    assert receiver.messages == []
    report = world.tick(at(end))
    assert actions(report) == Counter({"sent": 1})


# -- the daily cap, snooze and pause -----------------------------------------------------


def test_the_daily_cap_drops_what_comes_after_it(tmp_path: Path, receiver: Receiver) -> None:
    world = World(tmp_path, [receiver.url()], social_rule(expires="3h"), daily_cap=2)
    world.events(
        *(
            declined(f"Coffee {n}", f"20260304T{9 + n:02d}0000", f"20260304T{9 + n:02d}3000")
            for n in range(4)
        ),
        declined("Coffee tomorrow", "20260305T090000", "20260305T093000"),
    )
    for hour in range(8, 13):
        world.tick(at(f"2026-03-04 {hour:02d}:50"))
    assert receiver.titles() == ["Drop by Coffee 0", "Drop by Coffee 1"]
    for name in ("Coffee 2", "Coffee 3"):
        assert world.state(name) == ("dropped", "the daily cap of 2 was reached")
    world.tick(at("2026-03-05 08:50"))  # a new day, a new allowance
    assert receiver.titles()[-1] == "Drop by Coffee tomorrow"


def test_the_daily_cap_counts_the_local_day(tmp_path: Path, receiver: Receiver) -> None:
    """00:30 in Berlin is the previous day in UTC: the cap must not carry it over."""
    world = World(tmp_path, [receiver.url()], social_rule(expires="3h"), daily_cap=1)
    world.events(
        declined("Coffee night", "20260304T004500", "20260304T010000"),
        declined("Coffee morning", "20260304T091500", "20260304T093000"),
        declined("Coffee yesterday", "20260303T231500", "20260303T233000"),
    )
    for moment in ("2026-03-03 23:05", "2026-03-04 00:35", "2026-03-04 09:05"):
        world.tick(at(moment))
    assert receiver.titles() == ["Drop by Coffee yesterday", "Drop by Coffee night"]


def test_snooze_holds_nudges_until_it_ends(tmp_path: Path, receiver: Receiver) -> None:
    world = World(tmp_path, [receiver.url()], social_rule(expires="3h"))
    world.events(declined("Coffee with Sam", "20260304T100000", "20260304T103000"))
    store, ledger = world.ledger()
    ledger.set_hold(SNOOZE, at("2026-03-04 09:00"), at("2026-03-04 11:00"))
    store.close()
    report = world.tick(at("2026-03-04 09:50"))
    assert actions(report) == Counter({"waiting": 1})
    assert "snoozed until" in report.outcomes[0].reason
    assert world.tick(at("2026-03-04 10:30")).outcomes == []
    assert receiver.messages == []
    assert actions(world.tick(at("2026-03-04 11:00"))) == Counter({"sent": 1})


def test_pause_drops_nudges_until_its_date(tmp_path: Path, receiver: Receiver) -> None:
    world = World(tmp_path, [receiver.url()], social_rule(expires="3h"))
    world.events(
        declined("Coffee on holiday", "20260304T100000", "20260304T103000"),
        declined("Coffee back", "20260306T100000", "20260306T103000"),
    )
    store, ledger = world.ledger()
    ledger.set_hold(PAUSE, at("2026-03-03 18:00"), at("2026-03-06 00:00"))
    store.close()
    world.tick(at("2026-03-04 09:50"))
    world.tick(at("2026-03-06 09:50"))
    assert receiver.titles() == ["Drop by Coffee back"]
    state, reason = world.state("holiday")
    assert state == "dropped"
    assert reason.startswith("paused until Fri 06 Mar 00:00")


# -- back-off ------------------------------------------------------------------------------


def week_of_declines(days: range) -> list[str]:
    return [
        declined(f"Coffee day {d}", f"202603{d:02d}T100000", f"202603{d:02d}T103000") for d in days
    ]


def test_a_rule_whose_last_three_nudges_changed_nothing_pauses_for_a_week(
    tmp_path: Path, receiver: Receiver
) -> None:
    # Three weeks, weekends included: the rule says to send on days off too.
    rule = social_rule(expires="3h", extra="    days_off: send\n")
    world = World(tmp_path, [receiver.url()], rule)
    world.events(*week_of_declines(range(2, 21)))
    for day in range(2, 21):
        world.tick(at(f"2026-03-{day:02d} 09:50"))
        world.tick(at(f"2026-03-{day:02d} 12:00"))  # the situation seen again: still declined
    titles = receiver.titles()
    notices = [t for t in titles if t.startswith("Pausing")]
    assert notices == ["Pausing the missed nudges for a week"] * 2  # once per back-off
    sent_days = [t.removeprefix("Drop by Coffee day ") for t in titles if t.startswith("Drop")]
    # Sent Mon 2 to Wed 4; Thu 5 backs off until Thu 12 09:50; sent 12 to 14; backs off again.
    assert sent_days == ["2", "3", "4", "12", "13", "14"]
    assert titles.index(notices[0]) == 3  # right after the third, not repeated on days 6 to 11
    state, reason = world.state("Coffee day 5")
    assert state == "dropped"
    assert "changed nothing" in reason
    assert world.state("Coffee day 8")[1].startswith("missed paused itself until Thu 12 Mar")


def test_a_rule_that_changed_something_does_not_back_off(
    tmp_path: Path, receiver: Receiver
) -> None:
    world = World(tmp_path, [receiver.url()], social_rule(expires="3h"))
    declines = week_of_declines(range(2, 7))
    world.events(*declines)
    for day in range(2, 4):
        world.tick(at(f"2026-03-{day:02d} 09:50"))
    # After the second nudge I went to day 3's coffee after all.
    went = event(
        "Coffee day 3",
        "20260303T100000",
        "20260303T103000",
        uid=_uid_of(declines[1]),
        attendees=[(ME, "ACCEPTED")],
    )
    world.events(declines[0], went, *declines[2:])
    for day in range(4, 7):
        world.tick(at(f"2026-03-{day:02d} 09:50"))
    assert [t for t in receiver.titles() if t.startswith("Pausing")] == []
    assert len(receiver.messages) == 5


def test_a_burst_of_nudges_after_downtime_does_not_back_off(
    tmp_path: Path, receiver: Receiver
) -> None:
    """Back-off judges only nudges whose useful time is over: five sent within a minute
    gave the user no chance to act yet."""
    world = World(tmp_path, [receiver.url()], social_rule(expires="3d"), daily_cap=10)
    world.events(
        *(
            declined(f"Coffee at {h}", f"20260305T{h:02d}0000", f"20260305T{h:02d}3000")
            for h in range(9, 14)
        )
    )
    world.tick(at("2026-03-06 12:00"))  # the first poll after a day of downtime
    world.tick(at("2026-03-06 12:01"))
    world.tick(at("2026-03-06 12:02"))
    titles = receiver.titles()
    assert len(titles) == 5
    assert not [t for t in titles if t.startswith("Pausing")]


def _uid_of(component: str) -> str:
    return next(line[4:] for line in component.splitlines() if line.startswith("UID:"))


# -- privacy ---------------------------------------------------------------------------------


def test_redact_leaves_titles_and_names_out_of_payloads(tmp_path: Path, receiver: Receiver) -> None:
    world = World(
        tmp_path,
        [receiver.url()],
        social_rule(title="Drop by {summary}", body="{people} will be there at {start}."),
        redact=True,
    )
    world.events(declined("Secret merger party", "20260304T150000", "20260304T153000"))
    world.tick(at("2026-03-04 14:50"))
    [message] = receiver.messages
    assert message.title == "Drop by an event"
    assert message.body == "the people there will be there at 15:00."
    assert "sam" not in str(message.raw).lower()
    store, _ = world.ledger()
    try:  # the calendar cache holds the calendar; what watercooler wrote about it does not
        written = store.db.execute(
            "SELECT group_concat(title || body, '') FROM nudges "
            "UNION ALL SELECT group_concat(summary, '') FROM social_seen"
        ).fetchall()
    finally:
        store.close()
    assert "Secret merger" not in str(written)
