"""an overflow's direction as routed: `contact.overflow_direction` and its tally key

The reports read an overflow's direction (owner>queue) from the contact's desk and queue as
they are now; a transfer sets both to the new desk, so an overflow handed back or on left
every direction while it still counted as overflow. The routing now records the direction
(`contacts.route_contact`), and `tally_contact` counts by it. Stored overflows get their
desk and queue as they stand (one already transferred cannot be told from those: 0.1.0 is
unreleased), and so do the tallied rows, which then give the figures the contacts give: no
day needs counting again. A change of the direction marks the contact's hour, as a change
of its desk or queue does (0009's update trigger on `contact`).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 10:00:00
"""

# ruff: noqa: S608 - the SQL is built from this file's own constants, never from input

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

# 0009's counted columns of `contact`, and the one this revision adds to them.
COUNTED = ("channel", "desk", "queue", "outcome", "crisis", "wait_seconds", "answered_at",
           "closed_at", "created_at")
DIRECTION = "overflow_direction"


def upgrade() -> None:
    with op.batch_alter_table("contact") as batch:
        batch.add_column(sa.Column(DIRECTION, sa.String(33), nullable=True))
    with op.batch_alter_table("tally_contact") as batch:
        batch.add_column(sa.Column(DIRECTION, sa.String(33), nullable=False,
                                   server_default=""))
    op.execute(
        f"UPDATE contact SET {DIRECTION} = desk || '>' || queue "
        "WHERE desk IS NOT NULL AND queue IS NOT NULL AND desk <> queue AND EXISTS "
        "(SELECT 1 FROM contact_flag f WHERE f.contact_id = contact.id AND f.flag = 'overflow')"
    )
    op.execute(f"UPDATE tally_contact SET {DIRECTION} = desk || '>' || queue "
               "WHERE overflow AND desk <> '' AND queue <> '' AND desk <> queue")
    update_trigger((*COUNTED, DIRECTION))


def downgrade() -> None:
    update_trigger(COUNTED)
    # Not in a batch: SQLite would copy `contact` anew, and lose its triggers.
    op.execute(f"ALTER TABLE tally_contact DROP COLUMN {DIRECTION}")
    op.execute(f"ALTER TABLE contact DROP COLUMN {DIRECTION}")


def update_trigger(columns: tuple[str, ...]) -> None:
    """Make 0009's trigger mark a contact's hour when one of `columns` changes."""
    if op.get_bind().dialect.name == "postgresql":
        changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in columns)
        op.execute("DROP TRIGGER report_dirty_contact_update ON contact")
        op.execute("CREATE TRIGGER report_dirty_contact_update AFTER UPDATE ON contact "
                   f"FOR EACH ROW WHEN ({changed}) "
                   "EXECUTE FUNCTION report_dirty_contact_row()")
        return

    def mark(row: str) -> str:
        hour = f"CAST(strftime('%s', {row}.created_at) AS INTEGER) / 3600"
        return (f"INSERT INTO report_dirty (hour) SELECT h FROM (SELECT {hour} AS h) "
                "WHERE h IS NOT NULL AND NOT EXISTS (SELECT 1 FROM report_dirty WHERE hour = h);")

    op.execute("DROP TRIGGER report_dirty_contact_update")
    op.execute(f"CREATE TRIGGER report_dirty_contact_update AFTER UPDATE OF "
               f"{', '.join(columns)} ON contact BEGIN {mark('OLD')} {mark('NEW')} END")
