"""Review 14 (erasure/retention): personal data a person's erasure left behind.

- A reply whose send job read the number and the text, then (`loket erase` committing in
  between) sent it: the sandbox's record of that send kept both for good.
- The webhooks' idempotency keys, kept after an erasure, hashed the caller's number
  without a key: trying every Dutch mobile number gave it back. The digest is keyed now
  (LOKET_HASH_KEY, which no rotation changes), for every row.
- A note written on an erased contact (a page still open) was kept for good: the
  retention never looks at an anonymised contact again. It is refused now, in the desk
  and in the API, as a reply is.

On SQLite and PostgreSQL (`store_app`).
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

from flask import Flask
from redis import Redis
from sqlmodel import Session, col, select

from loket.domain import erasure, inbound
from loket.store.crypto import Keyring, keyring
from loket.store.db import session_scope
from loket.store.models import Contact, Draft, InboundEvent, Message, Note, OutboundAction
from loket.store.types import utcnow
from tests.api.calls import caller
from tests.channels.conftest import signed_post
from tests.desk.test_workspace import act, counsellor, engine_of, waiting
from tests.queue.test_callbacks import run_jobs

PHONE = "+31612349876"
REPLY = "Dag Kanariepiet, ik bel je morgen over de missie"
NOTE = "Kanariepiet belde nog: woont Vogelzanglaan 3, Utrecht, slaapt slecht"


class ErasingGateway:
    """The sandbox gateway, but the person's erasure (`loket erase`, another process)
    commits just before the job's message reaches Twilio: after the job read what to send,
    before it sends."""

    def __init__(self, app: Flask, reference: str) -> None:
        self.inner = app.extensions["loket.gateway"]
        self.app, self.reference = app, reference
        self.erased = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def send_message(self, **kwargs: Any) -> str:
        if not self.erased:
            with session_scope(engine_of(self.app)) as session:
                erasure.erase(session=session, reference=self.reference, actor="cli")
            self.erased = True
        return str(self.inner.send_message(**kwargs))


def sandbox_rows(app: Flask) -> list[OutboundAction]:
    with Session(engine_of(app)) as session:
        return list(session.exec(select(OutboundAction).order_by(col(OutboundAction.id))).all())


def nightly_retention(app: Flask) -> None:
    erasure.retain(lambda: session_scope(engine_of(app)), erasure.Retention(days=730))


# --- 1. a reply being sent while its person is erased --------------------------------------


def test_a_reply_sent_while_its_person_is_erased_keeps_nothing_of_them_in_the_sandbox(
    store_app: Flask, redis_conn: Redis,
) -> None:
    app = store_app
    reference = waiting(app, channel="sms", phone=PHONE)
    client, _ = counsellor(app)
    act(client, reference, "claim")
    assert act(client, reference, "reply", text=REPLY).status_code in (200, 303)
    gateway = ErasingGateway(app, reference)
    app.extensions["loket.gateway"] = gateway
    run_jobs(app, redis_conn)
    assert gateway.erased  # the erasure ran, between the job's read and its send

    sent = [row for row in sandbox_rows(app) if row.kind == "message"]
    assert len(sent) == 1 and sent[0].sid  # it went out (Twilio had it already)
    left = [(row.kind, row.to, row.body) for row in sandbox_rows(app)
            if (row.to and PHONE[-8:] in row.to) or (row.body and "Kanariepiet" in row.body)]
    assert left == [], f"the erased person's number and text in outbound_action: {left}"
    with Session(engine_of(app)) as session:  # and no message came back for its sid
        assert session.exec(select(Message).where(Message.external_id == sent[0].sid)
                            ).first() is None
    nightly_retention(app)
    assert [row.to for row in sandbox_rows(app) if row.to] == []


def test_a_reply_sent_to_a_person_not_erased_keeps_its_sandbox_record(
    store_app: Flask, redis_conn: Redis,
) -> None:
    app = store_app
    reference = waiting(app, channel="sms", phone=PHONE)
    client, _ = counsellor(app)
    act(client, reference, "claim")
    act(client, reference, "reply", text=REPLY)
    run_jobs(app, redis_conn)
    sent = [row for row in sandbox_rows(app) if row.kind == "message"]
    assert [(row.to, row.body) for row in sent] == [(PHONE, REPLY)]
    with Session(engine_of(app)) as session:
        message = session.exec(select(Message).where(Message.direction == "out")).one()
    assert (message.body, message.external_id) == (REPLY, sent[0].sid)


# --- 2. the webhooks' idempotency keys: keyed, so they give no number back -----------------


def plain_digest(path: str, params: dict[str, str]) -> str:
    """The digest as it was: an unkeyed SHA-256 of the path and the posted form."""
    return hashlib.sha256(json.dumps({"path": path, "p": params}, sort_keys=True)
                          .encode()).hexdigest()[:32]


def test_an_erased_caller_s_number_is_not_recoverable_from_the_kept_idempotency_keys(
    store_app: Flask,
) -> None:
    app = store_app
    sid = "CA" + "5" * 32
    desk = "+3185000000"
    form = {"CallSid": sid, "From": PHONE, "To": desk}
    answer = signed_post(app.test_client(), "/twilio/voice", form)
    assert answer.status_code == 200
    with Session(engine_of(app)) as session:
        reference = session.exec(select(Contact).where(Contact.external_id == sid)).one(
            ).reference
    with session_scope(engine_of(app)) as session:
        erasure.erase(session=session, reference=reference, actor="cli")
    nightly_retention(app)
    with Session(engine_of(app)) as session:
        keys = [key for key in session.exec(select(InboundEvent.idempotency_key)).all()
                if sid in key]
    assert keys

    # What anyone reading the table knows: channel, kind, CallSid and the webhook's public
    # form; the one unknown is the caller's number. Tried over a range near it, unkeyed
    # and under a hash key that is not the app's: nothing matches.
    recovered = set()
    for key in keys:
        digest = key.rpartition(":")[2]
        for n in range(12340000, 12360000):
            params = {"CallSid": sid, "From": f"+316{n:08d}", "To": desk}
            if plain_digest("/twilio/voice", params) == digest:
                recovered.add(params["From"])
    assert recovered == set(), (
        f"erased caller's number recovered from inbound_event.idempotency_key: {recovered}")
    guessed = Keyring(keyring(app).data_keys, "n" * 40).keyed_hash
    for key in keys:
        channel, kind, rest = key.split(":", 2)
        key_sid = rest.rpartition(":")[0]
        for n in range(12349000, 12350000):
            params = {"CallSid": sid, "From": f"+316{n:08d}", "To": desk}
            if inbound.idempotency_key(channel=channel, kind=kind, sid=key_sid,
                                       path="/twilio/voice", params=params,
                                       keyed=guessed) == key:
                recovered.add(params["From"])
    assert recovered == set(), (
        f"erased caller's number recovered from inbound_event.idempotency_key: {recovered}")

    # The key keeps its shape (`channel:kind:sid:` then 32 hex digits: status callbacks are
    # found by that prefix), it is the app's hash key's (no data key rotation changes it),
    # and a retry of the same webhook finds it.
    key = keys[0]
    channel, kind, rest = key.split(":", 2)
    key_sid, _, digest = rest.rpartition(":")
    assert (channel, kind) == ("phone", "call") and key_sid.startswith(f"{sid}:")
    assert len(digest) == 32
    int(digest, 16)
    rotated = keyring(app).with_data_keys(["A" * 43 + "="]).keyed_hash
    assert inbound.idempotency_key(channel=channel, kind=kind, sid=key_sid,
                                   path="/twilio/voice", params=form, keyed=rotated) == key
    again = signed_post(app.test_client(), "/twilio/voice", form)
    assert again.status_code == 200
    with Session(engine_of(app)) as session:
        assert len([k for k in session.exec(select(InboundEvent.idempotency_key)).all()
                    if sid in k]) == len(keys)  # the retry was a replay: no new row


# --- 3. a note written on an erased contact (a page still open) ----------------------------


def test_a_note_on_an_erased_contact_is_refused_in_the_desk_and_nothing_is_kept(
    store_app: Flask,
) -> None:
    app = store_app
    reference = waiting(app, channel="sms", phone=PHONE)
    client, _ = counsellor(app)
    act(client, reference, "claim")
    # `loket erase` runs while the counsellor still has the contact's page open.
    with session_scope(engine_of(app)) as session:
        erasure.erase(session=session, reference=reference, actor="cli")
    answer = act(client, reference, "note", text=NOTE)
    assert answer.status_code == 303
    shown = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "gegevens van dit contact zijn gewist" in shown or "personal data was erased" in shown
    act(client, reference, "draft", kind="note", body=NOTE)  # the page's autosave
    nightly_retention(app)
    erasure.retain(lambda: session_scope(engine_of(app)), erasure.Retention(days=1),
                   now=utcnow() + timedelta(days=400))
    with Session(engine_of(app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        notes = session.exec(select(Note.body).where(Note.contact_id == contact.id)).all()
    assert contact.anonymised_at is not None
    assert notes == [], f"note on the erased contact (answer {answer.status_code}): {notes}"
    with Session(engine_of(app)) as session:
        assert session.exec(select(Draft).where(Draft.contact_id == contact.id)).all() == []


def test_a_note_on_an_erased_contact_is_refused_by_the_api_in_the_client_s_language(
    store_app: Flask,
) -> None:
    app = store_app
    reference = waiting(app, channel="sms", phone=PHONE)
    who = caller(app)
    assert who.do("claim", reference).status_code == 200
    with session_scope(engine_of(app)) as session:
        erasure.erase(session=session, reference=reference, actor="cli")
    answer = who.do("note", reference, {"text": NOTE})
    assert answer.status_code == 422, answer.get_json()
    assert answer.get_json()["field"] == "erased"
    assert "erased" in answer.get_json()["error"]
    dutch = who("POST", f"/api/v1/contacts/{reference}/notes", {"text": NOTE},
                headers={"Accept-Language": "nl"})
    assert dutch.status_code == 422 and "gewist" in dutch.get_json()["error"]
    with Session(engine_of(app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        assert session.exec(select(Note).where(Note.contact_id == contact.id)).all() == []


def test_a_contact_still_holding_its_data_takes_a_note_after_it_was_closed(
    store_app: Flask,
) -> None:
    app = store_app
    reference = waiting(app, channel="sms", phone=PHONE)
    who = caller(app)
    who.do("claim", reference)
    assert who.do("close", reference).status_code == 200
    assert who.do("note", reference, {"text": "Later nog gebeld."}).status_code == 201
