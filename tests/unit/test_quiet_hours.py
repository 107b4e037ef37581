"""Quiet hours in local wall-clock time: plain, wrapping past midnight, and over DST."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from watercooler.delivery.quiet import is_quiet, quiet_end
from watercooler.errors import ConfigError
from watercooler.settings import QuietHours, settings_from

BERLIN = ZoneInfo("Europe/Berlin")
NIGHT = QuietHours(start=time(22, 0), end=time(7, 0))
NOON = QuietHours(start=time(12, 0), end=time(13, 0))


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BERLIN)


@pytest.mark.parametrize(
    ("moment", "quiet"),
    [
        ("2026-03-04 21:59", False),
        ("2026-03-04 22:00", True),
        ("2026-03-04 23:59", True),
        ("2026-03-05 00:00", True),
        ("2026-03-05 06:59", True),
        ("2026-03-05 07:00", False),
        ("2026-03-05 12:00", False),
    ],
)
def test_quiet_hours_may_wrap_past_midnight(moment: str, quiet: bool) -> None:
    assert is_quiet(local(moment), NIGHT, BERLIN) is quiet


@pytest.mark.parametrize(
    ("moment", "quiet"),
    [("2026-03-04 11:59", False), ("2026-03-04 12:00", True), ("2026-03-04 13:00", False)],
)
def test_quiet_hours_within_a_day(moment: str, quiet: bool) -> None:
    assert is_quiet(local(moment), NOON, BERLIN) is quiet


def test_disabled_quiet_hours_are_never_quiet() -> None:
    off = QuietHours(enabled=False, start=time(0, 0), end=time(23, 59))
    assert not is_quiet(local("2026-03-04 03:00"), off, BERLIN)


def test_quiet_hours_are_read_in_the_users_zone_not_utc() -> None:
    # 21:30 UTC is 22:30 in Berlin in winter: quiet there.
    assert is_quiet(datetime(2026, 3, 4, 21, 30, tzinfo=UTC), NIGHT, BERLIN)


@pytest.mark.parametrize(
    ("moment", "end"),
    [
        ("2026-03-04 23:00", "2026-03-05T07:00:00+01:00"),
        ("2026-03-05 03:00", "2026-03-05T07:00:00+01:00"),
        # Spring forward: the night is an hour shorter, the end is still 07:00 local.
        ("2026-03-28 23:00", "2026-03-29T07:00:00+02:00"),
        # Fall back: the night is an hour longer.
        ("2026-10-24 23:00", "2026-10-25T07:00:00+01:00"),
    ],
)
def test_quiet_hours_end_at_local_seven_whatever_the_offset(moment: str, end: str) -> None:
    assert quiet_end(local(moment), NIGHT, BERLIN).isoformat() == end


def test_an_end_in_the_hour_spring_forward_skips_moves_on_with_the_clock() -> None:
    quiet = QuietHours(start=time(22, 0), end=time(2, 30))
    found = quiet_end(local("2026-03-28 23:00"), quiet, BERLIN)
    assert found.astimezone(UTC) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


def test_quiet_hours_with_equal_start_and_end_are_a_config_error() -> None:
    with pytest.raises(ConfigError, match="start and end are the same"):
        settings_from({"notify": {"quiet_hours": {"start": "07:00", "end": "07:00"}}})
