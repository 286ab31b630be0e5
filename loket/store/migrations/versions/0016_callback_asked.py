"""a callback's `asked`: whether the person asked to be called back

A crisis contact's number kept for the desk to call back at once (a caller who hung up in
the queue, a texter who sent the stop word) is a callback row nobody asked for; the reports
counted it among the callbacks requested. Rows made before are taken as asked for (0.1.0 is
unreleased: no desk's figures hold such rows yet).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 02:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("callback_request") as batch:
        batch.add_column(sa.Column("asked", sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table("callback_request") as batch:
        batch.drop_column("asked")
