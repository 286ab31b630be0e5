"""an on-call text's claim: when a sweep took it to send

A sweep claims a step's on-call text before sending it and gives the claim back (or keeps
the sid) after; a claim left by a killed worker is freed two minutes after it was made. The
step's own creation time stood in for the claim's, so a retry claimed long after its step
rose looked stale at once, and the other scheduler's sweep sent the same text again.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 14:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from loket.store.types import UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("escalation") as batch:
        batch.add_column(sa.Column("sms_claimed_at", UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("escalation") as batch:
        batch.drop_column("sms_claimed_at")
