"""a number's contacts by (phone_hash, id): newest first from the index alone

The text webhook's read asks for a number's newest contact on any channel and on its own
channel. It now reads the number's contacts once (a MATERIALIZED WITH) by this index; the
index on the hash alone needed a sort, and the read's channel queries could be planned
through the (channel, external_id) key instead, which a plan made while `contact` was small
(and kept by a connection, a prepared statement's) did: it read every contact of the channel
for each returning texter, the database's CPU a text doubling within a benchmark run.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 16:20:00
"""

from __future__ import annotations

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_contact_phone_hash", table_name="contact")
    op.create_index("ix_contact_phone_hash", "contact", ["phone_hash", "id"])


def downgrade() -> None:
    op.drop_index("ix_contact_phone_hash", table_name="contact")
    op.create_index("ix_contact_phone_hash", "contact", ["phone_hash"])
