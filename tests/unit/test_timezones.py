"""Time zones: DST changes, floating times, X-WR-TIMEZONE, Windows names, custom VTIMEZONEs.

DESIGN.md: everything is judged in the user's zone; floating times are the user's wall
clock except under X-WR-TIMEZONE, which reads UTC and floating times as that zone's so its
series recur in that zone's wall time; Windows zone names are honoured; an unknown TZID is
read in the user's zone with a warning. Every calendar here is a real file read through
the real file source (``helpers.check``).
"""

from __future__ import annotations

import json
import logging
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from helpers import calendar, check, event, lunch_of, settings
from watercooler.check import run_check
from watercooler.cli.render_check import to_document
from watercooler.sources.files import IcsFileSource

EVERY_DAY = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

# The 2026 changes: the day, the user's zone, the offset before and after.
CHANGES = [
    pytest.param("Europe/Berlin", "2026-03-29", "+01:00", "+02:00", id="berlin-spring"),
    pytest.param("Europe/Berlin", "2026-10-25", "+02:00", "+01:00", id="berlin-autumn"),
    pytest.param("America/New_York", "2026-03-08", "-05:00", "-04:00", id="new-york-spring"),
    pytest.param("America/New_York", "2026-11-01", "-04:00", "-05:00", id="new-york-autumn"),
]


def compact(day: str) -> str:
    return day.replace("-", "")


def shifted(day: str, days: int) -> str:
    return (date.fromisoformat(day) + timedelta(days=days)).isoformat()


def starts(document: dict[str, Any]) -> list[str]:
    return [item["start"] for item in document["social"]]


def vtimezone(tzid: str, *periods: str) -> str:
    """A VTIMEZONE; each period is (kind, dtstart, from, to, rrule-or-empty) joined by '|'."""
    lines = ["BEGIN:VTIMEZONE", f"TZID:{tzid}"]
    for period in periods:
        kind, start, offset_from, offset_to, rule = period.split("|")
        lines += [
            f"BEGIN:{kind}",
            f"DTSTART:{start}",
            f"TZOFFSETFROM:{offset_from}",
            f"TZOFFSETTO:{offset_to}",
        ]
        if rule:
            lines.append(f"RRULE:{rule}")
        lines.append(f"END:{kind}")
    lines.append("END:VTIMEZONE")
    return "\r\n".join(lines)


def fixed_zone(tzid: str, offset: str) -> str:
    return vtimezone(tzid, f"STANDARD|19700101T000000|{offset}|{offset}|")


def zone_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.levelno >= logging.WARNING and "time zone" in record.getMessage()
    ]


# --- DST changes -----------------------------------------------------------------------


@pytest.mark.parametrize(("zone", "change", "before", "after"), CHANGES)
def test_a_weekly_noon_lunch_keeps_noon_wall_time_across_the_change(
    tmp_path: Path, zone: str, change: str, before: str, after: str
) -> None:
    first = shifted(change, -13)  # a Monday two weeks before the Sunday of the change
    ics = calendar(
        event(
            "Team lunch",
            f"{compact(first)}T120000",
            f"{compact(first)}T130000",
            tz=zone,
            lines=["RRULE:FREQ=WEEKLY;COUNT=4"],
        )
    )
    document = check(
        tmp_path, ics, f"{change}T09:00", days_back=7, days_ahead=7, config=settings(timezone=zone)
    )
    monday_before, monday_after = shifted(change, -6), shifted(change, 1)
    assert starts(document) == [
        f"{monday_before}T12:00:00{before}",
        f"{monday_after}T12:00:00{after}",
    ]
    assert [item["end"] for item in document["social"]] == [
        f"{monday_before}T13:00:00{before}",
        f"{monday_after}T13:00:00{after}",
    ]
    assert lunch_of(document, monday_before) == "social"
    assert lunch_of(document, monday_after) == "social"


@pytest.mark.parametrize(("zone", "change", "before", "after"), CHANGES)
@pytest.mark.parametrize("clock", ["09:00", "02:30", "00:00", "23:59"])
def test_the_day_list_around_a_change_has_every_date_once_in_order(
    tmp_path: Path, zone: str, change: str, before: str, after: str, clock: str
) -> None:
    # 02:30 does not exist on a spring-forward day and happens twice on an autumn one.
    document = check(
        tmp_path,
        calendar(),
        f"{change}T{clock}",
        days_back=3,
        days_ahead=3,
        config=settings(timezone=zone),
    )
    assert [day["date"] for day in document["days"]] == [shifted(change, n) for n in range(-3, 4)]
    assert document["now"][:10] == change


@pytest.mark.parametrize(("zone", "change", "before", "after"), CHANGES)
@pytest.mark.parametrize(
    ("busy", "lunch"),
    [
        pytest.param([("Meeting", "113000", "140000")], "skipped", id="busy-whole-window"),
        pytest.param([("Meeting", "120000", "140000")], "free", id="free-from-1130"),
        pytest.param([("Meeting", "113000", "133000")], "free", id="free-until-1400"),
        pytest.param([("Meeting", "114500", "140000")], "skipped", id="only-15-minutes"),
        pytest.param([("Lunch", "134500", "141500")], "alone", id="lunch-at-the-end"),
        pytest.param([("Lunch", "110000", "113500")], "alone", id="lunch-at-the-start"),
        pytest.param([("Lunch", "140000", "143000")], "free", id="lunch-after-the-window"),
    ],
)
def test_the_lunch_window_on_the_change_day_is_1130_to_1400_local_time(
    tmp_path: Path,
    zone: str,
    change: str,
    before: str,
    after: str,
    busy: list[tuple[str, str, str]],
    lunch: str,
) -> None:
    day = compact(change)
    ics = calendar(
        *(event(name, f"{day}T{start}", f"{day}T{end}", tz=zone) for name, start, end in busy)
    )
    document = check(
        tmp_path, ics, f"{change}T09:00", config=settings(timezone=zone, workdays=EVERY_DAY)
    )
    assert lunch_of(document, change) == lunch


@pytest.mark.parametrize(("zone", "change", "before", "after"), CHANGES)
def test_an_all_day_vacation_across_the_change_covers_exactly_its_local_days(
    tmp_path: Path, zone: str, change: str, before: str, after: str
) -> None:
    ics = calendar(event("Vacation", compact(shifted(change, -2)), compact(shifted(change, 3))))
    document = check(
        tmp_path,
        ics,
        f"{change}T09:00",
        days_back=3,
        days_ahead=4,
        config=settings(timezone=zone, workdays=EVERY_DAY),
    )
    assert {day["date"]: day["lunch"] for day in document["days"]} == {
        shifted(change, -3): "free",
        shifted(change, -2): "off",
        shifted(change, -1): "off",
        change: "off",
        shifted(change, 1): "off",
        shifted(change, 2): "off",
        shifted(change, 3): "free",
        shifted(change, 4): "free",
    }


def test_a_new_york_series_seen_from_berlin_moves_an_hour_while_only_one_side_has_dst(
    tmp_path: Path,
) -> None:
    # Noon in New York is 18:00 in Berlin, but 17:00 between 8 and 29 March 2026.
    ics = calendar(
        event(
            "Coffee",
            "20260305T120000",
            "20260305T123000",
            tz="America/New_York",
            lines=["RRULE:FREQ=WEEKLY;COUNT=5"],
        )
    )
    document = check(tmp_path, ics, "2026-03-15T09:00", days_back=12, days_ahead=20)
    assert starts(document) == [
        "2026-03-05T18:00:00+01:00",
        "2026-03-12T17:00:00+01:00",
        "2026-03-19T17:00:00+01:00",
        "2026-03-26T17:00:00+01:00",
        "2026-04-02T18:00:00+02:00",
    ]


# --- floating times --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "offset"),
    [("Europe/Berlin", "+01:00"), ("America/New_York", "-04:00"), ("Asia/Tokyo", "+09:00")],
)
def test_a_floating_time_is_the_users_wall_clock(tmp_path: Path, zone: str, offset: str) -> None:
    ics = calendar(event("Team lunch", "20260310T120000", "20260310T130000", tz=None))
    document = check(tmp_path, ics, "2026-03-10T09:00", config=settings(timezone=zone))
    assert starts(document) == [f"2026-03-10T12:00:00{offset}"]
    assert lunch_of(document, "2026-03-10") == "social"


@pytest.mark.parametrize(("zone", "change", "before", "after"), CHANGES)
def test_a_floating_weekly_series_keeps_its_wall_time_in_the_users_zone(
    tmp_path: Path, zone: str, change: str, before: str, after: str
) -> None:
    first = compact(shifted(change, -6))
    ics = calendar(
        event(
            "Team lunch", f"{first}T120000", f"{first}T130000", tz=None, lines=["RRULE:FREQ=WEEKLY"]
        )
    )
    document = check(
        tmp_path, ics, f"{change}T09:00", days_back=6, days_ahead=1, config=settings(timezone=zone)
    )
    assert starts(document) == [
        f"{shifted(change, -6)}T12:00:00{before}",
        f"{shifted(change, 1)}T12:00:00{after}",
    ]


# --- X-WR-TIMEZONE ---------------------------------------------------------------------

NEW_YORK_NOON_FROM_BERLIN = [
    "2026-03-05T18:00:00+01:00",
    "2026-03-12T17:00:00+01:00",
    "2026-03-19T17:00:00+01:00",
    "2026-03-26T17:00:00+01:00",
    "2026-04-02T18:00:00+02:00",
]


def test_an_x_wr_timezone_utc_series_recurs_in_that_zones_wall_time(tmp_path: Path) -> None:
    # 17:00Z on 5 March is noon in New York; Google means "noon in New York every week".
    ics = calendar(
        event(
            "Team lunch",
            "20260305T170000Z",
            "20260305T180000Z",
            tz=None,
            lines=["RRULE:FREQ=WEEKLY;COUNT=5"],
        ),
        header=["X-WR-TIMEZONE:America/New_York"],
    )
    document = check(tmp_path, ics, "2026-03-15T09:00", days_back=12, days_ahead=20)
    assert starts(document) == NEW_YORK_NOON_FROM_BERLIN


def test_without_x_wr_timezone_a_utc_series_keeps_its_utc_time(tmp_path: Path) -> None:
    ics = calendar(
        event(
            "Team lunch",
            "20260305T170000Z",
            "20260305T180000Z",
            tz=None,
            lines=["RRULE:FREQ=WEEKLY;COUNT=5"],
        )
    )
    document = check(tmp_path, ics, "2026-03-15T09:00", days_back=12, days_ahead=20)
    assert starts(document) == [
        "2026-03-05T18:00:00+01:00",
        "2026-03-12T18:00:00+01:00",
        "2026-03-19T18:00:00+01:00",
        "2026-03-26T18:00:00+01:00",
        "2026-04-02T19:00:00+02:00",
    ]


def test_an_x_wr_timezone_floating_series_recurs_in_that_zones_wall_time(tmp_path: Path) -> None:
    ics = calendar(
        event(
            "Team lunch",
            "20260305T120000",
            "20260305T130000",
            tz=None,
            lines=["RRULE:FREQ=WEEKLY;COUNT=5"],
        ),
        header=["X-WR-TIMEZONE:America/New_York"],
    )
    document = check(tmp_path, ics, "2026-03-15T09:00", days_back=12, days_ahead=20)
    assert starts(document) == NEW_YORK_NOON_FROM_BERLIN


def test_an_x_wr_timezone_single_floating_event_is_read_in_that_zone(tmp_path: Path) -> None:
    ics = calendar(
        event("Coffee", "20260312T120000", "20260312T123000", tz=None),
        header=["X-WR-TIMEZONE:America/New_York"],
    )
    document = check(tmp_path, ics, "2026-03-12T09:00")
    assert [(item["start"], item["end"]) for item in document["social"]] == [
        ("2026-03-12T17:00:00+01:00", "2026-03-12T17:30:00+01:00")
    ]


def test_an_x_wr_timezone_single_utc_event_keeps_its_instant(tmp_path: Path) -> None:
    ics = calendar(
        event("Coffee", "20260312T160000Z", "20260312T163000Z", tz=None),
        header=["X-WR-TIMEZONE:America/New_York"],
    )
    document = check(tmp_path, ics, "2026-03-12T09:00")
    assert starts(document) == ["2026-03-12T17:00:00+01:00"]


def test_x_wr_timezone_leaves_times_with_a_tzid_and_all_day_dates_alone(tmp_path: Path) -> None:
    ics = calendar(
        event("Coffee", "20260310T120000", "20260310T123000", tz="Europe/Berlin"),
        event("Vacation", "20260311", "20260312"),
        header=["X-WR-TIMEZONE:America/New_York"],
    )
    document = check(tmp_path, ics, "2026-03-10T09:00", days_ahead=2)
    assert starts(document) == ["2026-03-10T12:00:00+01:00"]
    assert [day["lunch"] for day in document["days"]] == ["free", "off", "free"]


# --- Windows zone names ----------------------------------------------------------------


def test_w_europe_standard_time_without_a_vtimezone_is_berlin_time(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    ics = calendar(
        event("Coffee", "20260310T120000", "20260310T123000", tz="W. Europe Standard Time")
    )
    document = check(
        tmp_path, ics, "2026-03-10T09:00", config=settings(timezone="America/New_York")
    )
    assert [(item["start"], item["end"]) for item in document["social"]] == [
        ("2026-03-10T07:00:00-04:00", "2026-03-10T07:30:00-04:00")
    ]
    assert zone_warnings(caplog) == []


def test_eastern_standard_time_without_a_vtimezone_is_new_york_time(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    ics = calendar(
        event("Coffee", "20260310T120000", "20260310T123000", tz="Eastern Standard Time")
    )
    document = check(tmp_path, ics, "2026-03-10T09:00")
    assert starts(document) == ["2026-03-10T17:00:00+01:00"]
    assert zone_warnings(caplog) == []


def test_a_series_in_a_windows_zone_keeps_that_zones_wall_time_across_its_dst_change(
    tmp_path: Path,
) -> None:
    ics = calendar(
        event(
            "Coffee",
            "20260323T120000",
            "20260323T123000",
            tz="W. Europe Standard Time",
            lines=["RRULE:FREQ=WEEKLY;COUNT=2"],
        ),
        event(
            "Coffee east",
            "20260302T120000",
            "20260302T123000",
            tz="Eastern Standard Time",
            lines=["RRULE:FREQ=WEEKLY;COUNT=2"],
        ),
    )
    document = check(
        tmp_path,
        ics,
        "2026-03-15T09:00",
        days_back=14,
        days_ahead=16,
        config=settings(timezone="UTC"),
    )
    assert starts(document) == [
        "2026-03-02T17:00:00+00:00",
        "2026-03-09T16:00:00+00:00",
        "2026-03-23T11:00:00+00:00",
        "2026-03-30T10:00:00+00:00",
    ]


# --- unknown and custom TZIDs ----------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "offset"), [("Europe/Berlin", "+01:00"), ("America/New_York", "-04:00")]
)
def test_an_unknown_tzid_is_read_in_the_users_zone_with_a_warning_naming_the_uid(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, zone: str, offset: str
) -> None:
    caplog.set_level(logging.WARNING)
    ics = calendar(
        event("Coffee", "20260310T150000", "20260310T153000", tz="Mars/Olympus Mons", uid="mars@t"),
        event("Lunch", "20260310T120000", "20260310T123000", tz="Mars/Olympus Mons", uid="red@t"),
        event("Team lunch", "20260311T120000", "20260311T130000", tz=zone, uid="earth@t"),
    )
    document = check(
        tmp_path, ics, "2026-03-10T09:00", days_ahead=1, config=settings(timezone=zone)
    )
    assert starts(document) == [f"2026-03-10T15:00:00{offset}", f"2026-03-11T12:00:00{offset}"]
    assert lunch_of(document, "2026-03-10") == "alone"
    assert lunch_of(document, "2026-03-11") == "social"
    warnings = zone_warnings(caplog)
    for uid in ("mars@t", "red@t"):
        naming = [message for message in warnings if uid in message]
        assert len(naming) == 1, warnings
        assert "Mars/Olympus Mons" in naming[0]
    assert not [message for message in warnings if "earth@t" in message]


def test_a_custom_named_vtimezone_is_honoured(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    ics = calendar(
        fixed_zone("My Zone (custom before)", "+0500"),
        event("Coffee", "20260310T120000", "20260310T123000", tz="My Zone (custom before)"),
    )
    document = check(tmp_path, ics, "2026-03-10T09:00")
    assert [(item["start"], item["end"]) for item in document["social"]] == [
        ("2026-03-10T08:00:00+01:00", "2026-03-10T08:30:00+01:00")
    ]
    assert zone_warnings(caplog) == []


def test_a_vtimezone_defined_after_the_event_that_uses_it_is_still_used(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    ics = calendar(
        event("Coffee", "20260310T120000", "20260310T123000", tz="My Zone (defined after)"),
        fixed_zone("My Zone (defined after)", "+0500"),
    )
    document = check(tmp_path, ics, "2026-03-10T09:00")
    assert starts(document) == ["2026-03-10T08:00:00+01:00"]
    assert zone_warnings(caplog) == []


def test_a_custom_vtimezone_with_dst_rules_gives_each_occurrence_its_own_offset(
    tmp_path: Path,
) -> None:
    # US Eastern rules under a name no zone database knows.
    company = vtimezone(
        "Company Eastern Time",
        "STANDARD|16011104T020000|-0400|-0500|FREQ=YEARLY;BYDAY=1SU;BYMONTH=11",
        "DAYLIGHT|16010311T020000|-0500|-0400|FREQ=YEARLY;BYDAY=2SU;BYMONTH=3",
    )
    ics = calendar(
        company,
        event(
            "Coffee",
            "20260305T120000",
            "20260305T123000",
            tz="Company Eastern Time",
            lines=["RRULE:FREQ=WEEKLY;COUNT=5"],
        ),
    )
    document = check(tmp_path, ics, "2026-03-15T09:00", days_back=12, days_ahead=20)
    assert starts(document) == NEW_YORK_NOON_FROM_BERLIN


def test_two_calendars_defining_the_same_custom_tzid_differently_each_use_their_own(
    tmp_path: Path,
) -> None:
    # Outlook names every hand-made zone "Customized Time Zone"; two invitations from
    # different senders can define it differently. Each object's own VTIMEZONE counts.
    name = "Customized Time Zone (two senders)"
    east = tmp_path / "east.ics"
    west = tmp_path / "west.ics"
    east.write_text(
        calendar(
            fixed_zone(name, "+0500"),
            event("Coffee east", "20260310T120000", "20260310T123000", tz=name),
        ),
        encoding="utf-8",
    )
    west.write_text(
        calendar(
            fixed_zone(name, "-0300"),
            event("Coffee west", "20260310T120000", "20260310T123000", tz=name),
        ),
        encoding="utf-8",
    )
    config = settings()
    now = datetime(2026, 3, 10, 9, tzinfo=config.zone)
    result = run_check(config, [IcsFileSource(east), IcsFileSource(west)], now, 0, 0)
    document = json.loads(json.dumps(to_document(result)))
    found = {item["summary"]: item["start"] for item in document["social"]}
    assert found == {
        "Coffee east": "2026-03-10T08:00:00+01:00",
        "Coffee west": "2026-03-10T16:00:00+01:00",
    }
