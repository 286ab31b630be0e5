"""Migrations upgrade an empty database on both engines and match the models."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

import loket.store.models  # noqa: F401
from loket.store.db import make_engine
from loket.store.migrate import downgrade, upgrade
from tests.conftest import POSTGRES_URL


def _differences(url: str) -> list[object]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return list(compare_metadata(context, SQLModel.metadata))
    finally:
        engine.dispose()


def test_sqlite_upgrades_from_empty_and_matches_the_models(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    upgrade(make_engine(url))
    assert _differences(url) == []
    tables = set(inspect(make_engine(url)).get_table_names())
    assert {"contact", "message", "callback_request", "user", "audit_event", "outbox"} <= tables


def test_postgres_upgrades_from_empty_and_matches_the_models() -> None:
    engine = make_engine(POSTGRES_URL)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS migr CASCADE"))
        conn.execute(text("CREATE SCHEMA migr"))
    url = POSTGRES_URL + "?options=-csearch_path%3Dmigr"
    scoped = make_engine(url)
    try:
        upgrade(scoped)
        assert _differences(url) == []
        downgrade(scoped, "base")
        assert set(inspect(scoped).get_table_names()) <= {"alembic_version"}
    finally:
        scoped.dispose()
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS migr CASCADE"))
        engine.dispose()
