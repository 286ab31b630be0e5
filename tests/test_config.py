"""Configuration: defaults, environment, production refusals."""

from __future__ import annotations

import base64
import re
import secrets
from dataclasses import fields
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from loket.config import ConfigError, Settings, load_settings

GOOD_PRODUCTION = {
    "LOKET_ENV": "production",
    "LOKET_SECRET_KEY": secrets.token_urlsafe(48),
    "LOKET_HASH_KEY": secrets.token_urlsafe(48),
    "LOKET_DATA_KEY": Fernet.generate_key().decode(),
    "LOKET_REDIS_URL": "redis://redis:6379/0",
    "LOKET_DATABASE_URL": "postgresql+psycopg://loket@db/loket",
    "LOKET_PUBLIC_URL": "https://loket.example.org",
    "TWILIO_ACCOUNT_SID": "AC" + "0123456789abcdef" * 2,
    "TWILIO_AUTH_TOKEN": secrets.token_hex(16),
    "TWILIO_FROM_NUMBER": "+3197010250000",
}
# A key Fernet accepts (32 bytes, base64) that nobody drew at random.
ZERO_FERNET_KEY = base64.urlsafe_b64encode(bytes(32)).decode()


def test_development_generates_keys_once_into_the_instance(tmp_path: Path) -> None:
    first = load_settings(environ={"LOKET_INSTANCE_PATH": str(tmp_path)})
    second = load_settings(environ={"LOKET_INSTANCE_PATH": str(tmp_path)})
    assert first.secret_key and first.secret_key == second.secret_key
    assert first.data_keys == second.data_keys
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert first.database_url == f"sqlite:///{tmp_path / 'loket.sqlite3'}"
    assert first.embedded_redis


def test_environment_overrides_defaults_and_port_honours_PORT(tmp_path: Path) -> None:
    env = {"LOKET_INSTANCE_PATH": str(tmp_path), "PORT": "9123", "LOKET_RETENTION_DAYS": "30"}
    settings = load_settings(environ=env)
    assert settings.port == 9123
    assert settings.retention_days == 30


def test_production_starts_with_everything_set() -> None:
    settings = load_settings(environ=GOOD_PRODUCTION)
    assert settings.production and not settings.embedded_redis


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("LOKET_SECRET_KEY", ""),
        ("LOKET_SECRET_KEY", "change-me"),
        ("LOKET_DATA_KEY", ""),
        ("LOKET_DATA_KEY", "not-a-fernet-key"),
        ("LOKET_REDIS_URL", ""),
        ("LOKET_PUBLIC_URL", ""),
        ("LOKET_DATABASE_URL", ""),
        ("LOKET_SECRET_KEY", "0000000000000000"),
        ("LOKET_SECRET_KEY", "changemechangemechangeme"),
        ("LOKET_SECRET_KEY", "changeme" * 5),
        ("LOKET_SECRET_KEY", "x" * 40),
        ("LOKET_HASH_KEY", "changemechangemechangeme"),
        ("LOKET_SECRET_KEY", secrets.token_urlsafe(16)),  # random, but too short
        ("LOKET_DATA_KEY", ZERO_FERNET_KEY),
        ("LOKET_DATA_KEY", f"{Fernet.generate_key().decode()},{ZERO_FERNET_KEY}"),
        ("LOKET_DATABASE_URL", "sqlite:////srv/loket/loket.sqlite3"),
        ("LOKET_PUBLIC_URL", "http://loket.example.org"),
        ("TWILIO_ACCOUNT_SID", ""),
        ("TWILIO_AUTH_TOKEN", ""),
        ("TWILIO_FROM_NUMBER", ""),
    ],
)
def test_production_refuses_a_missing_or_default_setting_naming_it(
    variable: str, value: str
) -> None:
    env = dict(GOOD_PRODUCTION, **{variable: value})
    with pytest.raises(ConfigError) as info:
        load_settings(environ=env)
    message = str(info.value)
    assert message.startswith(variable) and "\n" not in message
    assert value == "" or value not in message  # the refusal never repeats a secret


def test_a_bad_number_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="LOKET_PORT"):
        load_settings(environ={"LOKET_INSTANCE_PATH": str(tmp_path), "LOKET_PORT": "eighty"})


def test_a_hex_token_of_32_characters_is_a_strong_enough_secret() -> None:
    settings = load_settings(environ=dict(GOOD_PRODUCTION, LOKET_SECRET_KEY=secrets.token_hex(16)))
    assert settings.production


def test_trusted_proxies_default_to_none_and_refuse_a_negative_count(tmp_path: Path) -> None:
    env = {"LOKET_INSTANCE_PATH": str(tmp_path)}
    assert load_settings(environ=env).trusted_proxies == 0
    assert load_settings(environ=dict(env, LOKET_TRUSTED_PROXIES="1")).trusted_proxies == 1
    with pytest.raises(ConfigError, match="LOKET_TRUSTED_PROXIES"):
        load_settings(environ=dict(env, LOKET_TRUSTED_PROXIES="-1"))


def test_chat_idle_minutes_come_from_the_environment_and_refuse_zero(tmp_path: Path) -> None:
    env = {"LOKET_INSTANCE_PATH": str(tmp_path)}
    assert load_settings(environ=env).chat_idle_minutes == 120
    assert load_settings(environ=dict(env, LOKET_CHAT_IDLE_MINUTES="15")).chat_idle_minutes == 15
    with pytest.raises(ConfigError, match="LOKET_CHAT_IDLE_MINUTES"):
        load_settings(environ=dict(env, LOKET_CHAT_IDLE_MINUTES="0"))


def test_database_wait_bounds_are_read_and_never_unbounded(tmp_path: Path) -> None:
    env = {"LOKET_INSTANCE_PATH": str(tmp_path)}
    given = load_settings(environ=env)
    assert (given.database_lock_timeout_s, given.database_statement_timeout_s) == (5.0, 60.0)
    assert load_settings(environ={**env, "LOKET_DATABASE_LOCK_TIMEOUT_S": "2.5"}
                         ).database_lock_timeout_s == 2.5
    for wrong in ("0", "-1", "nan", "7200"):
        with pytest.raises(ConfigError, match="LOKET_DATABASE_STATEMENT_TIMEOUT_S"):
            load_settings(environ={**env, "LOKET_DATABASE_STATEMENT_TIMEOUT_S": wrong})


def test_a_desk_s_retention_period_and_a_wrong_one_named(tmp_path: Path) -> None:
    env = {"LOKET_INSTANCE_PATH": str(tmp_path)}
    given = load_settings(environ={**env, "LOKET_RETENTION_DESK_DAYS": "debasis=1095"})
    assert given.retention_by_desk == {"debasis": 1095} and given.retention_days == 730
    for wrong in ("defence=30", "police=0", "police"):
        with pytest.raises(ConfigError, match="LOKET_RETENTION_DESK_DAYS"):
            load_settings(environ={**env, "LOKET_RETENTION_DESK_DAYS": wrong})
    with pytest.raises(ConfigError, match="LOKET_SERVICE_TARGET_S"):
        load_settings(environ={**env, "LOKET_SERVICE_TARGET_S": "900"})


def test_a_retention_period_past_a_hundred_years_is_refused_named(tmp_path: Path) -> None:
    # "Keep for ever" written as a million days: the cutoff, today less it, is no date (the
    # purge and the nightly retention failed on it with a traceback).
    env = {"LOKET_INSTANCE_PATH": str(tmp_path)}
    assert load_settings(environ={**env, "LOKET_RETENTION_DAYS": "36500"}).retention_days == 36500
    with pytest.raises(ConfigError, match="LOKET_RETENTION_DAYS: hooguit 36500 dagen"):
        load_settings(environ={**env, "LOKET_RETENTION_DAYS": "1000000"})
    with pytest.raises(ConfigError, match="LOKET_RETENTION_DESK_DAYS"):
        load_settings(environ={**env, "LOKET_RETENTION_DESK_DAYS": "police=1000000"})


def test_desk_numbers_are_read_and_a_wrong_one_named(tmp_path: Path) -> None:
    env = {"LOKET_INSTANCE_PATH": str(tmp_path)}
    given = load_settings(environ={**env, "LOKET_DESK_NUMBERS": "police=+3130, debasis=+3120"})
    assert given.desk_number_map == {"police": "+3130", "debasis": "+3120"}
    assert given.desk_number("debasis") == "+3120"
    with pytest.raises(ConfigError, match="LOKET_DESK_NUMBERS: verwacht desk=\\+number"):
        load_settings(environ={**env, "LOKET_DESK_NUMBERS": "police=0301234567"})


def test_an_on_call_number_that_cannot_be_texted_stops_the_start_naming_it(
    tmp_path: Path,
) -> None:
    env = {"LOKET_INSTANCE_PATH": str(tmp_path)}
    given = load_settings(environ={**env, "LOKET_ONCALL_NUMBER": "+31612345678"})
    assert given.oncall_number == "+31612345678"
    for wrong in ("0612345678", "+31 6 1234 5678", "+31612345678,+31687654321", "+3161"):
        with pytest.raises(ConfigError, match="LOKET_ONCALL_NUMBER: één telefoonnummer"):
            load_settings(environ={**env, "LOKET_ONCALL_NUMBER": wrong})


def test_env_example_names_every_setting() -> None:
    """The README says every variable is documented in config/env.example: each setting is
    there under the name Loket reads it by (TWILIO_* for Twilio's, LOKET_* for the rest)."""
    example = (Path(__file__).resolve().parent.parent / "config" / "env.example").read_text()
    named = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", example, flags=re.MULTILINE))
    wanted = {
        name.upper() if name.startswith("twilio_") else f"LOKET_{name.upper()}"
        for name in (field.name for field in fields(Settings)) if name != "testing"
    }
    assert wanted - named == set()


def test_an_instance_folder_that_cannot_be_made_is_named(tmp_path: Path) -> None:
    """A LOKET_INSTANCE_PATH Loket cannot make or write is one line naming it, on every
    command, not a traceback (review 6)."""
    from click.testing import CliRunner

    from loket.cli import main

    blocked = tmp_path / "a-file"
    blocked.write_text("")
    folder = blocked / "instance"
    with pytest.raises(ConfigError) as refused:
        load_settings(environ={"LOKET_INSTANCE_PATH": str(folder)})
    assert "LOKET_INSTANCE_PATH" in refused.value.in_language("en")
    assert str(folder) in refused.value.in_language("nl")
    done = CliRunner().invoke(main, ["report", "--from", "2026-11-01", "--to", "2026-11-02"],
                              env={"LOKET_INSTANCE_PATH": str(folder), "LANG": "C.UTF-8"})
    assert done.exit_code == 2, done.output
    assert "LOKET_INSTANCE_PATH" in done.output and "Traceback" not in done.output
