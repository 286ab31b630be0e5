"""An SMS number that sent STOP (Twilio opts it out: no SMS reaches it until START) and
writes again without START is not texted: no automatic answer, no counsellor's reply queued
to fail; it still reaches a counsellor, who is told to call. The same when Twilio reports
error 21610 for a message. After START the number is texted again; WhatsApp has no opt-out.
Signed webhooks through the routes, the counsellor's page and the API, on SQLite and
PostgreSQL."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine

from loket.store.db import session_scope
from loket.store.models import AuditEvent, Contact, Message
from tests.api.calls import Caller
from tests.channels.conftest import rows
from tests.channels.test_messaging import (
    PHONE,
    STATUS,
    WHATSAPP,
    contacts,
    new_sid,
    post,
    text,
    walk,
)
from tests.desk.helpers import api_token
from tests.desk.test_workspace import act, counsellor


def newest(engine: Engine) -> Contact:
    """Return the newest stored contact."""
    return contacts(engine)[-1]


def taken_by_a_counsellor(app: Flask, contact: Contact) -> tuple[FlaskClient, Caller]:
    """A counsellor of the contact's desk claims it; their page client and API caller."""
    desk_client, user = counsellor(app, desk=contact.desk or "police")
    claimed = act(desk_client, contact.reference, "claim")
    assert claimed.status_code in (302, 303)
    return desk_client, Caller(app, user, api_token(app, user))


def outgoing(engine: Engine) -> list[Message]:
    """Return the messages a counsellor sent (queued to Twilio)."""
    return [m for m in rows(engine, Message) if m.direction == "out"]


def test_an_sms_number_that_sent_stop_and_writes_again_is_not_texted_but_reaches_someone(
    app: Flask, client: FlaskClient, engine: Engine
) -> None:
    walk(client, "Hallo", "STOP")  # not in crisis: closed
    assert text(client, "Hallo, ik wil toch praten") is None  # no greeting Twilio would drop
    contact = newest(engine)
    assert contact.status == "waiting" and contact.queue  # routed with what is known
    assert contact.intake_step == "stopped"
    assert any("sms number opted out" in (line.detail or "") for line in rows(engine, AuditEvent))
    assert text(client, "1") is None  # an answer to no question: nothing sent back

    desk_client, api = taken_by_a_counsellor(app, contact)
    page = desk_client.get(f"/desk/contacts/{contact.reference}").get_data(as_text=True)
    assert "START" in page and 'id="reply-text"' not in page
    assert "tot ze weer schrijven" not in page  # wrong for SMS: writing again is not START
    assert "plan_callback" in page  # calling is offered instead
    refused = act(desk_client, contact.reference, "reply", text="Hoe gaat het?")
    shown = desk_client.get(refused.location).get_data(as_text=True)
    assert "tot ze START sturen" in shown
    answer = api.do("reply", contact.reference, {"text": "Hoe gaat het?"})
    assert answer.status_code == 422 and "START" in answer.get_json()["error"]
    assert outgoing(engine) == []  # nothing queued to fail


def test_the_english_page_says_the_number_cannot_be_texted_until_start(
    app: Flask, client: FlaskClient, engine: Engine
) -> None:
    walk(client, "Hallo", "STOP", "Hello again")
    contact = newest(engine)
    desk_client, _ = taken_by_a_counsellor(app, contact)
    page = desk_client.get(f"/desk/contacts/{contact.reference}?lang=en").get_data(as_text=True)
    english = desk_client.get(f"/desk/contacts/{contact.reference}",
                              headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert any("until they send START" in shown for shown in (page, english))


def test_after_start_the_number_is_texted_again(
    app: Flask, client: FlaskClient, engine: Engine
) -> None:
    walk(client, "Hallo", "STOP", "Hallo nog eens")
    assert text(client, "START") is None  # Twilio confirms START itself
    contact = newest(engine)
    assert contact.intake_step == "acked" and contact.status == "waiting"
    desk_client, _ = taken_by_a_counsellor(app, contact)
    act(desk_client, contact.reference, "reply", text="Fijn dat je weer schrijft.")
    assert [m.body for m in outgoing(engine)] == ["Fijn dat je weer schrijft."]


def test_a_number_that_sent_start_before_writing_again_is_greeted_as_anyone(
    client: FlaskClient, engine: Engine
) -> None:
    walk(client, "Hallo", "STOP")
    greeting = text(client, "START")
    assert greeting is not None and "112" in greeting
    assert newest(engine).intake_step == "who"


def test_whatsapp_has_no_opt_out_a_new_message_is_greeted(
    client: FlaskClient, engine: Engine
) -> None:
    walk(client, "Hallo", "STOP", sender=WHATSAPP)
    greeting = text(client, "Hallo weer", sender=WHATSAPP)
    assert greeting is not None and "112" in greeting
    assert newest(engine).intake_step == "who"


def test_twilio_s_error_21610_stops_the_texts_to_the_number(
    app: Flask, client: FlaskClient, engine: Engine
) -> None:
    walk(client, "Hoi", "1", "1")  # police, chat now: waiting
    contact = newest(engine)
    desk_client, api = taken_by_a_counsellor(app, contact)
    act(desk_client, contact.reference, "reply", text="Hoi, ik ben er.")
    [sent] = outgoing(engine)
    sid = new_sid()
    with session_scope(app.extensions["loket.engine"]) as session:
        stored = session.get(Message, sent.id)
        assert stored is not None
        stored.external_id = sid
    answer = post(client, STATUS, {"MessageSid": sid, "MessageStatus": "undelivered",
                                   "ErrorCode": "21610", "To": PHONE})
    assert answer.status_code == 200
    assert newest(engine).intake_step == "stopped"
    page = desk_client.get(f"/desk/contacts/{contact.reference}").get_data(as_text=True)
    assert "START" in page and 'id="reply-text"' not in page
    refused = api.do("reply", contact.reference, {"text": "Ben je er nog?"})
    assert refused.status_code == 422
    assert len(outgoing(engine)) == 1
    # The person writes on without START: still no texts, no automatic answer.
    assert text(client, "Hallo?") is None
    assert newest(engine).intake_step == "stopped"


def test_error_21610_during_the_questions_routes_the_contact_at_once(
    app: Flask, client: FlaskClient, engine: Engine
) -> None:
    walk(client, "Hoi", "1")  # police; the next question is unanswered
    contact = newest(engine)
    assert contact.status == "new"
    with session_scope(app.extensions["loket.engine"]) as session:
        session.add(Message(contact_id=contact.id or 0, direction="out", body="Hoi",
                            external_id=(sid := new_sid())))
    post(client, STATUS, {"MessageSid": sid, "MessageStatus": "failed", "ErrorCode": "21610",
                          "To": PHONE})
    routed = newest(engine)
    assert (routed.status, routed.intake_step) == ("waiting", "stopped")


def test_another_delivery_error_does_not_stop_the_texts(
    app: Flask, client: FlaskClient, engine: Engine
) -> None:
    walk(client, "Hoi", "1", "1")
    contact = newest(engine)
    with session_scope(app.extensions["loket.engine"]) as session:
        session.add(Message(contact_id=contact.id or 0, direction="out", body="Hoi",
                            external_id=(sid := new_sid())))
    post(client, STATUS, {"MessageSid": sid, "MessageStatus": "undelivered",
                          "ErrorCode": "30003", "To": PHONE})
    assert newest(engine).intake_step == "routed"
