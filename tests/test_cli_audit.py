"""`loket audit --contact REF` prints a contact's NEN 7513 trail; `loket audit verify` seals,
then checks the chain: exit 0 intact, 1 naming the first broken row, 2 on bad input."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import NamedTuple

from click.testing import CliRunner
from flask import Flask
from sqlmodel import col, select

from loket.cli import main
from loket.domain import audit, contacts
from loket.domain.callbacks import AMSTERDAM
from loket.store.db import read_scope, session_scope
from loket.store.models import AuditEvent, Contact, User

PHONE = "+31612345678"


class Line(NamedTuple):
    id: int
    at: datetime
    event: str
    actor: str


def a_contact(app: Flask) -> str:
    """Store a contact (its `create` line is its first) and return its reference."""
    with session_scope(app.extensions["loket.engine"]) as session:
        contact = contacts.open_contact(
            session=session, contact_in=contacts.ContactIn(channel="sms", phone=PHONE),
            actor="sms",
        )
        return contact.reference


def a_read(app: Flask, reference: str, email: str) -> None:
    """Let a counsellor read the contact, from an address, on a manager's behalf."""
    with session_scope(app.extensions["loket.engine"]) as session:
        user = User(email=email, role="counsellor", desk="police", password_hash="-")
        session.add(user)
        session.flush()
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        audit.record(session=session, event="read", contact=contact, user_id=user.id,
                     actor="user", on_behalf_of="manager on duty", detail="opened",
                     source="192.0.2.7")


def lines_of(app: Flask, reference: str) -> list[Line]:
    """Return a contact's stored audit lines, in id order."""
    with read_scope(app.extensions["loket.engine"]) as session:
        rows = session.exec(
            select(AuditEvent).where(AuditEvent.contact_reference == reference)
            .order_by(col(AuditEvent.id))
        ).all()
        return [Line(row.id or 0, row.at, row.event, row.actor) for row in rows]


def test_the_trail_is_printed_oldest_first_in_amsterdam_time_and_is_itself_audited(
    app: Flask, cli_env: dict[str, str]
) -> None:
    reference = a_contact(app)
    a_read(app, reference, "anna@example.org")
    stored = lines_of(app, reference)
    result = CliRunner().invoke(main, ["audit", "--contact", reference.lower()])
    assert result.exit_code == 0, result.output
    header, *rows = result.output.splitlines()
    assert header.split("\t") == ["tijd", "gebeurtenis", "wie", "namens", "vanaf", "detail"]
    assert [row.split("\t")[1] for row in rows] == ["create", "read"]
    read = rows[1].split("\t")
    assert read == [
        stored[1].at.astimezone(AMSTERDAM).strftime("%Y-%m-%d %H:%M:%S %Z"),
        "read", "anna@example.org", "manager on duty", "192.0.2.7", "opened",
    ]
    assert rows[0].split("\t")[2] == "sms"  # no user: the actor
    assert PHONE not in result.output
    after = lines_of(app, reference)
    assert [(line.event, line.actor) for line in after[len(stored):]] == [("trail", "cli")]


def test_an_unknown_reference_exits_2_naming_the_option(
    app: Flask, cli_env: dict[str, str]
) -> None:
    result = CliRunner().invoke(main, ["audit", "--contact", "NOPE-000"])
    assert result.exit_code == 2
    assert "--contact" in result.output and "NOPE-000" in result.output
    missing = CliRunner().invoke(main, ["audit"])
    assert missing.exit_code == 2 and "--contact" in missing.output


def test_verify_seals_first_and_says_intact(app: Flask, cli_env: dict[str, str]) -> None:
    a_read(app, a_contact(app), "bram@example.org")
    rows = len(lines_of_all(app))
    result = CliRunner().invoke(main, ["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"intact: {rows} regels verzegeld"


def test_verify_names_the_first_changed_row_and_exits_1(
    app: Flask, cli_env: dict[str, str]
) -> None:
    reference = a_contact(app)
    a_read(app, reference, "chris@example.org")
    assert CliRunner().invoke(main, ["audit", "verify"]).exit_code == 0
    changed = lines_of(app, reference)[1].id
    raw = sqlite3.connect(app.config["LOKET"].database_url.removeprefix("sqlite:///"))
    try:
        raw.execute("DROP TRIGGER audit_event_no_update")
        raw.execute("UPDATE audit_event SET source = '' WHERE id = ?", (changed,))
        raw.commit()
    finally:
        raw.close()
    result = CliRunner().invoke(main, ["audit", "verify"])
    assert result.exit_code == 1
    assert result.output.startswith(f"gebroken: auditregel {changed} klopt niet met zijn zegel")


def lines_of_all(app: Flask) -> list[int]:
    with read_scope(app.extensions["loket.engine"]) as session:
        return [i for i in session.exec(select(AuditEvent.id)).all() if i is not None]


def test_a_reference_written_down_otherwise_finds_its_trail(
    app: Flask, cli_env: dict[str, str]
) -> None:
    # As `loket erase` and the trail page read it: "k7m 4q2" or "K7M4Q2" is "K7M-4Q2".
    reference = a_contact(app)
    for typed in (reference.replace("-", "").lower(), reference.replace("-", " ")):
        result = CliRunner().invoke(main, ["audit", "--contact", typed])
        assert result.exit_code == 0, result.output
        assert [row.split("\t")[1] for row in result.output.splitlines()[1:2]] == ["create"]
