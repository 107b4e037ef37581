"""Config errors a person can act on, through the console script: a TOML mistake with its
line and column, an unusable Apprise URL by its key, and the "no calendar to read" error
naming the config file it looked at.
"""

from __future__ import annotations

import os
from pathlib import Path

from conftest import RunCli


def one_error(result_stderr: str) -> str:
    lines = result_stderr.splitlines()
    assert len(lines) == 1, result_stderr
    assert lines[0].startswith("watercooler: error: ")
    return lines[0].removeprefix("watercooler: error: ")


def test_no_calendar_to_read_names_the_config_file_that_has_no_sources(
    run_cli: RunCli, tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('timezone = "Europe/Berlin"\n', encoding="utf-8")
    result = run_cli("check", "--config", str(config), "--now", "2026-03-11T09:00")
    assert result.returncode == 2
    assert one_error(result.stderr) == (
        f"no calendar to read: {config} has no [[sources]] entry; add one, or pass --source"
    )


def test_no_calendar_to_read_without_a_config_file_names_where_it_looked(
    run_cli: RunCli,
) -> None:
    expected = Path(os.environ["XDG_CONFIG_HOME"]) / "watercooler" / "config.toml"
    result = run_cli("check", "--now", "2026-03-11T09:00")
    assert result.returncode == 2
    assert one_error(result.stderr) == (
        f"no calendar to read: there is no config file at {expected}; create it with a "
        "[[sources]] entry, or pass --source"
    )


def test_a_toml_mistake_is_reported_with_its_line_and_column(
    run_cli: RunCli, tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('timezone = "Europe/Berlin"\n[lunch]\nstart = \n', encoding="utf-8")
    result = run_cli("check", "--config", str(config))
    assert result.returncode == 2
    message = one_error(result.stderr)
    assert message.startswith(f"{config}: invalid TOML: ")
    assert message.endswith("(at line 3, column 9)")


def test_a_validation_error_has_no_pydantic_prefix(run_cli: RunCli, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[lunch]\nstart = "13:00"\nend = "12:00"\n', encoding="utf-8")
    result = run_cli("check", "--config", str(config))
    assert result.returncode == 2
    assert one_error(result.stderr) == (
        f"{config}: at 'lunch': start 13:00 must be before end 12:00"
    )


def test_an_unparseable_apprise_url_is_named_by_its_key(run_cli: RunCli, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'state_dir = "{tmp_path / "state"}"\n[notify]\nurls = ["json://[::1"]\n',
        encoding="utf-8",
    )
    result = run_cli("notify-test", "--config", str(config))
    assert result.returncode == 2
    assert one_error(result.stderr).startswith("notify.urls[0]: json:// is not usable")


def test_a_bare_scheme_is_named_in_the_error_not_masked(run_cli: RunCli, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'state_dir = "{tmp_path / "state"}"\n[notify]\nurls = ["json://"]\n', encoding="utf-8"
    )
    result = run_cli("notify-test", "--config", str(config))
    assert result.returncode == 2
    assert one_error(result.stderr).startswith("notify.urls[0]: json:// is not usable")
    assert "****" not in result.stderr
