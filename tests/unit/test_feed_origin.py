"""Which URLs a feed's password may travel to: its own origin, or the same host upgraded
from http to https on the default ports; never another host, port or a downgrade."""

from __future__ import annotations

import pytest

from watercooler.sources.fetch import same_origin

CONFIGURED = "https://cal.example.com/team.ics"


@pytest.mark.parametrize(
    ("configured", "url", "allowed"),
    [
        (CONFIGURED, "https://cal.example.com/other.ics?x=1", True),
        (CONFIGURED, "https://CAL.example.com:443/team.ics", True),
        (CONFIGURED, "https://cal.example.com:8443/team.ics", False),
        (CONFIGURED, "https://evil.example.net/team.ics", False),
        (CONFIGURED, "https://cal.example.com.evil.net/team.ics", False),
        (CONFIGURED, "http://cal.example.com/team.ics", False),
        ("http://cal.example.com/team.ics", "https://cal.example.com/team.ics", True),
        ("http://cal.example.com:8080/team.ics", "https://cal.example.com/team.ics", False),
        ("http://127.0.0.1:8080/a.ics", "http://127.0.0.2:8080/a.ics", False),
    ],
)
def test_the_password_stays_with_its_origin(configured: str, url: str, allowed: bool) -> None:
    assert same_origin(configured, url) is allowed
