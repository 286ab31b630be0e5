"""a password to choose: set by an admin or the operator, the user picks their own next

An admin (or `loket user password --temporary`) gives a user who forgot their password a
temporary one; once that user has logged in with it and their second factor, every staff
page leads to the password page until they have chosen a new one of their own.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 03:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "user",
        sa.Column("must_change_password", sa.Boolean(), nullable=False,
                  server_default=sa.false()),
    )


def downgrade() -> None:
    with op.batch_alter_table("user") as batch:
        batch.drop_column("must_change_password")
