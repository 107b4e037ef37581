"""The systemd units as systemd itself reads them: ``systemd/check`` runs the real
``systemd-analyze verify`` and ``security`` on the shipped units, and on copies broken on
purpose to show that it notices a misspelt directive and a template without hardening."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SYSTEMD = Path(__file__).resolve().parents[2] / "systemd"
USER_UNIT = "watercooler.service"
TEMPLATE = "watercooler@.service"
WATERCOOLER = Path(sys.executable).parent / "watercooler"
"""The installed console script the units' ExecStart= is pointed at."""

NEWER_THAN_252 = (
    "ImportCredential=",  # 254
    "OpenFile=",  # 253
    "RestartSteps=",  # 254
    "RestartMaxDelaySec=",  # 254
    "MemoryKSM=",  # 254
    "RootEphemeral=",  # 254
    "DelegateSubgroup=",  # 254
    "SetLoginEnvironment=",  # 255
    "SurviveFinalKillSignal=",  # 255
    "MemoryZSwapWriteback=",  # 256
    "PrivatePIDs=",  # 257
    "BindLogSockets=",  # 257
    "ProtectControlGroups=private",  # 257
    "ProtectControlGroups=strict",  # 257
    "ProtectHostname=private",  # 257
    "PrivateTmp=disconnected",  # 257
    "PrivateUsers=identity",  # 256
    "PrivateUsers=full",  # 257
)
"""Directives (and values) systemd 252, Debian 12's, does not know."""


def run_check(folder: Path = SYSTEMD) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(folder / "check"), str(WATERCOOLER)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def copy_of_units(tmp_path: Path) -> Path:
    folder = tmp_path / "systemd"
    shutil.copytree(SYSTEMD, folder)
    return folder


def test_the_checker_passes_the_shipped_units_with_the_exposure_it_prints() -> None:
    result = run_check()
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == ""
    assert f"{USER_UNIT}: systemd-analyze --user verify: clean" in result.stdout
    assert f"{TEMPLATE}: systemd-analyze verify: clean" in result.stdout
    exposure = re.search(r"exposure (\d+\.\d) \(limit 1\.5\): ok", result.stdout)
    assert exposure is not None, result.stdout
    assert float(exposure.group(1)) <= 1.5


@pytest.mark.parametrize("unit", [USER_UNIT, TEMPLATE])
def test_a_misspelt_directive_fails_the_check(tmp_path: Path, unit: str) -> None:
    folder = copy_of_units(tmp_path)
    path = folder / unit
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("NoNewPrivileges=yes", "NoNewPrivilege=yes"), encoding="utf-8")
    result = run_check(folder)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{unit}: systemd-analyze" in result.stderr
    # systemd-analyze's own words, which on their own would not fail it (it exits 0)
    assert "Unknown key 'NoNewPrivilege'" in result.stderr


def test_a_misspelt_protect_system_fails_the_check(tmp_path: Path) -> None:
    folder = copy_of_units(tmp_path)
    path = folder / TEMPLATE
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("ProtectSystem=strict", "ProtectSytem=strict"), encoding="utf-8")
    result = run_check(folder)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Unknown key 'ProtectSytem'" in result.stderr


def test_the_template_without_its_hardening_fails_the_exposure_limit(tmp_path: Path) -> None:
    folder = copy_of_units(tmp_path)
    path = folder / TEMPLATE
    text = path.read_text(encoding="utf-8")
    start, end = text.index("DynamicUser=yes"), text.index("[Install]")
    kept = [line for line in text[start:end].splitlines() if line.startswith("LoadCredential=")]
    path.write_text(text[:start] + "\n".join(kept) + "\n\n" + text[end:], encoding="utf-8")
    result = run_check(folder)
    assert result.returncode == 1, result.stdout + result.stderr
    found = re.search(r"exposure (\d+\.\d) is above the limit 1\.5", result.stderr)
    assert found is not None, result.stderr
    assert float(found.group(1)) > 1.5


def test_the_user_unit_has_the_one_exec_start_line_init_rewrites() -> None:
    lines = (SYSTEMD / USER_UNIT).read_text(encoding="utf-8").splitlines()
    starts = [line for line in lines if line.startswith("ExecStart=")]
    assert starts == ["ExecStart=%h/.local/bin/watercooler run"]


def test_the_checker_refuses_a_unit_with_two_exec_start_lines(tmp_path: Path) -> None:
    folder = copy_of_units(tmp_path)
    path = folder / USER_UNIT
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("ExecReload=", "ExecStart=/bin/true\nExecReload="), "utf-8")
    result = run_check(folder)
    assert result.returncode == 1
    assert result.stderr == f"systemd/check: {USER_UNIT} must have exactly one ExecStart= line\n"


@pytest.mark.parametrize("unit", [USER_UNIT, TEMPLATE])
def test_the_units_use_nothing_newer_than_systemd_252(unit: str) -> None:
    lines = (SYSTEMD / unit).read_text(encoding="utf-8").splitlines()
    settings = [line for line in lines if not line.startswith("#")]
    newer = [line for line in settings for name in NEWER_THAN_252 if line.startswith(name)]
    assert newer == []


def test_the_template_hands_the_password_over_where_password_file_looks() -> None:
    text = (SYSTEMD / TEMPLATE).read_text(encoding="utf-8")
    assert "\nLoadCredential=caldav-password:/etc/watercooler/%i.password\n" in text
    assert "\nStateDirectory=watercooler/%i\n" in text
    assert "\nEnvironment=WATERCOOLER_STATE_DIR=%S/watercooler/%i\n" in text
    assert " run --config /etc/watercooler/%i.toml\n" in text
