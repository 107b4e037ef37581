"""One calendar that cannot be read does not silence the others (``send-due``).

Two real ``.ics`` files, a real state database and Apprise posting to a real receiver:
the second file disappears between ticks, and the first one's nudge must still arrive.
"""

from __future__ import annotations

import json
from pathlib import Path

from conftest import RunCli
from delivery_helpers import declined_coffee, delivery_config, only_rules, social_rule
from helpers import ME, calendar, event
from receiver import Receiver


def _cake(path: Path) -> Path:
    """A cake I declined on Thu 5 March 2026 at 15:00 (nudged at 14:45)."""
    path.write_text(
        calendar(
            event(
                "Cake for Jonas",
                "20260305T150000",
                "20260305T153000",
                uid="cake@team",
                attendees=[(ME, "DECLINED")],
            )
        ),
        encoding="utf-8",
    )
    return path


def _two_calendars(tmp_path: Path, receiver: Receiver) -> tuple[Path, Path, tuple[str, ...]]:
    """A delivery config, the team calendar (the one that will go missing) and the
    ``send-due`` arguments that read it beside the work calendar."""
    rules = only_rules(tmp_path / "rules", social_rule(expires="3h"))
    config = delivery_config(tmp_path, [receiver.url()], rules_dir=rules)
    work = declined_coffee(tmp_path / "work.ics")
    team = _cake(tmp_path / "team.ics")
    args = ("send-due", "--config", str(config), "--source", str(work), "--source", str(team))
    return config, team, args


def test_send_due_delivers_from_the_calendars_it_read_and_exits_2_naming_the_other(
    run_cli: RunCli, tmp_path: Path, receiver: Receiver
) -> None:
    config, team, args = _two_calendars(tmp_path, receiver)
    planned = run_cli(*args, "--now", "2026-03-04T10:00")
    assert planned.returncode == 0, planned.stderr
    assert "2 newly planned" in planned.stdout

    team.unlink()
    result = run_cli(*args, "--now", "2026-03-04T14:50", "--format", "json")
    assert result.returncode == 2, result.stderr
    assert receiver.titles() == ["Drop by Coffee with Sam"]
    assert f"watercooler: error: {team}: no such file" in result.stderr
    document = json.loads(result.stdout)
    assert [o["action"] for o in document["outcomes"]] == ["sent"]
    assert document["unread_sources"] == [f"{team}: no such file"]

    status = run_cli(
        "status", "--config", str(config), "--now", "2026-03-04T14:51", "--format", "json"
    )
    waiting = json.loads(status.stdout)
    assert [n["title"] for n in waiting["open"]] == ["Drop by Cake for Jonas"], status.stdout

    _cake(team)
    back = run_cli(*args, "--now", "2026-03-05T14:50")
    assert back.returncode == 0, back.stderr
    assert receiver.titles() == ["Drop by Coffee with Sam", "Drop by Cake for Jonas"]


def test_a_missing_calendar_does_not_drop_its_pending_nudges_as_deleted(
    run_cli: RunCli, tmp_path: Path, receiver: Receiver
) -> None:
    config, team, args = _two_calendars(tmp_path, receiver)
    assert run_cli(*args, "--now", "2026-03-04T10:00").returncode == 0
    team.unlink()
    for moment in ("2026-03-04T16:00", "2026-03-05T09:00"):
        result = run_cli(*args, "--now", moment)
        assert result.returncode == 2
        assert " 0 dropped " in result.stdout, result.stdout
    status = run_cli(
        "status", "--config", str(config), "--now", "2026-03-05T09:01", "--format", "json"
    )
    document = json.loads(status.stdout)
    assert [(n["title"], n["state"]) for n in document["open"]] == [
        ("Drop by Cake for Jonas", "pending")
    ], status.stdout
