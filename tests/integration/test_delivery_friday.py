"""The Friday report, delivered through the real Apprise to a real HTTP receiver.

Each test runs delivery ticks (what ``send-due`` and the daemon do) with a stand-in maker
of the week's report (a fixed title, text and HTML: the real report is made elsewhere), a
real SQLite ledger and state folder, and Apprise's ``json://`` service (which takes
attachments) or ``gotify://`` (which takes none) posting to 127.0.0.1, at injected moments.
Wed 4 March 2026 is in ISO week 10; its Friday is the 6th.
"""

from __future__ import annotations

import logging
import stat
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from delivery_helpers import only_rules, social_rule
from helpers import ME, calendar, event
from receiver import Message, Receiver
from watercooler.delivery.deliver import ATTACHED_ELSEWHERE, Report
from watercooler.delivery.friday import WeeklyReportContent, next_report_due
from watercooler.delivery.ledger import Ledger, Planned
from watercooler.delivery.notifier import build_notifier, takes_attachments
from watercooler.delivery.tick import send_due
from watercooler.errors import WatercoolerError
from watercooler.rulebook.loading import load_rulebook
from watercooler.settings import Settings, settings_from
from watercooler.sources.files import IcsFileSource
from watercooler.store import Store

BERLIN = ZoneInfo("Europe/Berlin")
KEY = "report/2026-W10"
HTML = "<!doctype html><h1>Your week</h1><p>2 lunches with others, 1 missed coffee</p>"


def at(text: str) -> datetime:
    """A Berlin wall-clock moment, like ``2026-03-06 16:05``."""
    return datetime.fromisoformat(text).replace(tzinfo=BERLIN)


class Maker:
    """The stand-in maker of the week's report: fixed content, every call remembered.

    Like the real one, it leaves names and titles out when told to redact."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def __call__(self, *, until: datetime, weeks: int, redact: bool) -> WeeklyReportContent:
        self.calls.append({"until": until, "weeks": weeks, "redact": redact})
        if redact:
            return WeeklyReportContent("Your week", "2 lunches with others.", "<p>2 lunches</p>")
        return WeeklyReportContent(
            "Your week: lunch with Sam", "2 lunches with others; you missed Coffee with Sam.", HTML
        )


class World:
    """A calendar, one social rule, settings and a ledger in one temporary folder."""

    def __init__(self, tmp_path: Path, urls: list[str], **config: Any) -> None:
        tmp_path.mkdir(parents=True, exist_ok=True)
        self.ics = tmp_path / "work.ics"
        self.ics.write_text(calendar(), encoding="utf-8")
        book = load_rulebook(only_rules(tmp_path / "rules", social_rule()))
        self.rules = [loaded.rule for loaded in book.active()]
        notify = {"urls": urls, "desktop": False, "quiet_hours": {"enabled": False}}
        notify.update(config.pop("notify", {}))
        self.settings: Settings = settings_from(
            {
                "timezone": "Europe/Berlin",
                "me": [ME],
                "state_dir": str(tmp_path / "state"),
                "notify": notify,
                **config,
            }
        )
        self.path = tmp_path / "state" / "watercooler.sqlite"
        self.reports = tmp_path / "state" / "reports"
        self.maker = Maker()

    def tick(self, moment: datetime) -> Report:
        """One tick at ``moment`` with a fresh store, as after a restart."""
        store = Store(self.path)
        try:
            notifier = build_notifier(self.settings.notify, self.settings.redactor())
            _, report = send_due(
                self.settings, [IcsFileSource(self.ics)], self.rules, store, notifier, moment,
                weekly_report=self.maker,
            )  # fmt: skip
            return report
        finally:
            store.close()

    def planned(self, key: str = KEY) -> Planned | None:
        store = Store(self.path)
        try:
            return Ledger(store).get(key)
        finally:
            store.close()


def _text(message: Message) -> str:
    return message.title + "\n" + message.body


def test_on_friday_the_report_arrives_once_with_its_html_attached(
    tmp_path: Path, receiver: Receiver
) -> None:
    world = World(tmp_path, [receiver.url()])
    world.tick(at("2026-03-06 16:05"))
    assert [m.title for m in receiver.messages] == ["Your week: lunch with Sam"]
    message = receiver.messages[0]
    assert message.body == "2 lunches with others; you missed Coffee with Sam."
    assert [(a.filename, a.mimetype, a.data) for a in message.attachments] == [
        ("watercooler-2026-W10.html", "text/html", HTML.encode())
    ]
    assert world.maker.calls == [{"until": at("2026-03-06 16:00"), "weeks": 4, "redact": False}]
    saved = world.reports / "watercooler-2026-W10.html"
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert stat.S_IMODE(world.reports.stat().st_mode) == 0o700

    world.tick(at("2026-03-06 16:10"))
    world.tick(at("2026-03-07 10:00"))
    assert len(receiver.messages) == 1
    assert len(world.maker.calls) == 1
    planned = world.planned()
    assert planned is not None
    assert planned.state == "sent"


def test_before_its_moment_nothing_is_made_or_sent(tmp_path: Path, receiver: Receiver) -> None:
    world = World(tmp_path, [receiver.url()], report={"weeks": 2})
    for moment in ("2026-03-05 16:05", "2026-03-06 15:59"):
        report = world.tick(at(moment))
        assert report.outcomes == []
    assert receiver.messages == []
    assert world.maker.calls == []
    world.tick(at("2026-03-06 16:00"))
    assert len(receiver.messages) == 1
    assert world.maker.calls[0]["weeks"] == 2


def test_another_day_and_time_are_honoured_and_switching_it_off_sends_none(
    tmp_path: Path, receiver: Receiver
) -> None:
    world = World(tmp_path / "mon", [receiver.url()], report={"day": "mon", "at": "09:30"})
    world.tick(at("2026-03-06 16:05"))
    assert receiver.messages == []
    world.tick(at("2026-03-09 09:31"))
    assert len(receiver.messages) == 1
    assert world.planned("report/2026-W11") is not None

    off = World(tmp_path / "off", [receiver.url()], report={"deliver": False})
    off.tick(at("2026-03-06 16:05"))
    assert len(receiver.messages) == 1
    assert off.maker.calls == []


def test_after_downtime_it_is_sent_while_useful_and_never_after(
    tmp_path: Path, receiver: Receiver
) -> None:
    late = World(tmp_path / "late", [receiver.url()])
    late.tick(at("2026-03-05 10:00"))  # Thursday: watercooler runs, then nothing until
    late.tick(at("2026-03-09 10:00"))  # Monday morning: last week's report
    assert [a.filename for a in receiver.messages[0].attachments] == ["watercooler-2026-W10.html"]

    fresh = World(tmp_path / "fresh", [receiver.url()])
    fresh.tick(at("2026-03-09 10:00"))  # a first run on Monday: last week's would only
    assert len(receiver.messages) == 1  # repeat the backfill, so none is sent
    assert fresh.maker.calls == []

    too_late = World(tmp_path / "too-late", [receiver.url()])
    too_late.tick(at("2026-03-09 16:00"))  # Monday 16:00: three days after, expired
    assert len(receiver.messages) == 1
    assert too_late.maker.calls == []
    assert too_late.planned() is None


def test_a_service_that_takes_no_files_gets_the_text_and_where_the_report_is(
    tmp_path: Path, receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    token = "AbCdEfGhIjKlMnO"
    world = World(tmp_path, [receiver.url(), f"gotify://127.0.0.1:{receiver.port}/{token}"])
    notifier = build_notifier(world.settings.notify, world.settings.redactor())
    assert [takes_attachments(s) for s in notifier.services] == [True, False]

    with caplog.at_level(logging.DEBUG):
        report = world.tick(at("2026-03-06 16:05"))
    assert [o.action for o in report.outcomes] == ["sent"]
    assert "Gotify" in report.outcomes[0].reason
    assert token not in report.outcomes[0].reason + caplog.text
    by_path = {m.path: m for m in receiver.messages}
    assert set(by_path) == {"/hook", "/message"}
    assert by_path["/hook"].body == "2 lunches with others; you missed Coffee with Sam."
    assert len(by_path["/hook"].attachments) == 1
    text_only = by_path["/message"]
    assert text_only.title == "Your week: lunch with Sam"
    assert text_only.body == (
        f"2 lunches with others; you missed Coffee with Sam.\n\n{ATTACHED_ELSEWHERE}"
    )
    assert "attachments" not in text_only.raw


def test_a_file_gone_before_the_retry_sends_the_text_alone_with_a_warning(
    tmp_path: Path, receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    world = World(tmp_path, [receiver.url()])
    receiver.status = 500
    report = world.tick(at("2026-03-06 16:05"))
    assert [o.action for o in report.outcomes] == ["failed"]
    (world.reports / "watercooler-2026-W10.html").unlink()
    receiver.status = 200
    with caplog.at_level(logging.WARNING):
        report = world.tick(at("2026-03-06 16:07"))
    assert [o.action for o in report.outcomes] == ["sent"]
    [message] = receiver.messages
    assert message.attachments == ()
    assert message.body.endswith(f"\n\n{ATTACHED_ELSEWHERE}")
    gone = [r.getMessage() for r in caplog.records if "is gone" in r.getMessage()]
    assert gone == [
        f"{KEY}: the file to attach, {world.reports / 'watercooler-2026-W10.html'}, is gone; "
        "sending the text alone"
    ]
    assert len(world.maker.calls) == 1


def test_quiet_hours_defer_it_and_the_same_file_goes_when_they_end(
    tmp_path: Path, receiver: Receiver
) -> None:
    quiet = {"quiet_hours": {"start": "15:00", "end": "08:00"}}
    world = World(tmp_path, [receiver.url()], notify=quiet)
    report = world.tick(at("2026-03-06 16:05"))
    assert [(o.action, o.reason) for o in report.outcomes] == [
        ("waiting", "quiet hours until Sat 07 Mar 08:00")
    ]
    assert receiver.messages == []
    world.tick(at("2026-03-07 08:01"))
    [message] = receiver.messages
    assert message.attachments[0].data == HTML.encode()
    assert len(world.maker.calls) == 1


def test_it_does_not_count_against_the_daily_cap(tmp_path: Path, receiver: Receiver) -> None:
    world = World(tmp_path, [receiver.url()], notify={"daily_cap": 1})
    world.ics.write_text(
        calendar(
            event(
                "Coffee with Sam", "20260306T170000", "20260306T173000",
                attendees=[(ME, "DECLINED"), ("sam@example.com", "ACCEPTED")],
            )
        ),
        encoding="utf-8",
    )  # fmt: skip
    world.tick(at("2026-03-06 16:05"))  # the report, then the coffee's nudge at 16:45
    world.tick(at("2026-03-06 16:50"))
    assert [m.title for m in receiver.messages] == [
        "Your week: lunch with Sam",
        "Drop by Coffee with Sam",
    ]


def test_with_redact_the_maker_is_told_so_and_nothing_named_is_sent(
    tmp_path: Path, receiver: Receiver
) -> None:
    world = World(tmp_path, [receiver.url()], notify={"redact": True})
    world.tick(at("2026-03-06 16:05"))
    assert [call["redact"] for call in world.maker.calls] == [True]
    [message] = receiver.messages
    sent = _text(message) + "".join(a.data.decode() for a in message.attachments)
    assert "Sam" not in sent
    assert "Coffee" not in sent
    assert message.attachments[0].data == b"<p>2 lunches</p>"


def test_the_next_week_removes_the_sent_report_file(tmp_path: Path, receiver: Receiver) -> None:
    world = World(tmp_path, [receiver.url()])
    world.tick(at("2026-03-06 16:05"))
    world.tick(at("2026-03-13 16:05"))
    assert len(receiver.messages) == 2
    assert sorted(p.name for p in world.reports.iterdir()) == ["watercooler-2026-W11.html"]


def test_a_maker_that_fails_is_a_warning_and_the_next_tick_tries_again(
    tmp_path: Path, receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    world = World(tmp_path, [receiver.url()])
    working = world.maker

    def broken(*, until: datetime, weeks: int, redact: bool) -> WeeklyReportContent:
        raise WatercoolerError("the journal cannot be read")

    world.maker = broken  # type: ignore[assignment]
    with caplog.at_level(logging.WARNING):
        report = world.tick(at("2026-03-06 16:05"))
    assert report.outcomes == []
    assert "could not make the report of 2026-W10 (trying again): the journal cannot be read" in (
        caplog.text
    )
    world.maker = working
    world.tick(at("2026-03-06 16:10"))
    assert [m.title for m in receiver.messages] == ["Your week: lunch with Sam"]


def test_the_next_report_time_for_a_daemon_to_wake_up_at(tmp_path: Path) -> None:
    world = World(tmp_path, [])
    settings = world.settings
    assert next_report_due(settings, at("2026-03-06 15:00")) == at("2026-03-06 16:00")
    assert next_report_due(settings, at("2026-03-06 16:00")) == at("2026-03-13 16:00")
    # Across the change to summer time (Sun 29 March): still 16:00 on the wall clock.
    assert next_report_due(settings, at("2026-03-28 12:00")) == at("2026-04-03 16:00")
    assert at("2026-04-03 16:00").utcoffset() == timedelta(hours=2)
    off = World(tmp_path / "off", [], report={"deliver": False})
    assert next_report_due(off.settings, at("2026-03-06 15:00")) is None


def test_a_report_file_that_cannot_be_written_costs_the_attachment_not_the_message(
    tmp_path: Path, receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    world = World(tmp_path, [receiver.url()])
    world.reports.parent.mkdir(parents=True)
    world.reports.write_text("a file where the folder goes\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        report = world.tick(at("2026-03-06 16:05"))
    assert [o.action for o in report.outcomes] == ["sent"]
    [message] = receiver.messages
    assert message.attachments == ()
    assert message.body.endswith(f"\n\n{ATTACHED_ELSEWHERE}")
    html = world.reports / "watercooler-2026-W10.html"
    assert (
        f"could not write the report of 2026-W10 to {html} (Not a directory); "
        "it goes without its attachment"
    ) in caplog.text
    assert "Traceback" not in caplog.text
