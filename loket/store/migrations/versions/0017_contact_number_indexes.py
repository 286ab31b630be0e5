"""a number's contacts found by their own indexes: (phone_hash, id) and (phone_hash, channel, id)

The text webhook's read asks for a number's newest contact on any channel and on its own
channel. With an index on the hash alone, PostgreSQL without statistics on the table (a new
database, or autovacuum off) combined it with the (channel, external_id) key and read every
contact of the channel: the intake slowed as the table grew (twice the database's CPU a text
after 20,000 contacts). Each query now has an index that gives its rows in order.

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
    op.create_index("ix_contact_phone_hash_channel", "contact", ["phone_hash", "channel", "id"])


def downgrade() -> None:
    op.drop_index("ix_contact_phone_hash_channel", table_name="contact")
    op.drop_index("ix_contact_phone_hash", table_name="contact")
    op.create_index("ix_contact_phone_hash", "contact", ["phone_hash"])
