"""A counsellor's SMS or WhatsApp reply that Twilio reports not delivered ("undelivered",
carrier error 30003) in a status callback that reaches Loket before the worker has stored
the message's sid -- the worker's write waits on a slow or locked database (`record_sent`
waits up to 30 s by design), or simply comes after Twilio's callback -- still shows "Niet
afgeleverd ... Bel hen" on the desk. It showed "sent" for good: the callback found no
message, was answered 200 (Twilio never sends it again), and the worker then wrote "sent".
A status Twilio reported early never moves the message back, an early "queued" does not
hide that it was sent, and an early error 21610 (the SMS number opted out) makes the
conversation one to call, as it does when it comes after the sid. (Calls handle the same
race with `match_status`.)

On SQLite and PostgreSQL.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from redis import Redis
from sqlmodel import Session, select

from loket.domain import conversations
from loket.gateway import get_gateway
from loket.queue import outbox
from loket.store.models import Contact, InboundEvent, Message
from tests.channels.conftest import run_jobs, signed_post
from tests.desk.test_workspace import act, counsellor, waiting

NOT_DELIVERED = "Niet afgeleverd"
ERRORS = {"undelivered": "30003", "failed": "21610"}  # unreachable; the number opted out


def reply_reported_early(app: Flask, redis: Redis, monkeypatch: pytest.MonkeyPatch,
                         statuses: list[str], *, channel: str = "sms") -> str:
    """A counsellor replies; Twilio accepts the text and posts these statuses (each answered
    200) before the worker has stored its sid. Return the contact's desk page after."""
    reference = waiting(app, channel=channel)
    client, _ = counsellor(app)
    assert act(client, reference, "claim").status_code == 303
    assert act(client, reference, "reply", text="Ik bel je om acht uur.").status_code == 303

    gateway = get_gateway(app)
    original = gateway.send_message
    twilio = app.test_client()

    def send_then_twilio_reports(**kwargs: Any) -> str:
        sid = original(**kwargs)
        for status in statuses:
            answer = signed_post(twilio, "/twilio/messaging/status", {
                "MessageSid": sid, "MessageStatus": status,
                **({"ErrorCode": ERRORS[status]} if status in ERRORS else {}),
                "To": kwargs["to"], "From": "+3185000000", "AccountSid": "AC" + "0" * 32,
            })
            assert answer.status_code == 200
        return sid

    monkeypatch.setattr(gateway, "send_message", send_then_twilio_reports)
    outbox.dispatch(app.extensions["loket.engine"], redis)
    run_jobs(app, redis)
    return client.get(f"/desk/contacts/{reference}").get_data(as_text=True)


def the_reply(app: Flask) -> Message:
    with Session(app.extensions["loket.engine"]) as session:
        return session.exec(select(Message).where(Message.direction == "out")).one()


@pytest.mark.parametrize("channel", ["sms", "whatsapp"])
def test_a_failure_reported_before_the_sid_is_stored_reaches_the_desk(
    store_app: Flask, redis_conn: Redis, monkeypatch: pytest.MonkeyPatch, channel: str,
) -> None:
    page = reply_reported_early(store_app, redis_conn, monkeypatch, ["undelivered"],
                                channel=channel)
    assert NOT_DELIVERED in page and "Bel hen" in page
    reply = the_reply(store_app)
    assert reply.external_id and reply.delivery_status == "undelivered"
    with Session(store_app.extensions["loket.engine"]) as session:
        callback = session.exec(select(InboundEvent).where(InboundEvent.kind == "status")).one()
    assert callback.contact_id == reply.contact_id  # matched to its conversation, once


@pytest.mark.parametrize(("statuses", "shown"), [
    (["sent", "undelivered"], "undelivered"),
    (["undelivered", "sent"], "undelivered"),  # out of order: never moved back
    (["queued"], "sent"),  # Twilio's word before the send's own: it was sent
])
def test_an_early_status_never_moves_a_reply_back(
    store_app: Flask, redis_conn: Redis, monkeypatch: pytest.MonkeyPatch,
    statuses: list[str], shown: str,
) -> None:
    page = reply_reported_early(store_app, redis_conn, monkeypatch, statuses)
    assert the_reply(store_app).delivery_status == shown
    assert (NOT_DELIVERED in page) == (shown == "undelivered")


def test_an_opted_out_number_reported_early_becomes_one_to_call(
    store_app: Flask, redis_conn: Redis, monkeypatch: pytest.MonkeyPatch,
) -> None:
    page = reply_reported_early(store_app, redis_conn, monkeypatch, ["failed"])
    reply = the_reply(store_app)
    assert reply.delivery_status == "failed" and NOT_DELIVERED in page
    with Session(store_app.extensions["loket.engine"]) as session:
        contact = session.get(Contact, reply.contact_id)
        assert contact is not None and conversations.texts_stopped(contact)  # call them


def test_a_status_after_the_sid_is_stored_is_recorded_as_before(
    store_app: Flask, redis_conn: Redis, monkeypatch: pytest.MonkeyPatch,
) -> None:
    page = reply_reported_early(store_app, redis_conn, monkeypatch, [])
    reply = the_reply(store_app)
    assert reply.delivery_status == "sent" and NOT_DELIVERED not in page
    answer = signed_post(store_app.test_client(), "/twilio/messaging/status", {
        "MessageSid": reply.external_id or "", "MessageStatus": "undelivered",
        "ErrorCode": "30003", "To": "+31612345678", "AccountSid": "AC" + "0" * 32,
    })
    assert answer.status_code == 200
    assert the_reply(store_app).delivery_status == "undelivered"
