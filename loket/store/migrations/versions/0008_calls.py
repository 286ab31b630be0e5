"""callbacks and live calls: a callback's attempts and outcome, the phone legs Loket places
or moves, and crisis escalations (one row per contact and step)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 04:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from loket.store.types import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("callback_request") as batch:
        batch.add_column(sa.Column("due_at", UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("attempt_started_at", UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("last_outcome", sa.String(16), nullable=True))
        batch.add_column(sa.Column("error", sa.String(200), nullable=True))
        batch.add_column(sa.Column("window_missed_at", UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("waiting_since", UTCDateTime(timezone=True), nullable=True))
    op.create_table(
        "call_leg",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("contact_id", sa.Integer(), sa.ForeignKey("contact.id"), nullable=False),
        sa.Column("callback_id", sa.Integer(), sa.ForeignKey("callback_request.id"),
                  nullable=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("user.id"), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("call_sid", sa.String(64), nullable=True, unique=True),
        sa.Column("conference", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("answered_by", sa.String(32), nullable=True),
        sa.Column("error", sa.String(200), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_call_leg_contact_id", "call_leg", ["contact_id"])
    op.create_table(
        "escalation",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("contact_id", sa.Integer(), sa.ForeignKey("contact.id"), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("desk", sa.String(16), nullable=True),
        sa.Column("queue", sa.String(16), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("sms_sid", sa.String(64), nullable=True),
        sa.Column("resolved_at", UTCDateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("contact_id", "step"),
    )
    op.create_index("ix_escalation_contact_id", "escalation", ["contact_id"])


def downgrade() -> None:
    op.drop_index("ix_escalation_contact_id", table_name="escalation")
    op.drop_table("escalation")
    op.drop_index("ix_call_leg_contact_id", table_name="call_leg")
    op.drop_table("call_leg")
    with op.batch_alter_table("callback_request") as batch:
        for name in ("waiting_since", "window_missed_at", "error", "last_outcome",
                     "attempt_started_at", "due_at"):
            batch.drop_column(name)
