"""outbox job state: a row is done when its job finished, not when it was enqueued

`done_at` is set when the row's RQ job finishes; the reconciler looks at every row not yet
done (a partial index holds only those) and enqueues again what failed, was abandoned or
is missing from Redis. Rows dispatched before this revision count as done.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import loket.store.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("done_at", loket.store.types.UTCDateTime(timezone=True), nullable=True)
        )
    op.execute("UPDATE outbox SET done_at = dispatched_at WHERE dispatched_at IS NOT NULL")
    op.create_index(
        "ix_outbox_not_done", "outbox", ["created_at"], unique=False,
        sqlite_where=sa.text("done_at IS NULL"), postgresql_where=sa.text("done_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_not_done", table_name="outbox")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("done_at")
