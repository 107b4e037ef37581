"""What ``watercooler init`` needs to know, from options or asked at a terminal, validated.

Each answer is checked as it is given: at a terminal a bad answer is asked again with the
reason; from an option it is an error naming the option. The password never comes from the
command line, whose arguments every user of the machine can read: it comes from a file,
from standard input, or is typed without echo (getpass).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from watercooler.errors import WatercoolerError
from watercooler.text import one_line


class InitError(WatercoolerError):
    """An answer ``init`` cannot use, or a check that failed; nothing was written."""


@dataclass(frozen=True, slots=True)
class Answers:
    """Everything the written files are made from."""

    url: str
    username: str | None
    password: str | None = field(repr=False)
    timezone: str
    me: tuple[str, ...]
    notify: str | None = field(repr=False)


class Prompter:
    """Questions at the terminal: plain ones on stdin/stdout, the password without echo."""

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out or sys.stdout

    def ask(self, question: str, default: str = "", *, mask: bool = False) -> str:
        """The answer, or ``default`` for an empty one (with ``mask``, a default that may
        hold a token, such as an Apprise URL, is shown masked)."""
        from watercooler.redaction import Redactor

        masked = Redactor()
        if mask:
            masked.add_url(default)
        shown = f" [{masked.scrub(default)}]" if default else ""
        try:
            answer = input(f"{question}{shown}: ").strip()
        except EOFError:
            raise InitError("the input ended before init was done; nothing written") from None
        return answer or default

    def secret(self, question: str) -> str:
        """A password, typed without echo."""
        try:
            return getpass.getpass(f"{question}: ")
        except EOFError:
            raise InitError("the input ended before init was done; nothing written") from None

    def confirm(self, question: str, *, default: bool = False) -> bool:
        """Yes or no; an empty answer is ``default``."""
        hint = "Y/n" if default else "y/N"
        while True:
            answer = self.ask(f"{question} [{hint}]").lower()
            if not answer:
                return default
            if answer in ("y", "yes", "n", "no"):
                return answer.startswith("y")
            self.say("  please answer y or n")

    def say(self, text: str) -> None:
        """A line for the person at the terminal."""
        print(text, file=self.out, flush=True)


# --- the checks, one per kind of answer ---------------------------------------------------


def check_url(text: str) -> str:
    """A CalDAV server's http(s) URL, without credentials in it."""
    url = text.strip()
    try:
        parts = urlsplit(url)
        _ = parts.port
    except ValueError as error:
        raise InitError(f"not a valid URL ({error})") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise InitError(
            f"{one_line(url)!r} is not an http:// or https:// URL (your CalDAV server's "
            "address, e.g. https://dav.example.com/)"
        )
    if parts.username is not None or parts.password is not None:
        raise InitError(
            "the URL holds a user name or password: give the user name with --username and "
            "the password in a file (--password-file) or on standard input"
        )
    return url


def check_username(text: str) -> str:
    """A user name: one line, no surrounding space."""
    name = text.strip()
    if not name or not name.isprintable():
        raise InitError("the user name is empty or holds control characters")
    return name


def check_zone(text: str) -> str:
    """An IANA time zone name that this system knows."""
    name = text.strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InitError(
            f"unknown time zone {one_line(name)!r} (use an IANA name such as Europe/Berlin)"
        ) from None
    return name


def check_email(text: str) -> str:
    """An e-mail address (``mailto:`` dropped): something before and after one @."""
    address = text.strip().removeprefix("mailto:").removeprefix("MAILTO:")
    local, at, domain = address.partition("@")
    if not at or not local or not domain or "@" in domain or not address.isprintable():
        raise InitError(f"{one_line(address)!r} is not an e-mail address (it needs an @)")
    if any(c.isspace() for c in address):
        raise InitError(f"{one_line(address)!r} is not an e-mail address (it holds spaces)")
    return address


def check_notify(text: str) -> str:
    """An Apprise URL that Apprise can use; the error names its service, never its token."""
    from pydantic import SecretStr

    from watercooler.delivery.notifier import build_notifier
    from watercooler.errors import ConfigError
    from watercooler.redaction import Redactor
    from watercooler.settings import NotifySettings

    url = text.strip()
    try:
        build_notifier(NotifySettings(urls=[SecretStr(url)]), Redactor(), desktop=False)
    except ConfigError as error:
        raise InitError(str(error).removeprefix("notify.urls[0]: ")) from None
    return url


def read_password_file(path: Path) -> str:
    """The password a file holds (its first line's line ending dropped)."""
    try:
        password = path.expanduser().read_text(encoding="utf-8").strip("\r\n")
    except OSError as error:
        raise InitError(f"cannot read {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise InitError(f"cannot read {path}: not UTF-8 text") from None
    if not password:
        raise InitError(f"{path} is empty")
    return password


def read_password_stdin(stdin: TextIO) -> str:
    """The password on standard input's first line."""
    password = stdin.readline().strip("\r\n")
    if not password:
        raise InitError("standard input held no password")
    return password


# --- gathering ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Previous:
    """What the config there now says: each question's default at a terminal, so a second
    run is a row of Enter presses."""

    url: str = ""
    username: str = ""
    password: str | None = field(default=None, repr=False)
    timezone: str = ""
    me: str = ""
    notify: str = field(default="", repr=False)


def previous_answers(config: Path) -> Previous:
    """What ``config`` holds; nothing when there is none or it does not load."""
    from watercooler.settings import load_settings

    try:
        settings = load_settings(config)
        source = settings.sources[0] if settings.sources else None
        password = source.resolve_password() if source is not None else None
    except WatercoolerError:
        return Previous()
    urls = [url.get_secret_value() for url in settings.notify.urls]
    return Previous(
        url=source.url if source is not None else "",
        username=(source.username or "") if source is not None else "",
        password=password,
        timezone=settings.timezone or "",
        me=", ".join(settings.me),
        notify=urls[0] if len(urls) == 1 else "",
    )


def gather(
    args: argparse.Namespace, prompter: Prompter | None, stdin: TextIO, previous: Previous
) -> Answers:
    """Given the options and, at a terminal, a prompter (offering ``previous`` answers),
    return checked answers. Without a prompter, a missing required option is an error
    naming it."""
    from watercooler.settings import system_zone

    url = _answer(args.url, "--url", "CalDAV URL", check_url, prompter, suggested=previous.url)
    username = _answer(
        args.username, "--username", "User name (empty for none)", check_username, prompter,
        optional=True, suggested=previous.username,
    )  # fmt: skip
    password = _password(args, username or None, prompter, stdin, previous.password)
    if password is not None and not username:
        raise InitError("a password needs a user name: give --username too")
    zone = _answer(
        args.timezone, "--timezone", "Time zone", check_zone, prompter,
        optional=True, suggested=previous.timezone or system_zone().key,
    )  # fmt: skip
    me = _emails(args.email, prompter, previous.me or (username if "@" in username else ""))
    notify = _answer(
        args.notify, "--notify", "Apprise URL for nudges (empty: the log and the desktop)",
        check_notify, prompter, optional=True, suggested=previous.notify, mask=True,
    )  # fmt: skip
    return Answers(
        url=url,
        username=username or None,
        password=password,
        timezone=zone,
        me=me,
        notify=notify or None,
    )


def _answer(
    given: str | None,
    option: str,
    question: str,
    check: Callable[[str], str],
    prompter: Prompter | None,
    *,
    optional: bool = False,
    suggested: str = "",
    mask: bool = False,
) -> str:
    """The option's value checked, or the answer to ``question`` asked until it is good
    (an empty answer takes ``suggested``). Without a prompter an optional answer is
    ``suggested``, a required one an error."""
    if given is not None:
        try:
            return check(given)
        except InitError as error:
            raise InitError(f"{option}: {error}") from None
    if prompter is None:
        if not optional:
            raise InitError(
                f"{option} is required (init asks only at a terminal, never with --yes)"
            )
        return check(suggested) if suggested else ""
    while True:
        answer = prompter.ask(question, suggested, mask=mask)
        if not answer and optional:
            return ""
        if not answer:
            prompter.say("  an answer is required")
            continue
        try:
            return check(answer)
        except InitError as error:
            prompter.say(f"  {error}")


def _password(
    args: argparse.Namespace,
    username: str | None,
    prompter: Prompter | None,
    stdin: TextIO,
    previous: str | None,
) -> str | None:
    """The password from ``--password-file``, ``--password-stdin`` or typed (empty: the
    ``previous`` one); None without a user name."""
    if args.password_file is not None:
        try:
            return read_password_file(args.password_file)
        except InitError as error:
            raise InitError(f"--password-file: {error}") from None
    if args.password_stdin:
        try:
            return read_password_stdin(stdin)
        except InitError as error:
            raise InitError(f"--password-stdin: {error}") from None
    if username is None:
        return None
    if prompter is None:
        raise InitError(
            "--username needs a password: give --password-file FILE or --password-stdin"
        )
    keep = "; empty: keep the current one" if previous else ""
    while True:
        password = prompter.secret(f"Password for {username} (not shown{keep})")
        if password or previous:
            return password or previous
        prompter.say("  the password is empty")


def _emails(given: list[str], prompter: Prompter | None, suggested: str) -> tuple[str, ...]:
    """The ``me`` addresses: each ``--email``, or a comma-separated answer."""
    if given:
        try:
            return tuple(check_email(address) for address in given)
        except InitError as error:
            raise InitError(f"--email: {error}") from None
    if prompter is None:
        return ()
    while True:
        answer = prompter.ask("Your calendar e-mail addresses, comma-separated", suggested)
        try:
            return tuple(check_email(a) for a in answer.split(",") if a.strip())
        except InitError as error:
            prompter.say(f"  {error}")
