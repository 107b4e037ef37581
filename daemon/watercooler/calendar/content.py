"""Raw iCalendar text made readable: decoded to UTF-8, unfolded, and cut to what matters.

Real files are damaged in ordinary ways: a stray byte that is not UTF-8, a fold with a blank
line before its continuation, an event cut off by a failed download, a VALARM without its
END. icalendar loses the whole file on the structural ones (it only returns components it
saw end), so the structure is mended here, line by line, before icalendar parses: every
complete VEVENT is kept, and each broken part is dropped with a warning naming it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_VALID_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
_ESCAPED = re.compile("[\udc80-\udcff]")


def to_utf8(data: bytes) -> tuple[bytes, str | None]:
    """Given an object's bytes, return them as UTF-8, and a warning when bytes were replaced.

    A file with a few bad bytes is still UTF-8: only those bytes become U+FFFD, so every
    other accented letter stays right. Only a file without a single valid UTF-8 multi-byte
    sequence is read as Windows-1252, the usual other encoding of old exports. A leading
    byte order mark is dropped (it would hide the first BEGIN).
    """
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return data, None
    if _VALID_MULTIBYTE.search(data) is None:
        return data.decode("cp1252", errors="replace").encode("utf-8"), None
    text = data.decode("utf-8", errors="surrogateescape")
    first = _ESCAPED.search(text)
    count = len(_ESCAPED.findall(text))
    line = text.count("\n", 0, first.start() if first else 0) + 1
    what = "a byte that is not" if count == 1 else f"{count} bytes that are not"
    warning = f"{what} UTF-8 (first on line {line}) replaced by U+FFFD"
    return _ESCAPED.sub("\ufffd", text).encode("utf-8"), warning


_FOLD = re.compile(rb"\n+[ \t]")
"""A line break, any blank lines, then a space or tab: a fold (as icalendar unfolds it),
once CRLF line breaks are LF."""
_NEEDED = frozenset(
    {
        b"VERSION", b"CALSCALE", b"X-WR-TIMEZONE", b"UID", b"SUMMARY",
        b"CATEGORIES", b"STATUS", b"TRANSP", b"X-MICROSOFT-CDO-BUSYSTATUS",
        b"X-MICROSOFT-CDO-INTENDEDSTATUS", b"ORGANIZER", b"ATTENDEE", b"DTSTART", b"DTEND",
        b"DURATION", b"RRULE", b"EXRULE", b"RDATE", b"EXDATE", b"RECURRENCE-ID", b"SEQUENCE",
    }
)  # fmt: skip
_KEPT_COMPONENTS = frozenset({b"VCALENDAR", b"VEVENT"})
_MAX_UID = 200


@dataclass(slots=True)
class _Open:
    """A component whose END has not been seen yet."""

    name: bytes
    start: int
    """Where its BEGIN line is in the kept lines; -1 when it is not kept."""
    uid: str = ""


@dataclass(slots=True)
class _Filter:
    """The kept lines so far, the components open around the current line, the problems."""

    kept: list[bytes]
    stack: list[_Open]
    problems: list[str]

    def begin(self, line: bytes) -> None:
        component = line.partition(b":")[2].strip().upper()
        if component == b"VCALENDAR":
            self.close_above(0)
        elif component == b"VEVENT":
            self.close_above(1 if self.stack and self.stack[0].name == b"VCALENDAR" else 0)
        kept = component in _KEPT_COMPONENTS and (not self.stack or self.stack[-1].start >= 0)
        if kept:
            self.kept.append(b"BEGIN:" + component)
        self.stack.append(_Open(component, len(self.kept) - 1 if kept else -1))

    def end(self, line: bytes) -> None:
        component = line.partition(b":")[2].strip().upper()
        depth = next(
            (d for d in range(len(self.stack) - 1, -1, -1) if self.stack[d].name == component),
            None,
        )
        if depth is None:
            self.problems.append(f"{self._where()}ignored an END:{_name(component)} without BEGIN")
            return
        self.close_above(depth + 1)
        if self.stack.pop().start >= 0:
            self.kept.append(b"END:" + component)

    def close_above(self, depth: int) -> None:
        """Close every component open deeper than ``depth``: their END never came."""
        while len(self.stack) > depth:
            component = self.stack.pop()
            if component.name != b"VEVENT" and any(c.name == b"VEVENT" for c in self.stack[depth:]):
                continue  # inside an event that is cut off too: its warning says enough
            self.unterminated(component)

    def unterminated(self, component: _Open) -> None:
        name = _name(component.name)
        if component.name == b"VEVENT":
            del self.kept[component.start :]
            who = f"event {component.uid}" if component.uid else "an event without UID"
            self.problems.append(f"skipped {who}: it has no END:VEVENT (cut off?)")
        elif component.name == b"VCALENDAR":
            self.kept.append(b"END:VCALENDAR")
        else:
            self.problems.append(f"{self._where()}ignored a {name} that has no END:{name}")

    def _where(self) -> str:
        event = next((c for c in reversed(self.stack) if c.name == b"VEVENT"), None)
        if event is None:
            return ""
        return f"event {event.uid}: " if event.uid else "an event without UID: "

    def uid(self, line: bytes) -> None:
        if self.stack and self.stack[-1].name == b"VEVENT" and not self.stack[-1].uid:
            value = line.partition(b":")[2].strip()[:_MAX_UID]
            self.stack[-1].uid = value.decode("utf-8", "replace")


def _name(component: bytes) -> str:
    return component.decode("ascii", "replace") or "(nameless component)"


def slim(data: bytes) -> tuple[bytes, list[str]]:
    """Keep only the lines classification reads, in a structure icalendar can parse.

    Descriptions, alarms, attachments, to-dos and vendor properties are most of a real
    calendar's text and most of icalendar's parsing time; none of them changes a result.
    Lines are unfolded first, so a property folded anywhere (even before its ``:``) is
    judged by its whole name. A component whose END is missing is closed where the next
    one begins (or the file ends): an event is then dropped, anything else inside an event
    ignored. An empty ``RRULE:`` (some holiday publishers write one on every event) is no
    rule, and told once. Return the text and the problems found, as sentences.
    """
    kept: list[bytes] = []
    filtering = _Filter(kept, [], [])
    empty_rules = 0
    keeping = False
    stack = filtering.stack
    for line in _FOLD.sub(b"", data.replace(b"\r\n", b"\n")).splitlines():
        name = line.split(b":", 1)[0].split(b";", 1)[0].strip().upper()
        if name == b"BEGIN":
            filtering.begin(line)
            keeping = stack[-1].start >= 0
        elif name == b"END":
            filtering.end(line)
            keeping = bool(stack) and stack[-1].start >= 0
        elif keeping and name in _NEEDED:
            if name == b"UID":
                filtering.uid(line)
            elif name == b"RRULE" and not line.partition(b":")[2].strip():
                empty_rules += 1
                continue
            kept.append(line)
    filtering.close_above(0)
    if empty_rules:
        events = "an event has" if empty_rules == 1 else f"{empty_rules} events have"
        filtering.problems.append(f"{events} an empty RRULE (no FREQ); read as not repeating")
    return b"\r\n".join(kept) + b"\r\n", filtering.problems
