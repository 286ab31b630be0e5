"""The application's PostgreSQL role (`loket db grant --app-role`): it works Loket's tables
and seals the audit chain, but cannot change or delete an audit line; the migration role,
which owns the tables, is another."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ProgrammingError
from sqlmodel import Session, select

from loket.cli import main
from loket.domain import audit, audit_chain
from loket.store.crypto import DIALECT_ATTRIBUTE
from loket.store.db import session_scope
from loket.store.models import Contact
from tests.conftest import loket_env
from tests.reports.seed import local, seed

ROLE = "loket_app_test"


@pytest.fixture
def app_role(postgres_app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """A login role granted by `loket db grant`; an engine that logs in as it."""
    owner: Engine = postgres_app.extensions["loket.engine"]
    settings = postgres_app.config["LOKET"]
    with owner.begin() as conn:
        drop_role(conn)
        conn.execute(text(f"CREATE ROLE {ROLE} LOGIN"))
    for key, value in loket_env(postgres_app).items():
        monkeypatch.setenv(key, value)
    granted = CliRunner().invoke(main, ["db", "grant", "--app-role", ROLE])
    assert granted.exit_code == 0, granted.output
    engine = create_engine(make_url(settings.database_url).set(username=ROLE, password=None))
    # The app's column types read the data keys through the engine's dialect.
    setattr(engine.dialect, DIALECT_ATTRIBUTE, getattr(owner.dialect, DIALECT_ATTRIBUTE))
    yield engine
    engine.dispose()
    with owner.begin() as conn:
        drop_role(conn)


DROP_ROLE = (
    "DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'loket_app_test') THEN "
    "EXECUTE 'DROP OWNED BY loket_app_test'; EXECUTE 'DROP ROLE loket_app_test'; END IF; END $$"
)


def drop_role(conn: object) -> None:
    conn.execute(text(DROP_ROLE))  # type: ignore[attr-defined]


def test_the_app_role_adds_audit_lines_and_seals_but_cannot_change_them(
    postgres_app: Flask, app_role: Engine,
) -> None:
    seed(postgres_app, local("2026-11-10 14:00"))
    with session_scope(app_role) as session:  # the app's ordinary work, as its own role
        contact = session.exec(select(Contact)).one()
        contact.outcome, contact.status = "helped", "closed"
        audit.record(session=session, event="update", contact=contact, actor="test")
    done = audit_chain.seal_all(lambda: session_scope(app_role))
    assert done.count >= 2  # the chain's lock is the owner's function, open to the app
    for change in ("UPDATE audit_event SET detail = 'changed'", "DELETE FROM audit_event",
                   "DELETE FROM audit_seal", "TRUNCATE audit_event"):
        with Session(app_role) as session, pytest.raises(ProgrammingError,
                                                         match="permission denied"):
            session.execute(text(change))
    with Session(app_role) as session, pytest.raises(ProgrammingError, match="permission"):
        session.execute(text("CREATE TABLE mine (id int)"))  # migrations are not the app's


def test_the_health_check_finds_the_database_writable_as_the_app_role(
    postgres_app: Flask, app_role: Engine, make_app: Callable[..., Flask]
) -> None:
    # Production logs in as the app role: its health check must not need the owner's rights
    # (it probed alembic_version, which the app role may only read, and said "degraded").
    as_app = make_app(database_url=app_role.url.render_as_string(hide_password=False))
    answer = as_app.test_client().get("/healthz")
    assert answer.status_code == 200, answer.json
    assert answer.json is not None and answer.json["database_write"] == "ok"


def test_grant_refuses_sqlite_and_an_unknown_role(app: Flask, cli_env: dict[str, str]) -> None:
    sqlite = CliRunner().invoke(main, ["db", "grant", "--app-role", "loket_app"])
    assert sqlite.exit_code == 2 and "--app-role" in sqlite.output
    bad = CliRunner().invoke(main, ["db", "grant", "--app-role", "Robert'); DROP"])
    assert bad.exit_code == 2 and "--app-role" in bad.output
