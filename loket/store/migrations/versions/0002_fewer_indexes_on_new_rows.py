"""fewer indexes on new rows

Every index a new row enters is one more page SQLite writes at commit, inside the single
write lock. Indexes that a query does not need, or that a column still empty on arrival
fills with nothing, go; the ones the desks will query become partial (rows with a value).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 20:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

DROPPED = (
    ("contact", "ix_contact_channel", ["channel"]),
    ("contact", "ix_contact_status", ["status"]),
    ("contact", "ix_contact_crisis", ["crisis"]),
    ("contact", "ix_contact_external_id", ["external_id"]),
    ("contact", "ix_contact_queue", ["queue"]),
    ("contact", "ix_contact_desk", ["desk"]),
    ("contact", "ix_contact_assigned_user_id", ["assigned_user_id"]),
    ("message", "ix_message_created_at", ["created_at"]),
    ("audit_event", "ix_audit_event_user_id", ["user_id"]),
)
PARTIAL = (
    ("contact", "ix_contact_queue_status", ["queue", "status"], "queue IS NOT NULL"),
    ("contact", "ix_contact_desk", ["desk"], "desk IS NOT NULL"),
    (
        "contact",
        "ix_contact_assigned_user_id",
        ["assigned_user_id"],
        "assigned_user_id IS NOT NULL",
    ),
    ("audit_event", "ix_audit_event_user_id", ["user_id"], "user_id IS NOT NULL"),
)


def upgrade() -> None:
    for table, name, _columns in DROPPED:
        op.drop_index(name, table_name=table)
    for table, name, columns, where in PARTIAL:
        op.create_index(
            name, table, columns, unique=False,
            sqlite_where=sa.text(where), postgresql_where=sa.text(where),
        )


def downgrade() -> None:
    for table, name, _columns, _where in PARTIAL:
        op.drop_index(name, table_name=table)
    for table, name, columns in DROPPED:
        op.create_index(name, table, columns, unique=False)
