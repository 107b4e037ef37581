"""``watercooler init`` as users run it: real Radicale, a real Apprise receiver, real files.

The checks are real (Radicale checks the password; Apprise posts the test nudge to a
receiver on 127.0.0.1), what init writes is read back by the real settings loader and used
by ``watercooler check``, and the password is searched for in everything init printed and
every file it wrote except its own password file.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import pty
import select
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from caldav_servers import RadicaleServer, make_calendar, put_event
from conftest import DAV_PASSWORD, DAV_USER, REPO, RunCli, watercooler_command
from helpers import calendar, event
from receiver import Receiver
from watercooler.cli import main
from watercooler.settings import load_settings

NOW = "2026-03-04T09:00:00+01:00"
OFFLINE = ("--yes", "--url", "https://dav.example.com/ana/", "--username", "ana", "--no-check")


def run_init(*args: str, stdin: str = "", timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """The installed ``watercooler init`` with ``stdin`` as its standard input (never a
    terminal, so it asks nothing)."""
    return subprocess.run(
        [*watercooler_command(), "init", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={k: v for k, v in os.environ.items() if not k.startswith("WATERCOOLER_")},
        check=False,
    )


@pytest.fixture
def config_dir() -> Path:
    """Where init writes by default (``$XDG_CONFIG_HOME`` is the test's own)."""
    return Path(os.environ["XDG_CONFIG_HOME"]) / "watercooler"


@pytest.fixture
def password_file(tmp_path: Path) -> Path:
    path = tmp_path / "typed-password"
    path.write_text(DAV_PASSWORD + "\n", encoding="utf-8")
    return path


def written_files(root: Path) -> dict[Path, str]:
    """Every file under ``root`` and its text."""
    if not root.exists():
        return {}
    return {p: p.read_text(encoding="utf-8") for p in sorted(root.rglob("*")) if p.is_file()}


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_init_checks_server_and_notification_url_and_writes_a_config_check_can_use(
    radicale: RadicaleServer,
    receiver: Receiver,
    run_cli: RunCli,
    config_dir: Path,
    password_file: Path,
) -> None:
    work = make_calendar(radicale.url, f"{DAV_USER}/work/", radicale.auth, name="Work")
    coffee = event("Coffee with Sam", "20260304T150000", "20260304T153000", uid="coffee")
    put_event(work, "coffee.ics", calendar(coffee), radicale.auth)
    argv = [
        "--yes", "--url", radicale.principal_url(), "--username", DAV_USER,
        "--password-file", str(password_file), "--timezone", "Europe/Berlin",
        "--email", "ana@example.com", "--email", "mailto:Ana@Work.example", "--notify",
        receiver.url("/init"),
    ]  # fmt: skip
    result = run_init(*argv)
    assert result.returncode == 0, result.stderr
    assert f"Work{' ' * 27}{work}" in result.stdout
    assert receiver.titles() == ["watercooler test"]
    assert "it arrived" in result.stdout
    config = config_dir / "config.toml"
    settings = load_settings(config)
    assert settings.timezone == "Europe/Berlin"
    assert settings.me == ["ana@example.com", "ana@work.example"]
    assert [s.url for s in settings.sources] == [radicale.principal_url()]
    assert settings.sources[0].resolve_password() == DAV_PASSWORD
    assert [u.get_secret_value() for u in settings.notify.urls] == [receiver.url("/init")]
    secret_file = config_dir / "caldav-password"
    assert settings.sources[0].password_path() == secret_file
    assert (mode(secret_file), mode(config), mode(config_dir)) == (0o600, 0o600, 0o700)
    assert not any(DAV_PASSWORD in arg for arg in argv)
    for path, text in written_files(config_dir.parent).items():
        assert path == secret_file or DAV_PASSWORD not in text, path
    assert DAV_PASSWORD not in result.stdout + result.stderr
    checked = run_cli("check", "--config", str(config), "--now", NOW, "--format", "json")
    assert checked.returncode == 0, checked.stderr
    social = json.loads(checked.stdout)["social"]
    assert [(s["uid"], s["summary"]) for s in social] == [("coffee", "Coffee with Sam")]


def test_a_refused_password_writes_nothing(
    radicale: RadicaleServer, tmp_path: Path, config_dir: Path
) -> None:
    wrong = tmp_path / "wrong"
    wrong.write_text("not the password 123\n", encoding="utf-8")
    result = run_init(
        "--yes", "--url", radicale.principal_url(), "--username", DAV_USER,
        "--password-file", str(wrong),
    )  # fmt: skip
    assert result.returncode == 2
    assert "Nothing written" in result.stderr
    assert "user name and password" in result.stderr
    assert "not the password" not in result.stdout + result.stderr
    assert written_files(config_dir.parent) == {}


def test_a_test_nudge_that_does_not_arrive_exits_1_and_writes_nothing(
    radicale: RadicaleServer, receiver: Receiver, config_dir: Path, password_file: Path
) -> None:
    receiver.status = 500
    result = run_init(
        "--yes", "--url", radicale.principal_url(), "--username", DAV_USER,
        "--password-file", str(password_file), "--notify", receiver.url(),
    )  # fmt: skip
    assert result.returncode == 1
    assert "did not arrive" in result.stdout
    assert "nothing written" in result.stderr
    assert written_files(config_dir.parent) == {}


def test_the_password_can_come_from_standard_input(config_dir: Path) -> None:
    result = run_init(*OFFLINE, "--password-stdin", stdin="from stdin, with spaces\n")
    assert result.returncode == 0, result.stderr
    secret = config_dir / "caldav-password"
    assert secret.read_text(encoding="utf-8") == "from stdin, with spaces\n"
    assert load_settings(config_dir / "config.toml").sources[0].resolve_password() == (
        "from stdin, with spaces"
    )
    assert "from stdin" not in result.stdout + result.stderr


def test_running_init_again_keeps_a_config_the_user_changed_and_says_so(
    config_dir: Path,
) -> None:
    first = run_init(*OFFLINE, "--password-stdin", stdin="pw-one-two\n")
    assert first.returncode == 0, first.stderr
    config = config_dir / "config.toml"
    edited = config.read_text(encoding="utf-8").replace('"09:00"', '"08:00"') + "# mine\n"
    config.write_text(edited, encoding="utf-8")
    again = run_init(*OFFLINE, "--password-stdin", stdin="pw-one-two\n")
    assert again.returncode == 0, again.stderr
    assert config.read_text(encoding="utf-8") == edited
    assert f"kept {config} (config)" in again.stdout
    assert "rule example" not in again.stdout  # identical files are left alone silently
    assert "password file" not in again.stdout
    forced = run_init(*OFFLINE, "--password-stdin", "--force", stdin="pw-one-two\n")
    assert forced.returncode == 0, forced.stderr
    assert f"replaced {config} (config)" in forced.stdout
    assert "# mine" not in config.read_text(encoding="utf-8")


def test_the_unit_starts_the_running_executable_with_the_chosen_config(
    tmp_path: Path,
) -> None:
    config = tmp_path / "elsewhere" / "my config.toml"
    result = run_init(*OFFLINE, "--password-stdin", "--config", str(config), stdin="pw-1234\n")
    assert result.returncode == 0, result.stderr
    unit = Path(os.environ["XDG_CONFIG_HOME"]) / "systemd" / "user" / "watercooler.service"
    starts = [line for line in unit.read_text().splitlines() if line.startswith("ExecStart=")]
    assert starts == [f'ExecStart={watercooler_command()[0]} run --config "{config}"']
    assert result.stdout.rstrip().endswith("systemctl --user enable --now watercooler")
    assert (config.parent / "caldav-password").is_file()
    shipped = (REPO / "systemd" / "watercooler.service").read_text().splitlines()
    others = [line for line in unit.read_text().splitlines() if line not in starts]
    assert others == [line for line in shipped if not line.startswith("ExecStart=")]


def test_rule_examples_go_beside_the_rules_folder_not_into_it(config_dir: Path) -> None:
    result = run_init(*OFFLINE, "--password-stdin", "--no-unit", stdin="pw-1234\n")
    assert result.returncode == 0, result.stderr
    shipped = sorted(p.name for p in (REPO / "rules").iterdir() if p.suffix in (".yaml", ".json"))
    assert sorted(p.name for p in (config_dir / "rule-examples").iterdir()) == shipped
    in_rules = sorted(p.name for p in (config_dir / "rules").iterdir())
    assert in_rules == [name for name in shipped if name.endswith(".json")]
    assert not (Path(os.environ["XDG_CONFIG_HOME"]) / "systemd").exists()
    assert "systemctl" not in result.stdout


@pytest.fixture
def init_in_process(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., tuple[int, str, str]]:
    """``watercooler init`` through the command line's entry point in this process, for
    the errors found before anything is read or written (a process each would cost most
    of this file's time budget); the root logger's handlers are put back afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level

    def run(*args: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))  # not a terminal
        try:
            code = main(["init", *args])
        except SystemExit as exit_:  # argparse's errors
            code = int(exit_.code or 0)
        finally:
            root.handlers[:], root.level = handlers, level
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


@pytest.mark.filterwarnings("ignore:'imghdr' is deprecated:DeprecationWarning")  # Apprise's
@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--url", "dav.example.com/ana"), "--url: 'dav.example.com/ana' is not an http"),
        (("--url", "https://ana:pw@dav.example.com/"), "--url: the URL holds a user name"),
        (("--timezone", "Mars/Olympus"), "--timezone: unknown time zone 'Mars/Olympus'"),
        (("--email", "ana.example.com"), "--email: 'ana.example.com' is not an e-mail"),
        (("--password-file", "/nonexistent/pw"), "--password-file: cannot read /nonexistent/pw"),
        (("--password-stdin",), "--password-stdin: standard input held no password"),
        ((), "--username needs a password: give --password-file FILE or --password-stdin"),
        (("--notify", "nosuchservice://x"), "--notify: nosuchservice:// is"),
    ],
)
def test_bad_input_is_a_clear_error_and_nothing_is_written(
    args: tuple[str, ...],
    says: str,
    config_dir: Path,
    password_file: Path,
    init_in_process: Callable[..., tuple[int, str, str]],
) -> None:
    argv = ["--yes", "--no-check", "--username", "ana", "--url", "https://dav.example.com/"]
    if args and not args[0].startswith("--password"):
        argv += ["--password-file", str(password_file)]
    code, _, err = init_in_process(*argv, *args)
    assert code == 2
    assert says in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
    assert written_files(config_dir.parent) == {}


def test_without_a_terminal_a_missing_required_option_is_named(
    init_in_process: Callable[..., tuple[int, str, str]],
) -> None:
    code, _, err = init_in_process("--no-check")
    assert code == 2
    assert "--url is required" in err


def test_a_password_is_never_taken_from_the_command_line(
    init_in_process: Callable[..., tuple[int, str, str]],
) -> None:
    code, _, err = init_in_process(*OFFLINE, "--password", "hunter22")
    assert code == 2
    assert "unrecognized arguments: --password" in err  # no such option, no abbreviation


class Terminal:
    """``watercooler init`` on a pseudo-terminal: it asks, the test answers."""

    def __init__(self, *args: str) -> None:
        self.master, slave = pty.openpty()
        self.process = subprocess.Popen(
            [*watercooler_command(), "init", *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env={k: v for k, v in os.environ.items() if not k.startswith("WATERCOOLER_")},
            start_new_session=True,  # the pty becomes its terminal, as getpass wants
        )
        os.close(slave)
        self.transcript = ""

    def expect(self, text: str, timeout: float = 20) -> None:
        """Read until ``text`` was printed; fail with the transcript after ``timeout``."""
        deadline = time.monotonic() + timeout
        while text not in self.transcript:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self.master], [], [], max(left, 0))
            if not ready:
                pytest.fail(f"no {text!r} within {timeout} s; got:\n{self.transcript}")
            try:
                chunk = os.read(self.master, 4096)
            except OSError:  # the other end closed: the program ended
                chunk = b""
            if not chunk:
                pytest.fail(f"ended before {text!r}; got:\n{self.transcript}")
            self.transcript += chunk.decode("utf-8", "replace")

    def answer(self, prompt: str, text: str) -> None:
        self.expect(prompt)
        os.write(self.master, text.encode() + b"\n")

    def finish(self) -> int:
        """Read to the end; the exit code."""
        with contextlib.suppress(OSError):
            while chunk := os.read(self.master, 4096):
                self.transcript += chunk.decode("utf-8", "replace")
        os.close(self.master)
        return self.process.wait(timeout=20)


def test_at_a_terminal_init_asks_checks_and_asks_before_replacing_a_changed_file(
    radicale: RadicaleServer, receiver: Receiver, config_dir: Path
) -> None:
    work = make_calendar(radicale.url, f"{DAV_USER}/work/", radicale.auth, name="Work")
    session = Terminal()
    session.answer("CalDAV URL: ", "dav.example.com")
    session.answer("not an http:// or https:// URL", radicale.principal_url())
    session.answer("User name (empty for none): ", DAV_USER)
    session.answer(f"Password for {DAV_USER} (not shown): ", DAV_PASSWORD)
    session.answer("Time zone [", "Mars/Base")
    session.answer("unknown time zone 'Mars/Base'", "Europe/Berlin")
    session.answer("e-mail addresses, comma-separated: ", "ana@example.com, sam")
    session.answer("'sam' is not an e-mail address", "ana@example.com")
    session.answer("Apprise URL for nudges", receiver.url("/hook-token"))
    session.expect(work)
    assert session.finish() == 0, session.transcript
    assert DAV_PASSWORD not in session.transcript  # not echoed
    assert receiver.titles() == ["watercooler test"]
    settings = load_settings(config_dir / "config.toml")
    assert (settings.timezone, settings.me) == ("Europe/Berlin", ["ana@example.com"])
    assert settings.sources[0].resolve_password() == DAV_PASSWORD
    config = config_dir / "config.toml"
    edited = config.read_text(encoding="utf-8") + "# my own note\n"
    config.write_text(edited, encoding="utf-8")
    again = Terminal("--no-check")  # every answer offered from the config: only Enter
    for prompt in (
        f"CalDAV URL [{radicale.principal_url()}]: ",
        f"User name (empty for none) [{DAV_USER}]: ",
        "(not shown; empty: keep the current one): ",
        "Time zone [Europe/Berlin]: ",
        "comma-separated [ana@example.com]: ",
        f"Apprise URL for nudges (empty: the log and the desktop) [{receiver.url('/****')}]: ",
    ):
        again.answer(prompt, "")
    again.expect("differs from what init would write:")
    again.answer(f"Replace {config}? [y/N]", "n")
    assert again.finish() == 0, again.transcript
    assert "-# my own note" in again.transcript
    assert config.read_text(encoding="utf-8") == edited
    assert f"kept {config} (config)" in again.transcript
    assert "hook-token" not in again.transcript
