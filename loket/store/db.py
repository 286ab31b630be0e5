"""The database lifecycle: engine per app, a reading session per request, units of work.

One transaction model on SQLite and PostgreSQL:
- `get_session()` is the request's session. It only reads: it takes no lock (a deferred
  transaction on SQLite) and refuses to write.
- A view or job that writes opens one explicit unit of work (`unit_of_work()` in a request,
  `session_scope(engine)` elsewhere): it commits at the end of its block, or rolls back on
  an error. On SQLite it begins with `BEGIN IMMEDIATE` (the write lock, waited for at most
  the busy timeout); on PostgreSQL it is an ordinary transaction, and a status transition
  that must not race locks its row (`loket.domain.contacts.lock`: `SELECT ... FOR UPDATE`).

Work that opens its own unit of work (the gateway, a job) is called after the commit, never
inside another unit of work: on SQLite it would wait for the lock its caller holds.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import structlog
from flask import Flask, current_app, g
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, create_engine

from loket.store import postgres, sqlite
from loket.store.models import AuditEvent
from loket.store.sqlite import READ_ONLY

log = structlog.get_logger(__name__)
READS_ONLY = "loket.reads_only"  # session.info key of a session that must not write


def make_engine(url: str, *, lock_timeout_s: float = 5.0, statement_timeout_s: float = 60.0,
                **kwargs: Any) -> Engine:
    """Build an engine; SQLite gets WAL, a bounded busy timeout and the transaction rule,
    PostgreSQL bounds on connecting, locks, statements and idle transactions. A database
    error never repeats a statement's values (its text goes to logs, a failed job's record
    in Redis and error reports: the values may be a person's)."""
    kwargs.setdefault("hide_parameters", True)
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
    kwargs.setdefault("connect_args", postgres.connect_args(
        url, lock_timeout_s=lock_timeout_s, statement_timeout_s=statement_timeout_s))
    kwargs.setdefault("pool_size", 16)
    kwargs.setdefault("max_overflow", 16)
    engine = create_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        postgres.ping_when_needed(engine)
    return engine


class GuardedSession(Session):
    """A session whose objects stay readable after commit and that never changes audit lines.

    A session marked as reading only (`read_scope`, the request's session) refuses to write.
    """

    def flush(self, objects: Sequence[Any] | None = None) -> None:
        """Refuse to change or delete an audit line, or to write in a reading session."""
        for obj in (*self.dirty, *self.deleted):
            if isinstance(obj, AuditEvent):
                raise PermissionError("the audit log is append-only")
        if self.info.get(READS_ONLY) and (self.new or self.deleted or self._changed()):
            raise PermissionError("this session only reads; write in a unit of work")
        super().flush(objects)

    def _changed(self) -> bool:
        return any(self.is_modified(obj) for obj in self.dirty)

    def _refuse_dml(self, statement: Any) -> None:
        if self.info.get(READS_ONLY) and getattr(statement, "is_dml", False):
            raise PermissionError("this session only reads; write in a unit of work")

    def execute(self, statement: Any, *args: Any, **kwargs: Any) -> Any:
        """Refuse an INSERT, UPDATE or DELETE in a reading session; run everything else."""
        self._refuse_dml(statement)
        return super().execute(statement, *args, **kwargs)

    def scalars(self, statement: Any, *args: Any, **kwargs: Any) -> Any:
        """Refuse an INSERT, UPDATE or DELETE in a reading session; run everything else."""
        self._refuse_dml(statement)
        return super().scalars(statement, *args, **kwargs)


def new_session(engine: Engine) -> Session:
    """Open a session for a unit of work; its objects stay readable after commit."""
    return GuardedSession(engine, expire_on_commit=False)


def reading_session(engine: Engine) -> Session:
    """Open a session that only reads: no lock taken, any write refused.

    On PostgreSQL it reads in autocommit: each statement in a snapshot of its own, as in the
    default READ COMMITTED transaction, without the BEGIN and ROLLBACK round trips around
    them. A read that needs one snapshot for several statements asks for it (`snapshot`).
    """
    options: dict[str, Any] = {READ_ONLY: True}
    if engine.dialect.name == "postgresql":
        options["isolation_level"] = "AUTOCOMMIT"
    session = GuardedSession(engine.execution_options(**options), expire_on_commit=False)
    session.info[READS_ONLY] = True
    return session


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
    """Read without taking a lock; nothing done here is ever committed."""
    session = reading_session(engine)
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
    """Return this request's reading session, opening it on first use."""
    if "db_session" not in g:
        g.db_session = reading_session(get_engine())
    session: Session = g.db_session
    return session


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """Run this request's writes in one transaction: commit at the end, roll back on error.

    Objects read through the request's reading session stay there: load what you change
    in the unit of work itself (`loket.domain.contacts.lock`).
    """
    with session_scope(get_engine()) as session:
        yield session


def close_session(_exc: BaseException | None = None) -> None:
    """Close this request's session; roll back what was not committed.

    It runs after the answer was made: a connection the database cut meanwhile (a restart)
    makes the rollback fail, and that must not turn the answer into a 500. The pool drops
    the dead connection (SQLAlchemy invalidates it on a disconnect).
    """
    session = g.pop("db_session", None)
    if session is not None:
        try:
            session.close()
        except SQLAlchemyError as exc:
            log.warning("db.session_close_failed", error=type(exc).__name__)


def init_app(app: Flask, url: str, *, lock_timeout_s: float = 5.0,
             statement_timeout_s: float = 60.0) -> None:
    """Give the app its engine and close sessions on teardown."""
    app.extensions["loket.engine"] = make_engine(
        url, lock_timeout_s=lock_timeout_s, statement_timeout_s=statement_timeout_s)
    app.teardown_appcontext(close_session)
