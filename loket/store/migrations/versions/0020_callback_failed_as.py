"""a callback's `failed_as`: how it had failed before its contact became a crisis

A contact that becomes a crisis makes its failed callbacks (unreachable, missed) callable at
once (`callbacks.make_crisis_callbacks` sets their status to `crisis`); the reports read a
failure from the status, so a past month's unreachable and missed callbacks dropped out of
its figures. The row now keeps how it had failed. Rows changed before cannot be told (0.1.0
is unreleased: no desk's figures hold such rows yet), so no day needs counting again; a
change of the column comes with a change of the status, which 0009's trigger on
`callback_request` already marks.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Not in a batch: SQLite adds a column in place, and a copy would lose 0009's triggers.
    op.add_column("callback_request", sa.Column("failed_as", sa.String(16), nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE callback_request DROP COLUMN failed_as")
