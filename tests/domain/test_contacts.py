"""Contacts as the workspace will change them, without HTTP: claim, release, transfer, close."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from loket.domain import callbacks, contacts
from loket.domain.contacts import Conflict, ContactIn
from loket.store.db import read_scope, session_scope
from loket.store.models import AuditEvent, CallbackRequest, Contact, User
from loket.store.types import utcnow


def _engine(app: Flask) -> Engine:
    engine: Engine = app.extensions["loket.engine"]
    return engine


def _user(engine: Engine, email: str) -> int:
    with session_scope(engine) as session:
        user = User(email=email, role="counsellor", desk="police", password_hash="-")
        session.add(user)
        session.flush()
        assert user.id is not None
        return user.id


def _waiting(engine: Engine) -> int:
    with session_scope(engine) as session:
        contact = contacts.open_contact(
            session=session, contact_in=ContactIn(channel="webchat", organisation="police")
        )
        contacts.set_flags(contact=contact, flags=["pooled"])
        contact.status, contact.desk, contact.queue = "waiting", "police", "police"
        assert contact.id is not None
        return contact.id


def _in_unit(engine: Engine, contact_id: int, user_id: int, change: str, **extra: str) -> None:
    with session_scope(engine) as session:
        contact = contacts.lock(session=session, contact_id=contact_id)
        user = session.get(User, user_id)
        assert contact is not None and user is not None
        getattr(contacts, change)(session=session, contact=contact, user=user, **extra)


def test_claim_release_and_transfer_move_the_hold_and_the_status(app: Flask) -> None:
    engine = _engine(app)
    sam, kim = _user(engine, "sam@example.org"), _user(engine, "kim@example.org")
    contact_id = _waiting(engine)
    _in_unit(engine, contact_id, sam, "claim")
    with pytest.raises(Conflict):
        _in_unit(engine, contact_id, kim, "claim")
    with pytest.raises(Conflict):
        _in_unit(engine, contact_id, kim, "release")
    _in_unit(engine, contact_id, sam, "release")
    _in_unit(engine, contact_id, kim, "claim")
    _in_unit(engine, contact_id, kim, "transfer", desk="veterans")
    with read_scope(engine) as session:
        contact = session.get(Contact, contact_id)
        assert contact is not None
        assert (contact.status, contact.desk, contact.queue, contact.assigned_user_id) == (
            "waiting", "veterans", "veterans", None
        )
        assert contact.answered_at is not None and contact.flags == ["pooled"]
        details = session.exec(
            select(AuditEvent.detail)
            .where(AuditEvent.contact_reference == contact.reference)
            .order_by(col(AuditEvent.id))
        ).all()
    assert details == [
        "channel=webchat", "claimed", "released", "claimed", "transferred desk=veterans"
    ]
    with pytest.raises(Conflict):
        _in_unit(engine, contact_id, kim, "transfer", desk="police")


def test_close_cancels_pending_callbacks_and_keeps_the_outcome(store_app: Flask) -> None:
    engine = _engine(store_app)
    with session_scope(engine) as session:
        contact = contacts.open_contact(
            session=session, contact_in=ContactIn(channel="webform", phone="+31612345678")
        )
        callbacks.request_callback(session=session, contact=contact, phone=contact.phone)
        contacts.close(session=session, contact=contact, outcome="helped", actor="user",
                       detail="closed: helped")
        contact_id = contact.id
    with read_scope(engine) as session:
        closed = session.get(Contact, contact_id)
        assert closed is not None and (closed.status, closed.outcome) == ("closed", "helped")
        [callback] = session.exec(select(CallbackRequest)).all()
        assert callback.status == "cancelled"


def test_answered_beats_abandoned_whichever_comes_first(store_app: Flask) -> None:
    engine = _engine(store_app)
    contact_id = _waiting(engine)
    with session_scope(engine) as session:
        contact = contacts.lock(session=session, contact_id=contact_id)
        assert contact is not None
        contacts.mark_abandoned(session=session, contact=contact, waited_s=5, actor="t",
                                detail="gone")
        contacts.mark_abandoned(session=session, contact=contact, waited_s=9, actor="t",
                                detail="gone")
        assert (contact.status, contact.wait_seconds) == ("closed", 9)
        contacts.mark_answered(session=session, contact=contact, waited_s=12, actor="t",
                               detail="answered")
        assert (contact.status, contact.outcome, contact.closed_at) == ("in_progress", None, None)
        contacts.mark_abandoned(session=session, contact=contact, waited_s=30, actor="t",
                                detail="gone")
        assert (contact.status, contact.wait_seconds) == ("in_progress", 12)


def test_lock_needs_an_id_or_the_channels_id(app: Flask) -> None:
    with session_scope(_engine(app)) as session, pytest.raises(ValueError, match="lock"):
        contacts.lock(session=session)
    with session_scope(_engine(app)) as session, pytest.raises(LookupError):
        contacts.get_contact(session=session, contact_id=999)


def test_a_crisis_in_a_held_contact_never_moves_it_away_from_its_counsellor(app: Flask) -> None:
    engine = _engine(app)
    user_id, contact_id = _user(engine, "holder@example.org"), _waiting(engine)
    _in_unit(engine, contact_id, user_id, "claim")

    def elsewhere(contact: object, state: object, at: object) -> dict[str, object]:
        """The rules' answer when nobody of the owner desk is free: serve it elsewhere."""
        return {"desk": "veterans", "queue": "debasis", "priority": "urgent", "crisis": True,
                "respond": "now", "flags": ["crisis", "overflow"], "rule": "veterans",
                "trace": []}

    with session_scope(engine) as session:
        contact = session.get(Contact, contact_id)
        assert contact is not None
        assert contacts.escalate(session=session, contact=contact, decide=elsewhere)
    with read_scope(engine) as session:
        held = session.get(Contact, contact_id)
        assert held is not None
        assert (held.desk, held.queue, held.assigned_user_id) == ("police", "police", user_id)
        assert (held.priority, held.crisis) == ("urgent", True)
        assert sorted(row.flag for row in held.flag_rows) == ["crisis", "pooled"]
    other = _waiting(engine)  # not held: routed where the rules say
    with session_scope(engine) as session:
        contact = session.get(Contact, other)
        assert contact is not None
        contacts.escalate(session=session, contact=contact, decide=elsewhere)
        assert (contact.desk, contact.queue) == ("veterans", "debasis")


def test_a_new_contact_is_what_a_later_read_finds_and_its_changes_are_stored(
    store_app: Flask,
) -> None:
    # open_contact gets only the id back and makes the object as a loaded one: every field
    # must be what the database then holds, and a change made to it in the same unit of
    # work must be written (it is tracked like any loaded object's).
    engine = _engine(store_app)
    with session_scope(engine) as session:
        opened = contacts.open_contact(
            session=session,
            contact_in=ContactIn(channel="sms", phone="+31612345678", text=" Hallo ",
                                 language="en", external_id="SM-new"),
            intake_step="who",
        )
        seen = opened.model_dump()
        contacts.set_step(session=session, contact=opened, step="need")
        contacts.set_flags(contact=opened, flags=["pooled"])
    with read_scope(engine) as session:
        stored = session.get(Contact, seen["id"])
        assert stored is not None
        again = stored.model_dump()
        assert stored.flags == ["pooled"]
    assert again.pop("intake_step") == "need" and seen.pop("intake_step") == "who"
    assert again.pop("updated_at") >= seen.pop("updated_at")
    assert again == seen
    assert seen["phone"] == "+31612345678" and seen["text"] == "Hallo"
    assert seen["status"] == "new" and seen["trace"] == [] and seen["categories"] == []


def test_opening_a_contact_writes_its_audit_line_and_a_refused_one_writes_none(
    store_app: Flask,
) -> None:
    # On PostgreSQL the audit line goes in the contact's own INSERT (one statement): the
    # line must be the same as the one written apart on SQLite, and a refused INSERT must
    # leave no line behind.
    engine = _engine(store_app)
    arrived = ContactIn(channel="sms", phone="+31612345678", text="Hallo", external_id="SM-1")
    with session_scope(engine) as session:
        opened = contacts.open_contact(session=session, contact_in=arrived, actor="channel:sms")
        reference = opened.reference
    with pytest.raises(IntegrityError), session_scope(engine) as session:  # the sid is taken
        contacts.open_contact(session=session, contact_in=arrived, actor="channel:sms",
                              reference="XXX-XXX")
    with read_scope(engine) as session:
        lines = [(line.event, line.contact_reference, line.actor, line.detail, line.user_id,
                  line.at <= utcnow()) for line in session.exec(select(AuditEvent))]
    assert lines == [("create", reference, "channel:sms", "channel=sms", None, True)]
