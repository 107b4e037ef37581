"""Fixtures shared by every tier: a clean environment, the corpus, the console script."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from caldav_servers import RadicaleServer, XandikosServer
from faultserver import FaultServer
from httpserver import FeedServer
from receiver import Receiver

pytest_plugins = ["system_packages"]
REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "tests" / "corpus"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The long tests first (in their order), so the parallel workers share them out at
    the start instead of one of them running alone at the end."""

    def weight(item: pytest.Item) -> float:
        marker = item.get_closest_marker("long")
        return -float(marker.kwargs.get("seconds", 30)) if marker else 0.0

    items.sort(key=weight)


@pytest.fixture(scope="session", autouse=True)
def no_watercooler_variables() -> Iterator[None]:
    """Module- and session-scoped fixtures run before ``clean_environment``: they must not
    see ``WATERCOOLER_*`` either (``.ci/run`` sets ``WATERCOOLER_CORPUS`` for the corpus
    tests, which read it at import, and the product rejects it as an unknown setting)."""
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith("WATERCOOLER_") or name == "CREDENTIALS_DIRECTORY":
                patch.delenv(name)
        yield


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test sees the developer's config, state or WATERCOOLER_* variables."""
    for name in list(os.environ):
        if name.startswith("WATERCOOLER_") or name == "CREDENTIALS_DIRECTORY":
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))
    monkeypatch.setenv("NO_COLOR", "1")


def watercooler_command() -> list[str]:
    """The installed console script (the tests exercise what users run)."""
    script = Path(sys.executable).with_name("watercooler")
    if script.exists():
        return [str(script)]
    found = shutil.which("watercooler")
    if found is None:
        pytest.fail(
            "the watercooler console script is not installed; run: pip install -e '.[test]'"
        )
    return [found]


RunCli = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def run_cli(tmp_path: Path) -> RunCli:
    """Run the installed ``watercooler`` with arguments; return the completed process."""

    def run(
        *args: str, env: dict[str, str] | None = None, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        environment = {
            key: value for key, value in os.environ.items() if not key.startswith("WATERCOOLER_")
        }
        environment.update(env or {})
        return subprocess.run(
            [*watercooler_command(), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=environment,
            check=False,
        )

    return run


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    """A real HTTP server on 127.0.0.1 with programmable routes."""
    server = FeedServer().start()
    yield server
    server.stop()


DAV_USER, DAV_PASSWORD = "ana", "correct horse battery staple"


@pytest.fixture
def radicale(tmp_path: Path) -> Iterator[RadicaleServer]:
    """Real Radicale with htpasswd auth (DAV_USER/DAV_PASSWORD) behind a counting proxy."""
    with RadicaleServer(tmp_path / "radicale", {DAV_USER: DAV_PASSWORD}) as server:
        yield server


@pytest.fixture
def xandikos(tmp_path: Path) -> Iterator[XandikosServer]:
    """Real Xandikos, no auth, principal ``/user/``, behind a counting proxy."""
    with XandikosServer(tmp_path / "xandikos") as server:
        yield server


@pytest.fixture(params=["radicale", "xandikos"])
def dav_server(request: pytest.FixtureRequest) -> RadicaleServer | XandikosServer:
    """Each real server in turn."""
    server: RadicaleServer | XandikosServer = request.getfixturevalue(request.param)
    return server


@pytest.fixture
def fault_server() -> Iterator[FaultServer]:
    """A misbehaving server with no upstream: 502 until a fault is injected."""
    with FaultServer() as server:
        yield server


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A real HTTP receiver for Apprise's json:// on 127.0.0.1."""
    server = Receiver().start()
    yield server
    with contextlib.suppress(OSError):
        server.stop()
