"""The worker keeping a reply's sid reads the status callbacks that came early for that sid
only, found by their idempotency key (`channel:status:SID:digest`), not every unmatched
status callback's payload (each decrypted). What the desk shows stays the same: an
"undelivered" Twilio posted for this reply before its sid was stored still shows "Niet
afgeleverd ... Bel hen", while the early callbacks of 50 other sids -- look-alikes among
them: the sid with more after it, one short, in other case (SQLite's LIKE ignores case)
-- stay unmatched (contact_id NULL) and change nothing (many say the number opted out).

On SQLite and PostgreSQL.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from redis import Redis
from sqlmodel import Session, col, select

from loket.domain import conversations
from loket.gateway import get_gateway
from loket.queue import outbox
from loket.store.models import Contact, InboundEvent, Message
from tests.channels.conftest import run_jobs, signed_post
from tests.desk.test_workspace import act, counsellor, waiting

NOT_DELIVERED = "Niet afgeleverd"
OTHERS = 50


def look_alikes(sid: str) -> list[tuple[str, str, str, str]]:
    """Early callbacks of other sids: (sid, status, error code, channel's address)."""
    sms, whatsapp = "+31612345678", "whatsapp:+31612345678"
    near = [
        (sid + "0", "undelivered", "30003", sms),  # this sid, and more after it
        (sid.upper(), "failed", "21610", sms),  # other case (SQLite's LIKE ignores it)
        (sid[:-1], "undelivered", "30003", whatsapp),  # this sid, one short
    ]
    rest = [(f"SM{n:032x}", "delivered" if n % 2 else "failed", "" if n % 2 else "21610",
             whatsapp if n % 3 else sms) for n in range(OTHERS - len(near))]
    return near + rest


def reply_among_others(app: Flask, redis: Redis, monkeypatch: pytest.MonkeyPatch) -> str:
    """A counsellor replies by SMS; before the worker stores the reply's sid, Twilio posts
    the early callbacks of 50 other sids and this sid's "undelivered" (each answered 200).
    Return the contact's desk page after."""
    reference = waiting(app, channel="sms")
    client, _ = counsellor(app)
    assert act(client, reference, "claim").status_code == 303
    assert act(client, reference, "reply", text="Ik bel je om acht uur.").status_code == 303

    gateway = get_gateway(app)
    original = gateway.send_message
    twilio = app.test_client()

    def report(sid: str, status: str, error: str, to: str) -> None:
        answer = signed_post(twilio, "/twilio/messaging/status", {
            "MessageSid": sid, "MessageStatus": status, **({"ErrorCode": error} if error else {}),
            "To": to, "From": "+3185000000", "AccountSid": "AC" + "0" * 32,
        })
        assert answer.status_code == 200

    def send_then_twilio_reports(**kwargs: Any) -> str:
        sid = original(**kwargs)
        others = look_alikes(sid)
        for other in others[:OTHERS // 2]:
            report(*other)
        report(sid, "undelivered", "30003", kwargs["to"])
        for other in others[OTHERS // 2:]:
            report(*other)
        return sid

    monkeypatch.setattr(gateway, "send_message", send_then_twilio_reports)
    outbox.dispatch(app.extensions["loket.engine"], redis)
    run_jobs(app, redis)
    return client.get(f"/desk/contacts/{reference}").get_data(as_text=True)


def test_an_early_undelivered_is_taken_among_50_other_unmatched_statuses(
    store_app: Flask, redis_conn: Redis, monkeypatch: pytest.MonkeyPatch,
) -> None:
    page = reply_among_others(store_app, redis_conn, monkeypatch)
    assert NOT_DELIVERED in page and "Bel hen" in page
    with Session(store_app.extensions["loket.engine"]) as session:
        reply = session.exec(select(Message).where(Message.direction == "out")).one()
        assert reply.external_id and reply.delivery_status == "undelivered"
        contact = session.get(Contact, reply.contact_id)
        # No other sid's "failed" 21610 (opted out) was taken for this conversation.
        assert contact is not None and not conversations.texts_stopped(contact)
        callbacks = session.exec(select(InboundEvent).where(InboundEvent.kind == "status")
                                 .order_by(col(InboundEvent.id))).all()
    assert len(callbacks) == OTHERS + 1
    matched = [c for c in callbacks if c.contact_id is not None]
    assert [c.contact_id for c in matched] == [reply.contact_id]  # its own, once
    assert f":{reply.external_id}:" in matched[0].idempotency_key
