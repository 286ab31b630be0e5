"""A call's last status, which Twilio sends after an erasure hung the call up, names the
person's number: the retention clears it as the erasure cleared the webhooks before it."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlmodel import col, select

from loket.domain import erasure
from loket.store.db import read_scope, session_scope
from loket.store.models import CallLeg, Contact, InboundEvent
from loket.store.types import utcnow
from tests.channels.conftest import signed_post
from tests.reports.seed import PHONE, seed

SID = "CA" + "ab" * 16
NUMBER = PHONE.lstrip("+")[-9:]


def kept_with_the_number(app: Flask) -> list[tuple[str, bool]]:
    """Return the kind of every stored webhook whose payload or answer names the number."""
    with read_scope(app.extensions["loket.engine"]) as session:
        return [(row.kind, row.contact_id is not None)
                for row in session.exec(select(InboundEvent)).all()
                if NUMBER in (row.payload or "") + (row.response or "")]


def test_a_call_s_status_after_its_erasure_is_cleared_by_the_retention(
    store_app: Flask,
) -> None:
    app = store_app
    seed(app, utcnow() - timedelta(minutes=5), channel="phone", desk="police")
    engine = app.extensions["loket.engine"]
    with session_scope(engine) as session:
        contact = session.exec(select(Contact).order_by(col(Contact.id).desc())).first()
        assert contact is not None
        reference = contact.reference
        session.add(CallLeg(contact_id=contact.id, kind="person", call_sid=SID,
                            conference="conf-1", status="in-progress"))
    with session_scope(engine) as session:
        erasure.erase(session=session, reference=reference, actor="test")
    assert kept_with_the_number(app) == []
    answer = signed_post(app.test_client(), "/twilio/calls/status", {
        "CallSid": SID, "CallStatus": "completed", "To": PHONE, "Called": PHONE,
        "From": "+3185000000", "Direction": "outbound-api", "CallDuration": "30"})
    assert answer.status_code == 200
    assert kept_with_the_number(app) != []  # kept for Twilio's retries of it, with its leg
    erasure.retain(lambda: session_scope(engine), erasure.Retention(days=730),
                   now=utcnow() + timedelta(days=1))
    assert kept_with_the_number(app) == []
    with read_scope(engine) as session:  # the row stays, answering a retry as before
        assert session.exec(select(InboundEvent).where(
            InboundEvent.kind == "status")).first() is not None
