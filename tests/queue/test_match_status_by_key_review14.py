"""A call's status callbacks that came before its sid was stored are found by their key
(which begins with the CallSid), not by decrypting every unmatched status: among many
other calls' early statuses, some with sids alike, this call's is matched, and only it.

Through the real routes, RQ jobs on a real Redis and the real `twilio` client talking to
the local Twilio REST double, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from flask import Flask
from redis import Redis
from sqlmodel import Session, col, select

from loket.domain import calls
from loket.store.db import session_scope
from loket.store.models import InboundEvent
from tests.desk.test_workspace import act, engine_of
from tests.queue.test_answered_calls import caller_in_queue, stored
from tests.queue.test_callbacks import (
    COUNSELLOR_PHONE,
    DESK_NUMBER,
    calls_app,  # noqa: F401 - the fixture, on SQLite and PostgreSQL
    counsellor_with_phone,
    legs,
    run_jobs,
)
from tests.queue.test_calls_review4 import run_retries
from tests.twilio_double import TwilioDouble, signed_post


def test_an_early_status_is_matched_among_other_calls_early_statuses(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    client, _ = counsellor_with_phone(calls_app)
    reference, _caller_sid = caller_in_queue(calls_app, waited_s=30)
    act(client, reference, "claim")
    assert act(client, reference, "answer").status_code == 303
    [mine] = [leg for leg in legs(calls_app, reference) if leg.kind == "counsellor"]
    sid = "CA" + "e" * 32
    with session_scope(engine_of(calls_app)) as session:
        assert calls.take_leg(session=session, leg_id=mine.id or 0) is not None
    others = [sid[:-1] + "f", sid[:-1], "CA" + "E" * 32, "CA" + "e" * 31 + "1",
              *("CA" + f"{n:032x}" for n in range(20))]
    person = calls_app.test_client()
    for n, other in enumerate(others[:12]):
        assert signed_post(person, "/twilio/calls/status",
                           {"CallSid": other, "CallStatus": "completed",
                            "From": DESK_NUMBER, "To": f"+3161000{n:04d}"}).status_code == 200
    early = signed_post(person, "/twilio/calls/status",
                        {"CallSid": sid, "CallStatus": "no-answer", "From": DESK_NUMBER,
                         "To": COUNSELLOR_PHONE})
    assert early.status_code == 200
    for n, other in enumerate(others[12:]):
        assert signed_post(person, "/twilio/calls/status",
                           {"CallSid": other, "CallStatus": "busy",
                            "From": DESK_NUMBER, "To": f"+3162000{n:04d}"}).status_code == 200
    run_jobs(calls_app, redis_conn)  # tried at once: no leg of that sid yet
    with session_scope(engine_of(calls_app)) as session:
        calls.leg_placed(session=session, leg_id=mine.id or 0, call_sid=sid)
    run_retries(calls_app, redis_conn)

    # This call's "no answer" ended its leg: the caller is for anyone of the desk again.
    [leg] = [leg for leg in legs(calls_app, reference) if leg.kind == "counsellor"]
    assert leg.status == "no-answer"
    contact = stored(calls_app, reference)
    assert (contact.status, contact.assigned_user_id) == ("waiting", None)
    with Session(engine_of(calls_app)) as session:
        matched = session.exec(select(InboundEvent).where(
            InboundEvent.kind == "status", col(InboundEvent.contact_id).is_not(None))).all()
        unmatched = session.exec(select(InboundEvent).where(
            InboundEvent.kind == "status", col(InboundEvent.contact_id).is_(None))).all()
    assert [row.idempotency_key.split(":")[2] for row in matched] == [sid]
    assert len(unmatched) == len(others)
