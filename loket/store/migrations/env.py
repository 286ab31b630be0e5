"""Alembic environment: the engine comes from loket.store.migrate, the metadata from the models."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text
from sqlmodel import SQLModel

import loket.store.models  # noqa: F401  (registers the tables)
from loket.store.postgres import UNBOUNDED_STATEMENTS

config = context.config
engine = config.attributes["engine"]

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # A migration may rewrite a large table: no statement bound (the lock bound stays:
            # a migration waiting behind a long transaction fails rather than stall traffic).
            connection.execute(text(UNBOUNDED_STATEMENTS))
        context.run_migrations()
    connection.commit()
