"""SQLite as Loket runs it: WAL, foreign keys, a bounded busy timeout, and one transaction rule.

The rule, the same as on PostgreSQL: a session that only reads begins a deferred transaction
(it takes no lock; WAL lets it read beside a writer), and every other transaction is a unit
of work that begins with `BEGIN IMMEDIATE`, so it holds SQLite's single write lock from its
first statement and never fails half-way because another writer committed in between. A
writer that finds the lock taken waits at most `BUSY_TIMEOUT_MS`, then gets "database is
locked" (`OperationalError`).
"""

from __future__ import annotations

from typing import Any

BUSY_TIMEOUT_MS = 5_000
# The execution option that marks a connection that only reads (`loket.store.db.read_scope`).
# With STATEMENT no BEGIN is issued at all: each statement runs on its own (autocommit), and
# the caller may issue its own BEGIN (the health check's write probe does).
READ_ONLY = "loket_read_only"
STATEMENT = "statement"


def connect_args() -> dict[str, Any]:
    """Return the driver's arguments: any thread may use a pooled connection."""
    return {"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000}


def on_connect(dbapi_connection: Any, _record: Any) -> None:
    """Set WAL, the busy timeout and foreign keys; let SQLAlchemy issue BEGIN itself."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    dbapi_connection.isolation_level = None


def on_begin(conn: Any) -> None:
    """Begin deferred for a reader, `BEGIN IMMEDIATE` (the write lock) for a unit of work."""
    read_only = conn.get_execution_options().get(READ_ONLY, False)
    if read_only == STATEMENT:
        return
    conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

