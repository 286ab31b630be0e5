"""erasure and retention: when a contact's personal data was removed

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 07:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from loket.store.types import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("contact") as batch:
        batch.add_column(sa.Column("anonymised_at", UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("contact") as batch:
        batch.drop_column("anonymised_at")
