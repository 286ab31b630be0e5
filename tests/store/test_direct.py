"""Statements run on the driver store and read values exactly as SQLAlchemy does."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlalchemy import bindparam, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from loket.store import direct
from loket.store.models import Contact, InboundEvent, Message

pytestmark = pytest.mark.postgres


@pytest.fixture
def store_engine(store_app: Flask) -> Engine:
    """The engine of the app on each store in turn (the app configures the data keys)."""
    engine: Engine = store_app.extensions["loket.engine"]
    return engine


WHEN = datetime(2026, 11, 29, 17, 45, 12, 345678, tzinfo=UTC)


def contact_values(**overrides: object) -> dict[str, object]:
    values: dict[str, object] = {
        "reference": "K7M-4Q2",
        "channel": "sms",
        "status": "new",
        "organisation": "unknown",
        "serving_status": "unknown",
        "relation": "self",
        "need": "unknown",
        "risk": "none",
        "language": "nl",
        "preference": "now",
        "anonymous": False,
        "consent": True,
        "crisis": False,
        "flags": ["pooled"],
        "trace": [],
        "intake_step": "who",
        "external_id": "SM1",
        "phone": "+31612345678",
        "text": "Sinds mijn uitzending slaap ik slecht",
        "created_at": WHEN,
        "updated_at": WHEN,
    }
    values.update(overrides)
    return values


def test_an_inserted_row_reads_back_through_the_orm_as_stored(store_engine: Engine) -> None:
    with store_engine.begin() as conn:
        contact_id = direct.insert(conn, Contact.__table__.insert(), contact_values())
        message_id = direct.insert(
            conn,
            Message.__table__.insert(),
            {
                "contact_id": contact_id,
                "direction": "in",
                "body": "Hallo",
                "automatic": True,
                "external_id": "SM1",
                "author_user_id": None,
                "delivery_status": None,
                "created_at": WHEN,
            },
        )
    with Session(store_engine) as session:
        contact = session.get(Contact, contact_id)
        message = session.get(Message, message_id)
    assert contact is not None and message is not None
    assert contact.phone == "+31612345678" and contact.text.startswith("Sinds")
    assert contact.created_at == WHEN and contact.flags == ["pooled"]
    assert contact.consent is True and contact.anonymous is False
    assert message.body == "Hallo" and message.automatic is True
    with store_engine.connect() as conn:
        raw_phone = conn.execute(text("SELECT phone FROM contact")).scalar()
    assert "612345678" not in raw_phone  # encrypted at rest, as through the ORM


def test_a_select_reads_its_columns_through_their_types(store_engine: Engine) -> None:
    with store_engine.begin() as conn:
        direct.insert(
            conn,
            InboundEvent.__table__.insert(),
            {
                "idempotency_key": "k1",
                "contact_id": None,
                "channel": "sms",
                "kind": "message",
                "payload": "{}",
                "response": "<Response/>",
                "response_type": "text/xml",
                "created_at": WHEN,
            },
        )
    table = InboundEvent.__table__.c
    query = select(table.response, table.created_at).where(table.idempotency_key == bindparam("k"))
    with store_engine.connect() as conn:
        assert direct.first(conn, query, {"k": "k1"}) == ("<Response/>", WHEN)
        assert direct.first(conn, query, {"k": "other"}) is None


def test_a_driver_error_comes_out_as_sqlalchemys(store_engine: Engine) -> None:
    with store_engine.begin() as conn:
        direct.insert(conn, Contact.__table__.insert(), contact_values())
    with pytest.raises(IntegrityError), store_engine.begin() as conn:
        direct.insert(conn, Contact.__table__.insert(), contact_values(external_id="SM2"))


def test_a_row_bound_before_its_transaction_is_stored_encrypted_with_its_late_id(
    store_engine: Engine,
) -> None:
    """Values are encrypted when bound, outside the transaction; the new id comes in it."""
    message = direct.bind(
        store_engine.dialect,
        Message.__table__.insert(),
        {"direction": "in", "body": "Hallo", "automatic": False, "created_at": WHEN},
        late=("contact_id",),
    )
    assert "Hallo" not in repr(message.values)  # already encrypted
    with store_engine.begin() as conn:
        contact_id = direct.insert(conn, Contact.__table__.insert(), contact_values())
        with pytest.raises(ValueError, match="contact_id"):
            direct.insert_bound(conn, message)
        message_id = direct.insert_bound(conn, message, contact_id=contact_id)
        stored = conn.execute(
            text("SELECT body FROM message WHERE id = :id"), {"id": message_id}
        ).scalar()
    assert stored is not None and "Hallo" not in stored
    with Session(store_engine) as session:
        found = session.get(Message, message_id)
    assert found is not None
    assert (found.contact_id, found.body, found.created_at) == (contact_id, "Hallo", WHEN)
