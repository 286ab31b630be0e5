"""a person's wish about continuity: recorded on a contact by their counsellor

A returning person's new contact is offered first to the counsellor who helped them last,
unless that counsellor or the person opted out; the person's wish is kept on the contact
where it was said (the newest one counts).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 03:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("contact") as batch:
        batch.add_column(sa.Column("continuity_opt_out", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("contact") as batch:
        batch.drop_column("continuity_opt_out")
