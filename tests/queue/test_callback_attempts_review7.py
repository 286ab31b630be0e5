"""Callbacks, reviewed a seventh time: a late status of an earlier attempt's leg never ends
the attempt under way (the person rung twice at once); a personal callback never rings a
counsellor who may no longer see its contact; a callback planned for later replaces the one
already due, so nobody rings the person outside the window they chose.

Through the real routes, RQ jobs on a real Redis and the real `twilio` client talking to
the local Twilio REST double, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from redis import Redis
from sqlmodel import Session, select

from loket.domain import access, break_glass, callbacks, calls
from loket.queue import calls as call_jobs
from loket.store.db import session_scope
from loket.store.models import BreakGlass, CallbackRequest, CallLeg, Contact, Escalation, User
from loket.store.types import utcnow
from tests.desk.helpers import log_in, make_user
from tests.desk.test_workspace import act, engine_of, waiting
from tests.queue.test_callbacks import (
    COUNSELLOR_PHONE,
    DESK_NUMBER,
    PERSON,
    call_status,
    callback_for,
    callback_row,
    calls_app,  # noqa: F401 - the fixture, on SQLite and PostgreSQL
    counsellor_with_phone,
    legs,
    make_due_now,
    ring_and_answer,
    run_jobs,
)
from tests.twilio_double import TwilioDouble, answer_counsellor_leg, signed_post

COLLEAGUE_PHONE = "+31611112222"


def contact_of(app: Flask, reference: str) -> Contact:
    with Session(engine_of(app)) as session:
        return session.exec(select(Contact).where(Contact.reference == reference)).one()


def colleague(app: Flask) -> FlaskClient:
    """A second counsellor of the police desk, with a phone, logged in."""
    other = make_user(app, role="counsellor", desk="police", display_name="Bram")
    with session_scope(engine_of(app)) as session:
        stored = session.get(User, other.id)
        assert stored is not None
        stored.phone = COLLEAGUE_PHONE
    client = app.test_client()
    log_in(client, app, other)
    return client


def crisis_voicemail_hung_up(app: Flask, redis: Redis, double: TwilioDouble
                             ) -> tuple[FlaskClient, User, str, int, CallLeg]:
    """A crisis's number kept to call back at once; the counsellor calls, the person's
    voicemail answers and Loket hangs up (no voicemail is safe): callable again at once.
    Return the counsellor's client, the counsellor, the reference, the callback's id and
    the first attempt's person leg."""
    client, me = counsellor_with_phone(app)
    reference = waiting(app, crisis=True, phone=PERSON)
    with session_scope(engine_of(app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        kept = callbacks.keep_crisis_reach(session=session, contact=contact, phone=PERSON)
        session.flush()
        callback_id = kept.id or 0
    person = ring_and_answer(app, redis, double, client, reference)
    answer = signed_post(app.test_client(), f"/twilio/calls/{person.id}/person",
                         {"CallSid": person.call_sid or "", "AnsweredBy": "machine_start",
                          "From": DESK_NUMBER, "To": PERSON})
    assert "<Hangup" in answer.get_data(as_text=True)
    assert callback_row(app, callback_id).status == "crisis"
    return client, me, reference, callback_id, person


def escalations(app: Flask) -> int:
    with Session(engine_of(app)) as session:
        return len(session.exec(select(Escalation)).all())


def test_late_status_of_previous_attempt_s_person_leg_ends_the_new_attempt(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    """The counsellor calls again at once; the first attempt's person leg then reports its
    end: that leg's own status is recorded, the attempt now ringing goes on, held by them.
    Before, it ended the new attempt (callable again, the contact let go of, escalated)."""
    client, me, reference, callback_id, person = crisis_voicemail_hung_up(
        calls_app, redis_conn, twilio_double)
    act(client, reference, "claim")
    assert act(client, reference, "call").status_code == 303
    assert callback_row(calls_app, callback_id).status == "calling"
    run_jobs(calls_app, redis_conn)  # the counsellor's phone rings for the second attempt
    raised = escalations(calls_app)
    call_status(calls_app, person.call_sid or "", "completed", PERSON)  # late, attempt 1
    row = callback_row(calls_app, callback_id)
    held = contact_of(calls_app, reference)
    assert (row.status, held.status, held.assigned_user_id) == ("calling", "in_progress",
                                                               me.id)
    assert escalations(calls_app) == raised
    first = [leg for leg in legs(calls_app, reference) if leg.id == person.id][0]
    assert first.status == "completed"  # the leg's own status: recorded


def test_late_status_then_a_colleague_calls_the_person_twice_at_once(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    """After that late status a colleague could claim the crisis and call too: both pressed
    1, and the person was rung twice at once. Now the colleague cannot take it."""
    client, _me, reference, _callback_id, person = crisis_voicemail_hung_up(
        calls_app, redis_conn, twilio_double)
    first = [leg for leg in legs(calls_app, reference) if leg.kind == "counsellor"][0]
    call_status(calls_app, first.call_sid or "", "completed", COUNSELLOR_PHONE)  # hangs up
    act(client, reference, "claim")
    act(client, reference, "call")
    run_jobs(calls_app, redis_conn)
    call_status(calls_app, person.call_sid or "", "completed", PERSON)  # late, attempt 1
    client2 = colleague(calls_app)
    act(client2, reference, "claim")
    act(client2, reference, "call")
    run_jobs(calls_app, redis_conn)
    live = [leg for leg in legs(calls_app, reference)
            if leg.kind == "counsellor" and leg.status not in calls.FINAL]
    for leg in live:
        params = {"CallSid": leg.call_sid or "", "CallStatus": "in-progress",
                  "From": DESK_NUMBER, "To": COUNSELLOR_PHONE}
        answer_counsellor_leg(calls_app.test_client(), leg.id or 0, params)
    run_jobs(calls_app, redis_conn)
    ringing_person = [leg for leg in legs(calls_app, reference)
                      if leg.kind == "person" and leg.status not in calls.FINAL]
    assert (len(live), len(ringing_person)) == (1, 1)
    assert COLLEAGUE_PHONE not in twilio_double.calls_to()


def test_personal_callback_rings_a_counsellor_whose_emergency_access_ended(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    """A De Basis counsellor opens a police contact by break-glass, claims it and plans a
    personal callback for tomorrow; tomorrow their emergency access has ended: their phone
    is not rung, nor is the contact handed to them. The callback is the desk's to call."""
    user = make_user(calls_app, role="counsellor", desk="debasis", display_name="Dirk")
    with session_scope(engine_of(calls_app)) as session:
        stored = session.get(User, user.id)
        assert stored is not None
        stored.phone = COUNSELLOR_PHONE
    client = calls_app.test_client()
    log_in(client, calls_app, user)
    reference = waiting(calls_app, channel="sms", phone=PERSON, desk="police")
    with session_scope(engine_of(calls_app)) as session:
        me = session.get(User, user.id)
        assert me is not None
        assert break_glass.open_case(session=session, user=me, reference=reference,
                                     reason="acute danger, nobody answers", minutes=60)
    assert act(client, reference, "claim").status_code == 303
    act(client, reference, "plan_callback", window="tomorrow", personal="1")
    with Session(engine_of(calls_app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        planned = session.exec(select(CallbackRequest).where(
            CallbackRequest.contact_id == contact.id)).one()
    assert planned.claimed_by == user.id
    run_jobs(calls_app, redis_conn)
    with session_scope(engine_of(calls_app)) as session:  # tomorrow: the access ended
        for grant in session.exec(select(BreakGlass)).all():
            grant.expires_at = utcnow() - timedelta(hours=1)
            session.add(grant)
        row = session.get(CallbackRequest, planned.id)
        assert row is not None
        row.next_attempt_at = utcnow() - timedelta(seconds=1)
    with calls_app.app_context():
        call_jobs.callbacks_due()
    with Session(engine_of(calls_app)) as session:
        me = session.get(User, user.id)
        assert me is not None
        held = session.exec(select(Contact).where(Contact.reference == reference)).one()
        assert not access.sees(me, held, break_glass.active_grants(session=session, user=me))
        due = session.get(CallbackRequest, planned.id)
        assert due is not None
    assert (held.status, held.assigned_user_id) == ("callback", None)
    assert (due.status, due.claimed_by) == ("due", None)  # in the police desk's queue
    assert twilio_double.calls_to() == []
    # The desk calls it.
    client2 = colleague(calls_app)
    act(client2, reference, "claim")
    assert act(client2, reference, "call").status_code == 303
    run_jobs(calls_app, redis_conn)
    assert twilio_double.calls_to() == [COLLEAGUE_PHONE]


def test_planning_a_later_callback_leaves_the_due_one_callable_now(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    """A person's as-soon-as-possible callback is due; the counsellor claims it and, as the
    person asked, plans it for this evening instead. The due one is replaced: not in the
    desk's queue, and a colleague cannot call the person now."""
    client, _me = counsellor_with_phone(calls_app)
    reference, callback_id = callback_for(calls_app)
    make_due_now(calls_app, callback_id)
    assert act(client, reference, "claim").status_code == 303
    act(client, reference, "plan_callback", window="evening", personal="0")
    with Session(engine_of(calls_app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        rows = session.exec(select(CallbackRequest).where(
            CallbackRequest.contact_id == contact.id)).all()
    assert sorted((row.window, row.status) for row in rows) == [("asap", "cancelled"),
                                                                ("evening", "pending")]
    client2 = colleague(calls_app)
    assert reference not in client2.get("/desk/queue/rows").get_data(as_text=True)
    act(client2, reference, "claim")
    act(client2, reference, "call")
    run_jobs(calls_app, redis_conn)
    assert twilio_double.calls_to() == []
