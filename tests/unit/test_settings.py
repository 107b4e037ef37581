"""Settings: the TOML file, the WATERCOOLER_* environment, secrets, and the error messages."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from watercooler.errors import ConfigError
from watercooler.settings import default_config_path, load_settings
from watercooler.urls import normalize_address

SECRET = "hunter2-s3cret"


def write_config(tmp_path: Path, text: str, name: str = "config.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def config_error(path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    return str(caught.value)


# --- reading the file ------------------------------------------------------------------


def test_a_toml_file_is_read_into_the_settings(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        """
        timezone = "Europe/Berlin"
        me = ["ana@example.com"]
        workdays = ["mon", "tue", "wed", "thu"]
        [lunch]
        start = "12:00"
        end = "13:30"
        min_minutes = 20
        [[sources]]
        url = "https://dav.example.com/calendars/ana/work/"
        username = "ana"
        [[sources]]
        url = "~/calendars/team.ics"
        timeout = 5
        [notify]
        urls = ["ntfys://ntfy.sh/my-topic"]
        """,
    )
    settings = load_settings(path)
    assert settings.timezone == "Europe/Berlin"
    assert str(settings.zone) == "Europe/Berlin"
    assert settings.me == ["ana@example.com"]
    assert settings.workday_numbers == frozenset({0, 1, 2, 3})
    assert (settings.lunch.start, settings.lunch.end) == (time(12, 0), time(13, 30))
    assert settings.lunch.min_minutes == 20
    assert [source.url for source in settings.sources] == [
        "https://dav.example.com/calendars/ana/work/",
        "~/calendars/team.ics",
    ]
    assert settings.sources[0].username == "ana"
    assert settings.sources[1].timeout == 5.0
    assert [url.get_secret_value() for url in settings.notify.urls] == ["ntfys://ntfy.sh/my-topic"]


def test_keys_left_out_take_their_defaults(tmp_path: Path) -> None:
    settings = load_settings(write_config(tmp_path, "[lunch]\nmin_minutes = 45\n"))
    assert (settings.lunch.start, settings.lunch.end) == (time(11, 30), time(14, 0))
    assert settings.workdays == ["mon", "tue", "wed", "thu", "fri"]
    assert (settings.working_hours.start, settings.working_hours.end) == (time(9), time(18))
    assert settings.sources == []


def test_a_missing_default_config_file_means_the_defaults() -> None:
    assert not default_config_path().exists()
    assert load_settings().lunch.min_minutes == 30


def test_the_default_config_file_lives_in_xdg_config_home(tmp_path: Path) -> None:
    path = tmp_path / "xdg-config" / "watercooler" / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text('timezone = "Asia/Tokyo"\n', encoding="utf-8")
    assert default_config_path() == path
    assert load_settings().timezone == "Asia/Tokyo"


def test_a_config_file_asked_for_but_missing_is_an_error(tmp_path: Path) -> None:
    message = config_error(tmp_path / "nowhere.toml")
    assert str(tmp_path / "nowhere.toml") in message
    assert "not found" in message


# --- errors: file, path, every one at once ---------------------------------------------


def test_unknown_key_is_reported_with_its_file_and_path(tmp_path: Path) -> None:
    path = write_config(tmp_path, '[lunch]\nstart = "12:00"\ncolour = "green"\n')
    assert config_error(path) == f"{path}: at 'lunch.colour': unknown key"


def test_unknown_key_in_a_source_is_reported_with_the_source_index(tmp_path: Path) -> None:
    path = write_config(
        tmp_path, '[[sources]]\nurl = "a.ics"\n[[sources]]\nurl = "b.ics"\nusr = "ana"\n'
    )
    assert config_error(path) == f"{path}: at 'sources[1].usr': unknown key"


def test_an_unknown_top_level_key_is_rejected(tmp_path: Path) -> None:
    path = write_config(tmp_path, 'time_zone = "Europe/Berlin"\n')
    assert config_error(path) == f"{path}: at 'time_zone': unknown key"


def test_several_errors_are_reported_at_once_in_one_message(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        """
        timezone = "Mars/Olympus_Mons"
        workdays = ["mon", "funday"]
        [lunch]
        colour = "green"
        [[sources]]
        url = "a.ics"
        timeout = -1
        """,
    )
    message = config_error(path)
    assert message.startswith("invalid configuration (4 errors):")
    for location in ("timezone", "workdays[1]", "lunch.colour", "sources[0].timeout"):
        assert f"{path}: at '{location}':" in message


def test_invalid_toml_is_reported_with_the_file_and_the_line(tmp_path: Path) -> None:
    path = write_config(tmp_path, 'timezone = "Europe/Berlin"\n\n[lunch\nstart = "12:00"\n')
    message = config_error(path)
    assert message.startswith(f"{path}: invalid TOML")
    assert "line 3" in message


def test_a_config_that_is_not_utf8_is_reported_with_the_file(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes('me = ["jürgen@example.com"]\n'.encode("latin-1"))
    assert config_error(path) == f"{path}: config is not UTF-8 text"


def test_an_unknown_time_zone_is_rejected(tmp_path: Path) -> None:
    path = write_config(tmp_path, 'timezone = "Europe/Gotham"\n')
    message = config_error(path)
    assert f"{path}: at 'timezone':" in message
    assert "unknown time zone 'Europe/Gotham'" in message


def test_lunch_start_after_its_end_is_rejected(tmp_path: Path) -> None:
    path = write_config(tmp_path, '[lunch]\nstart = "14:30"\nend = "12:00"\n')
    message = config_error(path)
    assert f"{path}: at 'lunch':" in message
    assert "start 14:30 must be before end 12:00" in message


def test_a_lunch_window_of_no_length_is_rejected(tmp_path: Path) -> None:
    path = write_config(tmp_path, '[lunch]\nstart = "12:00"\nend = "12:00"\n')
    assert "must be before end" in config_error(path)


def test_working_hours_that_end_before_they_start_are_rejected(tmp_path: Path) -> None:
    path = write_config(tmp_path, '[working_hours]\nstart = "18:00"\nend = "09:00"\n')
    assert "at 'working_hours': start 18:00 must be before" in config_error(path)


# --- the environment -------------------------------------------------------------------


def test_a_nested_environment_variable_overrides_one_key_of_a_section(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_config(tmp_path, '[lunch]\nstart = "11:00"\nend = "14:30"\n')
    monkeypatch.setenv("WATERCOOLER_LUNCH__START", "12:00")
    settings = load_settings(path)
    assert settings.lunch.start == time(12, 0)
    assert settings.lunch.end == time(14, 30)  # the file's other keys stay


def test_a_list_in_the_environment_is_read_as_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATERCOOLER_ME", '["x@y.example", "MAILTO:Z@Y.example"]')
    assert load_settings().me == ["x@y.example", "z@y.example"]


def test_the_environment_beats_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_config(
        tmp_path, 'timezone = "Europe/Berlin"\nme = ["file@example.com"]\nmax_occurrences = 50\n'
    )
    monkeypatch.setenv("WATERCOOLER_TIMEZONE", "America/New_York")
    monkeypatch.setenv("WATERCOOLER_ME", '["env@example.com"]')
    settings = load_settings(path)
    assert settings.timezone == "America/New_York"
    assert settings.me == ["env@example.com"]
    assert settings.max_occurrences == 50


def test_an_invalid_environment_value_is_blamed_on_its_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WATERCOOLER_TIMEZONE", "Mars/Olympus_Mons")
    message = config_error(write_config(tmp_path, "me = []\n"))
    assert message.startswith("environment WATERCOOLER_TIMEZONE: at 'timezone':")


def test_an_invalid_environment_value_is_blamed_on_it_even_when_the_file_sets_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_config(tmp_path, 'timezone = "Europe/Berlin"\n')
    monkeypatch.setenv("WATERCOOLER_TIMEZONE", "Mars/Olympus_Mons")
    message = config_error(path)
    assert message.startswith("environment WATERCOOLER_TIMEZONE: at 'timezone':"), message


def test_the_variable_blamed_is_the_one_holding_the_invalid_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WATERCOOLER_LUNCH__END", "14:00")
    monkeypatch.setenv("WATERCOOLER_LUNCH__START", "noon")
    message = config_error(write_config(tmp_path, ""))
    assert message.startswith("environment WATERCOOLER_LUNCH__START: at 'lunch.start':"), message


def test_an_unknown_nested_key_in_the_environment_is_rejected(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WATERCOOLER_LUNCH__COLOUR", "green")
    message = config_error(write_config(tmp_path, ""))
    assert message == "environment WATERCOOLER_LUNCH__COLOUR: at 'lunch.colour': unknown key"


def test_an_environment_list_that_is_not_json_is_a_config_error_naming_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WATERCOOLER_SOURCES", f'[{{"url": "a.ics", "password": "{SECRET}",')
    message = config_error(write_config(tmp_path, ""))
    assert "WATERCOOLER_SOURCES" in message
    assert SECRET not in message


def test_a_plain_address_in_watercooler_me_is_a_config_error_not_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WATERCOOLER_ME", "ana@example.com")
    assert "WATERCOOLER_ME" in config_error(write_config(tmp_path, ""))


# --- secrets ---------------------------------------------------------------------------


def test_the_password_file_is_read_without_its_trailing_newline(tmp_path: Path) -> None:
    (tmp_path / "caldav-password").write_text(SECRET + "\n", encoding="utf-8")
    (tmp_path / "caldav-password").chmod(0o600)  # as a password file should be
    path = write_config(
        tmp_path,
        f'[[sources]]\nurl = "https://dav.example.com/"\nusername = "ana"\n'
        f'password_file = "{tmp_path / "caldav-password"}"\n',
    )
    assert load_settings(path).sources[0].resolve_password() == SECRET


def test_a_password_file_under_home_is_expanded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "pw").write_text(SECRET, encoding="utf-8")
    path = write_config(tmp_path, '[[sources]]\nurl = "x.ics"\npassword_file = "~/pw"\n')
    assert load_settings(path).sources[0].resolve_password() == SECRET


def test_a_bare_password_file_name_is_found_in_the_credentials_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    credentials = tmp_path / "credentials"
    credentials.mkdir()
    (credentials / "caldav-password").write_text(SECRET, encoding="utf-8")
    (credentials / "caldav-password").chmod(0o600)  # as a password file should be
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(credentials))
    monkeypatch.chdir(tmp_path)  # no file of that name in the working directory
    path = write_config(tmp_path, '[[sources]]\nurl = "x.ics"\npassword_file = "caldav-password"\n')
    assert load_settings(path).sources[0].resolve_password() == SECRET


def test_the_credentials_directory_wins_over_a_file_of_the_same_name_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    credentials = tmp_path / "credentials"
    credentials.mkdir()
    (credentials / "pw").write_text(SECRET, encoding="utf-8")
    (tmp_path / "pw").write_text("not-this-one", encoding="utf-8")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(credentials))
    monkeypatch.chdir(tmp_path)
    path = write_config(tmp_path, '[[sources]]\nurl = "x.ics"\npassword_file = "pw"\n')
    assert load_settings(path).sources[0].resolve_password() == SECRET


def test_a_missing_password_file_is_a_config_error_naming_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-password"
    path = write_config(tmp_path, f'[[sources]]\nurl = "x.ics"\npassword_file = "{missing}"\n')
    source = load_settings(path).sources[0]
    with pytest.raises(ConfigError, match="cannot read password_file") as caught:
        source.resolve_password()
    assert str(missing) in str(caught.value)


def test_a_password_file_that_is_not_utf8_is_a_config_error_naming_the_file(
    tmp_path: Path,
) -> None:
    secret_file = tmp_path / "binary-password"
    secret_file.write_bytes(b"\xff\xfeh\x00u\x00n\x00")
    path = write_config(tmp_path, f'[[sources]]\nurl = "x.ics"\npassword_file = "{secret_file}"\n')
    source = load_settings(path).sources[0]
    with pytest.raises(ConfigError) as caught:
        source.resolve_password()
    assert str(secret_file) in str(caught.value)


def test_password_and_password_file_together_are_rejected(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        f'[[sources]]\nurl = "x.ics"\npassword = "{SECRET}"\npassword_file = "pw"\n',
    )
    message = config_error(path)
    assert f"{path}: at 'sources[0]':" in message
    assert "either password or password_file" in message
    assert SECRET not in message


def test_the_password_never_appears_in_repr_or_str(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        f'[[sources]]\nurl = "x.ics"\npassword = "{SECRET}"\n'
        f'[notify]\nurls = ["tgram://{SECRET}/42"]\n',
    )
    settings = load_settings(path)
    for text in (
        repr(settings),
        str(settings),
        repr(settings.sources[0]),
        str(settings.sources[0]),
        repr(settings.notify),
        settings.model_dump_json(),
        str(settings.model_dump()),
    ):
        assert SECRET not in text
    assert settings.sources[0].resolve_password() == SECRET


@pytest.mark.parametrize(
    "source",
    [
        f'url = "x.ics"\npassword = "{SECRET}"\ncolour = "green"',
        f'url = "x.ics"\npassword = ["{SECRET}"]',
        f'url = "x.ics"\npassword = {{ value = "{SECRET}" }}',
        f'url = "x.ics"\npassword = "{SECRET}"\ntimeout = "{SECRET}"',
        f'url = ""\npassword = "{SECRET}"',
    ],
    ids=["unknown-key-beside-it", "list", "table", "in-another-field", "empty-url"],
)
def test_the_password_never_appears_in_an_error_message(tmp_path: Path, source: str) -> None:
    message = config_error(write_config(tmp_path, f"[[sources]]\n{source}\n"))
    assert "sources[0]" in message
    assert SECRET not in message


def test_the_password_in_an_invalid_environment_source_never_appears_in_the_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "WATERCOOLER_SOURCES", f'[{{"url": "x.ics", "password": "{SECRET}", "port": 1}}]'
    )
    message = config_error(write_config(tmp_path, ""))
    assert "sources[0].port" in message
    assert SECRET not in message


# --- me --------------------------------------------------------------------------------


def test_my_addresses_are_normalised_to_lower_case_without_mailto(tmp_path: Path) -> None:
    path = write_config(
        tmp_path, 'me = ["MailTo:Ana@Example.COM", "  bob@example.org ", "mailto:x@y.z", " "]\n'
    )
    assert load_settings(path).me == ["ana@example.com", "bob@example.org", "x@y.z"]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("Ana@Example.com", "ana@example.com"),
        ("MAILTO:ana@example.com", "ana@example.com"),
        ("mailto: ana@example.com ", "ana@example.com"),
        ("ana@example.com", "ana@example.com"),
    ],
)
def test_an_address_is_compared_lower_case_without_mailto(given: str, expected: str) -> None:
    assert normalize_address(given) == expected
