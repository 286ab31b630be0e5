"""`loket` commands given input they cannot use: an unknown migration, an address or a port
that cannot be, a database never migrated. Each exits 2 with one line naming what is
wrong; none prints a traceback or the e-mail address it was asked about."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask

from loket.cli import main

EMAIL = "geheim.persoon@example.org"
PASSWORD = "correct horse battery"


@pytest.mark.parametrize("revision", ["nonsense", "head:base", "+99", "head+1", "0009+50"])
def test_db_upgrade_to_an_unknown_revision_exits_2_naming_the_option(
    cli_env: dict[str, str], revision: str
) -> None:
    result = CliRunner().invoke(main, ["db", "upgrade", "--revision", revision])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if not line.startswith("{")]
    assert len(lines) == 1 and lines[0].startswith("fout: --revision: "), result.output


def test_db_upgrade_to_head_still_works(cli_env: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "database op head" in result.output


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:80a", "http://127.0.0.1:99999", "http://127.0.0.1:0", "http://",
    "http://[::1", "http://exa mple.org", "ftp://127.0.0.1",
])
def test_simulate_refuses_an_address_that_cannot_be_naming_url(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOKET_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.delenv("LOKET_ENV", raising=False)
    for args in (["text", "Hallo"], ["call", "--digits", "1"]):
        result = CliRunner().invoke(main, ["simulate", *args, "--url", url])
        assert result.exit_code == 2, result.output
        assert "--url" in result.stderr and "http(s)-adres" in result.stderr
    english = CliRunner().invoke(main, ["simulate", "text", "Hi", "--url", url, "--lang", "en"])
    assert english.exit_code == 2 and "is not an http(s) address" in english.stderr


@pytest.mark.parametrize(("command", "port"), [
    ("serve", "70000"), ("serve", "0"), ("serve", "-1"), ("dev", "70000"), ("dev", "0"),
])
def test_a_port_out_of_range_exits_2_naming_the_option(
    cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, command: str, port: str
) -> None:
    from loket.cli import processes

    started: list[object] = []
    monkeypatch.setattr(processes.os, "execv", lambda *args: started.append(args))
    result = CliRunner().invoke(main, [command, "--port", port])
    assert result.exit_code == 2, result.output
    assert "--port" in result.output and not started


@pytest.fixture
def unmigrated(cli_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point `loket` at a database that was never migrated: no tables at all."""
    monkeypatch.setenv("LOKET_DATABASE_URL", f"sqlite:///{tmp_path / 'never-migrated.sqlite3'}")


@pytest.mark.parametrize(("args", "stdin"), [
    (["user", "add", "--email", EMAIL, "--role", "admin"], PASSWORD + "\n"),
    (["user", "code", "--email", EMAIL], ""),
    (["token", "create", "--user", EMAIL], ""),
    (["token", "revoke", "--user", EMAIL], ""),
    (["token", "revoke", "--token", "lkt_not-a-token"], ""),
])
def test_accounts_on_a_database_never_migrated_say_to_upgrade_without_the_address(
    unmigrated: None, args: list[str], stdin: str
) -> None:
    result = CliRunner().invoke(main, args, input=stdin)
    assert result.exit_code == 2, result.output
    assert result.output.strip().splitlines() == [
        "fout: de database heeft nog geen tabellen; draai eerst `loket db upgrade`"]
    assert EMAIL not in result.output and "geheim" not in result.output


def test_accounts_on_postgres_never_migrated_say_to_upgrade(
    app: Flask, cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from loket.store.db import make_engine
    from tests.conftest import POSTGRES_URL

    try:
        admin = make_engine(POSTGRES_URL)
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - say plainly which service is missing
        pytest.fail(f"PostgreSQL at {POSTGRES_URL} is not reachable: {exc}", pytrace=False)
    # A schema of its own on the test database, with no tables in it.
    schema = "loket_never_migrated"
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
        monkeypatch.setenv("LOKET_DATABASE_URL", url.render_as_string(hide_password=False))
        result = CliRunner().invoke(main, ["token", "create", "--user", EMAIL])
        assert result.exit_code == 2, result.output
        assert "draai eerst `loket db upgrade`" in result.output and EMAIL not in result.output
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()
