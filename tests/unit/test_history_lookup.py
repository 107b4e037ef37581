"""A history's lookups by day give what a scan of all its records gives, in the same order.

``History.socials_on`` and ``contacts_on`` are asked once per week of the report; they
look the days up instead of scanning two years of records, and must answer exactly as the
scan did: every record whose local day is in the range, in the order the history holds
them, whatever that order is (a hand-made history need not be sorted).
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from watercooler.progress.encounters import Contact
from watercooler.progress.history import History, SocialRecord

ZONE = ZoneInfo("Europe/Berlin")
FIRST = date(2026, 1, 5)


def _history(rng: random.Random) -> History:
    """Records on random days of ten weeks (some twice on a day, some repeated), unsorted."""
    days = [FIRST + timedelta(days=rng.randrange(70)) for _ in range(120)]
    socials = tuple(
        SocialRecord(f"s{n}", day, datetime.combine(day, time(17), ZONE), "Happy hour",
                     rng.choice(("accepted", "declined")))
        for n, day in enumerate(days[:60])
    )  # fmt: skip
    contacts = tuple(
        Contact(f"c{n % 7}", f"p{n % 11}@example.com", f"Person {n}", day,
                datetime.combine(day, time(12), ZONE), 3, "lunch")
        for n, day in enumerate(days)
    )  # fmt: skip
    return History(FIRST, FIRST + timedelta(days=69), {}, socials, contacts)


def test_lookups_by_day_answer_as_the_scan_does_in_the_order_held() -> None:
    rng = random.Random(12)
    for _ in range(20):
        history = _history(rng)
        ranges = [(FIRST + timedelta(weeks=w), FIRST + timedelta(weeks=w, days=6))
                  for w in range(-1, 11)]  # fmt: skip
        ranges += [
            (date(2025, 1, 1), date(2027, 1, 1)),  # more days than records: the other path
            (FIRST + timedelta(days=3), FIRST + timedelta(days=3)),
            (FIRST + timedelta(days=9), FIRST + timedelta(days=2)),  # reversed: nothing
            (date.min, date.max),
        ]
        for first, last in ranges:
            assert history.socials_on(first, last) == [
                s for s in history.socials if first <= s.day <= last
            ]
            assert history.contacts_on(first, last) == [
                c for c in history.contacts if first <= c.day <= last
            ]
    assert any(_history(rng).contacts_on(FIRST, FIRST + timedelta(days=69)))


def test_a_history_still_compares_by_its_records() -> None:
    one, two = _history(random.Random(1)), _history(random.Random(1))
    assert one == two
    assert one != _history(random.Random(2))
