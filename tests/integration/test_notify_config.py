"""Where nudges go: Apprise URLs with tags, Apprise config files, ``notify-test``, and the log
when nothing is configured.

It protects the promises users configure delivery by: a rule tagged ``phone`` reaches only
the services tagged ``phone`` (an untagged rule reaches every service), whether the tag is
written in front of a URL in ``notify.urls`` or in an Apprise config file in its YAML or
TEXT format; ``notify-test`` reaches each service once and says which failed, without ever
printing a token; with no service at all a nudge is not lost but logged, and recorded as
sent; and a config that names a missing Apprise file or an unknown URL scheme is refused
up front with one line saying which setting is wrong.

Everything is real: the installed console script, the real Apprise, and two real HTTP
receivers on 127.0.0.1 that Apprise's ``json://`` service posts to, told apart by port.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import RunCli
from delivery_helpers import declined_coffee, delivery_config, only_rules, social_rule
from receiver import Receiver

NOW = "2026-03-04T14:50:00+01:00"
PHONE_TITLE = "Phone: Coffee with Sam"
EVERYWHERE_TITLE = "Everywhere: Coffee with Sam"
PHONE_TOKEN = "phoneToken7Hq2"
DESK_TOKEN = "deskToken3Vx9"


@pytest.fixture
def ics(tmp_path: Path) -> Path:
    """A coffee I declined at 15:00 on Wed 4 March 2026: social rules nudge at 14:45."""
    return declined_coffee(tmp_path / "cal.ics", uid="coffee@notify.test")


@pytest.fixture
def receivers() -> Iterator[tuple[Receiver, Receiver]]:
    """Two real receivers, "phone" and "desk"; stopping one again is harmless."""
    phone = Receiver().start()
    desk = Receiver().start()
    try:
        yield phone, desk
    finally:
        for server in (phone, desk):
            with contextlib.suppress(OSError):
                server.stop()


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    """Two rules on the same declined coffee: one tagged ``phone``, one without tags."""
    return only_rules(
        tmp_path / "rules",
        social_rule(
            "to-phone",
            expires="3d",
            title="Phone: {summary}",
            extra="    tags: [phone]\n",
        ),
        social_rule("to-all", expires="3d", title="Everywhere: {summary}"),
    )


def send_due(run_cli: RunCli, config: Path, ics: Path) -> None:
    result = run_cli("send-due", "--config", str(config), "--source", str(ics), "--now", NOW)
    assert result.returncode == 0, result.stdout + result.stderr


def assert_routed_by_tag(phone: Receiver, desk: Receiver) -> None:
    """The tagged rule reached the phone alone; the untagged one reached both."""
    assert sorted(phone.titles()) == sorted([PHONE_TITLE, EVERYWHERE_TITLE])
    assert desk.titles() == [EVERYWHERE_TITLE]


def test_a_tag_in_front_of_a_url_routes_tagged_rules_to_that_service_only(
    run_cli: RunCli, tmp_path: Path, ics: Path, rules: Path, receivers: tuple[Receiver, Receiver]
) -> None:
    phone, desk = receivers
    urls = [f"phone={phone.url('/' + PHONE_TOKEN)}", desk.url("/" + DESK_TOKEN)]
    send_due(run_cli, delivery_config(tmp_path, urls, rules_dir=rules), ics)
    assert_routed_by_tag(phone, desk)
    assert {m.path for m in phone.messages} == {f"/{PHONE_TOKEN}"}


def test_several_tags_may_precede_a_url(
    run_cli: RunCli, tmp_path: Path, ics: Path, rules: Path, receivers: tuple[Receiver, Receiver]
) -> None:
    phone, desk = receivers
    urls = [f"work, phone = {phone.url()}", f"desk={desk.url()}"]
    send_due(run_cli, delivery_config(tmp_path, urls, rules_dir=rules), ics)
    assert_routed_by_tag(phone, desk)


@pytest.mark.parametrize("apprise_format", ["yaml", "text"])
def test_tags_in_an_apprise_config_file_route_the_same_way(
    run_cli: RunCli,
    tmp_path: Path,
    ics: Path,
    rules: Path,
    receivers: tuple[Receiver, Receiver],
    apprise_format: str,
) -> None:
    phone, desk = receivers
    if apprise_format == "yaml":
        apprise_file = tmp_path / "apprise.yaml"
        apprise_file.write_text(
            "urls:\n"
            f"  - {phone.url('/' + PHONE_TOKEN)}:\n"
            "      tag: phone\n"
            f"  - {desk.url('/' + DESK_TOKEN)}:\n"
            "      tag: desk\n",
            encoding="utf-8",
        )
    else:
        apprise_file = tmp_path / "apprise.txt"
        apprise_file.write_text(
            "# my services\n"
            f"phone={phone.url('/' + PHONE_TOKEN)}\n"
            f"desk, office={desk.url('/' + DESK_TOKEN)}\n",
            encoding="utf-8",
        )
    config = delivery_config(tmp_path, [], rules_dir=rules, config=str(apprise_file))
    send_due(run_cli, config, ics)
    assert_routed_by_tag(phone, desk)


def test_urls_and_a_config_file_are_used_together(
    run_cli: RunCli, tmp_path: Path, ics: Path, rules: Path, receivers: tuple[Receiver, Receiver]
) -> None:
    phone, desk = receivers
    apprise_file = tmp_path / "apprise.yaml"
    apprise_file.write_text(f"urls:\n  - {desk.url()}:\n      tag: desk\n", encoding="utf-8")
    config = delivery_config(
        tmp_path, [f"phone={phone.url()}"], rules_dir=rules, config=str(apprise_file)
    )
    send_due(run_cli, config, ics)
    assert_routed_by_tag(phone, desk)


def test_a_relative_config_file_is_found_next_to_the_config(
    run_cli: RunCli, tmp_path: Path, ics: Path, rules: Path, receivers: tuple[Receiver, Receiver]
) -> None:
    """The test runs from another folder: only the config's folder can explain a match."""
    phone, desk = receivers
    (tmp_path / "apprise.txt").write_text(
        f"phone={phone.url()}\ndesk={desk.url()}\n", encoding="utf-8"
    )
    config = delivery_config(tmp_path, [], rules_dir=rules, config="apprise.txt")
    assert Path.cwd() != tmp_path
    send_due(run_cli, config, ics)
    assert_routed_by_tag(phone, desk)


def test_notify_test_reaches_every_service_and_names_each_without_its_token(
    run_cli: RunCli, tmp_path: Path, receivers: tuple[Receiver, Receiver]
) -> None:
    phone, desk = receivers
    urls = [f"phone={phone.url('/' + PHONE_TOKEN)}", desk.url("/" + DESK_TOKEN)]
    config = delivery_config(tmp_path, urls)
    result = run_cli("notify-test", "--config", str(config))
    assert result.returncode == 0, result.stdout + result.stderr
    assert phone.titles() == ["watercooler test"]
    assert desk.titles() == ["watercooler test"]
    lines = result.stdout.splitlines()
    service_lines = [line for line in lines if line.startswith(("ok", "FAILED"))]
    assert len(service_lines) == 2, result.stdout
    assert all(line.startswith("ok") for line in service_lines), result.stdout
    assert any(str(phone.port) in line for line in service_lines), result.stdout
    assert any(str(desk.port) in line for line in service_lines), result.stdout
    assert "2 of 2" in result.stdout
    for token in (PHONE_TOKEN, DESK_TOKEN):
        assert token not in result.stdout + result.stderr


def test_notify_test_fails_when_one_service_cannot_be_reached(
    run_cli: RunCli, tmp_path: Path, receivers: tuple[Receiver, Receiver]
) -> None:
    phone, desk = receivers
    urls = [phone.url("/" + PHONE_TOKEN), desk.url("/" + DESK_TOKEN)]
    config = delivery_config(tmp_path, urls, timeout=5)
    desk.stop()  # its port now refuses connections
    result = run_cli("notify-test", "--config", str(config))
    assert result.returncode == 1, result.stdout + result.stderr
    assert phone.titles() == ["watercooler test"]
    service_lines = [line for line in result.stdout.splitlines() if line[:2] in ("ok", "FA")]
    assert len(service_lines) == 2, result.stdout
    [failed] = [line for line in service_lines if line.startswith("FAILED")]
    assert str(desk.port) in failed
    [reached] = [line for line in service_lines if line.startswith("ok")]
    assert str(phone.port) in reached
    assert "1 of 2" in result.stdout
    for token in (PHONE_TOKEN, DESK_TOKEN):
        assert token not in result.stdout + result.stderr


def test_without_any_service_a_nudge_goes_to_the_log_and_counts_as_sent(
    run_cli: RunCli, tmp_path: Path, ics: Path
) -> None:
    rules = only_rules(tmp_path / "rules", social_rule(expires="3d"))
    config = delivery_config(tmp_path, [], rules_dir=rules, desktop=False)
    result = run_cli("send-due", "--config", str(config), "--source", str(ics), "--now", NOW)
    assert result.returncode == 0, result.stdout + result.stderr
    logged = [line for line in result.stderr.splitlines() if "nudge:" in line]
    assert len(logged) == 1, result.stderr
    assert "Drop by Coffee with Sam" in logged[0]
    status = run_cli("status", "--config", str(config), "--now", NOW, "--format", "json")
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["counts"]["sent"] == 1
    database = tmp_path / "state" / "watercooler.sqlite"
    connection = sqlite3.connect(database)
    try:
        states = connection.execute("SELECT rule, state FROM nudges").fetchall()
    finally:
        connection.close()
    assert states == [("missed", "sent")]
    again = run_cli("send-due", "--config", str(config), "--source", str(ics), "--now", NOW)
    assert again.returncode == 0, again.stderr
    assert "nudge:" not in again.stderr  # sent once, not again on the next tick


def test_without_any_service_notify_test_says_nudges_go_to_the_log(
    run_cli: RunCli, tmp_path: Path
) -> None:
    config = delivery_config(tmp_path, [], desktop=False)
    result = run_cli("notify-test", "--config", str(config))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no service configured" in result.stdout
    assert "the log" in result.stdout
    logged = [line for line in result.stderr.splitlines() if "nudge:" in line]
    assert len(logged) == 1, result.stderr
    assert "watercooler test" in logged[0]


def test_a_rule_tagged_for_no_configured_service_goes_to_the_log(
    run_cli: RunCli, tmp_path: Path, ics: Path, receivers: tuple[Receiver, Receiver]
) -> None:
    phone, desk = receivers
    rules = only_rules(tmp_path / "rules", social_rule(expires="3d", extra="    tags: [pager]\n"))
    urls = [f"phone={phone.url()}", f"desk={desk.url()}"]
    config = delivery_config(tmp_path, urls, rules_dir=rules)
    result = run_cli("send-due", "--config", str(config), "--source", str(ics), "--now", NOW)
    assert result.returncode == 0, result.stdout + result.stderr
    assert phone.messages == []
    assert desk.messages == []
    assert "pager" in result.stderr
    assert any(
        "nudge:" in line and "Drop by Coffee with Sam" in line
        for line in result.stderr.splitlines()
    ), result.stderr


@pytest.mark.parametrize("command", ["send-due", "notify-test"])
def test_a_missing_apprise_config_file_is_a_one_line_error_naming_notify_config(
    run_cli: RunCli, tmp_path: Path, ics: Path, receiver: Receiver, command: str
) -> None:
    missing = tmp_path / "nowhere" / "apprise.yaml"
    config = delivery_config(tmp_path, [receiver.url()], config=str(missing))
    extra = ("--source", str(ics), "--now", NOW) if command == "send-due" else ()
    result = run_cli(command, "--config", str(config), *extra)
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("watercooler: error:")
    assert "notify.config" in lines[0]
    assert str(missing) in lines[0]
    assert receiver.messages == []


def run_with_unknown_scheme(
    run_cli: RunCli, tmp_path: Path, ics: Path, receiver: Receiver, command: str
) -> list[str]:
    """Run a command whose first URL has a scheme Apprise does not know; its stderr lines."""
    config = delivery_config(tmp_path, ["bogus://x", receiver.url()])
    extra = ("--source", str(ics), "--now", NOW) if command == "send-due" else ()
    result = run_cli(command, "--config", str(config), *extra)
    assert result.returncode == 2, result.stdout + result.stderr
    assert receiver.messages == []  # refused up front: nothing was sent to the good one
    return result.stderr.strip().splitlines()


@pytest.mark.parametrize("command", ["send-due", "notify-test"])
def test_an_unknown_scheme_is_an_error_naming_its_place_in_notify_urls(
    run_cli: RunCli, tmp_path: Path, ics: Path, receiver: Receiver, command: str
) -> None:
    lines = run_with_unknown_scheme(run_cli, tmp_path, ics, receiver, command)
    named = [line for line in lines if "notify.urls[0]" in line]
    assert len(named) == 1, lines
    assert named[0].startswith("watercooler: error:")
    assert "bogus" in named[0]
    assert not any("notify.urls[1]" in line for line in lines)


@pytest.mark.parametrize("command", ["send-due", "notify-test"])
def test_an_unknown_scheme_is_reported_in_one_line(
    run_cli: RunCli, tmp_path: Path, ics: Path, receiver: Receiver, command: str
) -> None:
    """Every user-caused error is one line on stderr (the command line's contract): what
    Apprise logs about the URL belongs in that line, not in a second one without context."""
    lines = run_with_unknown_scheme(run_cli, tmp_path, ics, receiver, command)
    assert len(lines) == 1, lines
    assert "notify.urls[0]" in lines[0]
