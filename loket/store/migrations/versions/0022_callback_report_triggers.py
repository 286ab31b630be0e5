"""the reports' triggers on `callback_request` again, on SQLite

0016 added `asked` in a batch, and a default that is an expression made SQLite copy the
table and drop the old one: with it went 0009's three triggers that mark a contact's hour
when its callback changes. Since then, on SQLite (PostgreSQL kept them), a callback that
was reached, failed or cancelled changed no figure of the managers' report until something
else of its day changed. They are made again, and every hour holding a contact with a
callback is counted again at the next refresh.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 20:30:00
"""

# ruff: noqa: S608 - the SQL is built from this file's own constants, never from input

from __future__ import annotations

from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

# 0009's counted columns of `callback_request`.
CALLBACK_COLUMNS = ("contact_id", "status", "attempts", "last_outcome", "window_end",
                    "updated_at")
HOUR = "CAST(strftime('%s', {}) AS INTEGER) / 3600"


def mark(row: str) -> str:
    """0009's SQLite statement marking the hour of the contact of a callback `row`."""
    hour = HOUR.format(f"(SELECT created_at FROM contact WHERE id = {row}.contact_id)")
    return (f"INSERT INTO report_dirty (hour) SELECT h FROM (SELECT {hour} AS h) "
            "WHERE h IS NOT NULL AND NOT EXISTS (SELECT 1 FROM report_dirty WHERE hour = h);")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for event in ("insert", "update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS report_dirty_callback_request_{event}")
    op.execute("CREATE TRIGGER report_dirty_callback_request_insert AFTER INSERT ON "
               f"callback_request BEGIN {mark('NEW')} END")
    op.execute(f"CREATE TRIGGER report_dirty_callback_request_update AFTER UPDATE OF "
               f"{', '.join(CALLBACK_COLUMNS)} ON callback_request "
               f"BEGIN {mark('OLD')} {mark('NEW')} END")
    op.execute("CREATE TRIGGER report_dirty_callback_request_delete AFTER DELETE ON "
               f"callback_request BEGIN {mark('OLD')} END")
    hour = HOUR.format("c.created_at")
    op.execute(f"INSERT INTO report_dirty (hour) SELECT DISTINCT {hour} FROM contact c "
               "WHERE EXISTS (SELECT 1 FROM callback_request r WHERE r.contact_id = c.id)")


def downgrade() -> None:
    """Nothing to undo: the triggers are 0009's, which its own downgrade drops."""
