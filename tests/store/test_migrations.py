"""Migrations upgrade an empty database on both engines and match the models."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from sqlalchemy import insert, inspect, text
from sqlmodel import Session, SQLModel, select

import loket.store.models  # noqa: F401
from loket.store.crypto import keyring
from loket.store.db import make_engine
from loket.store.migrate import downgrade, upgrade
from loket.store.models import Contact, PersonFlag
from loket.store.types import utcnow
from tests.conftest import POSTGRES_URL
from tests.desk.helpers import make_user


def _differences(url: str) -> list[object]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return list(compare_metadata(context, SQLModel.metadata))
    finally:
        engine.dispose()


def test_sqlite_upgrades_from_empty_and_matches_the_models(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    upgrade(make_engine(url))
    assert _differences(url) == []
    tables = set(inspect(make_engine(url)).get_table_names())
    assert {"contact", "message", "callback_request", "user", "audit_event", "outbox"} <= tables


def test_postgres_upgrades_from_empty_and_matches_the_models() -> None:
    engine = make_engine(POSTGRES_URL)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS migr CASCADE"))
        conn.execute(text("CREATE SCHEMA migr"))
    url = POSTGRES_URL + "?options=-csearch_path%3Dmigr"
    scoped = make_engine(url)
    try:
        upgrade(scoped)
        assert _differences(url) == []
        downgrade(scoped, "base")
        assert set(inspect(scoped).get_table_names()) <= {"alembic_version"}
    finally:
        scoped.dispose()
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS migr CASCADE"))
        engine.dispose()


def test_whatsapp_contacts_get_the_hash_of_their_bare_number_and_their_flags_follow(
    store_app: Flask,
) -> None:
    # Written before 0014, a WhatsApp contact's hash was over `whatsapp:+31…`, so the same
    # person's texts and calls did not find it. The migration gives it the bare number's
    # hash (with the app's key, as `loket db upgrade` runs it) and moves its flags along.
    engine = store_app.extensions["loket.engine"]
    ring = keyring(store_app)
    prefixed, bare = ring.keyed_hash("whatsapp:+31655544433"), ring.keyed_hash("+31655544433")
    user = make_user(store_app, role="counsellor", desk="police")
    downgrade(engine, "0013")
    try:
        with Session(engine) as session:
            # Only the columns 0013 has: the model's newer ones are not there yet.
            session.execute(insert(Contact), [
                {"reference": "WAP-0014", "channel": "whatsapp",
                 "phone": "whatsapp:+31655544433", "phone_hash": prefixed},
                {"reference": "SMS-0014", "channel": "sms", "phone": "+31600000001",
                 "phone_hash": ring.keyed_hash("+31600000001")},
            ])
            session.add(PersonFlag(phone_hash=prefixed, flag="abusive", desk="police",
                                   reason="Scheldt medewerkers uit", set_by=user.id or 0,
                                   expires_at=utcnow() + timedelta(days=30)))
            session.commit()
    finally:
        upgrade(engine)
    with Session(engine) as session:
        hashes = {c.reference: c.phone_hash for c in session.exec(select(Contact)).all()}
        assert hashes == {"WAP-0014": bare, "SMS-0014": ring.keyed_hash("+31600000001")}
        assert session.exec(select(PersonFlag.phone_hash)).all() == [bare]
