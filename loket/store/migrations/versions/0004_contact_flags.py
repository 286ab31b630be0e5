"""contact flags as rows: one `contact_flag` row per flag, so the reports can count them

The routing decision's flags (both, crisis, pooled, overflow, anonymous) were JSON text in
`contact.flags`; counting the pooled or overflowing contacts meant reading every row. Each
flag is now a row keyed by contact and flag, with an index on the flag.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 09:00:00
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

import loket.store.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    flags = op.create_table(
        "contact_flag",
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("flag", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contact.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("contact_id", "flag"),
    )
    op.create_index("ix_contact_flag_flag", "contact_flag", ["flag"], unique=False)
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, flags FROM contact WHERE flags <> '[]'"))
    moved = [
        {"contact_id": contact_id, "flag": str(flag)[:32]}
        for contact_id, text in rows
        for flag in sorted(set(json.loads(text or "[]")))
    ]
    if moved:
        op.bulk_insert(flags, moved)
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.drop_column("flags")


def downgrade() -> None:
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("flags", loket.store.types.JSONText(), nullable=False, server_default="[]")
        )
    conn = op.get_bind()
    found: dict[int, list[str]] = {}
    for contact_id, flag in conn.execute(
        sa.text("SELECT contact_id, flag FROM contact_flag ORDER BY contact_id, flag")
    ):
        found.setdefault(contact_id, []).append(flag)
    for contact_id, names in found.items():
        conn.execute(
            sa.text("UPDATE contact SET flags = :flags WHERE id = :id"),
            {"flags": json.dumps(names), "id": contact_id},
        )
    op.drop_index("ix_contact_flag_flag", table_name="contact_flag")
    op.drop_table("contact_flag")
