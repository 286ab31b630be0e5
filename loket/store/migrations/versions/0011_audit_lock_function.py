"""the audit chain's lock as a function of the tables' owner: an application role that may
only read and add to the audit trail can still hold the sealers' lock (PostgreSQL)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 07:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # LOCK TABLE in this mode needs UPDATE, DELETE or TRUNCATE on the table, which the
    # application's role must not have; the function runs with its owner's rights, and the
    # lock it takes lasts to the end of the caller's transaction.
    op.execute(
        "CREATE FUNCTION loket_lock_audit() RETURNS void LANGUAGE plpgsql SECURITY DEFINER "
        "SET search_path = public AS $$ BEGIN "
        "LOCK TABLE audit_event IN SHARE ROW EXCLUSIVE MODE; END $$"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS loket_lock_audit()")
