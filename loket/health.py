"""`/healthz`: can the database be read and written, is Redis there, are the rules loaded,
are the background worker and scheduler running."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import Connection, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from loket import rules_runtime
from loket.queue.connection import background_problem, redis_ok
from loket.store.db import get_engine, read_scope
from loket.store.sqlite import BUSY_TIMEOUT_MS

bp = Blueprint("health", __name__)

# How long the write probe waits for the write lock: a held lock is reported, not waited out.
WRITE_PROBE_WAIT_MS = 2000
# The probe's write on SQLite: a row every migrated database has, set to what it is, then
# rolled back (it takes the one write lock every writer needs).
PROBE = text("UPDATE alembic_version SET version_num = version_num")
# On PostgreSQL: an update of the contacts that matches no row. It needs what storing a
# contact needs (the table's write lock, a writable server, the right to write; the
# application's role may not write alembic_version) and changes nothing.
PROBE_POSTGRES = text("UPDATE contact SET status = status WHERE false")


def database_ok() -> bool:
    """Tell whether the database answers a query."""
    try:
        with read_scope(get_engine()) as session:
            session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False
    return True


def write_problem(engine: Engine) -> str | None:
    """Return why the database cannot take a write now ("locked", "read-only", …), or None.

    The probe is a unit of work as any other (on SQLite it takes the write lock), writing one
    row that is rolled back: nothing changes. It waits at most `WRITE_PROBE_WAIT_MS`.
    """
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                _probe_sqlite(conn)
            else:
                _probe_postgres(conn)
    except SQLAlchemyError as exc:
        message = str(getattr(exc, "orig", exc)).lower()
        if "locked" in message or "lock timeout" in message:
            return "locked"
        if "readonly" in message or "read-only" in message:
            return "read-only"
        return "failed"
    return None


def _probe_sqlite(conn: Connection) -> None:
    # The busy timeout is set on the connection before its BEGIN IMMEDIATE waits for it.
    raw: Any = conn.connection.dbapi_connection
    raw.execute(f"PRAGMA busy_timeout={WRITE_PROBE_WAIT_MS}")
    try:
        with conn.begin() as transaction:
            conn.execute(PROBE)
            transaction.rollback()
    finally:
        raw.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


def _probe_postgres(conn: Connection) -> None:
    with conn.begin() as transaction:
        conn.execute(text(f"SET LOCAL lock_timeout = {WRITE_PROBE_WAIT_MS}"))
        conn.execute(text(f"SET LOCAL statement_timeout = {2 * WRITE_PROBE_WAIT_MS}"))
        conn.execute(PROBE_POSTGRES)
        transaction.rollback()


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """Report database (read and write) and Redis; 503 naming what failed."""
    db = database_ok()
    problem = write_problem(get_engine()) if db else "failed"
    redis = redis_ok(current_app.extensions.get("loket.redis"))
    healthy = db and problem is None and redis
    body = {
        "status": "ok" if healthy else "degraded",
        "database": "ok" if db else "down",
        # "locked": another writer holds the lock longer than the probe waits.
        "database_write": problem or "ok",
        "redis": "ok" if redis else "down",
        # A rules file that failed to load leaves the last good rules in force: "stale".
        "rules": rules_runtime.status(),
        # The background processes as Redis knows them (`background_problem`): not in the
        # answer's code, which says whether this web process can take contacts.
        "background": background_problem(current_app.extensions.get("loket.redis"))
        if redis else "unknown",
    }
    return jsonify(body), 200 if healthy else 503
