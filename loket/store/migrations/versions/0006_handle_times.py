"""the queue's recent handle times: an index on the closed contacts per queue

The expected wait a person is told comes from the median handle time of the queue's last
closed contacts; this partial index finds them without reading the whole table.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 23:58:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

WHERE = "closed_at IS NOT NULL AND answered_at IS NOT NULL"


def upgrade() -> None:
    op.create_index(
        "ix_contact_queue_closed_at", "contact", ["queue", "closed_at"], unique=False,
        sqlite_where=sa.text(WHERE), postgresql_where=sa.text(WHERE),
    )


def downgrade() -> None:
    op.drop_index("ix_contact_queue_closed_at", table_name="contact")
