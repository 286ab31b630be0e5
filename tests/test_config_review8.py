"""Configuration refusals found by an operator's review (review 8): a malformed service
address, a start refused over a key, the rules or the lists file, a desk's number, the
default language and the port; each stops the start with one line naming the variable, in
the operator's language (Dutch by default, English under an English locale)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from flask import Flask

from loket.cli import main
from loket.config import ConfigError, load_settings

ENGLISH = {"LANG": "en_GB.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""}
DUTCH = {"LANG": "nl_NL.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""}


def one_line_exit_2(result: Result, *, naming: str, prefix: str = "fout: ") -> str:
    """Check a command stopped with one line naming a variable and exit 2; return it."""
    out = result.output
    assert result.exit_code == 2, (result.exception, out)
    assert "Traceback" not in out
    lines = [line for line in out.splitlines() if line and not line.startswith("{")]
    assert len(lines) == 1 and lines[0].startswith(prefix) and naming in lines[0], out
    return lines[0]


# --- A malformed service address stops the start with one line naming it, not a library's
# traceback; the address is not repeated (it may hold a password).

@pytest.mark.parametrize(("variable", "value"), [
    ("LOKET_REDIS_URL", "localhost:6379"),
    ("LOKET_REDIS_URL", "redis://:s3cret-pw@127.0.0.1:notaport/0"),
    ("LOKET_DATABASE_URL", "postgres//loket:s3cret-pw@db/loket"),
    ("LOKET_DATABASE_URL", "postgres://loket:s3cret-pw@db/loket"),
    ("LOKET_RATE_LIMIT_STORAGE_URL", "redis//:s3cret-pw@127.0.0.1:6379/1"),
    ("LOKET_RATE_LIMIT_STORAGE_URL", "async+redis://127.0.0.1:6379/1"),
])
def test_a_malformed_address_stops_the_start_with_one_line_naming_it(
    cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    line = one_line_exit_2(CliRunner().invoke(main, ["purge", "--dry-run"], env=DUTCH),
                           naming=variable)
    assert "s3cret-pw" not in line
    english = CliRunner().invoke(main, ["purge", "--dry-run"], env=ENGLISH)
    one_line_exit_2(english, naming=variable, prefix="error: ")


@pytest.mark.parametrize(("variable", "value"), [
    ("LOKET_REDIS_URL", "localhost:6379"),
    ("LOKET_DATABASE_URL", "postgres//loket@db/loket"),
    ("LOKET_RATE_LIMIT_STORAGE_URL", "redis//127.0.0.1:6379/1"),
])
def test_a_malformed_address_is_refused_by_the_configuration_check(
    tmp_path: Path, variable: str, value: str
) -> None:
    with pytest.raises(ConfigError, match=variable):
        load_settings(environ={"LOKET_INSTANCE_PATH": str(tmp_path), variable: value})


def test_well_formed_addresses_are_accepted_without_connecting(tmp_path: Path) -> None:
    settings = load_settings(environ={
        "LOKET_INSTANCE_PATH": str(tmp_path),
        # Nothing listens here: the check reads the addresses, it does not connect.
        "LOKET_DATABASE_URL": "postgresql+psycopg://loket:pw@nowhere.invalid:1/loket",
        "LOKET_REDIS_URL": "rediss://:pw@nowhere.invalid:1/3",
        "LOKET_RATE_LIMIT_STORAGE_URL": "memcached://nowhere.invalid:1",
    })
    assert settings.redis_url == "rediss://:pw@nowhere.invalid:1/3"
    unix = load_settings(environ={"LOKET_INSTANCE_PATH": str(tmp_path),
                                  "LOKET_REDIS_URL": "unix:///run/redis.sock?db=1",
                                  "LOKET_RATE_LIMIT_STORAGE_URL": "memory://"})
    assert unix.rate_limit_storage_url == "memory://"


# --- A start refused over a key, the rules file or the lists file is said in Dutch under the
# default locale, naming the variable, and in English under an English locale.

@pytest.mark.parametrize(("variable", "value", "dutch", "english"), [
    ("LOKET_DATA_KEY", "not-a-key", "sleutel 1 is geen gegevenssleutel",
     "key 1 is not a data key"),
    ("LOKET_HASH_KEY", "short", "ontbreekt of is korter dan 32 tekens",
     "is missing or shorter than 32 characters"),
    ("LOKET_RULES_PATH", "/nonexistent/rules.yaml",
     "kan het regelbestand /nonexistent/rules.yaml niet lezen: het bestand bestaat niet",
     "cannot read the rules file /nonexistent/rules.yaml: no such file"),
    ("LOKET_WORKSPACE_LISTS", "/nonexistent/workspace.toml",
     "kan het lijstenbestand /nonexistent/workspace.toml niet lezen: het bestand bestaat niet",
     "cannot read the lists file /nonexistent/workspace.toml: no such file"),
])
def test_a_start_refused_over_a_key_rules_or_lists_is_said_in_the_locales_language(
    cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch,
    variable: str, value: str, dutch: str, english: str,
) -> None:
    monkeypatch.setenv(variable, value)
    said = one_line_exit_2(CliRunner().invoke(main, ["purge", "--dry-run"], env=DUTCH),
                           naming=variable)
    assert said.startswith(f"fout: {variable}") and dutch in said, said
    said = one_line_exit_2(CliRunner().invoke(main, ["purge", "--dry-run"], env=ENGLISH),
                           naming=variable, prefix="error: ")
    assert said.startswith(f"error: {variable}") and english in said, said


def test_a_lists_file_that_is_a_folder_is_said_in_dutch(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings(environ={"LOKET_INSTANCE_PATH": str(tmp_path / "instance"),
                               "LOKET_WORKSPACE_LISTS": str(tmp_path)})
    assert refused.value.in_language("nl") == (
        f"LOKET_WORKSPACE_LISTS: kan het lijstenbestand {tmp_path} niet lezen: het is een map")
    assert refused.value.in_language("en") == (
        f"LOKET_WORKSPACE_LISTS: cannot read the lists file {tmp_path}: it is a folder")


# --- LOKET_DESK_NUMBERS: a desk's name mistyped, or a number that is not one, is refused.

@pytest.mark.parametrize("value", [
    "polise=+31301234567", "police=+", "police=+31 30 abc", "police=0301234567",
    "all=+31301234567", "police=+31301234567,veterans", "police=+031301234567",
    "police=+3130123456789012",
])
def test_desk_numbers_refuse_an_unknown_desk_or_a_number_that_is_not_one(
    tmp_path: Path, value: str
) -> None:
    with pytest.raises(ConfigError, match="LOKET_DESK_NUMBERS") as refused:
        load_settings(environ={"LOKET_INSTANCE_PATH": str(tmp_path),
                               "LOKET_DESK_NUMBERS": value})
    assert "police, veterans of debasis" in refused.value.in_language("nl")
    assert "police, veterans or debasis" in refused.value.in_language("en")


def test_desk_numbers_of_known_desks_in_international_form_are_used(tmp_path: Path) -> None:
    settings = load_settings(environ={
        "LOKET_INSTANCE_PATH": str(tmp_path),
        "LOKET_DESK_NUMBERS": "police=+31301234567, veterans = +31307654321",
        "TWILIO_FROM_NUMBER": "+3197010250000",
    })
    assert settings.desk_number("police") == "+31301234567"
    assert settings.desk_number("veterans") == "+31307654321"
    assert settings.desk_number("debasis") == "+3197010250000"


# --- LOKET_DEFAULT_LANGUAGE is the desks' pages' language too; another value is refused.

def test_default_language_en_makes_the_desk_pages_english(
    make_app: Callable[..., Flask]
) -> None:
    client = make_app(default_language="en").test_client()
    page = client.get("/desk/login")
    assert page.status_code == 200
    assert b'<html lang="en">' in page.data
    # What the visitor asks for still comes first: ?lang=, then the browser's languages.
    assert b'<html lang="nl">' in client.get("/desk/login?lang=nl").data
    assert b'<html lang="nl">' in client.get(
        "/desk/login", headers={"Accept-Language": "nl-NL,nl;q=0.9"}).data


def test_the_default_language_stays_dutch(make_app: Callable[..., Flask]) -> None:
    page = make_app().test_client().get("/desk/login")
    assert page.status_code == 200
    assert b'<html lang="nl">' in page.data


@pytest.mark.parametrize("value", ["fr", "EN", "nl-NL", "english"])
def test_default_language_other_than_nl_or_en_is_refused_naming_it(
    tmp_path: Path, value: str
) -> None:
    with pytest.raises(ConfigError, match="LOKET_DEFAULT_LANGUAGE") as refused:
        load_settings(environ={"LOKET_INSTANCE_PATH": str(tmp_path),
                               "LOKET_DEFAULT_LANGUAGE": value})
    assert refused.value.in_language("nl") == f"LOKET_DEFAULT_LANGUAGE: nl of en, niet {value!r}"


# --- LOKET_PORT / PORT out of range is refused at start, naming the variable set.

@pytest.mark.parametrize("port", ["99999", "65536", "0", "-1"])
def test_loket_port_out_of_range_is_refused_at_start_naming_it(
    tmp_path: Path, port: str
) -> None:
    with pytest.raises(ConfigError, match="LOKET_PORT") as refused:
        load_settings(environ={"LOKET_INSTANCE_PATH": str(tmp_path), "LOKET_PORT": port})
    assert refused.value.in_language("nl") == (
        f"LOKET_PORT: een poort van 1 tot en met 65535, niet {port}")


def test_port_out_of_range_is_refused_naming_port(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^PORT: ") as refused:
        load_settings(environ={"LOKET_INSTANCE_PATH": str(tmp_path), "PORT": "70000"})
    assert refused.value.in_language("en") == "PORT: a port from 1 to 65535, not 70000"


@pytest.mark.parametrize("port", ["1", "65535"])
def test_a_port_within_range_is_accepted(tmp_path: Path, port: str) -> None:
    settings = load_settings(environ={"LOKET_INSTANCE_PATH": str(tmp_path), "LOKET_PORT": port})
    assert settings.port == int(port)
