"""the counsellors' workspace: logins and sessions, notes, drafts, break-glass, help requests,
person flags, and the audit trail's seal (a hash chain, append-only like the trail)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 17:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import loket.store.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_seal",
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("sealed_at", loket.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["audit_id"],
            ["audit_event.id"],
        ),
        sa.PrimaryKeyConstraint("audit_id"),
    )
    op.create_table(
        "login_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", loket.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", loket.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("second_factor_at", loket.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", loket.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("login_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_session_user_id"), ["user_id"], unique=False)

    op.create_table(
        "person_flag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phone_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("flag", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("desk", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("reason", loket.store.types.EncryptedText(), nullable=False),
        sa.Column("set_by", sa.Integer(), nullable=False),
        sa.Column("approved_by", sa.Integer(), nullable=True),
        sa.Column("approved_at", loket.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", loket.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", loket.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["approved_by"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["set_by"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("person_flag", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_flag_phone_hash"), ["phone_hash"], unique=False)

    op.create_table(
        "recovery_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("used_at", loket.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("recovery_code", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recovery_code_user_id"), ["user_id"], unique=False)

    op.create_table(
        "break_glass",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("desk", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("reason", loket.store.types.EncryptedText(), nullable=False),
        sa.Column("created_at", loket.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", loket.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reviewed_at", loket.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reviewed_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("break_glass", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_break_glass_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_break_glass_user_id"), ["user_id"], unique=False)

    op.create_table(
        "draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("body", loket.store.types.EncryptedText(), nullable=False),
        sa.Column("updated_at", loket.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "contact_id", "kind"),
    )
    with op.batch_alter_table("draft", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_draft_contact_id"), ["contact_id"], unique=False)

    op.create_table(
        "help_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("desk", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("created_at", loket.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", loket.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("help_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_help_request_desk"), ["desk"], unique=False)

    op.create_table(
        "note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("body", loket.store.types.EncryptedText(), nullable=False),
        sa.Column("created_at", loket.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("note", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_note_contact_id"), ["contact_id"], unique=False)

    op.add_column(
        "api_token",
        sa.Column("expires_at", loket.store.types.UTCDateTime(timezone=True), nullable=True),
    )

    op.add_column(
        "audit_event",
        sa.Column(
            "source", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False, server_default=""
        ),
    )

    op.add_column(
        "contact",
        sa.Column("claimed_at", loket.store.types.UTCDateTime(timezone=True), nullable=True),
    )
    op.add_column(
        "contact",
        sa.Column("contact_type", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    )
    op.add_column(
        "contact",
        sa.Column("categories", loket.store.types.JSONText(), nullable=False, server_default="[]"),
    )
    op.add_column("contact", sa.Column("offered_to_user_id", sa.Integer(), nullable=True))
    op.add_column(
        "contact",
        sa.Column("offered_until", loket.store.types.UTCDateTime(timezone=True), nullable=True),
    )

    op.add_column(
        "user",
        sa.Column(
            "display_name",
            sqlmodel.sql.sqltypes.AutoString(length=40),
            nullable=False,
            server_default="",
        ),
    )
    op.add_column("user", sa.Column("phone", loket.store.types.EncryptedText(), nullable=True))
    op.add_column(
        "user",
        sa.Column(
            "availability",
            sqlmodel.sql.sqltypes.AutoString(length=16),
            nullable=False,
            server_default="away",
        ),
    )
    op.add_column(
        "user",
        sa.Column(
            "availability_until", loket.store.types.UTCDateTime(timezone=True), nullable=True
        ),
    )
    op.add_column(
        "user",
        sa.Column("continuity_opt_out", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "user", sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0")
    )
    op.add_column(
        "user",
        sa.Column("locked_until", loket.store.types.UTCDateTime(timezone=True), nullable=True),
    )
    op.add_column(
        "user",
        sa.Column("totp_enrolled_at", loket.store.types.UTCDateTime(timezone=True), nullable=True),
    )
    op.add_column("user", sa.Column("totp_last_step", sa.Integer(), nullable=True))

    _seal_append_only()


def _seal_append_only() -> None:
    """The seal, like the trail it seals, can be added to, never changed or deleted."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TRIGGER audit_seal_append_only BEFORE UPDATE OR DELETE ON audit_seal "
            "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()"
        )
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_seal_no_{action.lower()} BEFORE {action} ON audit_seal "
                "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_seal_append_only ON audit_seal")
    op.drop_column("user", "totp_last_step")
    op.drop_column("user", "totp_enrolled_at")
    op.drop_column("user", "locked_until")
    op.drop_column("user", "failed_logins")
    op.drop_column("user", "continuity_opt_out")
    op.drop_column("user", "availability_until")
    op.drop_column("user", "availability")
    op.drop_column("user", "phone")
    op.drop_column("user", "display_name")

    op.drop_column("contact", "offered_until")
    op.drop_column("contact", "offered_to_user_id")
    op.drop_column("contact", "categories")
    op.drop_column("contact", "contact_type")
    op.drop_column("contact", "claimed_at")

    op.drop_column("audit_event", "source")

    op.drop_column("api_token", "expires_at")

    with op.batch_alter_table("note", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_note_contact_id"))

    op.drop_table("note")
    with op.batch_alter_table("help_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_help_request_desk"))

    op.drop_table("help_request")
    with op.batch_alter_table("draft", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_draft_contact_id"))

    op.drop_table("draft")
    with op.batch_alter_table("break_glass", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_break_glass_user_id"))
        batch_op.drop_index(batch_op.f("ix_break_glass_contact_id"))

    op.drop_table("break_glass")
    with op.batch_alter_table("recovery_code", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recovery_code_user_id"))

    op.drop_table("recovery_code")
    with op.batch_alter_table("person_flag", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_flag_phone_hash"))

    op.drop_table("person_flag")
    with op.batch_alter_table("login_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_session_user_id"))

    op.drop_table("login_session")
    op.drop_table("audit_seal")
