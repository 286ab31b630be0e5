"""Review of the callback life cycle: what happens around a callback once the phone call
that asked for it is over, and when the counsellor's side of a callback ends early.

Through the real routes, RQ jobs on a real Redis and the real `twilio` client talking to
the local Twilio REST double, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from redis import Redis
from sqlmodel import Session, select

from loket.domain import calls
from loket.queue import calls as call_jobs
from loket.store.db import session_scope
from loket.store.models import CallbackRequest, CallLeg, Contact, User
from loket.store.types import utcnow
from tests.desk.helpers import make_user
from tests.desk.test_leaving import held, log_out
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
    live_call,
    make_due_now,
    run_jobs,
)
from tests.twilio_double import TwilioDouble, answer_counsellor_leg, signed_post


def phone_callback(app: Flask, *, window_key: str) -> tuple[str, str]:
    """Call the desk, ask to be called back on the calling number in a window, hang up;
    return the call's sid and the contact's reference."""
    sid = "CA" + uuid.uuid4().hex
    client = app.test_client()

    def post(path: str, **extra: str) -> None:
        answer = signed_post(client, path, {"CallSid": sid, "From": PERSON,
                                            "To": DESK_NUMBER, **extra})
        assert answer.status_code == 200, answer.get_data(as_text=True)

    post("/twilio/voice", CallStatus="ringing")
    for path, key in (("menu", "1"), ("mode", "2"), ("callback/number", "1"),
                      ("callback/window", window_key), ("callback/voicemail", "2")):
        post(f"/twilio/voice/{path}", Digits=key, CallStatus="in-progress")
    post("/twilio/voice/status", CallStatus="completed", CallDuration="40")
    with Session(engine_of(app)) as session:
        contact = session.exec(select(Contact).where(Contact.external_id == sid)).one()
    assert contact.status == "callback"
    return sid, contact.reference


def quiet_for_a_while(app: Flask, reference: str) -> None:
    """Let ten minutes pass without a change to the contact."""
    with session_scope(engine_of(app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        contact.updated_at = utcnow() - timedelta(minutes=10)


def contact_and_callbacks(app: Flask, reference: str) -> tuple[Contact, list[CallbackRequest]]:
    with Session(engine_of(app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        found = session.exec(select(CallbackRequest)
                             .where(CallbackRequest.contact_id == contact.id)).all()
        return contact, list(found)


# --- a callback asked by phone, once its call is over ------------------------------------


def test_a_phone_callback_a_counsellor_let_go_of_is_not_closed_as_an_abandoned_call(
    calls_app: Flask, twilio_double: TwilioDouble,  # noqa: F811 - the fixture
) -> None:
    sid, reference = phone_callback(calls_app, window_key="3")  # tomorrow morning
    client, _ = counsellor_with_phone(calls_app)
    act(client, reference, "claim")  # a counsellor looks at it, then lets it go
    act(client, reference, "release")
    quiet_for_a_while(calls_app, reference)
    twilio_double.call_statuses[sid] = "completed"  # the call that asked it ended long ago

    with calls_app.app_context():
        call_jobs.reconcile_waiting_calls()

    contact, [callback] = contact_and_callbacks(calls_app, reference)
    assert contact.status != "closed" and contact.outcome is None  # not "abandoned"
    assert callback.status == "pending" and callback.window == "tomorrow"


def test_a_phone_crisis_put_back_in_the_queue_is_not_closed_as_an_abandoned_call(
    calls_app: Flask, twilio_double: TwilioDouble,  # noqa: F811 - the fixture
) -> None:
    sid, reference = phone_callback(calls_app, window_key="1")
    _, [callback] = contact_and_callbacks(calls_app, reference)
    make_due_now(calls_app, callback.id or 0)
    client, _ = counsellor_with_phone(calls_app)
    act(client, reference, "claim")
    act(client, reference, "risk", risk="acute")  # the counsellor learns it is a crisis
    act(client, reference, "release")  # back in the queue, for anyone to call at once
    quiet_for_a_while(calls_app, reference)
    twilio_double.call_statuses[sid] = "completed"

    with calls_app.app_context():
        call_jobs.reconcile_waiting_calls()

    contact, [callback] = contact_and_callbacks(calls_app, reference)
    assert contact.crisis and contact.status == "waiting" and contact.outcome is None
    assert callback.status == "crisis"  # callable at once by anyone on the desk


# --- the counsellor's side of a callback ends before the person joins --------------------


def counsellor_answers(app: Flask, redis: Redis, client: FlaskClient, reference: str
                       ) -> CallLeg:
    """Press "call", let the job ring the counsellor, and answer it as Twilio would (the
    job that rings the person is promised, not run); return the counsellor's leg."""
    act(client, reference, "claim")
    assert act(client, reference, "call").status_code == 303
    run_jobs(app, redis)
    [mine] = legs(app, reference)
    answer = answer_counsellor_leg(app.test_client(), mine.id or 0,
                                   {"CallSid": mine.call_sid or "", "CallStatus": "in-progress",
                                    "From": DESK_NUMBER, "To": COUNSELLOR_PHONE})
    assert answer.status_code == 200 and "<Conference" in answer.get_data(as_text=True)
    return mine


def test_a_counsellor_who_hangs_up_at_once_gets_nobody_rung_and_the_callback_stays_due(
    calls_app: Flask, redis_conn: Redis,  # noqa: F811 - the fixture
    twilio_double: TwilioDouble,
) -> None:
    reference, callback_id = callback_for(calls_app)
    make_due_now(calls_app, callback_id)
    client, _ = counsellor_with_phone(calls_app)
    mine = counsellor_answers(calls_app, redis_conn, client, reference)
    call_status(calls_app, mine.call_sid or "", "completed", COUNSELLOR_PHONE)  # gone
    run_jobs(calls_app, redis_conn)  # the job that would ring the person

    assert PERSON not in twilio_double.calls_to()  # nobody to talk to: not rung
    callback = callback_row(calls_app, callback_id)
    assert callback.status == "due" and callback.attempts == 0  # back in the desk's queue
    contact, _ = contact_and_callbacks(calls_app, reference)
    assert contact.status == "callback" and contact.assigned_user_id is None


def test_a_person_answering_after_the_counsellor_left_is_told_and_not_counted_reached(
    calls_app: Flask, redis_conn: Redis,  # noqa: F811 - the fixture
    twilio_double: TwilioDouble,
) -> None:
    reference, callback_id = callback_for(calls_app)
    make_due_now(calls_app, callback_id)
    client, _ = counsellor_with_phone(calls_app)
    mine = counsellor_answers(calls_app, redis_conn, client, reference)
    run_jobs(calls_app, redis_conn)  # the person's phone rings
    person = legs(calls_app, reference)[-1]
    assert person.kind == "person" and person.call_sid
    call_status(calls_app, mine.call_sid or "", "completed", COUNSELLOR_PHONE)
    # The person picks up just as the counsellor's side ends (before Loket hangs it up).
    answer = signed_post(calls_app.test_client(), f"/twilio/calls/{person.id}/person",
                         {"CallSid": person.call_sid or "", "AnsweredBy": "human",
                          "From": DESK_NUMBER, "To": PERSON})

    body = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "<Conference" not in body  # not left alone
    assert "<Hangup" in body and "opnieuw" in body  # told, in Dutch, that we call again
    callback = callback_row(calls_app, callback_id)
    assert callback.status == "due" and callback.last_outcome != "reached"
    assert callback.attempts == 0


# --- a waiting caller taken into a counsellor's call, once that call is over -------------


def test_a_crisis_caller_answered_from_the_queue_is_let_go_at_logout_once_the_call_ended(
    calls_app: Flask, redis_conn: Redis,  # noqa: F811 - the fixture
    twilio_double: TwilioDouble,
) -> None:
    client, _ = counsellor_with_phone(calls_app)
    crisis = waiting(calls_app, channel="phone", crisis=True, phone=PERSON)
    caller_sid = "CA" + uuid.uuid4().hex
    with session_scope(engine_of(calls_app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == crisis)).one()
        contact.external_id, contact.intake_step = caller_sid, "queued"
    act(client, crisis, "claim")
    act(client, crisis, "answer")
    run_jobs(calls_app, redis_conn)
    [mine] = legs(calls_app, crisis)
    answer_counsellor_leg(calls_app.test_client(), mine.id or 0,
                          {"CallSid": mine.call_sid or "", "From": DESK_NUMBER,
                           "To": COUNSELLOR_PHONE})
    run_jobs(calls_app, redis_conn)  # the caller is moved out of the queue
    caller = legs(calls_app, crisis)[-1]
    joined = signed_post(calls_app.test_client(), f"/twilio/calls/{caller.id}/caller",
                         {"CallSid": caller_sid, "From": PERSON, "To": DESK_NUMBER})
    assert "<Conference" in joined.get_data(as_text=True)
    # The conversation ends: Twilio reports the end of the caller's own call, and of the
    # counsellor's leg.
    ended = signed_post(calls_app.test_client(), "/twilio/voice/status",
                        {"CallSid": caller_sid, "CallStatus": "completed", "From": PERSON,
                         "To": DESK_NUMBER})
    assert ended.status_code == 200
    call_status(calls_app, mine.call_sid or "", "completed", COUNSELLOR_PHONE)

    log_out(client)  # the counsellor leaves: no call of theirs is live any more

    assert held(calls_app, crisis) == (None, "waiting")  # anyone of the desk may follow up
    assert all(leg.status not in calls.LIVE for leg in legs(calls_app, crisis))


# --- Twilio's status callbacks out of order ------------------------------------------------


def test_a_late_ringing_status_does_not_stop_a_warm_transfer_on_the_live_call(
    calls_app: Flask, redis_conn: Redis,  # noqa: F811 - the fixture
    twilio_double: TwilioDouble,
) -> None:
    client, _ = counsellor_with_phone(calls_app)
    reference, mine = live_call(calls_app, redis_conn, twilio_double, client)
    # Twilio's earlier callbacks of the counsellor's leg arrive after "answered".
    call_status(calls_app, mine.call_sid or "", "ringing", COUNSELLOR_PHONE)
    call_status(calls_app, mine.call_sid or "", "initiated", COUNSELLOR_PHONE)
    colleague = make_user(calls_app, role="counsellor", desk="veterans")
    with session_scope(engine_of(calls_app)) as session:
        stored = session.get(User, colleague.id)
        assert stored is not None
        stored.phone, stored.available, stored.availability = "+31633334444", True, "available"

    done = act(client, reference, "warm_transfer", desk="veterans", note="Veteraan")
    run_jobs(calls_app, redis_conn)

    page = client.get(done.location).get_data(as_text=True)
    assert "Er loopt nu geen gesprek" not in page
    assert twilio_double.calls_to()[-1] == "+31633334444"  # the colleague's phone rings


# --- a waiting caller who hangs up while a counsellor holds them ----------------------------


def held_waiting_call(app: Flask, client: FlaskClient) -> tuple[str, str]:
    """A caller waiting in the police queue, claimed by the counsellor; return the
    reference and the call's sid."""
    reference = waiting(app, channel="phone", phone=PERSON)
    caller_sid = "CA" + uuid.uuid4().hex
    with session_scope(engine_of(app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        contact.external_id, contact.intake_step = caller_sid, "queued"
    act(client, reference, "claim")
    return reference, caller_sid


def caller_hangs_up(app: Flask, caller_sid: str) -> None:
    """The caller hangs up in the queue: Twilio posts the queue's result, then the end."""
    for path, extra in (("queued", {"QueueResult": "hangup", "QueueTime": "95"}),
                        ("status", {"CallStatus": "completed", "CallDuration": "120"})):
        answer = signed_post(app.test_client(), f"/twilio/voice/{path}",
                             {"CallSid": caller_sid, "From": PERSON, "To": DESK_NUMBER,
                              **extra})
        assert answer.status_code == 200


def test_answering_a_caller_who_already_hung_up_is_refused_and_rings_nobody(
    calls_app: Flask, redis_conn: Redis,  # noqa: F811 - the fixture
    twilio_double: TwilioDouble,
) -> None:
    client, _ = counsellor_with_phone(calls_app)
    reference, caller_sid = held_waiting_call(calls_app, client)
    caller_hangs_up(calls_app, caller_sid)

    refused = act(client, reference, "answer")
    run_jobs(calls_app, redis_conn)

    # Claimed is not answered: the call is abandoned (closed, counted with its wait).
    assert "De beller heeft opgehangen" in client.get(refused.location).get_data(
        as_text=True)
    assert twilio_double.calls_to() == []  # the counsellor's phone does not ring for nothing
    assert legs(calls_app, reference) == []


def test_a_counsellor_answering_after_the_caller_hung_up_hears_so_and_nobody_is_moved(
    calls_app: Flask, redis_conn: Redis,  # noqa: F811 - the fixture
    twilio_double: TwilioDouble,
) -> None:
    client, _ = counsellor_with_phone(calls_app)
    reference, caller_sid = held_waiting_call(calls_app, client)
    act(client, reference, "answer")
    run_jobs(calls_app, redis_conn)  # the counsellor's phone rings
    [mine] = legs(calls_app, reference)
    caller_hangs_up(calls_app, caller_sid)  # meanwhile

    answer = answer_counsellor_leg(calls_app.test_client(), mine.id or 0,
                                   {"CallSid": mine.call_sid or "", "From": DESK_NUMBER,
                                    "To": COUNSELLOR_PHONE})
    run_jobs(calls_app, redis_conn)

    body = answer.get_data(as_text=True)
    assert "<Conference" not in body and "<Hangup" in body and "al afgelopen" in body
    assert not twilio_double.received(f"/Calls/{caller_sid}.json")  # no move of a dead call
    [leg] = legs(calls_app, reference)
    assert leg.error and "hung up" in leg.error  # said on the desk
