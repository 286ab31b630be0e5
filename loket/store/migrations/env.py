"""Alembic environment: the engine comes from loket.store.migrate, the metadata from the models."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import Connection, text
from sqlmodel import SQLModel

import loket.store.models  # noqa: F401  (registers the tables)
from loket.store.postgres import UNBOUNDED_STATEMENTS

config = context.config
engine = config.attributes["engine"]


def foreign_keys(connection: Connection, on: bool) -> None:
    """Turn SQLite's foreign keys on or off for this connection. A batch migration copies a
    table and drops the old one: enforced, the drop would delete the rows pointing at it
    (ON DELETE CASCADE) or be refused for them. SQLite takes the pragma outside a
    transaction only, so it goes to the driver's connection, before and after."""
    driver: Any = connection.connection.driver_connection
    driver.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def broken_references(connection: Connection) -> list[str]:
    """Name the tables whose rows point at rows that are gone (SQLite's own check)."""
    rows = connection.execute(text("PRAGMA foreign_key_check")).all()
    return sorted({str(row[0]) for row in rows})


with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        foreign_keys(connection, on=False)
    try:
        context.configure(
            connection=connection,
            target_metadata=SQLModel.metadata,
            render_as_batch=sqlite,
            compare_type=True,
        )
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                # A migration may rewrite a large table: no statement bound (the lock bound
                # stays: a migration waiting behind a long transaction fails rather than
                # stall traffic).
                connection.execute(text(UNBOUNDED_STATEMENTS))
            context.run_migrations()
            if sqlite and (broken := broken_references(connection)):
                # Checked as enforcement would have: nothing of the migration is kept.
                raise RuntimeError(f"foreign keys broken in {', '.join(broken)}")
        connection.commit()
    finally:
        if sqlite:
            connection.rollback()  # a failed migration's writes; nothing after a commit
            foreign_keys(connection, on=True)
