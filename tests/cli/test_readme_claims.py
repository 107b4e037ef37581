"""What the README shows is what the commands do: its demo output, its JSON example, the
way it says services are named. Each test reads the README and runs the installed script."""

from __future__ import annotations

import json
import re
from pathlib import Path

from conftest import RunCli
from delivery_helpers import delivery_config
from helpers import ME, calendar, event
from receiver import Receiver

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def _block_after(marker: str) -> str:
    """The first fenced block after the paragraph containing ``marker``."""
    start = README.index(marker)
    fence = README.index("```", start)
    body_start = README.index("\n", fence) + 1
    return README[body_start : README.index("```", body_start)]


def test_the_demo_prints_every_line_the_quick_start_shows_in_that_order(
    run_cli: RunCli,
) -> None:
    shown = [line for line in _block_after("The demo runs the daemon").splitlines() if line != "…"]
    assert len(shown) > 20
    result = run_cli("demo")
    assert result.returncode == 0, result.stderr
    printed = iter(result.stdout.splitlines())
    missing = [line for line in shown if not any(line == out for out in printed)]
    assert missing == [], result.stdout


def test_the_check_json_example_has_the_keys_check_prints(run_cli: RunCli, tmp_path: Path) -> None:
    example = _block_after("The JSON:")
    keys = set(re.findall(r'"(\w+)":', example))
    cal = tmp_path / "cal.ics"
    coffee = event("Coffee", "20260304T150000", attendees=[(ME, "DECLINED")])
    cal.write_text(calendar(coffee), encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text(f'timezone = "Europe/Berlin"\nme = ["{ME}"]\n', encoding="utf-8")
    result = run_cli(
        "check", "--config", str(config), "--source", str(cal), "--now", "2026-03-04T09:00",
        "--format", "json",
    )  # fmt: skip
    document = json.loads(result.stdout)
    printed = set(document) | set(document["days"][0]) | set(document["social"][0])
    assert keys == printed


def test_services_are_named_as_the_privacy_section_says(
    run_cli: RunCli, tmp_path: Path, receiver: Receiver
) -> None:
    documented = re.search(r"\(`(JSON json://127\.0\.0\.1:8080/\*\*\*\*)`\)", README)
    assert documented is not None
    config = delivery_config(tmp_path, [receiver.url("/hookToken7Hq2"), receiver.url("/")])
    result = run_cli("notify-test", "--config", str(config))
    assert result.returncode == 0, result.stdout + result.stderr
    expected = documented.group(1).replace("8080", str(receiver.port))
    assert f"ok      {expected}\n" in result.stdout
    # a URL with nothing secret in it is shown as it is
    assert f"ok      JSON json://127.0.0.1:{receiver.port}/\n" in result.stdout
    assert "hookToken7Hq2" not in result.stdout
