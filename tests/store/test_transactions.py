"""One transaction model on SQLite and PostgreSQL: readers never lock, writers lock what
they change, and a wait for a lock is bounded."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import select

from loket.domain import contacts
from loket.store import sqlite
from loket.store.db import get_session, make_engine, read_scope, session_scope
from loket.store.models import Contact
from loket.store.snapshots import snapshot


def _engine(app: Flask) -> Engine:
    engine: Engine = app.extensions["loket.engine"]
    return engine


def _new_contact(engine: Engine) -> int:
    with session_scope(engine) as session:
        contact = contacts.open_contact(
            session=session, contact_in=contacts.ContactIn(channel="phone", external_id="CA1")
        )
        assert contact.id is not None
        return contact.id


def test_a_reading_session_refuses_to_write(store_app: Flask) -> None:
    engine = _engine(store_app)
    contact_id = _new_contact(engine)
    with read_scope(engine) as session:
        contact = session.get(Contact, contact_id)
        assert contact is not None
        contact.status = "closed"
        with pytest.raises(PermissionError, match="only reads"):
            session.flush()
    with read_scope(engine) as session:
        assert session.get(Contact, contact_id).status == "new"  # type: ignore[union-attr]


def test_a_reader_reads_beside_an_open_unit_of_work(store_app: Flask) -> None:
    engine = _engine(store_app)
    contact_id = _new_contact(engine)
    with session_scope(engine) as writer:
        locked = contacts.lock(session=writer, contact_id=contact_id)
        assert locked is not None
        locked.status = "waiting"
        writer.flush()
        with read_scope(engine) as reader:  # neither waits nor sees the open work
            assert reader.get(Contact, contact_id).status == "new"  # type: ignore[union-attr]
    with read_scope(engine) as reader:
        assert reader.get(Contact, contact_id).status == "waiting"  # type: ignore[union-attr]


def test_a_reader_that_asks_for_a_snapshot_reads_everything_in_it(store_app: Flask) -> None:
    engine = _engine(store_app)
    _new_contact(engine)
    with read_scope(engine) as reader:
        snapshot(reader)
        before = len(reader.exec(select(Contact.id)).all())
        with session_scope(engine) as writer:  # committed between the reader's statements
            contacts.open_contact(session=writer, contact_in=contacts.ContactIn(
                channel="phone", external_id="CA2"))
        assert len(reader.exec(select(Contact.id)).all()) == before
    with read_scope(engine) as reader:
        assert len(reader.exec(select(Contact.id)).all()) == before + 1


def test_on_postgres_a_reader_leaves_no_transaction_open(postgres_app: Flask) -> None:
    """A request's reads hold no transaction on the server between statements (no BEGIN
    and ROLLBACK round trips, nothing "idle in transaction" holding back vacuum)."""
    engine = _engine(postgres_app)
    contact_id = _new_contact(engine)
    with read_scope(engine) as reader:
        assert reader.get(Contact, contact_id) is not None
        pid = reader.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with engine.connect() as other:
            state = other.execute(text("SELECT state FROM pg_stat_activity WHERE pid = :pid"),
                                  {"pid": pid}).scalar_one()
        assert state == "idle"


@pytest.fixture
def impatient_sqlite(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """A second engine on the test's SQLite file whose writers wait only 50 ms for the lock."""
    monkeypatch.setattr(sqlite, "BUSY_TIMEOUT_MS", 50)
    engine = make_engine(database_url, connect_args={"check_same_thread": False, "timeout": 0.05})
    yield engine
    engine.dispose()


def test_on_sqlite_a_unit_of_work_holds_the_write_lock_from_its_start(
    app: Flask, impatient_sqlite: Engine
) -> None:
    engine = _engine(app)
    contact_id = _new_contact(engine)
    with session_scope(engine) as first:
        first.exec(select(Contact.id)).all()  # only read so far: the lock is taken at BEGIN
        with pytest.raises(OperationalError, match="locked"), session_scope(
            impatient_sqlite
        ) as second:
            contacts.lock(session=second, contact_id=contact_id)
        with read_scope(impatient_sqlite) as reader:  # a reader does not wait
            assert reader.get(Contact, contact_id) is not None


def test_on_postgres_a_locked_contact_cannot_be_locked_again_until_commit(
    postgres_app: Flask,
) -> None:
    engine = _engine(postgres_app)
    contact_id = _new_contact(engine)
    other = _new_contact_with(engine, "CA2")
    with session_scope(engine) as first:
        assert contacts.lock(session=first, contact_id=contact_id) is not None
        with pytest.raises(OperationalError, match="lock"), session_scope(engine) as second:
            second.exec(text("SET LOCAL lock_timeout = '50ms'"))  # type: ignore[call-overload]
            contacts.lock(session=second, contact_id=contact_id)
        with session_scope(engine) as third:  # another contact is not held up
            third.exec(text("SET LOCAL lock_timeout = '50ms'"))  # type: ignore[call-overload]
            assert contacts.lock(session=third, contact_id=other) is not None


def _new_contact_with(engine: Engine, external_id: str) -> int:
    with session_scope(engine) as session:
        contact = contacts.open_contact(
            session=session, contact_in=contacts.ContactIn(channel="phone", external_id=external_id)
        )
        assert contact.id is not None
        return contact.id


def test_sqlite_runs_in_wal_with_foreign_keys_and_a_bounded_busy_timeout(app: Flask) -> None:
    with _engine(app).connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == sqlite.BUSY_TIMEOUT_MS
    assert sqlite.BUSY_TIMEOUT_MS <= 5000


@pytest.mark.postgres
def test_a_request_whose_connection_the_database_cut_still_gets_its_answer(
    postgres_app: Flask, postgres_engine: Engine
) -> None:
    # PostgreSQL restarting cuts the connection a request reads on; the request's answer was
    # made already, and closing its session afterwards must not turn it into a 500.
    seen: dict[str, int] = {}

    @postgres_app.get("/test/read-then-cut")
    def read_then_cut() -> str:
        session = get_session()
        seen["pid"] = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with postgres_engine.connect() as admin:
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": seen["pid"]})
            admin.commit()
        return "answered"

    client = postgres_app.test_client()
    answer = client.get("/test/read-then-cut")
    assert answer.status_code == 200 and answer.get_data(as_text=True) == "answered"
    assert client.get("/healthz").status_code == 200  # the pool let the dead one go
