"""A pytest plugin: before any test runs, the commands the suite needs are there.

A missing command is installed from its Debian package when the tests run as root (as in
a container); otherwise the session stops at once saying which package to install, so
no test is skipped in silence for want of, say, a dbus-daemon.

Under pytest-xdist this happens once, in the controller, before it starts its workers
(xdist starts them in a later ``pytest_sessionstart``): workers installing at the same time
would fight over dpkg's lock. A worker only checks, and stops if something is still missing.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

COMMANDS = {
    "chromium": "chromium",
    "dbus-daemon": "dbus-daemon",
    "openssl": "openssl",
    "systemd-analyze": "systemd",
}
"""Each command the tests run, and the Debian package that provides it."""


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """Install what is missing (as root) or stop the session naming the packages."""
    packages = missing_packages()
    if not packages:
        return
    names = " ".join(packages)
    if hasattr(session.config, "workerinput"):  # an xdist worker: the controller installs
        pytest.exit(f"the Debian package(s) {names} are still missing", returncode=4)
    commands = ", ".join(c for c, package in COMMANDS.items() if package in packages)
    if os.geteuid() != 0:
        pytest.exit(
            f"the tests need {commands}, not installed; install the Debian "
            f"package(s) {names}: sudo apt-get install {names}",
            returncode=4,
        )
    print(f"system_packages: installing the Debian package(s) {names} with apt-get")
    failure = apt_get_install(packages)
    if failure or missing_packages():
        pytest.exit(
            f"could not install the Debian package(s) {names}: "
            f"{failure or 'a command is still missing afterwards'}",
            returncode=4,
        )


def missing_packages() -> list[str]:
    """The packages whose command is not on PATH, each once, in a stable order."""
    return sorted({package for command, package in COMMANDS.items() if not shutil.which(command)})


def apt_get_install(packages: list[str]) -> str:
    """Install ``packages``, updating the package lists first if that fails; return ""
    or the last thing apt-get said."""
    install = ["apt-get", "install", "-y", "--no-install-recommends", *packages]
    result = _run(install)
    if result.returncode != 0:
        update = _run(["apt-get", "update"])
        if update.returncode != 0:
            return _last_line(update)
        result = _run(install)
    return "" if result.returncode == 0 else _last_line(result)


def _run(command: list[str]) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        return subprocess.run(
            command, capture_output=True, text=True, env=environment, check=False, timeout=600
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return subprocess.CompletedProcess(command, 1, "", f"{command[0]}: {error}")


def _last_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = (result.stderr or result.stdout).strip().splitlines()
    return lines[-1] if lines else f"{' '.join(result.args)} exited {result.returncode}"
