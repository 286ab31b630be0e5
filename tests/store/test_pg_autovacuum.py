"""`loket serve` says when PostgreSQL's autovacuum is off for Loket's database.

Without autovacuum nothing ANALYZEs the tables as they grow, and a pooled connection keeps
the generic plans it made while they were small: the intake slowed within one benchmark
run on a server that had it off. The operator is told once, when the web app starts.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy.engine import Engine
from structlog.testing import capture_logs

from loket.cli import main, processes
from loket.store import postgres
from loket.store.db import make_engine
from loket.store.postgres import autovacuum_off, warn_when_autovacuum_off
from tests.conftest import loket_env

pytestmark = pytest.mark.postgres


def _server_off(engine: Engine) -> list[str]:
    """Return ["server"] when this server runs without autovacuum, else []."""
    with engine.connect() as connection:
        said = connection.exec_driver_sql("SHOW autovacuum").scalar_one()
    return [] if said == "on" else ["server"]


@pytest.fixture
def tables_without_autovacuum(postgres_app: Flask) -> Iterator[Engine]:
    """Turn autovacuum off for two tables (as PostgreSQL spells a boolean two ways), leave
    it on for a third one that names it; set them back after."""
    engine: Engine = postgres_app.extensions["loket.engine"]
    with engine.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE message SET (autovacuum_enabled = off)")
        connection.exec_driver_sql(
            "ALTER TABLE contact SET (fillfactor = 90, autovacuum_enabled = 0)")
        connection.exec_driver_sql("ALTER TABLE audit_event SET (autovacuum_enabled = on)")
    yield engine
    with engine.begin() as connection:
        for table in ("message", "contact", "audit_event"):
            connection.exec_driver_sql(
                f"ALTER TABLE {table} RESET (autovacuum_enabled, fillfactor)")


def test_the_tables_that_turned_autovacuum_off_are_named(
    tables_without_autovacuum: Engine,
) -> None:
    engine = tables_without_autovacuum
    assert autovacuum_off(engine) == [*_server_off(engine), "contact", "message"]
    with capture_logs() as lines:
        assert warn_when_autovacuum_off(engine) == [*_server_off(engine), "contact", "message"]
    warned = [line for line in lines if line["event"] == "db.autovacuum_off"]
    assert len(warned) == 1 and warned[0]["log_level"] == "warning"
    assert warned[0]["where"][-2:] == ["contact", "message"]


def test_loket_serve_warns_and_starts_all_the_same(
    tables_without_autovacuum: Engine, postgres_app: Flask, monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    for key, value in loket_env(postgres_app).items():
        monkeypatch.setenv(key, value)
    started: list[list[str]] = []
    monkeypatch.setenv(processes.MULTIPROCESS_DIR, str(tmp_path))
    monkeypatch.setattr(processes, "private_metrics_dir", lambda: str(tmp_path))
    monkeypatch.setattr(processes.os, "execv", lambda _path, argv: started.append(list(argv)))
    seen: list[list[str]] = []

    def checked(engine: Engine) -> list[str]:
        seen.append(warn_when_autovacuum_off(engine))
        return seen[-1]

    monkeypatch.setattr(postgres, "warn_when_autovacuum_off", checked)
    result = CliRunner().invoke(main, ["serve", "--port", "8124"])
    assert result.exit_code == 0, result.output
    assert seen and seen[0][-2:] == ["contact", "message"]
    assert started and "gunicorn" in started[0]


def test_a_database_that_does_not_answer_says_nothing_and_stops_nothing(
    postgres_app: Flask,
) -> None:
    gone = make_engine("postgresql+psycopg://postgres@127.0.0.1:1/loket")
    with capture_logs() as lines:
        assert warn_when_autovacuum_off(gone) == []
    assert [line["event"] for line in lines] == ["db.autovacuum_unchecked"]
    sqlite = make_engine(f"sqlite:///{postgres_app.instance_path}/unused.db")
    assert warn_when_autovacuum_off(sqlite) == []
