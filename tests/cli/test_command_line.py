"""The command line itself: where to start, help for every command, and quiet pipes."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from conftest import RunCli, watercooler_command
from watercooler.cli.app import build_parser


def test_watercooler_alone_shows_the_commands_and_where_to_start(run_cli: RunCli) -> None:
    result = run_cli()
    assert result.returncode == 2
    assert "Where to start:" in result.stdout
    assert "watercooler demo" in result.stdout
    assert "send-due" in result.stdout  # the command list is there too
    assert result.stderr == ""


def _commands() -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = []

    def walk(parser: object, prefix: tuple[str, ...]) -> None:
        for action in getattr(parser, "_actions", []):
            choices = getattr(action, "choices", None)
            if isinstance(choices, dict) and action.__class__.__name__ == "_SubParsersAction":
                for name, sub in choices.items():
                    found.append((*prefix, name))
                    walk(sub, (*prefix, name))

    walk(build_parser(), ())
    return found


COMMANDS = _commands()


def test_the_command_list_is_found() -> None:
    assert ("check",) in COMMANDS
    assert ("rules", "explain") in COMMANDS
    assert len(COMMANDS) >= 13


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_a_description_in_its_help(command: tuple[str, ...]) -> None:
    parser = build_parser()
    for name in command:
        subparsers = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
        parser = subparsers.choices[name]  # type: ignore[index]
    assert parser.description, f"watercooler {' '.join(command)} --help has no description"
    assert len(parser.description.split()) >= 6


@pytest.mark.parametrize("command", [("rules", "list"), ("demo",), ("--help",)])
def test_piping_into_a_reader_that_stops_ends_quietly(
    command: tuple[str, ...], tmp_path: Path
) -> None:
    """``watercooler rules list | head -1``: the reader may close the pipe before the
    writer is done. Here it closes it before the first write, so the write surely fails."""
    writer = subprocess.Popen(
        [*watercooler_command(), *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
    )
    assert writer.stdout is not None
    assert writer.stderr is not None
    writer.stdout.close()
    errors = writer.stderr.read()
    writer.wait(timeout=60)
    assert b"Error" not in errors, errors.decode()
    assert b"Traceback" not in errors
    assert writer.returncode in (0, 141)


def test_every_command_writes_a_moment_in_another_year_with_its_year(
    run_cli: RunCli, tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'timezone = "Europe/Berlin"\nstate_dir = "{tmp_path / "state"}"\n', encoding="utf-8"
    )
    base = ("--config", str(config), "--now", "2026-12-30T10:00")
    snoozed = run_cli("snooze", "3d", *base)
    assert snoozed.stdout == "snoozed until Sat 02 Jan 2027 10:00\n", snoozed.stderr
    paused = run_cli("pause", "--until", "2027-01-04", *base)
    assert paused.stdout.startswith("paused until Mon 04 Jan 2027 00:00"), paused.stderr
    status = run_cli("status", *base)
    assert "snoozed until Sat 02 Jan 2027 10:00" in status.stdout
    assert "paused until Mon 04 Jan 2027 00:00" in status.stdout
    same_year = run_cli("snooze", "1d", "--config", str(config), "--now", "2026-12-01T10:00")
    assert same_year.stdout == "snoozed until Wed 02 Dec 10:00\n"  # this year: no year
