"""a conversation's messages by (contact_id, id): its newest page from the index alone

The contact page, the chat page and the API read a conversation's newest 500 messages
(`conversations.newest_before`) or those after an id (`first_after`), ordered by id. The
index on `contact_id` alone found the rows but needed them all read and sorted; this one
gives them in order, so the newest page reads its 501 rows and stops. It replaces the one
on `contact_id` alone: it serves every read that one did (its first column is the
contact's), and the contact's foreign key as well.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-08 10:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Not in a batch: SQLite creates and drops an index in place, without copying the table.
    # The new one first: no read is left without an index.
    op.create_index("ix_message_contact_id_id", "message", ["contact_id", "id"])
    op.drop_index("ix_message_contact_id", table_name="message")


def downgrade() -> None:
    op.create_index("ix_message_contact_id", "message", ["contact_id"])
    op.drop_index("ix_message_contact_id_id", table_name="message")
