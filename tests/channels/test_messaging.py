"""The SMS and WhatsApp channel, driven as Twilio drives it: signed webhooks, TwiML answers."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest
import structlog
from flask import Flask
from flask.testing import FlaskClient
from redis import Redis
from rq import Queue
from sqlalchemy.engine import Engine
from sqlmodel import select
from werkzeug.test import TestResponse

from loket import intake
from loket.domain import contacts as contact_domain
from loket.queue import outbox
from loket.store.db import session_scope
from loket.store.models import (
    CallbackRequest,
    Contact,
    InboundEvent,
    Message,
    OutboundAction,
    Outbox,
)
from tests.channels.conftest import at_once, contacts, rows, run_jobs, signature, signed_post

BASE = "https://loket.example.org"
INBOUND = "/twilio/messaging"
STATUS = "/twilio/messaging/status"
PHONE = "+31612345678"
WHATSAPP = "whatsapp:+31687654321"
CRISIS_NL = "ik zie het niet meer zitten"
CRISIS_EN = "I want to die"


def post(
    client: FlaskClient, path: str, params: dict[str, str], **headers: str
) -> TestResponse:
    """Post a signed Twilio webhook; the answer is sent in full, as a server sends it."""
    return signed_post(client, path, params, **headers)


def new_sid() -> str:
    """Return a fresh Twilio-shaped message sid."""
    return "SM" + uuid.uuid4().hex


def params_of(body: str, sender: str = PHONE, sid: str | None = None) -> dict[str, str]:
    """Return the parameters Twilio posts for an inbound message."""
    return {"MessageSid": sid or new_sid(), "From": sender, "To": "+3185000000", "Body": body}


def reply_of(response: TestResponse) -> str | None:
    """Return the text of the TwiML answer's message, or None when it sends nothing."""
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/xml"
    root = ET.fromstring(response.get_data())  # noqa: S314 - our own answer, not outside input
    assert root.tag == "Response"
    message = root.find("./Message")
    return None if message is None else message.text


def text(client: FlaskClient, body: str, sender: str = PHONE) -> str | None:
    """Send one message and return the text sent back."""
    return reply_of(post(client, INBOUND, params_of(body, sender)))


def walk(client: FlaskClient, *bodies: str, sender: str = PHONE) -> list[str | None]:
    """Send messages one after another; return every answer."""
    return [text(client, body, sender) for body in bodies]


def only_contact(engine: Engine) -> Contact:
    """Return the one stored contact."""
    found = contacts(engine)
    assert len(found) == 1
    return found[0]


def messages(engine: Engine, direction: str | None = None) -> list[Message]:
    """Return stored messages, oldest first, optionally of one direction."""
    return [m for m in rows(engine, Message) if direction in (None, m.direction)]


# --- signatures and bad input ---------------------------------------------------------------


@pytest.mark.parametrize("path", [INBOUND, STATUS])
@pytest.mark.parametrize("sign", ["missing", "wrong", "other-url"])
def test_unsigned_webhook_is_refused_and_nothing_stored(
    client: FlaskClient, engine: Engine, path: str, sign: str
) -> None:
    params = {**params_of("Hallo"), "MessageStatus": "delivered"}
    headers = {
        "missing": {},
        "wrong": {"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"},
        "other-url": {"X-Twilio-Signature": signature("/twilio/voice", params)},
    }[sign]
    response = client.post(path, data=params, headers=headers)
    assert response.status_code == 403
    assert contacts(engine) == [] and rows(engine, InboundEvent) == [] and messages(engine) == []


@pytest.mark.parametrize(
    ("path", "params", "reason"),
    [
        (INBOUND, {"Body": "Hallo", "From": PHONE}, "MessageSid"),
        (INBOUND, {"Body": "Hallo", "MessageSid": "SM1234"}, "From"),
        (INBOUND, {"Body": "Hallo", "MessageSid": "SM1234", "From": "whatsapp:"}, "From"),
        (INBOUND, {"Body": "Hallo", "MessageSid": "no sid!", "From": PHONE}, "MessageSid"),
        (STATUS, {"MessageSid": "SM1234"}, "MessageStatus"),
        (STATUS, {"MessageStatus": "delivered"}, "MessageSid"),
    ],
)
def test_missing_parameters_get_a_reason_and_nothing_is_stored(
    client: FlaskClient, engine: Engine, path: str, params: dict[str, str], reason: str
) -> None:
    response = post(client, path, params)
    assert response.status_code == 400
    assert reason in response.get_data(as_text=True)
    assert contacts(engine) == [] and rows(engine, InboundEvent) == [] and messages(engine) == []


# --- the conversation -----------------------------------------------------------------------


def test_first_message_greets_names_112_and_113_and_asks_who(
    client: FlaskClient, engine: Engine
) -> None:
    sid = new_sid()
    reply = reply_of(post(client, INBOUND, params_of("Hallo, ik wil graag praten", sid=sid)))
    assert reply is not None
    assert "Welkom" in reply and "112" in reply and "113" in reply
    for option in ("1 politie", "2 veteraan", "3 familie", "4 familie", "5 anders", "0 ik heb"):
        assert option in reply
    assert "EN" in reply
    contact = only_contact(engine)
    assert (contact.channel, contact.external_id, contact.phone) == ("sms", sid, PHONE)
    assert (contact.status, contact.language, contact.intake_step) == ("new", "nl", "who")
    inbound = messages(engine, "in")
    assert [(m.body, m.external_id) for m in inbound] == [("Hallo, ik wil graag praten", sid)]


@pytest.mark.parametrize(
    ("answers", "organisation", "relation", "serving"),
    [
        (["1"], "police", "self", "unknown"),
        (["2", "1"], "defence", "self", "serving"),
        (["2", "2"], "defence", "self", "former"),
        (["3"], "police", "family", "unknown"),
        (["4"], "defence", "family", "unknown"),
        (["5"], "unknown", "self", "unknown"),
    ],
)
def test_each_menu_path_then_chat_now_routes_and_gives_reference_and_place(
    client: FlaskClient,
    engine: Engine,
    answers: list[str],
    organisation: str,
    relation: str,
    serving: str,
) -> None:
    replies = walk(client, "Hoi", *answers, "1")
    if answers[0] == "2":
        assert "1 nu in dienst" in (replies[1] or "")
    assert "1 nu chatten" in (replies[-2] or "") and "2 terugbellen" in (replies[-2] or "")
    contact = only_contact(engine)
    assert (contact.organisation, contact.relation, contact.serving_status) == (
        organisation,
        relation,
        serving,
    )
    assert contact.status == "waiting" and contact.queue and contact.respond == "now"
    assert contact.preference == "chat" and not contact.crisis
    assert contact.reference in (replies[-1] or "")
    assert "hulpverlener antwoordt je hier" in (replies[-1] or "")
    assert "nummer 1 in de rij" in (replies[-1] or "")
    assert [row.job for row in rows(engine, Outbox)] == ["contact_routed"]


def test_second_contact_in_the_queue_hears_its_place(client: FlaskClient) -> None:
    walk(client, "Hoi", "1", "1", sender="+31600000001")
    replies = walk(client, "Hoi", "1", "1", sender="+31600000002")
    assert "nummer 2 in de rij" in (replies[-1] or "")


@pytest.mark.parametrize(
    ("window_answer", "window", "when"),
    [("1", "asap", "zo snel mogelijk"), ("2", "evening", "18 en 21"), ("3", "tomorrow", "morgen")],
)
def test_callback_walk_asks_a_window_and_promises_the_call(
    client: FlaskClient, engine: Engine, window_answer: str, window: str, when: str
) -> None:
    replies = walk(client, "Hallo", "4", "2", window_answer)
    assert "Wanneer mogen we je bellen" in (replies[2] or "")
    contact = only_contact(engine)
    assert contact.status == "callback" and contact.preference == "callback"
    [callback] = rows(engine, CallbackRequest)
    assert (callback.contact_id, callback.phone, callback.window) == (contact.id, PHONE, window)
    assert callback.voicemail_allowed is False and callback.status == "pending"
    assert contact.reference in (replies[-1] or "") and when in (replies[-1] or "")
    assert sorted(row.job for row in rows(engine, Outbox)) == ["contact_routed",
                                                              "schedule_callback"]


def test_english_on_request_for_the_rest_of_the_conversation(
    client: FlaskClient, engine: Engine
) -> None:
    replies = walk(client, "Hallo", "EN", "2", "2", "1")
    assert "Who are you?" in (replies[1] or "")
    assert "1 police (now or earlier)" in (replies[1] or "")
    assert "Are you serving now" in (replies[2] or "")
    assert "chat with a counsellor now" in (replies[3] or "")
    assert "A counsellor will reply here" in (replies[4] or "")
    assert "number 1 in the queue" in (replies[4] or "")
    contact = only_contact(engine)
    assert (contact.language, contact.serving_status) == ("en", "former")


def test_nine_on_the_menu_and_english_as_first_message_switch_language(
    client: FlaskClient, engine: Engine
) -> None:
    assert "Who are you?" in (walk(client, "Hallo", "9")[1] or "")
    first = text(client, "English please", sender="+31600000009")
    assert first is not None and first.startswith("Welcome to Loket")
    assert "112" in first and "113" in first
    assert [c.language for c in contacts(engine)] == ["en", "en"]


def test_wrong_answer_is_asked_again_once_then_the_default_is_taken(
    client: FlaskClient, engine: Engine
) -> None:
    replies = walk(client, "Hallo", "7", "ik weet het echt niet", "ok?", "misschien")
    assert (replies[1] or "").startswith("Sorry") and "Wie ben je?" in (replies[1] or "")
    assert "Geen probleem" in (replies[2] or "") and "1 nu chatten" in (replies[2] or "")
    assert (replies[3] or "").startswith("Sorry") and "1 nu chatten" in (replies[3] or "")
    contact = only_contact(engine)
    assert contact.organisation == "unknown" and contact.relation == "self"
    assert contact.status == "waiting" and contact.preference == "chat"
    assert contact.reference in (replies[4] or "")
    stored = [m.body for m in messages(engine, "in")]
    assert stored == ["Hallo", "7", "ik weet het echt niet", "ok?", "misschien"]


def test_after_routing_one_acknowledgement_then_quiet(
    client: FlaskClient, engine: Engine
) -> None:
    walk(client, "Hallo", "1", "1")
    ack, quiet, still_quiet = walk(client, "Ben je er?", "Hallo?", "Nog iemand?")
    contact = only_contact(engine)
    assert ack is not None and contact.reference in ack and "bericht is bij ons" in ack
    assert quiet is None and still_quiet is None
    assert [m.body for m in messages(engine, "in")][-3:] == ["Ben je er?", "Hallo?", "Nog iemand?"]


def test_acknowledgement_after_a_callback_promise_says_we_call_back(client: FlaskClient) -> None:
    walk(client, "Hallo", "3", "2", "2")
    assert "bellen je terug" in (text(client, "Dank je") or "")


# --- crisis ---------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [CRISIS_NL, CRISIS_EN, "Ik wil er een eind aan maken"])
def test_crisis_in_first_message_answers_112_113_first_and_routes_urgent(
    client: FlaskClient, engine: Engine, body: str
) -> None:
    reply = text(client, body)
    assert reply is not None
    assert reply.index("112") < reply.index("113") < reply.index("hulpverlener")
    assert "neemt nu contact met je op" in reply and "Wie ben je" not in reply
    contact = only_contact(engine)
    assert contact.reference in reply
    assert (contact.risk, contact.crisis, contact.priority) == ("acute", True, "urgent")
    assert (contact.status, contact.respond, contact.preference) == ("waiting", "now", "now")
    assert "crisis" in contact.flags
    [routed] = rows(engine, Outbox)
    assert routed.job == "contact_routed" and routed.args["_queue"] == "urgent"


def test_crisis_in_a_later_message_skips_the_remaining_questions(
    client: FlaskClient, engine: Engine
) -> None:
    replies = walk(client, "Hallo", "2", f"Eerlijk gezegd {CRISIS_NL} meer")
    assert "112" in (replies[2] or "") and "113" in (replies[2] or "")
    assert "Ben je nu in dienst" not in (replies[2] or "")
    contact = only_contact(engine)
    assert (contact.risk, contact.crisis, contact.priority, contact.status) == (
        "acute", True, "urgent", "waiting")
    assert contact.organisation == "defence"


def test_crisis_after_a_callback_promise_is_answered_now_not_later(
    client: FlaskClient, engine: Engine
) -> None:
    walk(client, "Hallo", "1", "2", "3")
    reply = text(client, CRISIS_EN)
    assert reply is not None and "112" in reply and "113" in reply
    contact = only_contact(engine)
    assert (contact.status, contact.crisis, contact.respond) == ("waiting", True, "now")
    assert [c.status for c in rows(engine, CallbackRequest)] == ["crisis"]  # callable now


def test_menu_zero_is_help_right_now(client: FlaskClient, engine: Engine) -> None:
    reply = walk(client, "Hallo", "0")[1]
    assert reply is not None and "112" in reply and "neemt nu contact met je op" in reply
    contact = only_contact(engine)
    assert (contact.crisis, contact.priority, contact.status) == (True, "urgent", "waiting")


def test_every_crisis_message_gets_112_and_113_but_routes_once(
    client: FlaskClient, engine: Engine
) -> None:
    first, second = walk(client, CRISIS_NL, CRISIS_NL)
    assert first is not None and second is not None and "113" in second
    assert [row.job for row in rows(engine, Outbox)] == ["contact_routed"]


# --- WhatsApp -------------------------------------------------------------------------------


def test_whatsapp_sender_is_a_whatsapp_contact_called_back_on_the_bare_number(
    client: FlaskClient, engine: Engine
) -> None:
    replies = walk(client, "Hallo", "1", "2", "1", sender=WHATSAPP)
    assert all(replies)
    contact = only_contact(engine)
    assert (contact.channel, contact.phone) == ("whatsapp", WHATSAPP)
    [callback] = rows(engine, CallbackRequest)
    assert callback.phone == "+31687654321"


def test_same_number_on_sms_and_whatsapp_are_two_conversations(
    client: FlaskClient, engine: Engine
) -> None:
    text(client, "Hallo", sender="+31687654321")
    text(client, "Hallo", sender=WHATSAPP)
    assert sorted(c.channel for c in contacts(engine)) == ["sms", "whatsapp"]


# --- STOP -----------------------------------------------------------------------------------


@pytest.mark.parametrize("word", ["STOP", "stop", "Stopp", "STOPPEN", "unsubscribe"])
def test_stop_closes_politely_once_and_a_new_message_starts_afresh(
    client: FlaskClient, engine: Engine, word: str
) -> None:
    walk(client, "Hallo", "1", "2", "1")
    goodbye = text(client, word)
    assert goodbye is not None and "gestopt" in goodbye and "112" in goodbye and "113" in goodbye
    closed = only_contact(engine)
    assert (closed.status, closed.outcome, closed.closed_at is not None) == ("closed", "other",
                                                                             True)
    assert [c.status for c in rows(engine, CallbackRequest)] == ["cancelled"]
    assert text(client, word) is None
    # Twilio opted the SMS number out: it hears from us after START (test_sms_optout_review5).
    welcome = text(client, "START")
    assert welcome is not None and "Wie ben je?" in welcome
    assert [c.status for c in contacts(engine)] == ["closed", "new"]


# --- idempotency ----------------------------------------------------------------------------


def test_replayed_message_sid_is_handled_once_with_the_same_answer(
    client: FlaskClient, engine: Engine
) -> None:
    params = params_of("Hallo")
    first, again = post(client, INBOUND, params), post(client, INBOUND, params)
    assert first.get_data() == again.get_data()
    later = params_of("1")
    assert post(client, INBOUND, later).get_data() == post(client, INBOUND, later).get_data()
    assert len(contacts(engine)) == 1
    assert [m.body for m in messages(engine, "in")] == ["Hallo", "1"]
    assert only_contact(engine).intake_step == "respond"


def test_replay_with_the_same_idempotency_token_is_handled_once(
    client: FlaskClient, engine: Engine
) -> None:
    text(client, "Hallo")
    token = uuid.uuid4().hex
    params = params_of("1")
    first = post(client, INBOUND, params, **{"I-Twilio-Idempotency-Token": token})
    again = post(client, INBOUND, params, **{"I-Twilio-Idempotency-Token": token})
    assert first.get_data() == again.get_data()
    assert [m.body for m in messages(engine, "in")] == ["Hallo", "1"]


def test_a_captured_message_sent_again_with_another_or_no_token_is_stored_once(
    client: FlaskClient, engine: Engine
) -> None:
    text(client, "Hallo")
    params = params_of("1")
    first = post(client, INBOUND, params, **{"I-Twilio-Idempotency-Token": "tok-a"})
    other = post(client, INBOUND, params, **{"I-Twilio-Idempotency-Token": "tok-b"})
    bare = post(client, INBOUND, params)
    assert first.get_data() == other.get_data() == bare.get_data()
    assert [m.body for m in messages(engine, "in")] == ["Hallo", "1"]


def test_concurrent_duplicates_store_one_contact_and_answer_alike(
    app: Flask,
) -> None:
    engine: Engine = app.extensions["loket.engine"]
    params = params_of("Hallo")

    def send() -> tuple[int, bytes]:
        response = post(app.test_client(), INBOUND, params)
        return response.status_code, response.get_data()

    answers = at_once(send, send)
    assert [status for status, _ in answers] == [200, 200]
    assert answers[0][1] == answers[1][1]
    assert len(contacts(engine)) == 1 and len(messages(engine, "in")) == 1


# --- Redis down -----------------------------------------------------------------------------


def test_redis_down_still_answers_and_the_outbox_is_dispatched_later(
    make_app: Callable[..., Flask], redis_conn: Redis
) -> None:
    app = make_app(redis_url="redis://127.0.0.1:1/0")
    engine: Engine = app.extensions["loket.engine"]
    replies = walk(app.test_client(), "Hallo", "1", "1")
    contact = only_contact(engine)
    assert contact.reference in (replies[-1] or "") and contact.status == "waiting"
    [row] = rows(engine, Outbox)
    assert row.job == "contact_routed" and row.dispatched_at is None
    assert outbox.dispatch(engine, redis_conn) == 1
    assert rows(engine, Outbox)[0].dispatched_at is not None
    assert Queue("default", connection=redis_conn).job_ids == [f"outbox-{row.id}"]


def test_outbox_is_dispatched_after_the_answer_with_redis_up(
    client: FlaskClient, engine: Engine, redis_conn: Redis
) -> None:
    walk(client, "Hallo", "1", "1")
    [row] = rows(engine, Outbox)
    assert row.dispatched_at is not None
    assert Queue("default", connection=redis_conn).job_ids == [f"outbox-{row.id}"]


# --- counsellor replies and delivery status -------------------------------------------------


def counsellor_reply(engine: Engine, body: str) -> int:
    """Add a counsellor's reply to the one conversation, as the desk will; return its id."""
    with session_scope(engine) as session:
        contact = session.exec(select(Contact)).one()
        return intake.add_message(session, contact, direction="out", body=body, send=True)


@pytest.mark.parametrize("sender", [PHONE, WHATSAPP])
def test_counsellor_reply_is_sent_once_through_the_gateway(
    app: Flask, engine: Engine, redis_conn: Redis, sender: str
) -> None:
    walk(app.test_client(), "Hallo", "1", "1", sender=sender)
    message_id = counsellor_reply(engine, "Hoi, ik ben Sam. Waar wil je over praten?")
    outbox.dispatch(engine, redis_conn)
    run_jobs(app, redis_conn)
    [sent] = rows(engine, OutboundAction)
    assert (sent.kind, sent.to, sent.body) == ("message", sender,
                                               "Hoi, ik ben Sam. Waar wil je over praten?")
    assert sent.params["from_"].startswith("whatsapp:") == sender.startswith("whatsapp:")
    message = next(m for m in messages(engine) if m.id == message_id)
    assert (message.external_id, message.delivery_status) == (sent.sid, "sent")
    Queue("default", connection=redis_conn).enqueue(
        "loket.queue.jobs.send_message", kwargs={"message_id": message_id}
    )
    run_jobs(app, redis_conn)
    assert len(rows(engine, OutboundAction)) == 1


def status_of(engine: Engine, message_id: int) -> str | None:
    """Return a message's delivery status."""
    return next(m.delivery_status for m in messages(engine) if m.id == message_id)


def test_status_callbacks_move_delivery_forward_never_back(
    app: Flask, engine: Engine, redis_conn: Redis
) -> None:
    client = app.test_client()
    walk(client, "Hallo", "1", "1", sender=WHATSAPP)
    message_id = counsellor_reply(engine, "Ik lees je bericht.")
    outbox.dispatch(engine, redis_conn)
    run_jobs(app, redis_conn)
    sid = rows(engine, OutboundAction)[0].sid
    for value, expected in [("delivered", "delivered"), ("sent", "delivered"),
                            ("read", "read"), ("delivered", "read")]:
        response = post(client, STATUS, {"MessageSid": sid, "MessageStatus": value,
                                         "To": WHATSAPP})
        assert response.status_code == 200
        assert status_of(engine, message_id) == expected


def test_status_failed_is_recorded(app: Flask, engine: Engine, redis_conn: Redis) -> None:
    client = app.test_client()
    walk(client, "Hallo", "1", "1")
    message_id = counsellor_reply(engine, "Ik lees je bericht.")
    outbox.dispatch(engine, redis_conn)
    run_jobs(app, redis_conn)
    sid = rows(engine, OutboundAction)[0].sid
    post(client, STATUS, {"MessageSid": sid, "MessageStatus": "failed", "To": PHONE})
    assert status_of(engine, message_id) == "failed"


@pytest.mark.parametrize(
    ("sid", "value"), [("SM" + "0" * 32, "delivered"), ("SM" + "1" * 32, "teleported")]
)
def test_status_for_unknown_message_or_value_is_accepted_and_changes_nothing(
    client: FlaskClient, engine: Engine, sid: str, value: str
) -> None:
    walk(client, "Hallo", "1", "1")
    message_id = counsellor_reply(engine, "Ik lees je bericht.")
    with session_scope(engine) as session:
        stored = session.get(Message, message_id)
        assert stored is not None
        stored.external_id, stored.delivery_status = "SM" + "1" * 32, "sent"
    response = post(client, STATUS, {"MessageSid": sid, "MessageStatus": value})
    assert response.status_code == 200
    assert status_of(engine, message_id) == "sent"


# --- privacy --------------------------------------------------------------------------------


def test_logs_carry_no_number_and_no_message_text(client: FlaskClient) -> None:
    with structlog.testing.capture_logs() as logs:
        walk(client, "Mijn geheime verhaal", "1", "1", sender=WHATSAPP)
        text(client, CRISIS_NL, sender=WHATSAPP)
    assert logs
    flat = repr(logs)
    assert "31687654321" not in flat and "geheime" not in flat and "zitten" not in flat


def send_at_once(app: Flask, *bodies: str) -> list[str | None]:
    """Send messages of one sender at once, from threads that start together."""

    def sender(body: str) -> Callable[[], str | None]:
        return lambda: reply_of(post(app.test_client(), INBOUND, params_of(body)))

    return at_once(*(sender(body) for body in bodies))


@pytest.mark.postgres
def test_first_messages_of_one_sender_at_once_open_one_conversation(
    app: Flask,
) -> None:
    """One opens the conversation; the other, held back until then, joins it."""
    engine: Engine = app.extensions["loket.engine"]
    answers = send_at_once(app, "Hallo", "Is daar iemand?")
    assert len(answers) == 2
    [contact] = contacts(engine)
    assert len(messages(engine, "in")) == 2
    assert all(m.contact_id == contact.id for m in messages(engine, "in"))
    assert sum("112" in (answer or "") for answer in answers) >= 1


@pytest.mark.postgres
def test_two_answers_of_one_sender_at_once_both_count(
    app: Flask,
) -> None:
    """Both arrive at "who"; the later one reads the step the first one stored."""
    engine: Engine = app.extensions["loket.engine"]
    text(app.test_client(), "Hallo")
    answers = send_at_once(app, "2", "1")
    assert len(answers) == 2 and all(answers)
    contact = only_contact(engine)
    assert len(messages(engine, "in")) == 3
    # Veteran (2), then serving now (1) - or police (1), then a callback (2): never one
    # answer lost to the other.
    assert (contact.intake_step, contact.organisation, contact.serving_status) == (
        "respond", "defence", "serving"
    ) or (contact.intake_step, contact.organisation, contact.preference) == (
        "window", "police", "callback"
    )


def test_a_first_message_drawing_a_taken_reference_still_opens_its_own_conversation(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reference already taken is never given to a second contact."""
    engine: Engine = app.extensions["loket.engine"]
    text(client, "Hallo", sender="+31611111111")
    taken = only_contact(engine).reference
    draws = iter([taken])
    random_reference = contact_domain.random_reference
    monkeypatch.setattr(
        contact_domain, "random_reference", lambda: next(draws, None) or random_reference()
    )
    reply = text(client, "Goedemiddag", sender="+31622222222")
    assert reply and "112" in reply
    first, second = contacts(engine)
    assert second.reference != taken and second.intake_step == "who"
    assert len(messages(engine, "in")) == 2


def test_twilio_is_never_rate_limited_while_the_public_pages_are(
    make_app: Callable[..., Flask],
) -> None:
    """Twilio calls from shared addresses: its signed webhooks pass any public limit.

    (The public pages' limits are tested with the web form and the web chat.)
    """
    app = make_app(public_rate_limit="2 per minute")
    client = app.test_client()
    replies = [text(client, f"Bericht {n}", sender=f"+3161234560{n}") for n in range(5)]
    assert all(reply and "112" in reply for reply in replies)
    answer = post(client, INBOUND, params_of("Nog een"))
    assert answer.status_code == 200
    assert not any(name.startswith("X-RateLimit") for name in answer.headers.keys())
