"""A contact is never lost: each test is a way a call, text, chat message or form that
reached Loket could end up in front of no counsellor (or in front of one who can never take
it), found by a review; each failed before its fix."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from redis import Redis
from sqlalchemy import text as sql
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select

from loket.domain import accounts, callbacks, contacts, conversations, erasure, workspace
from loket.domain.contacts import Conflict
from loket.queue import jobs
from loket.store.db import read_scope, session_scope
from loket.store.models import AuditEvent, Contact, Message, User
from loket.store.types import utcnow
from tests.channels.conftest import signed_post
from tests.desk.helpers import make_user

PHONE = "+31612345678"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
FORM_ID = re.compile(r'name="form_id" value="([^"]+)"')
DESKS = ("police", "veterans", "debasis")


def engine_of(app: Flask) -> Engine:
    engine: Engine = app.extensions["loket.engine"]
    return engine


def every_desk(app: Flask) -> list[User]:
    """One active counsellor of each desk."""
    return [make_user(app, role="counsellor", desk=desk) for desk in DESKS]


def in_any_queue(app: Flask, reference: str, staff: list[User]) -> bool:
    """Tell whether any counsellor of any desk sees this reference in their queue."""
    with read_scope(engine_of(app)) as session:
        for user in staff:
            if reference in {item.reference for item in workspace.queue_for(session=session,
                                                                             user=user)}:
                return True
    return False


def sms(client: FlaskClient, body: str, sender: str = PHONE) -> Any:
    params = {"MessageSid": "SM" + uuid.uuid4().hex, "From": sender, "To": "+3185000000",
              "Body": body}
    answer = signed_post(client, "/twilio/messaging", params)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer


def contacts_of(app: Flask) -> list[Contact]:
    with Session(engine_of(app)) as session:
        return list(session.exec(select(Contact).order_by(col(Contact.id))).all())


# --- 1. a web form answered by e-mail (or not at all) is in nobody's queue --------------------


@pytest.mark.parametrize("reach", ["email", "none"])
def test_a_web_form_without_a_callback_number_reaches_a_counsellor_s_queue(
    app: Flask, reach: str
) -> None:
    staff = every_desk(app)
    client = app.test_client()
    page = client.get("/contact").get_data(as_text=True)
    form = {
        "csrf_token": TOKEN.search(page).group(1),  # type: ignore[union-attr]
        "form_id": FORM_ID.search(page).group(1),  # type: ignore[union-attr]
        "who": "veteran", "need": "psychological", "urgent": "none", "reach": reach,
        "phone": "", "email": "sanne@voorbeeld.nl" if reach == "email" else "",
        "window": "asap", "voicemail": "no", "name": "", "language": "nl",
        "message": "Sinds mijn uitzending slaap ik slecht. Mail me alsjeblieft.",
        "consent": "y", "website": "",
    }
    assert client.post("/contact", data=form).status_code == 303
    [contact] = contacts_of(app)
    # The person got a confirmation with a reference; some counsellor must now see it.
    assert in_any_queue(app, contact.reference, staff), (
        f"web form {contact.reference} (status={contact.status}, queue={contact.queue}) "
        "is in no counsellor's queue"
    )


def claimed_by(engine: Engine, text: Contact, counsellor: User) -> None:
    """Route this text conversation to the police desk and let the counsellor claim it."""
    with session_scope(engine) as session:
        contact = contacts.lock(session=session, contact_id=text.id)
        assert contact is not None
        contact.intake_step, contact.status = "acked", "waiting"
        contact.desk = contact.queue = "police"
        contact.routed_at = utcnow()
        user = session.get(User, counsellor.id)
        assert user is not None
        contacts.claim(session=session, contact=contact, user=user)


# --- 2. a text whose sender does not (again) answer the first menu question -----------------


def test_a_first_text_whose_sender_never_answers_the_menu_reaches_a_counsellor(
    app: Flask, redis_conn: Redis
) -> None:
    staff = every_desk(app)
    sms(app.test_client(), "Ik heb hulp nodig, ik weet niet meer wat ik moet doen met mijn zoon")
    [contact] = contacts_of(app)
    with session_scope(engine_of(app)) as session:  # an hour later, nothing more came
        stored = session.get(Contact, contact.id)
        assert stored is not None
        stored.created_at = stored.updated_at = utcnow() - timedelta(hours=1)
    with app.app_context():
        jobs.reconcile()  # whatever the periodic jobs do
    assert in_any_queue(app, contact.reference, staff), (
        f"text {contact.reference} (status={contact.status}, step={contact.intake_step}) "
        "is in no counsellor's queue an hour later"
    )


def test_a_text_right_after_the_counsellor_closed_the_conversation_reaches_a_counsellor(
    app: Flask,
) -> None:
    staff = every_desk(app)
    client = app.test_client()
    sms(client, "Hallo")
    [first] = contacts_of(app)
    police = staff[0]
    claimed_by(engine_of(app), first, police)
    with session_scope(engine_of(app)) as session:  # answered and closed
        contact = contacts.lock(session=session, contact_id=first.id)
        user = session.get(User, police.id)
        assert contact is not None and user is not None
        workspace.close(session=session, user=user, contact=contact, outcome="helped")
    sms(client, "Sorry, nog één ding: mijn vrouw wil ook met iemand praten")
    latest = contacts_of(app)[-1]
    assert latest.id != first.id  # a new contact (the old one is closed), asked who writes
    with app.app_context():
        assert jobs.route_unanswered_texts() == 0  # still the person's time to answer
    with session_scope(engine_of(app)) as session:  # the answer time passes without one
        stored = session.get(Contact, latest.id)
        assert stored is not None
        stored.updated_at = utcnow() - timedelta(minutes=6)
    with app.app_context():
        assert jobs.route_unanswered_texts() == 1
    assert in_any_queue(app, latest.reference, staff), (  # ... that somebody sees
        f"follow-up text {latest.reference} (status={latest.status}, "
        f"step={latest.intake_step}) is in no counsellor's queue"
    )


# --- 3. a text racing the counsellor's close is stored in the closed contact ----------------


def test_a_text_arriving_while_its_conversation_is_closed_is_not_lost_in_the_closed_contact(
    postgres_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = postgres_app
    engine = engine_of(app)
    client = app.test_client()
    sms(client, "Hallo")
    [first] = contacts_of(app)
    counsellor = make_user(app, role="counsellor", desk="police")
    claimed_by(engine, first, counsellor)

    real_read = conversations.read_text_webhook
    closed: list[bool] = []

    def read_then_counsellor_closes(**kwargs: Any) -> conversations.TextWebhook:
        seen = real_read(**kwargs)
        # The counsellor presses "close" (the API locks the contact) while this text is being
        # handled: between the text's read of its open conversation and its commit.
        try:
            with session_scope(engine) as other:
                other.execute(sql("SET LOCAL lock_timeout = '2s'"))
                locked = contacts.lock(session=other, contact_id=first.id)
                holder = other.get(User, counsellor.id)
                assert locked is not None and holder is not None
                workspace.close(session=other, user=holder, contact=locked, outcome="helped")
            closed.append(True)
        except OperationalError:  # the text holds the contact: the close waits its turn
            closed.append(False)
        return seen

    monkeypatch.setattr(conversations, "read_text_webhook", read_then_counsellor_closes)
    body = "Wacht, nog iets: ik heb vannacht weer pillen gespaard"
    sms(client, body)

    with read_scope(engine) as session:
        [message] = [m for m in session.exec(select(Message)).all() if m.body == body]
        holder = session.get(Contact, message.contact_id)
        assert holder is not None
        assert holder.status != "closed", (
            f"the text was stored in contact {holder.reference}, closed by the counsellor "
            f"while it arrived (close committed first: {closed}); no one will read it"
        )


# --- 4. the retention run anonymises contacts that are still open --------------------------


def test_the_retention_run_never_anonymises_an_open_contact(store_app: Flask) -> None:
    app = store_app
    engine = engine_of(app)
    with session_scope(engine) as session:
        contact = contacts.open_contact(
            session=session,
            contact_in=contacts.ContactIn(channel="whatsapp", phone="whatsapp:" + PHONE,
                                          organisation="police"),
        )
        contact.desk = contact.queue = "police"
        contact.status, contact.routed_at = "waiting", utcnow()
        contact.created_at = utcnow() - timedelta(days=40)  # a long-running conversation
        conversations.add_message(session=session, contact=contact, direction="in",
                                  body="Ik zit er weer doorheen")
        callbacks.request_callback(session=session, contact=contact, phone=PHONE,
                                   window="tomorrow")
        contact_id = contact.id
    police_keeps_30_days = erasure.Retention(days=730, by_desk={"police": 30})

    erasure.retain(lambda: session_scope(engine), police_keeps_30_days)

    with read_scope(engine) as session:
        stored = session.get(Contact, contact_id)
        assert stored is not None and stored.status != "closed"
        kept = session.exec(select(Message).where(Message.contact_id == contact_id)).all()
        assert stored.anonymised_at is None and stored.phone is not None and kept, (
            "an open contact (waiting for its callback) was anonymised by the retention run: "
            "its messages and the number to call back are gone"
        )


# --- 5. a contact held by a counsellor who is disabled can be taken by nobody -----------------


def held_by(engine: Engine, counsellor: User) -> int | None:
    """Store a police text contact this counsellor has claimed; return its id."""
    with session_scope(engine) as session:
        contact = contacts.open_contact(
            session=session, contact_in=contacts.ContactIn(channel="sms", phone=PHONE),
        )
        contact.desk = contact.queue = "police"
        contact.status, contact.routed_at = "waiting", utcnow()
        session.flush()
        holder = session.get(User, counsellor.id)
        assert holder is not None
        workspace.claim(session=session, user=holder, contact=contact, max_live=3)
        return contact.id


def test_a_contact_held_by_a_disabled_counsellor_can_be_taken_by_a_colleague(
    store_app: Flask,
) -> None:
    app = store_app
    engine = engine_of(app)
    admin = make_user(app, role="admin")
    gone = make_user(app, role="counsellor", desk="police")
    colleague = make_user(app, role="counsellor", desk="police")
    contact_id = held_by(engine, gone)
    with session_scope(engine) as session:  # taken ill, account disabled by the admin
        accounts.set_active(session=session, user_id=gone.id or 0, active=False,
                            admin_id=admin.id)

    with session_scope(engine) as session:
        contact = contacts.lock(session=session, contact_id=contact_id)
        user = session.get(User, colleague.id)
        assert contact is not None and user is not None
        try:
            workspace.claim(session=session, user=user, contact=contact, max_live=3)
        except Conflict:
            pytest.fail("the contact stays held by a disabled counsellor: no colleague can "
                        "claim it, release it or answer it")
    with read_scope(engine) as session:
        [line] = session.exec(select(AuditEvent).where(AuditEvent.event == "release")).all()
        assert line.user_id == admin.id and "disabled" in line.detail


def test_a_counsellor_moved_to_another_desk_lets_go_of_what_they_held(store_app: Flask) -> None:
    app = store_app
    engine = engine_of(app)
    admin = make_user(app, role="admin")
    moved = make_user(app, role="counsellor", desk="police")
    contact_id = held_by(engine, moved)
    with session_scope(engine) as session:
        accounts.change_role(session=session, user_id=moved.id or 0, admin_id=admin.id,
                             change=accounts.UserChange(role="counsellor", desk="veterans"))
    with read_scope(engine) as session:
        stored = session.get(Contact, contact_id)
        assert stored is not None
        assert (stored.assigned_user_id, stored.status, stored.desk) == (None, "waiting",
                                                                         "police")


# --- 6. a web chat message sent just after the counsellor closed the chat --------------------


def test_a_chat_message_sent_after_the_close_keeps_what_the_person_typed(
    app: Flask,
) -> None:
    client = app.test_client()
    page = client.get("/chat").get_data(as_text=True)
    token = TOKEN.search(page).group(1)  # type: ignore[union-attr]
    assert client.post("/chat/start", data={"csrf_token": token, "choice": "police"}
                       ).status_code == 303
    assert client.post("/chat/answer", data={"csrf_token": token, "choice": "chat"}
                       ).status_code == 303
    page = client.get("/chat").get_data(as_text=True)
    token = TOKEN.search(page).group(1)  # type: ignore[union-attr]
    [chat] = contacts_of(app)
    with session_scope(engine_of(app)) as session:  # the counsellor closes it meanwhile
        stored = session.get(Contact, chat.id)
        assert stored is not None
        contacts.close(session=session, contact=stored, outcome="helped", actor="user",
                       detail="closed")
    typed = "Ik durf het bijna niet te schrijven maar ik heb een wapen thuis liggen"
    answer = client.post("/chat/send", data={"csrf_token": token, "body": typed})
    html = answer.get_data(as_text=True)
    stored_messages = [m.body for m in contacts_of_messages(app)]
    assert typed in html or typed in stored_messages, (
        f"status {answer.status_code}: the message is neither stored nor shown back to the "
        "person to keep (the closed chat page has no message box)"
    )


def contacts_of_messages(app: Flask) -> list[Message]:
    with Session(engine_of(app)) as session:
        return list(session.exec(select(Message)).all())

