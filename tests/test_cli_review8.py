"""The command line as an operator meets it (review 8): a data key dropped too early and a
database never migrated are refused in one line naming what to do, never a traceback;
`loket db backup` keeps the database URL's documented options; `loket simulate` refuses
its address wholly in the locale's language."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from cryptography.fernet import Fernet
from flask import Flask
from sqlalchemy.exc import OperationalError
from sqlmodel import col, select

from loket.cli import main
from loket.cli.common import missing_table
from loket.cli.db import libpq_uri
from loket.store.db import make_engine, session_scope
from loket.store.models import Contact
from loket.store.types import utcnow
from tests.reports.seed import seed

PASSWORD = "correct horse battery staple"
EMAIL = "beheer@example.org"
REFERENCE = "K7M-4Q2"


def a_contact(app: Flask) -> None:
    seed(app, utcnow(), channel="sms", desk="police")
    with session_scope(app.extensions["loket.engine"]) as session:
        contact = session.exec(select(Contact).order_by(col(Contact.id).desc())).first()
        assert contact is not None
        contact.reference = REFERENCE
        session.add(contact)


def one_line_exit_2(result: Result, *, naming: str, prefix: str = "fout: ") -> str:
    out = result.output
    assert result.exit_code == 2, (result.exception, out)
    assert "Traceback" not in out
    lines = [line for line in out.splitlines() if line and not line.startswith("{")]
    assert len(lines) == 1 and lines[0].startswith(prefix) and naming in lines[0], out
    return lines[0]


@pytest.fixture
def key_dropped(app: Flask, cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """A contact and a user written with one key; then only a new key is in force."""
    a_contact(app)
    added = CliRunner().invoke(main, ["user", "add", "--email", EMAIL, "--role", "admin"],
                               input=f"{PASSWORD}\n{PASSWORD}\n")
    assert added.exit_code == 0, added.output
    monkeypatch.setenv("LOKET_DATA_KEY", Fernet.generate_key().decode())


# --- 1. A data key removed too early ------------------------------------------------------

@pytest.mark.parametrize("args", [
    ["erase", "--contact", REFERENCE],
    ["audit", "--contact", REFERENCE],
    ["user", "code", "--email", EMAIL],
    ["user", "password", "--email", EMAIL],
    ["token", "create", "--email", EMAIL],
])
@pytest.mark.usefixtures("key_dropped")
def test_a_dropped_data_key_is_one_line_naming_loket_data_key(args: list[str]) -> None:
    result = CliRunner().invoke(main, args, input=f"{PASSWORD}\n{PASSWORD}\n")
    line = one_line_exit_2(result, naming="LOKET_DATA_KEY")
    assert "cannot" not in line and "zet de sleutel terug" in line


@pytest.mark.usefixtures("key_dropped")
def test_a_dropped_data_key_is_said_in_english_under_an_english_locale(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LC_ALL", "en_GB.UTF-8")
    result = CliRunner().invoke(main, ["audit", "--contact", REFERENCE])
    line = one_line_exit_2(result, naming="LOKET_DATA_KEY", prefix="error: ")
    assert "put back" in line


@pytest.mark.usefixtures("key_dropped")
def test_rotate_keys_says_an_undecryptable_value_in_dutch() -> None:
    result = CliRunner().invoke(main, ["db", "rotate-keys"])
    line = one_line_exit_2(result, naming="LOKET_DATA_KEY")
    assert "cannot be decrypted" not in line and "herschreven" in line


# --- 2. A database never migrated ---------------------------------------------------------

@pytest.mark.parametrize("args", [
    ["audit", "verify"],
    ["audit", "--contact", REFERENCE],
    ["report", "--from", "2026-11-01", "--to", "2026-11-30"],
    ["capacity", "--from-data"],
])
def test_reading_commands_on_a_database_never_migrated_say_to_upgrade(
    cli_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    monkeypatch.setenv("LOKET_DATABASE_URL", f"sqlite:///{tmp_path / 'never-migrated.sqlite3'}")
    one_line_exit_2(CliRunner().invoke(main, args), naming="loket db upgrade")


def test_a_report_told_english_says_to_upgrade_in_english(
    cli_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOKET_DATABASE_URL", f"sqlite:///{tmp_path / 'never-migrated.sqlite3'}")
    result = CliRunner().invoke(main, ["report", "--from", "2026-11-01", "--to", "2026-11-30",
                                       "--lang", "en"])
    one_line_exit_2(result, naming="run `loket db upgrade`", prefix="error: ")


def test_only_a_missing_table_is_taken_for_a_database_not_migrated(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    with pytest.raises(OperationalError) as no_table, engine.connect() as conn:
        conn.exec_driver_sql("SELECT * FROM contact")
    assert missing_table(no_table.value)
    with pytest.raises(OperationalError) as bad_sql, engine.connect() as conn:
        conn.exec_driver_sql("SELEKT 1")
    assert not missing_table(bad_sql.value)


# --- 8. pg_dump and the database URL's options --------------------------------------------

def test_pg_dump_gets_the_url_options_percent_encoded_and_no_password() -> None:
    engine = make_engine(
        "postgresql+psycopg://loket:geheim@db:5432/loket"
        "?options=-c%20lock_timeout%3D3000&connect_timeout=5")
    uri = libpq_uri(engine)
    assert uri.startswith("postgresql://loket@db:5432/loket?")
    assert "options=-c%20lock_timeout%3D3000" in uri and "connect_timeout=5" in uri
    assert "+" not in uri and "geheim" not in uri
    assert libpq_uri(make_engine("postgresql+psycopg://loket@db/loket")) \
        == "postgresql://loket@db/loket"


def test_db_backup_works_with_the_url_options_production_md_documents(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    from tests.conftest import POSTGRES_URL

    with_options = f"{POSTGRES_URL}?options=-c%20lock_timeout%3D3000&connect_timeout=5"
    result = CliRunner().invoke(main, ["db", "backup", "--to", str(tmp_path / "opts.dump")],
                                env={"LOKET_DATABASE_URL": with_options})
    assert result.exit_code == 0, result.output
    assert (tmp_path / "opts.dump").stat().st_size > 0


# --- 10. `loket simulate`'s address ------------------------------------------------------

@pytest.mark.parametrize("how", ["option", "loket_public_url"])
def test_simulate_s_refused_address_is_said_wholly_in_dutch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    monkeypatch.setenv("LOKET_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.delenv("LOKET_ENV", raising=False)
    monkeypatch.delenv("LOKET_PUBLIC_URL", raising=False)
    args = ["simulate", "text", "Hallo"]
    if how == "option":
        args += ["--url", "http://127.0.0.1:99999"]
    else:
        monkeypatch.setenv("LOKET_PUBLIC_URL", "127.0.0.1:8000")
    result = CliRunner().invoke(main, args, prog_name="loket")
    assert result.exit_code == 2, result.output
    assert "Error: Invalid value" not in result.stderr, result.stderr
    assert "Try '" not in result.stderr, result.stderr
    assert "Gebruik: loket simulate text" in result.stderr
    assert "Zie 'loket simulate text --help' voor hulp." in result.stderr
    assert "fout: --url: " in result.stderr, result.stderr


def test_simulate_told_english_refuses_its_address_in_english(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOKET_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.delenv("LOKET_ENV", raising=False)
    result = CliRunner().invoke(main, ["simulate", "call", "--url", "ftp://127.0.0.1:8000",
                                       "--lang", "en"], prog_name="loket")
    assert result.exit_code == 2, result.output
    assert "Usage: loket simulate call [OPTIONS]" in result.stderr
    assert "Try 'loket simulate call --help' for help." in result.stderr
    assert "error: --url: 'ftp://127.0.0.1:8000' is not an http(s) address" in result.stderr
