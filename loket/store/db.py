"""The database lifecycle: engine per app, a session per request, teardown, append-only audit."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, create_engine

from loket.store import sqlite
from loket.store.models import AuditEvent
from loket.store.sqlite import READ_ONLY, STATEMENT


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Build an engine; SQLite gets WAL, a busy timeout, foreign keys and queued writers."""
    if url.startswith("sqlite"):
        if ":memory:" in url or url in {"sqlite://", "sqlite:///"}:
            raise ValueError("an in-memory SQLite database cannot be shared; use a file")
        kwargs.setdefault("connect_args", sqlite.connect_args())
        # A pool keeps connections open: closing the last connection of a WAL database
        # checkpoints it, which costs milliseconds per request.
        kwargs.setdefault("pool_size", 16)
        kwargs.setdefault("max_overflow", 16)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", sqlite.on_connect)
        event.listen(engine, "begin", sqlite.on_begin)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


class GuardedSession(Session):
    """A session whose objects stay readable after commit and that never changes audit lines."""

    def flush(self, objects: Sequence[Any] | None = None) -> None:
        """Refuse to change or delete an audit line; flush everything else."""
        for obj in (*self.dirty, *self.deleted):
            if isinstance(obj, AuditEvent):
                raise PermissionError("the audit log is append-only")
        super().flush(objects)


def new_session(engine: Engine) -> Session:
    """Open a session whose objects stay readable after commit."""
    return GuardedSession(engine, expire_on_commit=False)


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
def read_connection(engine: Engine) -> Iterator[Connection]:
    """Read on a bare connection without taking SQLite's write lock; nothing is committed.

    Each statement reads what was committed when it ran (no snapshot across statements).
    """
    with engine.connect() as conn:
        conn.execution_options(**{READ_ONLY: STATEMENT})
        yield conn


@contextmanager
def writing(conn: Connection) -> Iterator[Connection]:
    """Go on from reading (`read_connection`) to one write transaction on the same connection.

    The write transaction takes SQLite's queued write lock as any other and commits at the
    end of the block (rolls back on an error); one pooled connection serves both.
    """
    if conn.in_transaction():
        conn.rollback()  # the reads' own (nothing was written)
    conn.execution_options(**{READ_ONLY: False})
    with conn.begin():
        yield conn


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
