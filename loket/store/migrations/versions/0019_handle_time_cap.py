"""a contact's handle time counts at most two hours: the days of longer ones are recounted

The hourly tally's handle times (the capacity plan's) summed `closed_at - answered_at`: a
text conversation answered and closed days later counted as days of a counsellor's work.
Each now counts at most `tally.HANDLE_CAP_S` (two hours). The hours of the contacts whose
handle time is longer are marked, so the next refresh counts their days anew; no column
or table changes.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 11:00:00
"""

# ruff: noqa: S608 - the SQL is built from this file's own constants, never from input

from __future__ import annotations

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

HANDLE_CAP_S = 2 * 3600  # `loket.reports.tally.HANDLE_CAP_S` when this revision was written


def upgrade() -> None:
    mark_longer()


def downgrade() -> None:
    mark_longer()  # counted again without the cap


def mark_longer() -> None:
    """Mark the hours of the contacts whose handle time is over the cap: their days are
    counted anew by the next refresh."""
    if op.get_bind().dialect.name == "postgresql":
        hour = "CAST(floor(extract(epoch FROM created_at) / 3600) AS INTEGER)"
        longer = f"closed_at - answered_at > interval '{HANDLE_CAP_S} seconds'"
    else:
        hour = "CAST(strftime('%s', created_at) AS INTEGER) / 3600"
        longer = f"(julianday(closed_at) - julianday(answered_at)) * 86400.0 > {HANDLE_CAP_S}"
    op.execute(
        "INSERT INTO report_dirty (hour) SELECT DISTINCT h FROM "
        f"(SELECT {hour} AS h FROM contact WHERE answered_at IS NOT NULL "
        f"AND closed_at IS NOT NULL AND {longer}) AS longer_handled "
        "WHERE h IS NOT NULL AND NOT EXISTS (SELECT 1 FROM report_dirty d WHERE d.hour = h)"
    )

