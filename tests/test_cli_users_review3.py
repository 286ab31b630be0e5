"""`loket user` and `loket token` as an operator uses them (review 3): what they change is in
the audit trail, as the admin's page's changes are, without an address or a token."""

from __future__ import annotations

from click.testing import CliRunner
from flask import Flask
from sqlmodel import col, select

from loket.cli import main
from loket.store.db import session_scope
from loket.store.models import AuditEvent, User

PASSWORD = "correct horse battery"


def trail(app: Flask) -> list[AuditEvent]:
    with session_scope(app.extensions["loket.engine"]) as session:
        return list(session.exec(select(AuditEvent).order_by(col(AuditEvent.id))).all())


def test_users_and_tokens_made_on_the_command_line_are_in_the_audit_trail(
    app: Flask, cli_env: dict[str, str]
) -> None:
    added = CliRunner().invoke(
        main, ["user", "add", "--email", "nieuw@example.org", "--role", "admin"],
        input=PASSWORD + "\n")
    assert added.exit_code == 0, added.output
    created = CliRunner().invoke(main, ["token", "create", "--user", "nieuw@example.org",
                                        "--expires", "30"])
    assert created.exit_code == 0, created.output
    token = created.output.strip()
    revoked = CliRunner().invoke(main, ["token", "revoke", "--token", token])
    assert revoked.exit_code == 0, revoked.output
    with session_scope(app.extensions["loket.engine"]) as session:
        user = session.exec(select(User)).one()
    lines = [(line.actor, line.user_id, line.detail) for line in trail(app)]
    assert lines == [
        ("cli", None, f"user={user.id} added role=admin desk=None"),
        ("cli", None, f"user={user.id} API token created, expires in 30 day(s)"),
        ("cli", None, f"user={user.id} 1 API token(s) revoked"),
    ]
    assert not any("nieuw@" in line.detail or token in line.detail for line in trail(app))


def test_revoking_a_user_s_tokens_on_the_command_line_is_audited(
    app: Flask, cli_env: dict[str, str]
) -> None:
    CliRunner().invoke(main, ["user", "add", "--email", "m@example.org", "--role", "manager"],
                       input=PASSWORD + "\n")
    for _ in range(2):
        CliRunner().invoke(main, ["token", "create", "--user", "m@example.org"])
    revoked = CliRunner().invoke(main, ["token", "revoke", "--user", "M@example.org "])
    assert revoked.exit_code == 0 and "2 tokens ingetrokken" in revoked.output
    details = [line.detail for line in trail(app)]
    assert details[-1].endswith(" 2 API token(s) revoked")
    assert details[1].endswith(" API token created, until revoked")
