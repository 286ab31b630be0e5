"""Review 7: a person whose callback could not be made (every attempt unanswered, or its
window passed) writes again, by SMS, WhatsApp or web chat: their message reaches a queue,
waiting from now, and a text answers them kindly. A callback still to make is left as is."""

from __future__ import annotations

from datetime import datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from loket.domain import calls, workspace
from loket.domain.refusals import Refused
from loket.store.models import AuditEvent, CallbackRequest, Contact, Message, User
from loket.store.types import utcnow
from tests.channels.test_messaging import WHATSAPP, text, walk
from tests.channels.test_webchat import press, start_chat
from tests.desk.helpers import make_user


def fail_the_callback(engine: Engine, status: str) -> None:
    """Leave the callback as the code leaves it: its last attempt unanswered ends it
    `unreachable` (`calls.attempt_ended`); a window that passed unserved ends it `missed`."""
    with Session(engine) as session:
        for callback in session.exec(select(CallbackRequest)).all():
            callback.status, callback.attempts = "calling", 3
            if status == "missed":
                callback.attempts, callback.max_attempts = 1, 3
                callback.window_end = utcnow()  # the next attempt falls after the window
            ended = calls.attempt_ended(session=session, callback=callback,
                                        outcome="no_answer", policy=calls.Policy())
            assert ended == status
        session.commit()


def queue_refs(app: Flask, engine: Engine, desk: str) -> list[str]:
    """Return the references in the queue of a counsellor of this desk."""
    user = make_user(app, role="counsellor", desk=desk)
    with Session(engine) as session:
        me = session.get(User, user.id)
        assert me is not None
        return [item.reference for item in workspace.queue_for(session=session, user=me)]


def the_contact(engine: Engine) -> Contact:
    """Return the one stored contact."""
    with Session(engine) as session:
        [contact] = session.exec(select(Contact)).all()
        return contact


def callback_statuses(engine: Engine) -> list[str]:
    """Return the status of every callback, oldest first."""
    with Session(engine) as session:
        return list(session.exec(
            select(CallbackRequest.status).order_by(col(CallbackRequest.id))).all())


def audit_details(engine: Engine, reference: str) -> list[str]:
    """Return the details of a contact's audit lines, oldest first."""
    with Session(engine) as session:
        return list(session.exec(
            select(AuditEvent.detail).where(AuditEvent.contact_reference == reference)
            .order_by(col(AuditEvent.id))).all())


def written_in(engine: Engine) -> list[str]:
    """Return what the person wrote, oldest first."""
    with Session(engine) as session:
        return [m.body for m in session.exec(select(Message).order_by(col(Message.id))).all()
                if m.direction == "in" and not m.automatic]


def test_an_sms_after_an_unreachable_callback_is_back_in_the_queue_from_now(
    app: Flask, client: FlaskClient, engine: Engine
) -> None:
    walk(client, "Hallo", "1", "2", "1")  # police, a callback, as soon as possible
    assert the_contact(engine).status == "callback"
    fail_the_callback(engine, "unreachable")  # every attempt failed: the manager's list
    before = the_contact(engine)
    assert before.reference not in queue_refs(app, engine, "police")  # nothing brings it
    written_at = utcnow()
    reply = text(client, "Sorry, ik had mijn telefoon niet bij me. Kunnen jullie me nu helpen?")
    contact = the_contact(engine)
    assert written_in(engine)[-1].startswith("Sorry")  # stored ...
    assert contact.reference in queue_refs(app, engine, contact.desk or "police")  # ... seen
    assert (contact.status, contact.respond, contact.crisis) == ("waiting", "now", False)
    assert isinstance(contact.routed_at, datetime) and contact.routed_at >= written_at
    # A short, kind answer in their language: their message is in, someone will answer.
    assert reply is not None and "bericht is bij ons" in reply
    assert "niet bereiken" in reply and contact.reference in reply
    assert "wrote again after the callback failed: back in the queue" in audit_details(
        engine, contact.reference)
    assert callback_statuses(engine) == ["unreachable"]  # it failed; that stays known
    assert text(client, "Hallo?") is None  # one answer: the counsellor writes the next
    # Off the manager's list of unreachable callbacks: it is the queue's now, and the
    # manager can neither close it as "no contact" nor send it back among the callbacks.
    manager = make_user(app, role="manager", desk=contact.desk or "police")
    with Session(engine) as session:
        assert calls.for_manager(session=session, desk=contact.desk) == []
        [callback_id] = session.exec(select(CallbackRequest.id)).all()
        me = session.get(User, manager.id)
        assert me is not None and callback_id is not None
        for step in (calls.close_unreachable, calls.try_once_more):
            with pytest.raises(Refused):
                step(session=session, user=me, callback_id=callback_id)
    assert the_contact(engine).status == "waiting"


def test_a_whatsapp_message_after_a_missed_callback_is_back_in_the_queue(
    app: Flask, client: FlaskClient, engine: Engine
) -> None:
    walk(client, "Hallo", "1", "2", "2", sender=WHATSAPP)  # police, a callback this evening
    fail_the_callback(engine, "missed")
    reply = text(client, "Ik ben er nu wel, bel me alsjeblieft", sender=WHATSAPP)
    contact = the_contact(engine)
    assert contact.reference in queue_refs(app, engine, contact.desk or "police")
    assert contact.status == "waiting"
    assert reply is not None and contact.reference in reply and "bericht is bij ons" in reply
    assert callback_statuses(engine) == ["missed"]


def test_the_answer_after_a_failed_callback_is_in_english_for_an_english_conversation(
    app: Flask, client: FlaskClient, engine: Engine
) -> None:
    walk(client, "Hello", "EN", "1", "2", "1")
    fail_the_callback(engine, "unreachable")
    reply = text(client, "Sorry, I missed your call. Can someone help me now?")
    assert reply is not None and "we have your message" in reply
    assert "could not reach you" in reply
    assert the_contact(engine).status == "waiting"


def test_a_crisis_after_an_unreachable_callback_is_still_answered_as_a_crisis(
    app: Flask, client: FlaskClient, engine: Engine
) -> None:
    walk(client, "Hallo", "1", "2", "1")
    fail_the_callback(engine, "unreachable")
    reply = text(client, "ik zie het niet meer zitten")
    assert reply is not None and "112" in reply and "113" in reply
    contact = the_contact(engine)
    assert (contact.status, contact.crisis, contact.priority) == ("waiting", True, "urgent")
    assert callback_statuses(engine) == ["crisis"]  # callable at once, off the manager's list


def test_a_message_while_a_callback_waits_for_tomorrow_leaves_it_as_it_is(
    app: Flask, client: FlaskClient, engine: Engine
) -> None:
    """By design: the callback is still to make; the message waits for it, unchanged."""
    walk(client, "Hallo", "1", "2", "3")  # police, a callback tomorrow morning
    assert "bellen je terug" in (text(client, "Dank je") or "")  # the one acknowledgement
    assert text(client, "Eigenlijk gaat het nu slecht, kan iemand vanavond nog bellen?") is None
    contact = the_contact(engine)
    assert contact.status == "callback"
    assert callback_statuses(engine) == ["pending"]
    assert contact.reference not in queue_refs(app, engine, contact.desk or "police")


def test_a_chat_message_after_an_unreachable_callback_is_back_in_the_queue(
    app: Flask, client: FlaskClient, engine: Engine
) -> None:
    start_chat(client, "police", "callback")
    assert press(client, "/chat/callback", phone="0612345678", window="asap",
                 voicemail="no").status_code == 303
    assert the_contact(engine).status == "callback"
    fail_the_callback(engine, "unreachable")
    assert press(client, "/chat/send", body="Ik was even weg, kunnen we nu chatten?",
                 after="0").status_code == 303
    contact = the_contact(engine)
    assert contact.reference in queue_refs(app, engine, "police")
    assert (contact.status, contact.respond) == ("waiting", "now")
    page = client.get("/chat").get_data(as_text=True)
    assert "We bellen je terug" not in page  # the page says where they are in the queue
    assert written_in(engine) == ["Ik was even weg, kunnen we nu chatten?"]
