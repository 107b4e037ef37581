"""The system-packages plugin installs once per run, also when pytest-xdist runs workers.

A real pytest run with two xdist workers loads the plugin on a PATH where the commands are
missing; ``apt-get`` on that PATH is a stand-in that records each call (and which process
made it: xdist names its workers in ``PYTEST_XDIST_WORKER``) and then provides
the commands (the real one would change the machine). When the test does not run as root,
the small project's conftest makes the plugin believe it does: being root is the one thing
a test cannot cause, and only the plugin's own check reads it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from system_packages import COMMANDS

TESTS = Path(__file__).resolve().parents[1]

FAKE_APT_GET = """\
#!{python}
import os, sys, time
from pathlib import Path
with open({log!r}, "a", encoding="utf-8") as log:
    who = os.environ.get("PYTEST_XDIST_WORKER", "controller")
    log.write(who + ": " + " ".join(sys.argv[1:]) + "\\n")
time.sleep(0.5)  # long enough for a second, concurrent install to show
for command in {commands!r}:
    path = Path({folder!r}) / command
    path.write_text("#!/bin/sh\\n", encoding="utf-8")
    path.chmod(0o755)
"""

CONFTEST = """\
import os, sys
sys.path.insert(0, {tests!r})
if os.geteuid() != 0:  # see the test's docstring
    os.geteuid = lambda: 0
pytest_plugins = ["system_packages"]
"""


def test_under_xdist_the_controller_installs_once_before_the_workers_start(
    tmp_path: Path,
) -> None:
    folder, log, project = tmp_path / "bin", tmp_path / "apt-get.log", tmp_path / "project"
    folder.mkdir()
    project.mkdir()
    apt_get = folder / "apt-get"
    apt_get.write_text(
        FAKE_APT_GET.format(
            python=sys.executable, log=str(log), commands=sorted(COMMANDS), folder=str(folder)
        ),
        encoding="utf-8",
    )
    apt_get.chmod(0o755)
    (project / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    (project / "conftest.py").write_text(CONFTEST.format(tests=str(TESTS)), encoding="utf-8")
    tests = "".join(f"def test_{number}() -> None:\n    pass\n\n" for number in range(8))
    (project / "test_many.py").write_text(tests, encoding="utf-8")

    # Not this run's PYTEST_* variables: under xdist they name this test's own worker.
    environment = {name: value for name, value in os.environ.items() if "PYTEST" not in name}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "2", "-p", "no:cacheprovider", "-q"],
        cwd=project,
        env={**environment, "PATH": str(folder)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "8 passed" in result.stdout
    packages = " ".join(sorted(set(COMMANDS.values())))
    assert log.read_text(encoding="utf-8").splitlines() == [
        f"controller: install -y --no-install-recommends {packages}"
    ]
