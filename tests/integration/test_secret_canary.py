"""Canary secrets never leave the process: not in a log line at DEBUG, not in the state
database, not in any command's output.

The issue promises that CalDAV passwords and the tokens inside Apprise URLs are masked in
every log line at every level (Apprise itself logs tokens at DEBUG), that URLs are checked
when the config loads with errors naming the service but never its token, and that a canary
password and token appear nowhere a user or a log collector could read them.

Here the canaries are real: Radicale checks the CalDAV password, Apprise posts to a real
receiver (the token in its path, a password in its user info, a token in an Apprise config
file) and fails for real against Telegram (no network) and an ntfy server whose port is
closed, which is the path that logs the most. Every command runs with ``--debug`` through
the installed console script; everything it printed and every file it left in the state
folder (the SQLite database with its -wal and -shm files, as bytes and as rows) is searched
for each canary, for any 8-character piece of one, and for HTTP Basic credentials built
from one.
"""

from __future__ import annotations

import base64
import io
import logging
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from caldav_servers import RadicaleServer, free_port, make_calendar, put_event
from conftest import DAV_USER, RunCli
from delivery_helpers import delivery_config, only_rules, social_rule
from helpers import calendar, event
from receiver import Receiver
from watercooler.redaction import RedactingFilter, Redactor, url_secrets
from watercooler.settings import settings_from

DAV_CANARY = "CANARYdav7Qx2Lm9Pw"
JSON_TOKEN = "CANARYTOKEN9f3e1"
JSON_USER = "hookuser"
JSON_PASSWORD = "CANARYjsonPw5Rk8"
CONFIG_TOKEN = "CANARYcfgTok3Zp6"
TGRAM_TOKEN = "CANARYTGRAMxyz123"
NTFY_TOPIC = "CANARYntfyTopic4Wd"
BAD_TOKEN = "CANARYBADtok8Hj2"
CANARIES = (DAV_CANARY, JSON_TOKEN, JSON_PASSWORD, CONFIG_TOKEN, TGRAM_TOKEN, NTFY_TOPIC, BAD_TOKEN)
PIECE = 8
"""Any run of this many characters of a canary counts: a shortened token is still a leak."""

NOW = "2026-03-04T14:50:00+01:00"
LATER = "2026-03-04T14:55:00+01:00"
TITLE = "Drop by Coffee with Sam"


def basic_credentials(user: str, password: str) -> str:
    """What an HTTP ``Authorization: Basic`` header carries for these credentials."""
    return base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


def revealing() -> dict[str, list[str]]:
    """For each canary, every string whose appearance reveals it, longest first."""
    found = {
        canary: [canary[i : i + PIECE] for i in range(len(canary) - PIECE + 1)]
        for canary in CANARIES
    }
    found[DAV_CANARY].insert(0, basic_credentials(DAV_USER, DAV_CANARY))
    found[JSON_PASSWORD].insert(0, basic_credentials(JSON_USER, JSON_PASSWORD))
    for canary in CANARIES:
        found[canary].insert(0, canary)
    return found


def leaks_in(text: str) -> list[str]:
    """Each canary revealed in ``text``, with the text around its first appearance."""
    found = []
    for canary, needles in revealing().items():
        for needle in needles:
            at = text.find(needle)
            if at >= 0:
                found.append(f"{canary} in …{text[max(0, at - 100) : at + len(needle) + 40]!r}…")
                break
    return found


def leaks_in_bytes(data: bytes) -> list[str]:
    """Like :func:`leaks_in` for a file's raw bytes (UTF-8 and UTF-16, as SQLite may store)."""
    found = []
    for canary, needles in revealing().items():
        hits = (
            (data.find(encoded), encoded)
            for needle in needles
            for encoded in (needle.encode(), needle.encode("utf-16-le"), needle.encode("utf-16-be"))
        )
        at, encoded = next(((at, e) for at, e in hits if at >= 0), (-1, b""))
        if at >= 0:
            found.append(f"{canary} in …{data[max(0, at - 100) : at + len(encoded) + 40]!r}…")
    return found


@dataclass
class Transcript:
    """Runs commands with ``--debug`` and keeps everything each one printed."""

    run_cli: RunCli
    outputs: list[tuple[str, str]] = field(default_factory=list)

    def run(
        self, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        result = self.run_cli("--debug", *args, env=env)
        label = " ".join(arg for arg in args if not arg.startswith("/"))
        self.outputs.append((f"{label} (stdout)", result.stdout))
        self.outputs.append((f"{label} (stderr)", result.stderr))
        return result

    def leaks(self) -> list[str]:
        return [f"{where}: {leak}" for where, text in self.outputs for leak in leaks_in(text)]


def assert_no_leaks(leaks: list[str]) -> None:
    """Fail listing every place a canary was found."""
    assert not leaks, f"{len(leaks)} leak(s):\n" + "\n".join(leaks)


def state_leaks(state_dir: Path) -> list[str]:
    """Canaries in any file under the state folder, and in any row of the database."""
    found = []
    files = sorted(path for path in state_dir.rglob("*") if path.is_file())
    assert any(path.name.endswith(".sqlite") for path in files), files
    for path in files:  # raw bytes first: opening the database may fold the WAL into it
        found += [f"{path.name}: {leak}" for leak in leaks_in_bytes(path.read_bytes())]
    for path in files:
        if path.name.endswith(".sqlite"):
            found += [f"{path.name} rows: {leak}" for leak in leaks_in(dump(path))]
    return found


def dump(database: Path) -> str:
    """Every row of every table, as text."""
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        lines = []
        tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master")]
        for table in tables:
            try:
                rows = connection.execute(f'SELECT * FROM "{table}"').fetchall()  # noqa: S608
            except sqlite3.OperationalError:  # an index, not a table
                continue
            for row in rows:
                lines.append(
                    f"{table}: "
                    + " | ".join(
                        value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
                        for value in row
                    )
                )
        lines.extend(connection.iterdump())
        return "\n".join(lines)
    finally:
        connection.close()


def coffee_ics() -> str:
    """A coffee I declined at 15:00 on Wed 4 March 2026: the social rule nudges at 14:45."""
    return calendar(
        event(
            "Coffee with Sam",
            "20260304T150000",
            "20260304T153000",
            uid="coffee@canary.test",
            attendees=[("ana@example.com", "DECLINED"), ("sam@example.com", "ACCEPTED")],
        )
    )


@pytest.fixture
def dav(tmp_path: Path) -> Iterator[tuple[RadicaleServer, str]]:
    """Real Radicale whose only password is the canary, with a "Work" calendar holding the
    declined coffee; the server and the calendar's URL."""
    with RadicaleServer(tmp_path / "radicale", {DAV_USER: DAV_CANARY}) as server:
        url = make_calendar(server.home_url(), "work", server.auth, name="Work")
        put_event(url, "coffee.ics", coffee_ics(), server.auth)
        yield server, url


def closed_port() -> int:
    """A loopback port nothing listens on: connecting is refused."""
    return free_port()


def canary_config(
    tmp_path: Path,
    receiver: Receiver,
    source: str,
    urls: list[str] | None = None,
    apprise_config: Path | None = None,
) -> Path:
    """Config with a calendar source and, by default, three Apprise URLs holding canaries:
    one the receiver answers, Telegram (unreachable offline) and ntfy on a closed port."""
    rules = only_rules(tmp_path / "rules", social_rule(expires="3d"))
    if urls is None:
        urls = [
            f"json://{JSON_USER}:{JSON_PASSWORD}@127.0.0.1:{receiver.port}/{JSON_TOKEN}",
            f"tgram://123456789:{TGRAM_TOKEN}/12345",
            f"ntfy://127.0.0.1:{closed_port()}/{NTFY_TOPIC}",
        ]
    notify: dict[str, Any] = {"timeout": 5, "retry_first": 60}
    if apprise_config is not None:
        notify["config"] = str(apprise_config)
    return delivery_config(tmp_path, urls, rules_dir=rules, extra_top=source, **notify)


def caldav_source(url: str, password_line: str = f'password = "{DAV_CANARY}"') -> str:
    """A ``[[sources]]`` entry for a CalDAV URL as ana, with the canary password."""
    return f'[[sources]]\nurl = "{url}"\nusername = "{DAV_USER}"\n{password_line}\n'


def test_no_command_reveals_a_canary_in_its_output_logs_or_state(
    run_cli: RunCli, dav: tuple[RadicaleServer, str], receiver: Receiver, tmp_path: Path
) -> None:
    server, _ = dav
    config = str(canary_config(tmp_path, receiver, caldav_source(server.principal_url())))
    wc = Transcript(run_cli)

    checked = wc.run("check", "--config", config, "--now", NOW, "--days-back", "0")
    assert checked.returncode == 0, checked.stderr
    assert "Coffee with Sam" in checked.stdout
    assert "watercooler: debug:" in checked.stderr  # the logs really are at DEBUG
    as_json = wc.run("check", "--config", config, "--now", NOW, "--format", "json")
    assert as_json.returncode == 0, as_json.stderr

    sent = wc.run("send-due", "--config", config, "--now", NOW)
    assert sent.returncode == 1, sent.stdout + sent.stderr  # two services cannot be reached
    assert "failed" in sent.stdout
    assert [(m.path, m.title) for m in receiver.messages] == [(f"/{JSON_TOKEN}", TITLE)]
    assert "telegram" in (sent.stdout + sent.stderr).lower()
    retried = wc.run("send-due", "--config", config, "--now", LATER, "--format", "json")
    assert retried.returncode == 1, retried.stdout + retried.stderr
    assert len(receiver.messages) == 1  # the reached service is not sent to twice

    for fmt in ("text", "json"):
        status = wc.run("status", "--config", config, "--now", LATER, "--format", fmt)
        assert status.returncode == 0, status.stderr
        assert "failed" in status.stdout
    tested = wc.run("notify-test", "--config", config)
    assert tested.returncode == 1, tested.stdout + tested.stderr
    assert tested.stdout.count("FAILED") == 2
    assert tested.stdout.count("ok") == 1
    assert "watercooler test" in receiver.titles()

    for args in (
        ("snooze", "2h", "--now", LATER),
        ("pause", "--until", "2026-03-10", "--now", LATER),
        ("resume", "--now", LATER),
        ("rules", "list"),
        ("rules", "explain", "missed", "--now", NOW, "--days-back", "0"),
    ):
        done = wc.run(*args, "--config", config)
        assert done.returncode == 0, f"{args}: {done.stderr}"
    listed = wc.run("calendars", "--config", config)
    assert listed.returncode == 0, listed.stderr
    assert "Work" in listed.stdout  # the calendar behind the canary password was read

    assert_no_leaks(wc.leaks() + state_leaks(tmp_path / "state"))


@pytest.mark.parametrize("apprise_format", ["yaml", "text"])
def test_a_token_in_an_apprise_config_file_stays_out_of_debug_logs(
    run_cli: RunCli, receiver: Receiver, tmp_path: Path, apprise_format: str
) -> None:
    """Apprise logs each URL it loads from a config file at DEBUG ("Loaded URL: …"), before
    watercooler has seen the URL; the token must be masked all the same."""
    ics = tmp_path / "cal.ics"
    ics.write_text(coffee_ics(), encoding="utf-8")
    url = receiver.url(f"/{CONFIG_TOKEN}")
    apprise_file = tmp_path / f"apprise.{'yaml' if apprise_format == 'yaml' else 'txt'}"
    apprise_file.write_text(
        f"urls:\n  - {url}\n" if apprise_format == "yaml" else f"{url}\n", encoding="utf-8"
    )
    config = str(canary_config(tmp_path, receiver, "", urls=[], apprise_config=apprise_file))
    wc = Transcript(run_cli)
    sent = wc.run("send-due", "--config", config, "--source", str(ics), "--now", NOW)
    assert sent.returncode == 0, sent.stdout + sent.stderr
    tested = wc.run("notify-test", "--config", config)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert [(m.path, m.title) for m in receiver.messages] == [
        (f"/{CONFIG_TOKEN}", TITLE),
        (f"/{CONFIG_TOKEN}", "watercooler test"),
    ]
    assert_no_leaks(wc.leaks() + state_leaks(tmp_path / "state"))


@pytest.mark.parametrize("given_as", ["password", "password_file"])
def test_a_wrong_canary_password_is_refused_without_being_shown(
    run_cli: RunCli,
    dav: tuple[RadicaleServer, str],
    receiver: Receiver,
    tmp_path: Path,
    given_as: str,
) -> None:
    """A refused login is the error path most tempted to quote the credentials."""
    server, _ = dav
    wrong = DAV_CANARY[::-1]
    if given_as == "password":
        line = f'password = "{wrong}"'
    else:
        (tmp_path / "dav-password").write_text(wrong + "\n", encoding="utf-8")
        (tmp_path / "dav-password").chmod(0o600)  # as a password file should be
        line = f'password_file = "{tmp_path / "dav-password"}"'
    config = str(canary_config(tmp_path, receiver, caldav_source(server.principal_url(), line)))
    wc = Transcript(run_cli)
    for args in (("check", "--now", NOW), ("send-due", "--now", NOW), ("calendars",)):
        failed = wc.run(*args, "--config", config)
        assert failed.returncode == 2, failed.stdout + failed.stderr
        assert "watercooler: error:" in failed.stderr
    assert_no_leaks(wc.leaks())
    assert wrong not in "\n".join(text for _, text in wc.outputs)


def test_a_password_inside_the_caldav_url_stays_out_of_output_and_state(
    run_cli: RunCli, dav: tuple[RadicaleServer, str], receiver: Receiver, tmp_path: Path
) -> None:
    server, _ = dav
    url = server.principal_url().replace("://", f"://{DAV_USER}:{DAV_CANARY}@", 1)
    source = f'[[sources]]\nurl = "{url}"\n'
    config = str(canary_config(tmp_path, receiver, source, urls=[receiver.url()]))
    wc = Transcript(run_cli)
    checked = wc.run("check", "--config", config, "--now", NOW, "--days-back", "0")
    assert checked.returncode == 0, checked.stderr
    assert "Coffee with Sam" in checked.stdout
    listed = wc.run("calendars", "--config", config)
    assert listed.returncode == 0, listed.stderr
    sent = wc.run("send-due", "--config", config, "--now", NOW)
    assert sent.returncode == 0, sent.stdout + sent.stderr
    assert TITLE in receiver.titles()
    assert_no_leaks(wc.leaks() + state_leaks(tmp_path / "state"))


def test_an_unusable_url_is_a_config_error_naming_the_service_not_the_token(
    run_cli: RunCli, receiver: Receiver, tmp_path: Path
) -> None:
    ics = tmp_path / "cal.ics"
    ics.write_text(coffee_ics(), encoding="utf-8")
    urls = [receiver.url(f"/{JSON_TOKEN}"), f"tgram://{BAD_TOKEN}"]
    config = str(canary_config(tmp_path, receiver, "", urls=urls))
    wc = Transcript(run_cli)
    for args in (
        ("send-due", "--source", str(ics), "--now", NOW),
        ("send-due", "--source", str(ics), "--now", NOW, "--format", "json"),
        ("notify-test",),
    ):
        failed = wc.run(*args, "--config", config)
        assert failed.returncode == 2, f"{args}: {failed.stdout}{failed.stderr}"
        errors = [line for line in failed.stderr.splitlines() if "error:" in line]
        assert errors, failed.stderr
        assert any("notify.urls[1]" in line and "tgram" in line for line in errors), errors
        assert "notify.urls[0]" not in failed.stderr
    assert receiver.messages == []
    assert_no_leaks(wc.leaks())


def test_secrets_given_in_the_environment_stay_out_of_errors(
    run_cli: RunCli, tmp_path: Path
) -> None:
    """``WATERCOOLER_NOTIFY__URLS`` is JSON: a typo in it, or an unusable URL, is an error
    that names the variable or the service and never repeats the value."""
    ics = tmp_path / "cal.ics"
    ics.write_text(coffee_ics(), encoding="utf-8")
    config = delivery_config(tmp_path, [])
    wc = Transcript(run_cli)
    broken = wc.run(
        "send-due", "--config", str(config), "--source", str(ics), "--now", NOW,
        env={"WATERCOOLER_NOTIFY__URLS": f'["tgram://123456789:{TGRAM_TOKEN}/1"'},
    )  # fmt: skip
    assert broken.returncode == 2, broken.stdout + broken.stderr
    assert "WATERCOOLER_NOTIFY" in broken.stderr
    unusable = wc.run(
        "notify-test", "--config", str(config),
        env={"WATERCOOLER_NOTIFY__URLS": f'["tgram://{BAD_TOKEN}"]'},
    )  # fmt: skip
    assert unusable.returncode == 2, unusable.stdout + unusable.stderr
    assert "notify.urls[0]" in unusable.stderr
    assert "tgram" in unusable.stderr
    assert_no_leaks(wc.leaks())


# --- the filter itself, in-process ---------------------------------------------------------


DebugLog = tuple[logging.Logger, io.StringIO, RedactingFilter]


@pytest.fixture
def debug_log() -> Iterator[DebugLog]:
    """A real logger at DEBUG whose one handler carries the filter and writes to a buffer;
    the filter holds its own redactor, empty at first."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    secrets = RedactingFilter(Redactor())
    handler.addFilter(secrets)
    logger = logging.getLogger("watercooler.tests.canary")
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    logger.addHandler(handler)
    yield logger, stream, secrets
    logger.removeHandler(handler)


def test_the_filter_masks_secrets_in_messages_arguments_and_tracebacks_at_every_level(
    debug_log: DebugLog,
) -> None:
    logger, stream, secrets = debug_log
    url = f"tgram://123456789:{TGRAM_TOKEN}/12345"
    secrets.redactor.add(DAV_CANARY)
    secrets.redactor.add_url(url)
    message = f"Loaded URL: {url}"  # the secret inside the message itself, not an argument
    logger.debug(message)
    logger.debug("password is %s", DAV_CANARY)
    logger.info("%(who)s has %(secret)s", {"who": "ana", "secret": DAV_CANARY})
    logger.warning("POST https://api.telegram.org/bot123456789:%s/sendMessage", TGRAM_TOKEN)
    logger.error("two: %s and %r", DAV_CANARY, [TGRAM_TOKEN])
    try:
        raise ConnectionError(f"cannot reach {url} with {DAV_CANARY}")
    except ConnectionError:
        logger.debug("send failed", exc_info=True)
        logger.exception("send failed")
    logger.critical("still %s", DAV_CANARY)

    written = stream.getvalue()
    assert leaks_in(written) == []
    assert written.count("\n") >= 10  # every record was written, tracebacks included
    for level in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        assert level in written
    assert "ConnectionError: cannot reach" in written
    assert "Traceback (most recent call last)" in written
    assert "api.telegram.org" in written  # only the secrets go, the rest stays readable
    assert "has ****" in written


def test_the_filter_masks_the_decoded_form_of_a_percent_encoded_secret(
    debug_log: DebugLog,
) -> None:
    logger, stream, secrets = debug_log
    secrets.redactor.add_url("mailto://ana:CANARY%21mail%2Fpw@example.com")
    logger.debug("login with CANARY!mail/pw refused")
    logger.debug("login with CANARY%21mail%2Fpw refused")
    written = stream.getvalue()
    assert "CANARY" not in written
    assert written.count("login with **** refused") == 2


def test_a_secret_registered_after_a_record_was_made_is_still_masked_when_it_is_written(
    debug_log: DebugLog,
) -> None:
    """Secrets become known when the config loads; the filter reads them at each record."""
    logger, stream, secrets = debug_log
    logger.debug("before: %s", "harmless words")
    secrets.redactor.add(DAV_CANARY)
    logger.debug("after: %s", DAV_CANARY)
    assert stream.getvalue().splitlines() == [
        "DEBUG watercooler.tests.canary before: harmless words",
        "DEBUG watercooler.tests.canary after: ****",
    ]


def test_a_reload_replaces_the_redactor_in_one_assignment_and_the_new_secrets_apply(
    debug_log: DebugLog,
) -> None:
    """What a reload swaps is a value: the new config's redactor masks its secrets, and a
    redactor built from settings knows nothing a previous config held unless it still
    holds it."""
    logger, stream, secrets = debug_log
    first = settings_from(
        {"sources": [{"url": "https://dav.example.com/", "password": DAV_CANARY}]}
    )
    secrets.redactor = first.redactor()
    logger.warning("first %s", DAV_CANARY)
    second = settings_from({"notify": {"urls": [f"tgram://123456789:{TGRAM_TOKEN}/12345"]}})
    secrets.redactor = second.redactor()
    logger.warning("second %s", TGRAM_TOKEN)
    assert stream.getvalue().splitlines() == [
        "WARNING watercooler.tests.canary first ****",
        "WARNING watercooler.tests.canary second ****",
    ]
    assert first.redactor().scrub(TGRAM_TOKEN) == TGRAM_TOKEN  # no process-wide set


TELEGRAM_LIKE = "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


@pytest.mark.parametrize(
    ("url", "secret", "public"),
    [
        ("ntfys://ntfy.sh/topic", "topic", "ntfy.sh"),
        ("tgram://bot:token/chat", "token", "tgram"),
        (f"tgram://123456789:{TELEGRAM_LIKE}/12345", TELEGRAM_LIKE, "tgram"),
        ("mailto://user:pass@gmail.com", "pass", "gmail.com"),
        ("matrixs://user:pw@matrix.org/#room", "room", "matrix.org"),
        ("matrixs://user:hunter22@matrix.org/#room", "hunter22", "matrix.org"),
        ("json://127.0.0.1:8123/" + JSON_TOKEN, JSON_TOKEN, "127.0.0.1"),
    ],
)  # fmt: skip
def test_url_secrets_are_the_parts_that_may_be_tokens_and_not_the_host(
    url: str, secret: str, public: str
) -> None:
    parts = url_secrets(url)
    assert secret in parts
    assert public not in parts
    assert "ntfy.sh" not in parts
    assert "gmail.com" not in parts
