"""A leg of a call Loket placed whose final status callback never arrived (Twilio does not
send it again) does not stay live for ever: once it has been quiet a while, the reconciler
asks Twilio how the call stands, as it does for waiting callers, and ends it as that
callback would have. Until then the counsellor showed as on a live call for good, and their
personal callbacks never rang them again.

Through the real routes, RQ jobs on a real Redis and the real `twilio` client talking to
the local Twilio REST double, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from redis import Redis
from sqlmodel import Session, col, select

from loket.domain import calls
from loket.queue import calls as call_jobs
from loket.store.db import session_scope
from loket.store.models import CallLeg
from loket.store.types import utcnow
from tests.desk.test_workspace import engine_of
from tests.queue.test_call_screening import due_callback, ring_counsellor
from tests.queue.test_callbacks import (
    COUNSELLOR_PHONE,
    PERSON,
    call_status,
    calls_app,  # noqa: F401 - the fixture, on SQLite and PostgreSQL
    counsellor_with_phone,
    legs,
    run_jobs,
)
from tests.twilio_double import TwilioDouble, answer_counsellor_leg


def quiet_for(app: Flask, leg_ids: list[int], minutes: int) -> None:
    """Let these legs' rows be unchanged for so long."""
    with session_scope(engine_of(app)) as session:
        for leg in session.exec(select(CallLeg).where(col(CallLeg.id).in_(leg_ids))).all():
            leg.updated_at = utcnow() - timedelta(minutes=minutes)
            session.add(leg)


def live_for(app: Flask, user_id: int) -> set[int]:
    with Session(engine_of(app)) as session:
        return calls.on_a_live_call(session=session, user_id=user_id)


def test_a_leg_whose_end_was_never_reported_is_ended_by_asking_twilio(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    client, me = counsellor_with_phone(calls_app)
    reference, _ = due_callback(calls_app)
    mine, params = ring_counsellor(calls_app, redis_conn, client, reference)
    answer_counsellor_leg(calls_app.test_client(), mine.id or 0, params)  # pressed 1
    run_jobs(calls_app, redis_conn)
    person = legs(calls_app, reference)[-1]
    assert person.kind == "person" and person.call_sid
    call_status(calls_app, mine.call_sid or "", "in-progress", COUNSELLOR_PHONE)
    call_status(calls_app, person.call_sid, "in-progress", PERSON)
    # Both hang up; neither final status callback arrives (the database away then).
    twilio_double.call_statuses[mine.call_sid or ""] = "completed"
    twilio_double.call_statuses[person.call_sid] = "completed"
    assert live_for(calls_app, me.id or 0)

    with calls_app.app_context():  # too recent: not asked yet
        call_jobs.reconcile_waiting_calls()
    assert not [r for r in twilio_double.received() if r.method == "GET"]
    quiet_for(calls_app, [mine.id or 0, person.id or 0], minutes=20)
    with calls_app.app_context():
        call_jobs.reconcile_waiting_calls()

    assert {leg.id: leg.status for leg in legs(calls_app, reference)} == {
        mine.id: "completed", person.id: "completed"}
    assert not live_for(calls_app, me.id or 0)  # no longer on a call, on the desk
    asked = [r for r in twilio_double.received() if r.method == "GET"]
    assert len(asked) == 2
    with calls_app.app_context():  # a second run asks nothing more
        call_jobs.reconcile_waiting_calls()
    assert len([r for r in twilio_double.received() if r.method == "GET"]) == 2


def test_a_long_call_still_going_stays_live_and_is_asked_again_later(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    client, me = counsellor_with_phone(calls_app)
    reference, _ = due_callback(calls_app)
    mine, params = ring_counsellor(calls_app, redis_conn, client, reference)
    answer_counsellor_leg(calls_app.test_client(), mine.id or 0, params)
    run_jobs(calls_app, redis_conn)
    person = legs(calls_app, reference)[-1]
    call_status(calls_app, mine.call_sid or "", "in-progress", COUNSELLOR_PHONE)
    call_status(calls_app, person.call_sid or "", "in-progress", PERSON)
    quiet_for(calls_app, [mine.id or 0, person.id or 0], minutes=20)

    with calls_app.app_context():  # Twilio: in progress still (a long conversation)
        call_jobs.reconcile_waiting_calls()
        call_jobs.reconcile_waiting_calls()  # asked once a while, not on every run
    assert {leg.status for leg in legs(calls_app, reference)} == {"in-progress"}
    assert live_for(calls_app, me.id or 0)
    assert len([r for r in twilio_double.received() if r.method == "GET"]) == 2
