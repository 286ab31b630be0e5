"""The phone, reviewed a sixth time: a leg's status callbacks find it even when its call's
sid was never stored (the job that placed the call stopped between Twilio's answer and
storing it): their URL names the leg. Before, they were matched by that sid only: tried
for 90 seconds, then "left to the sweep", which asks Twilio only about legs with a sid; the
counsellor stayed on a call for good and the caller they were to take stayed theirs.

Through the real routes, RQ jobs on a real Redis and the real `twilio` client talking to
the local Twilio REST double, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from redis import Redis
from sqlmodel import Session, select

from loket.domain import calls
from loket.queue import calls as call_jobs
from loket.store.db import session_scope
from loket.store.models import CallLeg, InboundEvent
from loket.store.types import utcnow
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
from tests.twilio_double import BASE, TwilioDouble, signed_post


def placed_but_sid_lost(app: Flask, redis: Redis, double: TwilioDouble) -> tuple[str, int, str,
                                                                                  str]:
    """A counsellor claims a waiting caller and presses "answer"; the job asks Twilio for
    the call to their phone and stops before storing the call's sid (a worker killed, the
    database gone a moment). Return the reference, the leg's id, the call's sid and the
    status callback Twilio was given."""
    client, _ = counsellor_with_phone(app)
    reference, _caller_sid = caller_in_queue(app, waited_s=30)
    act(client, reference, "claim")
    assert act(client, reference, "answer").status_code == 303
    [mine] = [leg for leg in legs(app, reference) if leg.kind == "counsellor"]
    with app.app_context():
        with session_scope(engine_of(app)) as session:
            taken = call_jobs.take(session, mine.id or 0)
        assert taken is not None
        call_jobs.dial(taken)  # Twilio places the call; nothing after it runs
    [placed] = double.received("/Calls.json")
    run_jobs(app, redis)  # the job again (the outbox's redelivery): the leg is taken
    return (reference, mine.id or 0, str(placed.answer["sid"]),
            placed.params["StatusCallback"].removeprefix(BASE))


def fifteen_minutes_on(app: Flask, redis: Redis) -> None:
    """Let a quarter of an hour pass: the early statuses' matching gives up, and the quiet
    legs' sweep asks Twilio about the legs it knows the call of."""
    run_retries(app, redis)
    with session_scope(engine_of(app)) as session:
        for event in session.exec(select(InboundEvent)).all():
            event.created_at -= calls.LEG_QUIET + timedelta(minutes=1)
            session.add(event)
        for leg in session.exec(select(CallLeg)).all():
            leg.updated_at = utcnow() - calls.LEG_QUIET - timedelta(minutes=1)
            session.add(leg)
    run_retries(app, redis)
    with app.app_context():
        call_jobs.reconcile_quiet_legs()


def test_a_counsellor_s_phone_that_did_not_answer_frees_the_caller_though_its_sid_was_lost(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    reference, leg_id, sid, status_path = placed_but_sid_lost(calls_app, redis_conn,
                                                              twilio_double)
    twilio_double.call_statuses[sid] = "no-answer"  # what the sweep would hear, if it asked
    answer = signed_post(calls_app.test_client(), status_path,
                         {"CallSid": sid, "CallStatus": "no-answer", "From": DESK_NUMBER,
                          "To": COUNSELLOR_PHONE})
    assert answer.status_code == 200
    fifteen_minutes_on(calls_app, redis_conn)

    # The counsellor's phone is not on a call (for ever), and the caller they were to take
    # is for anyone of the desk again.
    [leg] = [leg for leg in legs(calls_app, reference) if leg.id == leg_id]
    assert (leg.status, leg.call_sid) == ("no-answer", sid)
    contact = stored(calls_app, reference)
    assert (contact.status, contact.assigned_user_id) == ("waiting", None)
    with Session(engine_of(calls_app)) as session:
        assert calls.on_a_live_call(session=session, user_id=leg.user_id or 0) == set()


def test_a_status_of_another_call_posted_for_a_leg_changes_nothing(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    reference, leg_id, sid, status_path = placed_but_sid_lost(calls_app, redis_conn,
                                                              twilio_double)
    client = calls_app.test_client()
    ringing = {"CallSid": sid, "CallStatus": "ringing", "From": DESK_NUMBER,
               "To": COUNSELLOR_PHONE}
    assert signed_post(client, status_path, ringing).status_code == 200
    # An earlier try's call (Twilio placed it after all, its answer lost) ends: not this
    # leg's, which rings on.
    other = {**ringing, "CallSid": "CA" + "0" * 32, "CallStatus": "completed"}
    assert signed_post(client, status_path, other).status_code == 200
    run_jobs(calls_app, redis_conn)

    [leg] = [leg for leg in legs(calls_app, reference) if leg.id == leg_id]
    assert (leg.status, leg.call_sid) == ("ringing", sid)
    assert stored(calls_app, reference).status == "in_progress"


def test_a_status_naming_no_readable_leg_is_refused_with_why(
    calls_app: Flask,  # noqa: F811
) -> None:
    answer = signed_post(calls_app.test_client(), "/twilio/calls/status?leg=first",
                         {"CallSid": "CA" + "1" * 32, "CallStatus": "ringing",
                          "From": DESK_NUMBER, "To": COUNSELLOR_PHONE})
    assert answer.status_code == 400
    assert "leg" in answer.get_data(as_text=True)
