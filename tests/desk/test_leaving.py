"""A counsellor who logs out with no other login open lets go of what they held: a person
(a crisis above all) must not wait on someone who left. A second login still open keeps
it, and so does a call still live."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, col, select

from loket.store.db import session_scope
from loket.store.models import AuditEvent, CallLeg, Contact
from tests.desk.helpers import log_in
from tests.desk.test_workspace import TOKEN, act, counsellor, engine_of, waiting


def log_out(client: FlaskClient) -> None:
    """Press "log out" in the staff menu."""
    token = TOKEN.search(client.get("/desk").get_data(as_text=True))
    assert token
    assert client.post("/desk/logout", data={"csrf_token": token.group(1)}).status_code == 303


def held(app: Flask, reference: str) -> tuple[int | None, str]:
    with Session(engine_of(app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        return contact.assigned_user_id, contact.status


def test_logging_out_puts_what_the_counsellor_held_back_in_the_queue(store_app: Flask) -> None:
    crisis = waiting(store_app, channel="webchat", phone=None, crisis=True)
    client, _ = counsellor(store_app)
    act(client, crisis, "claim")
    log_out(client)
    assert held(store_app, crisis) == (None, "waiting")
    with Session(engine_of(store_app)) as session:
        said = session.exec(select(AuditEvent.detail).where(
            AuditEvent.contact_reference == crisis, col(AuditEvent.event) == "release")).all()
    assert said == ["released: the counsellor logged out"]
    # Anyone of the desk may take it now.
    other, _ = counsellor(store_app)
    assert act(other, crisis, "claim").status_code == 303
    assert held(store_app, crisis)[1] == "in_progress"


def test_a_second_login_still_open_keeps_what_the_counsellor_holds(store_app: Flask) -> None:
    reference = waiting(store_app, channel="webchat", phone=None)
    laptop, user = counsellor(store_app)
    act(laptop, reference, "claim")
    tablet = store_app.test_client()
    log_in(tablet, store_app, user)  # the same counsellor, another browser
    log_out(laptop)
    assert held(store_app, reference) == (user.id, "in_progress")
    log_out(tablet)
    assert held(store_app, reference) == (None, "waiting")


def test_a_live_call_stays_with_the_counsellor_who_logs_out(store_app: Flask) -> None:
    call = waiting(store_app, channel="phone")
    chat = waiting(store_app, channel="webchat", phone=None)
    client, user = counsellor(store_app)
    act(client, call, "claim")
    with session_scope(engine_of(store_app)) as session:  # the counsellor is on the phone
        contact = session.exec(select(Contact).where(Contact.reference == call)).one()
        assert contact.id is not None
        session.add(CallLeg(contact_id=contact.id, user_id=user.id, kind="counsellor",
                            call_sid="CA" + "1" * 32, conference="loket-test",
                            status="in-progress"))
    with session_scope(engine_of(store_app)) as session:  # and held a chat before it
        contact = session.exec(select(Contact).where(Contact.reference == chat)).one()
        contact.assigned_user_id, contact.status = user.id, "in_progress"
        session.add(contact)
    log_out(client)
    assert held(store_app, call) == (user.id, "in_progress")
    assert held(store_app, chat) == (None, "waiting")
