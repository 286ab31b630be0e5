"""The store on SQLite and PostgreSQL: encryption at rest, rotation, aware times, audit."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, timezone

import pytest
from cryptography.fernet import Fernet
from flask import Flask
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import select

from loket.intake import ContactIn, audit, open_contact
from loket.store import crypto
from loket.store.db import read_scope, session_scope
from loket.store.models import AuditEvent, Contact
from loket.store.rotation import rotate_all


def _store_contact(app: Flask, **fields: str) -> int:
    with session_scope(app.extensions["loket.engine"]) as session:
        contact = open_contact(session, ContactIn(channel="webform", **fields))
        assert contact.id is not None
        return contact.id


def test_personal_fields_are_unreadable_in_the_raw_table_and_round_trip(store_app: Flask) -> None:
    engine = store_app.extensions["loket.engine"]
    cid = _store_contact(
        store_app, phone="+31612345678", name="Jan", email="jan@example.org", text="Ik slaap slecht"
    )
    with engine.connect() as conn:
        raw = conn.execute(
            text("SELECT phone, name, email, text, phone_hash FROM contact WHERE id = :i"),
            {"i": cid},
        ).one()
    for value in raw[:4]:
        assert value and "Jan" not in value and "+316" not in value and "slaap" not in value
    assert raw.phone_hash and "612345678" not in raw.phone_hash
    with session_scope(engine) as session:
        contact = session.get(Contact, cid)
        assert contact is not None
        assert (contact.phone, contact.name, contact.text) == (
            "+31612345678",
            "Jan",
            "Ik slaap slecht",
        )


def test_the_phone_hash_recognises_a_returning_caller(store_app: Flask) -> None:
    first = _store_contact(store_app, phone="+31 6 1234 5678")
    second = _store_contact(store_app, phone="+31612345678")
    with session_scope(store_app.extensions["loket.engine"]) as session:
        a, b = session.get(Contact, first), session.get(Contact, second)
        assert a is not None and b is not None and a.phone_hash == b.phone_hash


def test_key_rotation_keeps_old_rows_readable(store_app: Flask) -> None:
    engine = store_app.extensions["loket.engine"]
    old_key = store_app.config["LOKET"].data_keys[0]
    cid = _store_contact(store_app, name="Ria")
    new_key = Fernet.generate_key().decode()
    crypto.configure([new_key, old_key], store_app)
    with session_scope(engine) as session:
        contact = session.get(Contact, cid)
        assert contact is not None and contact.name == "Ria"
    assert rotate_all(engine).rewritten["contact"] >= 1
    crypto.configure([new_key], store_app)  # the old key is retired after rotation
    with session_scope(engine) as session:
        contact = session.get(Contact, cid)
        assert contact is not None and contact.name == "Ria"


def test_a_value_under_an_unknown_key_is_an_error_not_garbage(store_app: Flask) -> None:
    cid = _store_contact(store_app, name="Kees")
    crypto.configure([Fernet.generate_key().decode()], store_app)
    engine = store_app.extensions["loket.engine"]
    with pytest.raises(crypto.DataKeyError), session_scope(engine) as s:
        s.get(Contact, cid)


def test_datetimes_come_back_aware_in_utc(store_app: Flask) -> None:
    cid = _store_contact(store_app)
    at = datetime(2026, 12, 24, 23, 15, tzinfo=timezone(timedelta(hours=1)))
    with session_scope(store_app.extensions["loket.engine"]) as session:
        contact = session.get(Contact, cid)
        assert contact is not None
        contact.routed_at = at
    with session_scope(store_app.extensions["loket.engine"]) as session:
        contact = session.get(Contact, cid)
        assert contact is not None and contact.routed_at == at
        assert contact.routed_at.tzinfo is not None
        assert contact.routed_at.utcoffset() == UTC.utcoffset(None)


def test_a_naive_datetime_is_refused(store_app: Flask) -> None:
    cid = _store_contact(store_app)
    with pytest.raises(Exception, match="naive"):  # noqa: B017, PT011
        with session_scope(store_app.extensions["loket.engine"]) as session:
            contact = session.get(Contact, cid)
            assert contact is not None
            contact.routed_at = datetime(2026, 1, 1)  # noqa: DTZ001


def test_references_are_unique_and_quotable(store_app: Flask) -> None:
    refs = set()
    with session_scope(store_app.extensions["loket.engine"]) as session:
        for _ in range(50):
            contact = open_contact(session, ContactIn(channel="phone"))
            refs.add(contact.reference)
    assert len(refs) == 50
    assert all(len(r) == 7 and r[3] == "-" and not set(r) & set("01OIL") for r in refs)


def test_the_audit_log_is_append_only_in_the_orm_and_in_the_database(store_app: Flask) -> None:
    engine = store_app.extensions["loket.engine"]
    with session_scope(engine) as session:
        contact = open_contact(session, ContactIn(channel="phone"))
        audit(session, "read", contact, user_id=7, on_behalf_of="desk police", detail="opened")
    with session_scope(engine) as session:
        lines = session.exec(select(AuditEvent).order_by(AuditEvent.id)).all()
        assert [line.event for line in lines] == ["create", "read"]
        assert lines[1].contact_reference == contact.reference and lines[1].user_id == 7
    with pytest.raises(PermissionError), session_scope(engine) as session:
        line = session.exec(select(AuditEvent)).first()
        assert line is not None
        line.detail = "changed"
    with pytest.raises(DBAPIError), engine.begin() as conn:
        conn.execute(text("UPDATE audit_event SET detail = 'x'"))
    with pytest.raises(DBAPIError), engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event"))


def test_one_contact_per_channel_id(store_app: Flask) -> None:
    engine = store_app.extensions["loket.engine"]
    with session_scope(engine) as session:
        open_contact(session, ContactIn(channel="phone", external_id="CA1"))
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        open_contact(session, ContactIn(channel="phone", external_id="CA1"))


def test_readers_do_not_wait_for_a_writer_on_sqlite(app: Flask) -> None:
    engine = app.extensions["loket.engine"]
    _store_contact(app, name="Lies")
    with session_scope(engine) as writer:  # holds SQLite's write lock until the end
        writer.exec(select(Contact)).all()
        started = time.monotonic()
        with read_scope(engine) as reader:
            assert len(reader.exec(select(Contact)).all()) == 1
        assert time.monotonic() - started < 1.0
