"""The database lifecycle: engine per app, a session per request, teardown, append-only audit."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, create_engine

from loket.store.models import AuditEvent

SQLITE_BUSY_TIMEOUT_MS = 10_000
# An execution option marking connections that only read: on SQLite they begin a deferred
# transaction and never take the single write lock.
READ_ONLY = "loket_read_only"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Build an engine; SQLite gets WAL, a busy timeout and foreign keys."""
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 10})
        if ":memory:" in url or url in {"sqlite://", "sqlite:///"}:
            raise ValueError("an in-memory SQLite database cannot be shared; use a file")
        # A pool keeps connections open: closing the last connection of a WAL database
        # checkpoints it, which costs milliseconds per request.
        kwargs.setdefault("pool_size", 16)
        kwargs.setdefault("max_overflow", 16)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        # SQLite's driver opens transactions lazily; BEGIN IMMEDIATE avoids upgrade deadlocks
        # (a reader that later writes fails at once if another writer committed meanwhile).
        event.listen(engine, "begin", _begin)
        event.listen(engine, "connect", _no_autobegin)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _begin(conn: Any) -> None:
    read_only = conn.get_execution_options().get(READ_ONLY, False)
    conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def _no_autobegin(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN IMMEDIATE itself.
    dbapi_connection.isolation_level = None


def _refuse_audit_change(session: OrmSession, _ctx: Any, _instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent):
            raise PermissionError("the audit log is append-only")


def guard_audit(session: Session) -> Session:
    """Make a session refuse to change or delete audit lines."""
    event.listen(session, "before_flush", _refuse_audit_change)
    return session


def new_session(engine: Engine) -> Session:
    """Open a session whose objects stay readable after commit."""
    return guard_audit(Session(engine, expire_on_commit=False))


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """Run a unit of work: commit on success, roll back on error, always close."""
    session = new_session(engine)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def read_scope(engine: Engine) -> Iterator[Session]:
    """Read without taking SQLite's write lock; nothing done here is ever committed."""
    session = Session(engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False)
    try:
        yield session
    finally:
        session.rollback()
        session.close()


def get_engine(app: Flask | None = None) -> Engine:
    """Return the app's engine."""
    engine: Engine = (app or current_app).extensions["loket.engine"]
    return engine


def get_session() -> Session:
    """Return this request's session, opening it on first use."""
    if "db_session" not in g:
        g.db_session = new_session(get_engine())
    session: Session = g.db_session
    return session


def close_session(_exc: BaseException | None = None) -> None:
    """Close this request's session; roll back what was not committed."""
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def init_app(app: Flask, url: str) -> None:
    """Give the app its engine and close sessions on teardown."""
    app.extensions["loket.engine"] = make_engine(url)
    app.teardown_appcontext(close_session)
