"""A canned reply goes to the person: it is sent in the person's language, not the page's (an
English texter got Dutch from a counsellor on the Dutch desk page). The option's label stays
in the page's language; the text the script puts in the box is the person's."""

from __future__ import annotations

from flask import Flask
from sqlmodel import Session, select

from loket.store.db import session_scope
from loket.store.models import Contact, Message
from tests.desk.test_workspace import act, counsellor, engine_of, waiting


def test_a_canned_reply_to_an_english_texter_is_sent_in_english(app: Flask) -> None:
    reference = waiting(app)  # an SMS contact
    with session_scope(engine_of(app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        contact.language = "en"  # the texter chose English
        session.add(contact)
    client, _ = counsellor(app, display_name="Sam")
    act(client, reference, "claim")
    page = client.get(f"/desk/contacts/{reference}").get_data(as_text=True)
    assert 'data-text="Hello, this is Sam.' in page        # into the box: the person's
    # The counsellor's desk page is Dutch (the default); the page says the person is English.
    act(client, reference, "reply", text="", canned="all/opening")
    with Session(engine_of(app)) as session:
        [message] = session.exec(select(Message).where(Message.direction == "out")).all()
    assert message.body.startswith("Hello, this is Sam."), message.body
