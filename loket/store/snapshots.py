"""Which database a session talks to, and reading in one snapshot on either."""

from __future__ import annotations

from sqlmodel import Session


def is_postgres(session: Session) -> bool:
    """Tell whether the session talks to PostgreSQL (else SQLite)."""
    return session.get_bind().dialect.name == "postgresql"


def snapshot(session: Session) -> None:
    """Read everything that follows in one snapshot, when called before the session's first
    statement (a session already reading keeps its transaction as it is).

    SQLite's read transaction has one; PostgreSQL needs REPEATABLE READ for it.
    """
    if is_postgres(session) and not session.in_transaction():
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
