"""Erasure and retention, checked everywhere: a person's data is driven through the real
flows (SMS, WhatsApp, a call, the web form, a web chat, the workspace, the API, a callback
and its call, RQ jobs on a real Redis), then erased (or made old and purged), and then
every table of `SQLModel.metadata` (so a table added later is covered too), every row and
every text, JSON or binary column, encrypted ones decrypted with the app's keyring, is
searched for the person's canaries and their keyed phone hash; so is every Redis key and
value. Nothing of them may remain, in the audit trail neither; someone else on the same
desk keeps everything. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from redis import Redis
from sqlalchemy import inspect, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, col

from loket.domain import calls, erasure
from loket.queue import outbox
from loket.queue.worker import SimpleAppWorker, queues
from loket.reports.volumes import figures
from loket.routing.values import DESKS
from loket.store.db import read_scope, session_scope
from loket.store.models import (
    AuditEvent,
    CallbackRequest,
    CallLeg,
    Contact,
    Message,
    PersonFlag,
    User,
)
from loket.store.types import utcnow
from tests.channels import test_messaging as sms
from tests.channels.conftest import signed_post
from tests.channels.test_webchat import press as chat_press
from tests.channels.test_webchat import start_chat
from tests.channels.test_webform import answers, send
from tests.desk.helpers import api_token, log_in, make_user
from tests.desk.test_workspace import act, post
from tests.domain.test_erasure import as_erased
from tests.test_canary import redis_dump
from tests.twilio_double import press as press_key

NAME = "Kanariepiet Vogelzang"
PHONE = "+31612349876"
EMAIL = "kanariepiet.vogelzang@example.org"
TEXT = "KANARIE-9Q2X slaap slecht sinds de missie"
# What would give the person away, in any form it could take (compared case-insensitively).
NEEDLES = ("Kanariepiet", "Vogelzang", "612349876", "1234 9876", "KANARIE-9Q2X",
           "slaap slecht sinds de missie")
# Someone else, on the same desk, whose data must all stay.
OTHER_NAME = "Bertus Ottevanger"
OTHER_PHONE = "+31655501234"
OTHER_TEXT = "OTTER-4K7M de buren maken lawaai"
OTHER_NEEDLES = ("Ottevanger", "655501234", "OTTER-4K7M")
COUNSELLOR_PHONE = "+31687654321"


# --- driving the flows ---------------------------------------------------------------------


def engine_of(app: Flask) -> Engine:
    engine: Engine = app.extensions["loket.engine"]
    return engine


def run_jobs(app: Flask, redis: Redis) -> None:
    """Move promised jobs into RQ and run them (and what they enqueue) in-process."""
    for _ in range(3):
        outbox.dispatch(engine_of(app), redis)
        SimpleAppWorker(queues(redis), connection=redis, app=app).work(burst=True)


def contacts_of(app: Flask, phone_digits: str) -> list[Contact]:
    """Return the contacts whose (decrypted) number ends in these digits, oldest first."""
    with Session(engine_of(app)) as session:
        found = session.exec(select(Contact).order_by(col(Contact.id))).scalars().all()
        return [c for c in found if c.phone and c.phone.endswith(phone_digits)]


def counsellor(app: Flask, desk: str, *, phone: str | None = None) -> tuple[FlaskClient, User]:
    user = make_user(app, role="counsellor", desk=desk, display_name="Anouk")
    if phone:
        with session_scope(engine_of(app)) as session:
            stored = session.get(User, user.id)
            assert stored is not None
            stored.phone = phone
    client = app.test_client()
    log_in(client, app, user)
    return client, user


def desk_of(contact: Contact) -> str:
    return contact.queue if contact.queue in DESKS else (contact.desk or "police")


def work_on(app: Flask, contact: Contact, *, name: str, text: str,
            worker: FlaskClient | None = None) -> FlaskClient:
    """A counsellor of the contact's desk opens it, claims it, shows the number, replies,
    notes, asks for help, proposes a flag on the person and leaves a draft."""
    if worker is None:
        worker, _ = counsellor(app, desk_of(contact))
    reference = contact.reference
    assert worker.get(f"/desk/contacts/{reference}").status_code == 200
    for action, data in (("claim", {}), ("unmask", {}),
                         ("reply", {"text": f"Dag {name}, fijn dat je schrijft."}),
                         ("note", {"text": f"{name} belt over {text}"}),
                         ("draft", {"kind": "close", "body": f"Slot: {name}, {text}"})):
        done = act(worker, reference, action, **data)
        assert done.status_code in (200, 204, 303), (action, done.status_code)
    assert post(worker, f"/desk/contacts/{reference}/help").status_code == 303
    if contact.phone_hash:
        flagged = post(worker, f"/desk/contacts/{reference}/flag", flag="frequent",
                       reason=f"{name} belt elke nacht over {text}")
        assert flagged.status_code == 303
    return worker


def the_person_everywhere(app: Flask, redis: Redis) -> list[str]:
    """Drive the person's data into every place the flows keep it; return their contacts'
    references."""
    # SMS and WhatsApp from one number, a phone call, a web form asking for a callback, a
    # web chat that asks for one too (the same number: the same person).
    texter = app.test_client()
    sms.walk(texter, f"Hallo, ik ben {NAME}. {TEXT}", "1", "1", sender=PHONE)
    sms.text(app.test_client(), f"Ik ben het, {NAME}. {TEXT}", sender=f"whatsapp:{PHONE}")
    signed_post(app.test_client(), "/twilio/voice",
                {"CallSid": "CA" + "7" * 32, "From": PHONE, "To": "+3185000000"})
    form = app.test_client()
    assert send(form, answers(name=NAME, phone=PHONE, email=EMAIL, message=TEXT,
                              reach="phone")).status_code == 303
    chat = app.test_client()
    start_chat(chat, "military", "serving", "callback", name=NAME)
    assert chat_press(chat, "/chat/callback", phone=PHONE, window="tomorrow",
                      voicemail="yes").status_code == 303
    assert chat_press(chat, "/chat/send", body=f"{TEXT}, mijn nummer is {PHONE}"
                      ).status_code == 303
    run_jobs(app, redis)

    mine = contacts_of(app, PHONE[-8:])
    assert len(mine) >= 4, [(c.channel, c.status) for c in mine]
    # A callback and its call: the form's callback made due, a counsellor rings, the person
    # answers, the call ends (Twilio's status callbacks name the number); then the
    # workspace on every contact of theirs; a break-glass from another desk on one.
    callers: dict[str, FlaskClient] = {}
    for contact in mine:
        if contact.channel == "webform":
            callers[contact.reference] = call_back(app, redis, contact)
    for contact in mine:
        if contact.desk:
            work_on(app, contact, name=NAME, text=TEXT, worker=callers.get(contact.reference))
    routed = [c for c in mine if c.desk]
    from loket.domain.access import POOLED_DESKS

    pooled = POOLED_DESKS if routed[0].queue == "pool" else ()
    other_desk = next(d for d in DESKS
                      if d not in (routed[0].desk, routed[0].queue, *pooled))
    glass, _ = counsellor(app, other_desk)
    opened = post(glass, "/desk/break-glass", reference=routed[0].reference,
                  reason=f"Crisis bij {NAME}: {TEXT}")
    assert opened.status_code == 303, opened.get_data(as_text=True)

    # The API: a reply and a note sent with an Idempotency-Key (its answer is kept).
    api_user = make_user(app, role="counsellor", desk=desk_of(routed[-1]))
    bearer = {"Authorization": f"Bearer {api_token(app, api_user)}"}
    api = app.test_client()
    target = routed[-1].reference
    api.post(f"/api/v1/contacts/{target}/release", headers=bearer)
    claimed = api.post(f"/api/v1/contacts/{target}/claim", headers=bearer)
    if claimed.status_code == 200:
        for path, body in (("messages", {"text": f"Dag {NAME}, hier de API."}),
                           ("notes", {"text": f"API-notitie: {TEXT}"})):
            answer = api.post(f"/api/v1/contacts/{target}/{path}", json=body,
                              headers={**bearer, "Idempotency-Key": f"key-{path}"})
            assert answer.status_code in (201, 409), answer.get_data(as_text=True)

    run_jobs(app, redis)
    # Twilio's delivery reports of the replies sent to them (they name the number), and
    # of a message Loket no longer knows.
    mine = contacts_of(app, PHONE[-8:])
    with Session(engine_of(app)) as session:
        sent = session.exec(select(Message.external_id, Contact.channel)
                            .join(Contact, col(Contact.id) == Message.contact_id)
                            .where(col(Message.contact_id).in_([c.id for c in mine]),
                                   Message.direction == "out",
                                   col(Message.external_id).is_not(None))).all()
    assert sent
    for sid, channel in sent:
        to = f"whatsapp:{PHONE}" if channel == "whatsapp" else PHONE
        answer = signed_post(app.test_client(), "/twilio/messaging/status",
                             {"MessageSid": sid or "", "MessageStatus": "delivered",
                              "To": to, "From": "+3185000000"})
        assert answer.status_code == 200
    return [c.reference for c in mine]


def call_back(app: Flask, redis: Redis, contact: Contact) -> FlaskClient:
    """Call the person back from their callback; return the counsellor's client."""
    with session_scope(engine_of(app)) as session:
        callback = session.exec(select(CallbackRequest).where(
            CallbackRequest.contact_id == contact.id)).scalars().one()
        callback_id = callback.id or 0
        calls.schedule(session=session, callback=callback)
    with session_scope(engine_of(app)) as session:
        calls.make_due(session=session, callback_id=callback_id,
                       now=utcnow() + timedelta(days=2))
    client, _ = counsellor(app, desk_of(contact), phone=COUNSELLOR_PHONE)
    act(client, contact.reference, "claim")
    assert act(client, contact.reference, "call").status_code == 303
    run_jobs(app, redis)
    legs = legs_of(app, contact)
    assert legs and legs[-1].call_sid, legs
    leg = legs[-1]
    params = {"CallSid": leg.call_sid or "", "CallStatus": "in-progress",
              "From": "+3185000000", "To": COUNSELLOR_PHONE}
    prompt = signed_post(app.test_client(), f"/twilio/calls/{leg.id}/counsellor", params)
    press_key(app.test_client(), prompt, params, "1")
    run_jobs(app, redis)
    person = legs_of(app, contact)[-1]
    assert person.kind == "person" and person.call_sid
    signed_post(app.test_client(), f"/twilio/calls/{person.id}/person",
                {"CallSid": person.call_sid, "AnsweredBy": "human", "From": "+3185000000",
                 "To": PHONE})
    for each in (person, leg):
        signed_post(app.test_client(), "/twilio/calls/status",
                    {"CallSid": each.call_sid or "", "CallStatus": "completed",
                     "From": "+3185000000",
                     "To": PHONE if each is person else COUNSELLOR_PHONE})
    act(client, contact.reference, "call_outcome", outcome="reached")
    return client


def legs_of(app: Flask, contact: Contact) -> list[CallLeg]:
    with Session(engine_of(app)) as session:
        return list(session.exec(select(CallLeg).where(CallLeg.contact_id == contact.id)
                                 .order_by(col(CallLeg.id))).scalars().all())


def someone_else(app: Flask, redis: Redis) -> list[str]:
    """Another person texting the same desk, worked on the same way; their references."""
    sms.walk(app.test_client(), f"Hoi, {OTHER_NAME} hier. {OTHER_TEXT}", "1", "1",
             sender=OTHER_PHONE)
    run_jobs(app, redis)
    theirs = contacts_of(app, OTHER_PHONE[-8:])
    for contact in theirs:
        if contact.desk:
            work_on(app, contact, name=OTHER_NAME, text=OTHER_TEXT)
    run_jobs(app, redis)
    return [c.reference for c in theirs]


# --- searching everywhere ------------------------------------------------------------------


def as_text(value: Any) -> str | None:
    """Return a stored value as text to search, or None for a value that holds no text."""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return None


def database_hits(app: Flask, needles: Iterable[str]) -> dict[str, set[str]]:
    """Return, per `table.column`, the needles found in any row: every table of the
    metadata, every column holding text, JSON or bytes, encrypted ones decrypted."""
    wanted = [n.lower() for n in needles]
    found: dict[str, set[str]] = {}
    engine = engine_of(app)
    stored = set(inspect(engine).get_table_names())
    known = {t.name for t in SQLModel.metadata.sorted_tables}
    assert stored - known <= {"alembic_version"}, stored - known  # no table the scan misses
    with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            for row in conn.execute(select(table)).mappings():
                for column, value in row.items():
                    text = as_text(value)
                    if not text:
                        continue
                    low = text.lower()
                    for needle in wanted:
                        if needle in low:
                            found.setdefault(f"{table.name}.{column}", set()).add(needle)
    return found


def redis_hits(redis: Redis, needles: Iterable[str]) -> set[str]:
    dumped = redis_dump(redis).lower()
    return {n.lower() for n in needles if n.lower() in dumped}


def person_hash(app: Flask) -> str:
    contact = contacts_of(app, PHONE[-8:])[0]
    assert contact.phone_hash
    return contact.phone_hash


def everything_of_them(app: Flask, redis: Redis) -> tuple[str, str]:
    """Drive both people's data in; return the person's hash and an SMS reference."""
    references = the_person_everywhere(app, redis)
    someone_else(app, redis)
    the_hash = person_hash(app)
    places = database_hits(app, (*NEEDLES, the_hash))
    # The flows did reach the places erasure must clean (the proof the scan means it).
    for place in ("contact.name", "contact.phone", "contact.phone_hash", "message.body",
                  "note.body", "draft.body", "person_flag.reason", "person_flag.phone_hash",
                  "break_glass.reason", "inbound_event.payload", "outbound_action.to",
                  "callback_request.phone"):
        assert place in places, (place, sorted(places))
    assert "rq:job:" in redis_dump(redis)  # the jobs' data is there to be searched
    sms_reference = next(c.reference for c in contacts_of(app, PHONE[-8:])
                         if c.channel == "sms")
    assert sms_reference in references
    return the_hash, sms_reference


def left_behind(app: Flask, redis: Redis, the_hash: str) -> dict[str, set[str]]:
    found = database_hits(app, (*NEEDLES, the_hash))
    in_redis = redis_hits(redis, (*NEEDLES, the_hash))
    if in_redis:
        found["redis"] = in_redis
    return found


# --- the tests -----------------------------------------------------------------------------


def test_erasing_a_person_leaves_nothing_of_them_anywhere_and_all_of_someone_else(
    store_app: Flask, redis_conn: Redis,
) -> None:
    app = store_app
    the_hash, reference = everything_of_them(app, redis_conn)
    theirs = {c.reference for c in contacts_of(app, PHONE[-8:])}
    other_before = database_hits(app, OTHER_NEEDLES)
    today = utcnow().date()
    first, last = today - timedelta(days=2), today + timedelta(days=2)
    with read_scope(engine_of(app)) as session:
        before = figures(session, first, last)
        still_open = len(session.exec(select(Contact).where(
            col(Contact.reference).in_(theirs), Contact.status != "closed")).all())

    with session_scope(engine_of(app)) as session:
        erased = erasure.erase(session=session, reference=reference, actor="test")

    # The command's promise: this contact and every other contact with the same number.
    assert set(erased) == theirs
    left = left_behind(app, redis_conn, the_hash)
    assert left == {}, f"left behind after erase: {sorted(left.items())}"
    with read_scope(engine_of(app)) as session:
        rows = session.exec(select(Contact).where(col(Contact.reference).in_(theirs))
                            ).scalars().all()
        assert len(rows) == len(theirs) and all(c.anonymised_at for c in rows)  # counted
        lines = session.exec(select(AuditEvent.contact_reference).where(
            AuditEvent.event == "delete")).scalars().all()
        assert sorted(lines) == sorted(theirs)  # the audit trail says it happened
        # The reports' figures unchanged, but the open ones count as erased, not open.
        assert figures(session, first, last) == as_erased(before, still_open)
    # Someone else on the same desk keeps every bit of theirs.
    assert database_hits(app, OTHER_NEEDLES) == other_before
    others = contacts_of(app, OTHER_PHONE[-8:])
    assert others and all(c.anonymised_at is None and c.phone_hash for c in others)


def test_the_retention_leaves_nothing_of_an_old_person_and_keeps_the_counts(
    store_app: Flask, redis_conn: Redis,
) -> None:
    app = store_app
    the_hash, _ = everything_of_them(app, redis_conn)
    theirs = {c.reference for c in contacts_of(app, PHONE[-8:])}
    other_before = database_hits(app, OTHER_NEEDLES)
    old = utcnow() - timedelta(days=800)
    with session_scope(engine_of(app)) as session:  # the person's contacts: long closed
        session.execute(update(Contact).where(col(Contact.reference).in_(theirs)).values(
            status="closed", created_at=old, routed_at=old, answered_at=None,
            closed_at=old + timedelta(minutes=20), outcome="helped",
            assigned_user_id=None))
    first, last = old.date() - timedelta(days=1), utcnow().date() + timedelta(days=1)
    with read_scope(engine_of(app)) as session:
        before = figures(session, first, last)

    done = erasure.retain(lambda: session_scope(engine_of(app)),
                          erasure.Retention(days=730))
    assert done == len(theirs)
    left = left_behind(app, redis_conn, the_hash)
    assert left == {}, f"left behind after purge: {sorted(left.items())}"
    with read_scope(engine_of(app)) as session:
        assert figures(session, first, last) == before  # the reports' figures unchanged
    assert database_hits(app, OTHER_NEEDLES) == other_before
    assert erasure.retain(lambda: session_scope(engine_of(app)),
                          erasure.Retention(days=730)) == 0


def test_the_retention_keeps_a_person_s_recent_contact_and_the_flags_on_their_number(
    store_app: Flask, redis_conn: Redis,
) -> None:
    # The retention anonymises what is old; the person's recent contact on the same number
    # is kept as it is (it is within its period), and so are the flags on the number.
    app = store_app
    sms.walk(app.test_client(), f"Hallo, ik ben {NAME}. {TEXT}", "1", "1", sender=PHONE)
    run_jobs(app, redis_conn)
    [old_one] = contacts_of(app, PHONE[-8:])
    old = utcnow() - timedelta(days=800)
    with session_scope(engine_of(app)) as session:
        session.execute(update(Contact).where(Contact.id == old_one.id).values(
            status="closed", created_at=old, closed_at=old, outcome="helped"))
    sms.walk(app.test_client(), f"Weer {NAME}", "1", "1", sender=PHONE)
    run_jobs(app, redis_conn)
    recent = [c for c in contacts_of(app, PHONE[-8:]) if c.id != old_one.id]
    assert len(recent) == 1 and recent[0].phone_hash == old_one.phone_hash
    work_on(app, recent[0], name=NAME, text="nieuw")
    assert erasure.retain(lambda: session_scope(engine_of(app)),
                          erasure.Retention(days=730)) == 1
    with read_scope(engine_of(app)) as session:
        kept = session.get(Contact, recent[0].id)
        assert kept is not None and kept.phone == PHONE and kept.anonymised_at is None
        flags = session.exec(select(PersonFlag)).scalars().all()
        assert [f.phone_hash for f in flags] == [kept.phone_hash]  # the number still in use
