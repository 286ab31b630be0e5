"""texts whose person stopped answering: an index on the contacts still in their intake

The reconciler looks every few seconds for text conversations whose person has not answered
the intake's questions for a while; this partial index holds only the contacts not routed
yet, so that look never reads the whole table.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 01:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

WHERE = "status = 'new'"


def upgrade() -> None:
    op.create_index(
        "ix_contact_new_updated_at", "contact", ["updated_at"], unique=False,
        sqlite_where=sa.text(WHERE), postgresql_where=sa.text(WHERE),
    )


def downgrade() -> None:
    op.drop_index("ix_contact_new_updated_at", table_name="contact")
