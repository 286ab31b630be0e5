"""report tallies: the managers' counts kept per Amsterdam day, and the hours whose contacts
changed since (marked by triggers on contact, contact_flag and callback_request)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 06:40:00
"""

# ruff: noqa: S608 - the SQL is built from this file's own constants, never from input

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# The columns whose change changes a figure; a write that touches none of them marks nothing.
CONTACT_COLUMNS = ("channel", "desk", "queue", "outcome", "crisis", "wait_seconds",
                   "answered_at", "closed_at", "created_at")
CALLBACK_COLUMNS = ("contact_id", "status", "attempts", "last_outcome", "window_end",
                    "updated_at")


def dimensions() -> list[sa.Column[object]]:
    """Return fresh columns of a tally row's channel, desk and queue ('' for none)."""
    return [sa.Column(name, sa.String(16), nullable=False)
            for name in ("channel", "desk", "queue")]


def upgrade() -> None:
    op.create_table(
        "report_dirty",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("hour", sa.Integer(), nullable=False),
    )
    op.create_index("ix_report_dirty_hour", "report_dirty", ["hour"])
    tables: dict[str, list[sa.Column[object]]] = {
        "tally_contact": [
            sa.Column("outcome", sa.String(32), nullable=False),
            sa.Column("crisis", sa.Boolean(), nullable=False),
            sa.Column("overflow", sa.Boolean(), nullable=False),
            sa.Column("pooled", sa.Boolean(), nullable=False),
            sa.Column("n", sa.Integer(), nullable=False),
        ],
        "tally_hour": [
            sa.Column("hour", sa.Integer(), nullable=False),
            sa.Column("n", sa.Integer(), nullable=False),
            sa.Column("handled", sa.Integer(), nullable=False),
            sa.Column("work_s", sa.Float(), nullable=False),
        ],
        "tally_wait": [
            sa.Column("crisis", sa.Boolean(), nullable=False),
            sa.Column("result", sa.String(16), nullable=False),
            sa.Column("wait_s", sa.Integer(), nullable=False),
            sa.Column("n", sa.Integer(), nullable=False),
        ],
        "tally_callback": [
            sa.Column("status", sa.String(16), nullable=False),
            sa.Column("reached", sa.Boolean(), nullable=False),
            sa.Column("in_window", sa.Boolean(), nullable=False),
            sa.Column("attempts", sa.Integer(), nullable=False),
            sa.Column("n", sa.Integer(), nullable=False),
        ],
    }
    for name, columns in tables.items():
        op.create_table(
            name,
            sa.Column("id", sa.Integer(), primary_key=True),
            sa.Column("day", sa.Date(), nullable=False),
            *dimensions(),
            *columns,
        )
        op.create_index(f"ix_{name}_day", name, ["day"])
    if op.get_bind().dialect.name == "postgresql":
        postgres_triggers()
    else:
        sqlite_triggers()
    # Every contact already stored is counted at the next refresh.
    op.execute(f"INSERT INTO report_dirty (hour) SELECT DISTINCT {hour_sql('created_at')} "
               "FROM contact")


def hour_sql(column: str) -> str:
    """Return the SQL for a timestamp column as whole UTC hours since 1970."""
    if op.get_bind().dialect.name == "postgresql":
        return f"floor(extract(epoch FROM {column}) / 3600)::integer"
    return f"CAST(strftime('%s', {column}) AS INTEGER) / 3600"


def sqlite_triggers() -> None:
    """Row triggers: each marks the hours it touched, once (SQLite has one writer)."""

    def mark(created_at: str) -> str:
        return (f"INSERT INTO report_dirty (hour) SELECT h FROM (SELECT {hour_sql(created_at)} "
                "AS h) WHERE h IS NOT NULL AND NOT EXISTS "
                "(SELECT 1 FROM report_dirty WHERE hour = h);")

    def of_contact(row: str) -> str:
        return mark(f"(SELECT created_at FROM contact WHERE id = {row}.contact_id)")

    for table, columns, created in (("contact", CONTACT_COLUMNS, "{row}.created_at"),
                                    ("contact_flag", ("contact_id", "flag"), None),
                                    ("callback_request", CALLBACK_COLUMNS, None)):
        def marks(row: str, created: str | None = created) -> str:
            return mark(created.format(row=row)) if created else of_contact(row)

        op.execute(f"CREATE TRIGGER report_dirty_{table}_insert AFTER INSERT ON {table} "
                   f"BEGIN {marks('NEW')} END")
        op.execute(f"CREATE TRIGGER report_dirty_{table}_update AFTER UPDATE OF "
                   f"{', '.join(columns)} ON {table} BEGIN {marks('OLD')} {marks('NEW')} END")
        op.execute(f"CREATE TRIGGER report_dirty_{table}_delete AFTER DELETE ON {table} "
                   f"BEGIN {marks('OLD')} END")


def postgres_triggers() -> None:
    """Statement triggers for inserts and deletes (one mark per hour of a bulk write), row
    triggers for updates that change a counted column."""
    hour = hour_sql("c.created_at")
    for table, columns in (("contact", CONTACT_COLUMNS), ("contact_flag", ("contact_id", "flag")),
                           ("callback_request", CALLBACK_COLUMNS)):
        join = "" if table == "contact" else " JOIN contact c ON c.id = r.contact_id"
        source = "r" if table == "contact" else "c"
        hour_of = hour.replace("c.", f"{source}.")
        for rows in ("new_rows", "old_rows"):
            op.execute(
                f"CREATE FUNCTION report_dirty_{table}_{rows}() RETURNS trigger AS $$ BEGIN "
                f"INSERT INTO report_dirty (hour) SELECT DISTINCT {hour_of} FROM {rows} r{join}; "
                "RETURN NULL; END $$ LANGUAGE plpgsql"
            )
        for event, rows, alias in (("INSERT", "new_rows", "NEW"), ("DELETE", "old_rows", "OLD")):
            op.execute(
                f"CREATE TRIGGER report_dirty_{table}_{event.lower()} AFTER {event} ON {table} "
                f"REFERENCING {alias} TABLE AS {rows} FOR EACH STATEMENT "
                f"EXECUTE FUNCTION report_dirty_{table}_{rows}()"
            )
        if table == "contact":
            body = (f"INSERT INTO report_dirty (hour) SELECT DISTINCT h FROM (VALUES "
                    f"({hour_sql('OLD.created_at')}), ({hour_sql('NEW.created_at')})) v(h);")
        else:
            body = ("INSERT INTO report_dirty (hour) SELECT DISTINCT "
                    f"{hour_sql('c.created_at')} FROM contact c "
                    "WHERE c.id IN (OLD.contact_id, NEW.contact_id);")
        op.execute(f"CREATE FUNCTION report_dirty_{table}_row() RETURNS trigger AS $$ BEGIN "
                   f"{body} RETURN NULL; END $$ LANGUAGE plpgsql")
        changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in columns)
        op.execute(f"CREATE TRIGGER report_dirty_{table}_update AFTER UPDATE ON {table} "
                   f"FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION report_dirty_{table}_row()")


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in ("contact", "contact_flag", "callback_request"):
        for event in ("insert", "update", "delete"):
            on = f" ON {table}" if postgres else ""
            op.execute(f"DROP TRIGGER IF EXISTS report_dirty_{table}_{event}{on}")
        if postgres:
            for suffix in ("new_rows", "old_rows", "row"):
                op.execute(f"DROP FUNCTION IF EXISTS report_dirty_{table}_{suffix}()")
    for name in ("tally_callback", "tally_wait", "tally_hour", "tally_contact"):
        op.drop_index(f"ix_{name}_day", table_name=name)
        op.drop_table(name)
    op.drop_index("ix_report_dirty_hour", table_name="report_dirty")
    op.drop_table("report_dirty")
