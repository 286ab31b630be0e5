"""A caller erased (`loket erase`) while still in the phone menu: the erasure forgets the
call's sid on the contact and asks Twilio to end the call after its commit. A key the
caller presses before the line ends reached a menu webhook that found no contact for the
call and opened a new one -- greeting them again and storing their number anew, after the
erasure. Now the answer for the call of a person erased on the line opens nothing: the
call ends, no contact is opened. On SQLite and PostgreSQL."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from loket.domain import erasure
from loket.store.models import Contact, InboundEvent
from tests.channels.test_voice import CALLER, Call, contact_of


def test_a_key_pressed_after_the_erasure_opens_no_new_contact(
    app: Flask, client: FlaskClient
) -> None:
    call = Call(client)
    call.walk("1")  # police: at the mode question
    gather = call.twiml.find("./Gather")
    assert gather is not None
    reference = contact_of(app, call.sid).reference
    engine = app.extensions["loket.engine"]
    with Session(engine) as session:
        erasure.erase(session=session, reference=reference, actor="test")
        session.commit()
    answer = call.post(gather.attrib["action"], Digits="2")
    assert answer.find("./Hangup") is not None, "the line ends"
    assert answer.find("./Gather") is None and answer.find("./Enqueue") is None
    with Session(engine) as session:
        contacts = session.exec(select(Contact)).all()
        unowned = session.exec(select(InboundEvent).where(
            InboundEvent.contact_id == None)).all()  # noqa: E711 - SQL's IS NULL
    assert len(contacts) == 1, "a new contact was opened for the erased caller"
    assert all(c.phone != CALLER for c in contacts)
    # The webhook is kept under the erased contact, whose webhooks' payloads are cleared
    # (`inbound.forget_after_erasure`), not as a row of nobody's naming the number.
    assert unowned == []
