"""Erasure at its edges (review 3): a person erased while a callback is still to be made is
not called back, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlmodel import col, select

from loket.domain import calls, erasure
from loket.store.db import session_scope
from loket.store.models import AuditEvent, CallbackRequest, Contact, User
from loket.store.types import utcnow
from tests.desk.helpers import make_user
from tests.reports.seed import seed


def waiting_for_a_callback(app: Flask, status: str, claimed_by: int | None) -> str:
    """Store a police phone contact waiting for a callback in this state; return its
    reference."""
    seed(app, utcnow() - timedelta(minutes=30), channel="phone", desk="police")
    with session_scope(app.extensions["loket.engine"]) as session:
        contact = session.exec(select(Contact).order_by(col(Contact.id).desc())).first()
        assert contact is not None and contact.id is not None
        contact.status = "callback"
        session.add(contact)
        session.add(CallbackRequest(
            contact_id=contact.id, phone="+31687654321", window="asap",
            window_start=utcnow() - timedelta(minutes=5), window_end=utcnow() + timedelta(hours=1),
            status=status, claimed_by=claimed_by,
        ))
        return contact.reference


@pytest.mark.parametrize("status", ["pending", "due", "crisis"])
def test_a_person_erased_while_a_callback_is_still_to_be_made_is_not_called_back(
    store_app: Flask, status: str
) -> None:
    counsellor = make_user(store_app, role="counsellor", desk="police")
    with session_scope(store_app.extensions["loket.engine"]) as session:
        user = session.get(User, counsellor.id)
        assert user is not None
        user.phone, user.availability = "+31612345678", "available"
        session.add(user)
    reference = waiting_for_a_callback(
        store_app, status, counsellor.id if status == "due" else None)
    with session_scope(store_app.extensions["loket.engine"]) as session:
        erasure.erase(session=session, reference=reference, actor="test")

    with session_scope(store_app.extensions["loket.engine"]) as session:
        assert calls.ring_due_personal(session=session, limit=10) == []  # no phone rings
        callback = session.exec(select(CallbackRequest)).one()
        assert callback.status == "cancelled" and callback.phone is None
        assert callback.claimed_by is None
        assert callback.status not in calls.CALLABLE  # "Bel terug" is refused
        details = [line.detail for line in session.exec(
            select(AuditEvent).where(AuditEvent.contact_reference == reference))]
    assert any("callback" in detail and "cancelled" in detail for detail in details)


def test_a_callback_already_ended_keeps_its_status_for_the_figures(store_app: Flask) -> None:
    reference = waiting_for_a_callback(store_app, "unreachable", None)
    with session_scope(store_app.extensions["loket.engine"]) as session:
        erasure.erase(session=session, reference=reference, actor="test")
    with session_scope(store_app.extensions["loket.engine"]) as session:
        assert session.exec(select(CallbackRequest.status)).one() == "unreachable"
