"""The services nudges go to: Apprise URLs and config files, checked at load, sent one by one.

Each service is sent to separately, so a retry after a partial failure reaches only the
services that missed the message: one flaky chat never makes the phone buzz twice.
Services are named by Apprise's service name and a masked URL, never by their token.
Without any service, nudges go to the log, and to the desktop where D-Bus is available.

Apprise's plugins time each read, not a send: a service that answers one byte every half
second would hold a tick for ever. So each send to an Apprise service runs in that
service's :class:`~watercooler.deadline.Worker`, abandoned at ``notify.timeout`` plus half
a second; while an abandoned send still runs, the next one to that service fails at once
instead of starting a second worker.

A message can carry files (the Friday report's HTML). A service whose Apprise plugin takes
attachments gets them; any other service, the log and the desktop get the text alone, with
the ``instead`` line the caller gives (where else to find what was attached): a service
that cannot take a file is never a failed send.

What Apprise says about a failure it only logs; :func:`_apprise_errors` collects those
records for the calling thread alone, for the length of the call, so they become part of
one error message without switching Apprise's logger for the rest of the process.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from watercooler.deadline import DeadlineExceeded, StillBusy, Worker
from watercooler.delivery.desktop import LABEL as DESKTOP_LABEL
from watercooler.delivery.desktop import Desktop
from watercooler.errors import ConfigError
from watercooler.redaction import Redactor, url_secrets
from watercooler.settings import NotifySettings
from watercooler.text import one_line, printable
from watercooler.urls import split_tags

log = logging.getLogger(__name__)
nudge_log = logging.getLogger("watercooler.nudge")

LOG_SERVICE = "log"
_URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"]+")
DESKTOP_SERVICE = "desktop"


@dataclass(frozen=True, slots=True)
class Service:
    """One place a message can go."""

    ident: str
    """Stable across restarts (a hash of the URL), so deliveries can be remembered."""
    label: str
    """What people read: the service name and its masked URL."""
    tags: frozenset[str] = frozenset()
    plugin: Any = field(default=None, compare=False, repr=False)
    best_effort: bool = False
    """A failure here is only a warning: the desktop, when the log already has the nudge
    (a headless session often has a bus but no notification server)."""


@dataclass(frozen=True, slots=True)
class Result:
    """How one send to one service went; ``error`` is already free of secrets."""

    service: Service
    ok: bool
    error: str = ""


class Notifier:
    """The configured services, and sending to them; errors are masked by ``redactor``."""

    def __init__(
        self,
        services: list[Service],
        fallback: list[Service],
        redactor: Redactor,
        timeout: float = 10.0,
    ) -> None:
        self.services = services
        self.fallback = fallback
        self.redactor = redactor
        self.timeout = timeout
        """``notify.timeout``: a send to an Apprise service is abandoned half a second
        after it."""
        self._workers: dict[str, Worker] = {}

    @property
    def configured(self) -> bool:
        """Whether any Apprise service is configured (otherwise nudges go to the log)."""
        return bool(self.services)

    def targets(self, tags: tuple[str, ...] = ()) -> list[Service]:
        """The services a nudge with these rule tags goes to, Apprise's way: without tags,
        every service; with tags, those holding any of them, plus any tagged ``always``."""
        if not self.services:
            return list(self.fallback)
        if not tags:
            return list(self.services)
        wanted = set(tags)
        return [s for s in self.services if s.tags & wanted or "always" in s.tags]

    def send(
        self,
        service: Service,
        title: str,
        body: str,
        attachments: Sequence[Path] = (),
        *,
        instead: str = "",
    ) -> Result:
        """Send one message to one service and say how it went.

        ``attachments`` go along where the service takes files; where it takes none (or
        there are none left to send), ``instead`` is added to the body as its last line.
        """
        files = list(attachments) if takes_attachments(service) else []
        if not files and instead:
            body = f"{body}\n\n{instead}" if body else instead
        if service.ident == LOG_SERVICE:
            nudge_log.warning("nudge: %s — %s", one_line(title), one_line(body))
            return Result(service, ok=True)
        if isinstance(service.plugin, Desktop):
            failure = service.plugin.send(title, body)
            if failure is None:
                return Result(service, ok=True)
            return Result(service, ok=False, error=printable(self.redactor.scrub(failure), 300))
        worker = self._workers.setdefault(service.ident, Worker(f"notify:{service.ident}"))
        try:
            ok, errors = worker.run(
                lambda: _notify(service, title, body, files), self.timeout + 0.5
            )
        except StillBusy:
            ok, errors = False, [f"{self._late()}; its earlier send is still running"]
        except DeadlineExceeded:
            ok, errors = False, [self._late()]
        if ok:
            return Result(service, ok=True)
        reason = "; ".join(dict.fromkeys(errors)) or "the service reported a failure"
        return Result(service, ok=False, error=printable(self.redactor.scrub(reason), 300))

    def _late(self) -> str:
        return f"no answer within notify.timeout ({self.timeout:g} s)"


def takes_attachments(service: Service) -> bool:
    """Whether the service's Apprise plugin sends files (the log and the desktop do not)."""
    if service.plugin is None or isinstance(service.plugin, Desktop):
        return False
    return bool(getattr(service.plugin, "attachment_support", False))


def _notify(service: Service, title: str, body: str, files: list[Path]) -> tuple[bool, list[str]]:
    """One Apprise send, in the worker's thread: whether it went, and what Apprise said."""
    with _apprise_errors() as errors:
        try:
            attach = _attachments(files) if files else None
            ok = bool(service.plugin.notify(body=body, title=title, attach=attach))
        except Exception as error:  # noqa: BLE001 - a plugin bug is one failed send
            errors.append(f"{type(error).__name__}: {error}")
            ok = False
    return ok, list(errors)


def _attachments(files: list[Path]) -> Any:
    """The files as Apprise attachments: local files, each named as it is on disk."""
    import apprise
    from apprise.attachment.file import AttachFile

    attach = apprise.AppriseAttachment()
    for path in files:
        attach.add(AttachFile(str(path), name=path.name))  # type: ignore[no-untyped-call]
    return attach


def build_notifier(
    settings: NotifySettings, redactor: Redactor, *, desktop: bool | None = None
) -> Notifier:
    """Given the ``[notify]`` settings, return a notifier; raise ConfigError naming every
    unusable URL by its service, never its token.

    The tokens of an Apprise config file are added to ``redactor`` before Apprise reads
    (and logs) the file, so the redactor the log filter holds must be this one.
    """
    services: list[Service] = []
    problems: list[str] = []
    for index, secret in enumerate(settings.urls):
        import apprise  # only with URLs to check: the log and the desktop need none of it

        raw = secret.get_secret_value().strip()
        tags, url = split_tags(raw)
        redactor.add_url(url)
        where = f"notify.urls[{index}]"
        with _apprise_errors() as errors:
            plugin = apprise.Apprise.instantiate(url, tag=sorted(tags) or None)
        if plugin is None:
            problems.append(f"{where}: {_scheme(url)}:// is {_why(errors, redactor)}")
            continue
        services.append(_service(plugin, url, tags, settings.timeout, redactor))
    path = settings.resolved_config()
    if path is not None:
        services += _from_config_file(path, settings.timeout, redactor, problems)
    if problems:
        raise ConfigError("\n".join(redactor.scrub(problem) for problem in problems))
    fallback = [Service(LOG_SERVICE, "the log")]
    want_desktop = settings.desktop if desktop is None else desktop
    bus = os.environ.get("DBUS_SESSION_BUS_ADDRESS", "").strip()
    if not services and want_desktop and bus:
        desktop_plugin = Desktop(bus, settings.timeout)
        fallback.append(
            Service(DESKTOP_SERVICE, DESKTOP_LABEL, plugin=desktop_plugin, best_effort=True)
        )
    return Notifier(services, fallback, redactor, settings.timeout)


def _from_config_file(
    path: Path, timeout: float, redactor: Redactor, problems: list[str]
) -> list[Service]:
    import apprise

    if not path.is_file():
        problems.append(f"notify.config: {path}: no such file")
        return []
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        problems.append(f"notify.config: {path}: cannot read it: {error.strerror}")
        return []
    # Apprise logs each URL as it loads the file: its secrets must be known before that.
    for url in _URL_IN_TEXT.findall(text):
        redactor.add_url(url.rstrip(":"))
    config = apprise.AppriseConfig()
    with _apprise_errors() as errors:
        config.add(str(path))
        plugins: list[Any] = list(config.services())
    services = []
    for plugin in plugins:
        url = plugin.url()
        redactor.add_url(url)
        services.append(_service(plugin, url, frozenset(plugin.tags), timeout, redactor))
    if not services:
        why = _why(errors, redactor)
        problems.append(f"notify.config: {path}: no usable service in it ({why})")
    return services


def _service(
    plugin: Any, url: str, tags: frozenset[str], timeout: float, redactor: Redactor
) -> Service:
    plugin.socket_connect_timeout = timeout
    plugin.socket_read_timeout = timeout
    ident = hashlib.sha256(url.encode()).hexdigest()[:16]
    parts = Redactor()
    parts.add(*url_secrets(url))
    shown = redactor.scrub(parts.scrub(plugin.url(privacy=True).partition("?")[0]))
    label = f"{plugin.service_name} {shown}"
    return Service(ident, printable(label, 160), frozenset(tags or plugin.tags), plugin)


def _scheme(url: str) -> str:
    scheme = url.partition("://")[0] if "://" in url else ""
    return printable(scheme, 20) if re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", scheme) else "?"


def _why(errors: list[str], redactor: Redactor) -> str:
    if not errors:
        return "not a URL Apprise can use"
    return "not usable: " + printable(redactor.scrub(errors[-1]), 200)


class _CallerWarnings(logging.Filter):
    """On Apprise's logger for one call: keeps that thread's warnings (and worse) out of
    the log, collecting them instead; every other record passes as usual."""

    def __init__(self) -> None:
        super().__init__()
        self.thread = threading.get_ident()
        self.collected: list[str] = []

    def filter(self, record: logging.LogRecord) -> bool:
        if record.thread != self.thread or record.levelno < logging.WARNING:
            return True
        self.collected.append(record.getMessage())
        return False


@contextmanager
def _apprise_errors() -> Iterator[list[str]]:
    """Collect what Apprise logs at WARNING and above in this thread while it works: its
    only way of saying why a URL or a send failed. Those records become part of
    watercooler's own one-line message instead of extra lines; quieter ones, and anything
    another thread logs meanwhile, still reach the log."""
    catcher = _CallerWarnings()
    logger = logging.getLogger("apprise")
    logger.addFilter(catcher)
    try:
        yield catcher.collected
    finally:
        logger.removeFilter(catcher)
