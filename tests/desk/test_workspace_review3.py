"""Review 3 of the counsellor's contact page: two tabs on one contact, and messages and
notes shown as written."""

from __future__ import annotations

from flask import Flask
from sqlmodel import Session, select

from loket.domain import conversations
from loket.store.models import Contact, Message
from tests.desk.test_workspace import act, counsellor, engine_of, stored, waiting

NOT_DELIVERED = "Niet afgeleverd"
CLOSED = "Dit contact is afgesloten: daar verandert niets meer aan."


def test_a_second_tab_acting_on_a_contact_closed_in_the_first_is_told_it_is_closed(
    store_app: Flask,
) -> None:
    reference = waiting(store_app, channel="webchat", phone=None)
    tab, user = counsellor(store_app)
    other_tab = store_app.test_client()
    other_tab.set_cookie("session", tab.get_cookie("session").value)  # type: ignore[union-attr]
    assert act(tab, reference, "claim").status_code == 303
    assert act(tab, reference, "close", outcome="helped").status_code == 303
    for action, data in (("reply", {"text": "Nog één ding"}), ("release", {}),
                         ("claim", {}), ("transfer", {"desk": "veterans", "note": "Zie"})):
        answer = act(other_tab, reference, action, **data)
        assert answer.status_code == 303, action
        page = other_tab.get(answer.location).get_data(as_text=True)
        assert CLOSED in page, action
        assert "Pak het contact eerst op." not in page, action
    assert stored(store_app, reference).status == "closed"


def test_a_message_and_a_note_keep_their_lines_on_the_counsellor_s_page(app: Flask) -> None:
    reference = waiting(app, channel="webchat", phone=None)
    with Session(engine_of(app)) as session:
        contact = session.get(Contact, stored(app, reference).id)
        assert contact is not None
        conversations.add_message(session=session, contact=contact, direction="in",
                                  body="Eerste regel\nTweede regel")
        session.commit()
    client, _ = counsellor(app)
    act(client, reference, "note", text="Punt een\nPunt twee")
    page = client.get(f"/desk/contacts/{reference}").get_data(as_text=True)
    assert '<p class="message__body">Eerste regel\nTweede regel</p>' in page
    assert '<p class="message__body">Punt een\nPunt twee</p>' in page


def test_a_text_reply_that_was_not_delivered_says_so_beside_it(store_app: Flask) -> None:
    reference = waiting(store_app)  # an SMS conversation
    client, _ = counsellor(store_app)
    act(client, reference, "claim")
    act(client, reference, "reply", text="Ik bel je zo")
    page = client.get(f"/desk/contacts/{reference}").get_data(as_text=True)
    assert "Ik bel je zo" in page and NOT_DELIVERED not in page
    with Session(engine_of(store_app)) as session:
        message = session.exec(select(Message).where(Message.direction == "out")).one()
        message.delivery_status = "undelivered"  # Twilio's status callback said so
        session.add(message)
        session.commit()
    page = client.get(f"/desk/contacts/{reference}").get_data(as_text=True)
    assert NOT_DELIVERED in page
