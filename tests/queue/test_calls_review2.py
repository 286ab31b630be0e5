"""Review of the calls Loket places and moves: a counsellor's phone that hangs up before its
1, or a move out of the queue that Twilio refused, never leaves a waiting caller (a crisis
above all) out of every counsellor's reach; two status callbacks of one leg posted side by
side never leave it live; a caller who presses 0 after waiting is counted with their wait.

Through the real routes, RQ jobs on a real Redis and the real `twilio` client talking to
the local Twilio REST double, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from flask import Flask
from redis import Redis
from sqlmodel import select

from loket.domain import calls
from loket.queue.worker import queues
from loket.store.db import session_scope
from loket.store.models import Contact
from loket.store.types import utcnow
from tests.desk.test_workspace import act, engine_of
from tests.queue.test_answered_calls import caller_in_queue, stored
from tests.queue.test_call_screening import ring_counsellor
from tests.queue.test_callbacks import (
    COUNSELLOR_PHONE,
    DESK_NUMBER,
    call_status,
    callback_for,
    callback_row,
    calls_app,  # noqa: F401 - the fixture, on SQLite and PostgreSQL
    counsellor_with_phone,
    legs,
    make_due_now,
    run_jobs,
)
from tests.twilio_double import TwilioDouble, answer_counsellor_leg, signed_post


def test_a_crisis_caller_whose_counsellor_hung_up_before_pressing_1_is_back_for_anyone(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    client, _ = counsellor_with_phone(calls_app)
    reference, caller_sid = caller_in_queue(calls_app, waited_s=30, crisis=True)
    mine, params = ring_counsellor(calls_app, redis_conn, client, reference, "answer")
    # The counsellor's phone answers and hears the prompt, then hangs up without a key
    # (or a voicemail that stops recording): Twilio posts no key, only the call's end.
    answer_counsellor_leg(calls_app.test_client(), mine.id or 0, params, digits=None)
    call_status(calls_app, mine.call_sid or "", "completed", COUNSELLOR_PHONE)
    run_jobs(calls_app, redis_conn)

    assert not twilio_double.received(f"/Calls/{caller_sid}.json")  # never moved
    contact = stored(calls_app, reference)
    # Still in the queue, held by no one: anyone of the desk may take the caller now, and
    # the crisis's alarms go on.
    assert (contact.status, contact.assigned_user_id) == ("waiting", None)
    other, _ = counsellor_with_phone(calls_app)
    again, _ = ring_counsellor(calls_app, redis_conn, other, reference, "answer")
    assert again.id != mine.id


def test_a_waiting_caller_whose_move_twilio_refused_can_be_answered_again(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    client, _ = counsellor_with_phone(calls_app)
    reference, caller_sid = caller_in_queue(calls_app, waited_s=30, crisis=True)
    mine, params = ring_counsellor(calls_app, redis_conn, client, reference, "answer")
    twilio_double.fail_next(status=500, times=10)  # Twilio refuses every move
    answer_counsellor_leg(calls_app.test_client(), mine.id or 0, params)  # pressed 1
    for _ in range(5):  # RQ's retries, each refused
        run_jobs(calls_app, redis_conn)
        for queue in queues(redis_conn):
            for job_id in queue.scheduled_job_registry.get_job_ids():
                queue.enqueue_job(queue.fetch_job(job_id))  # type: ignore[arg-type]
    twilio_double.failing = None  # Twilio answers again
    caller = legs(calls_app, reference)[-1]
    assert caller.kind == "caller" and caller.status == "failed"
    call_status(calls_app, mine.call_sid or "", "completed", COUNSELLOR_PHONE)  # silence
    run_jobs(calls_app, redis_conn)

    # The caller still waits in the queue (Twilio never moved them): the counsellor who
    # holds them rings again, and this time they are taken out of it.
    assert stored(calls_app, reference).status != "closed"
    again, params = ring_counsellor(calls_app, redis_conn, client, reference, "answer")
    assert again.id != mine.id
    answer_counsellor_leg(calls_app.test_client(), again.id or 0, params)
    run_jobs(calls_app, redis_conn)
    assert [r for r in twilio_double.received(f"/Calls/{caller_sid}.json") if r.status == 200]


# --- status callbacks arriving at the same moment -------------------------------------------


@pytest.mark.parametrize("calls_app", ["postgres"], indirect=True)
def test_a_late_ringing_beside_the_final_status_never_leaves_the_leg_live(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Twilio posts "ringing" and, a moment later, "busy" (the counsellor declined); the two
    requests run side by side. The leg ends busy, not ringing for ever (a counsellor on a
    "live" call is never marked away, and keeps what they hold at logout)."""
    reference, callback_id = callback_for(calls_app)
    make_due_now(calls_app, callback_id)
    client, _ = counsellor_with_phone(calls_app)
    act(client, reference, "claim")
    assert act(client, reference, "call").status_code == 303
    run_jobs(calls_app, redis_conn)
    [mine] = legs(calls_app, reference)
    assert mine.call_sid and mine.status == "queued"

    ringing_read = threading.Event()
    real_utcnow = calls.utcnow

    def slow_utcnow() -> Any:
        if threading.current_thread().name == "ringing":
            ringing_read.set()  # it has read the leg and decided: now the busy comes in
            time.sleep(1.0)
        return real_utcnow()

    monkeypatch.setattr(calls, "utcnow", slow_utcnow)
    ringing = threading.Thread(name="ringing", target=call_status,
                               args=(calls_app, mine.call_sid, "ringing", COUNSELLOR_PHONE))
    ringing.start()
    assert ringing_read.wait(10)
    call_status(calls_app, mine.call_sid, "busy", COUNSELLOR_PHONE)
    ringing.join(30)

    [leg] = legs(calls_app, reference)
    assert leg.status == "busy"
    assert callback_row(calls_app, callback_id).status == "due"  # back to the desk


# --- a waiting caller who presses 0: their wait goes on ---------------------------------------


def test_a_caller_who_presses_0_after_waiting_is_reported_with_their_whole_wait(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    """Ten minutes in the queue, then 0 (help now): the call becomes a crisis and is taken at
    once. The managers' figures count the ten minutes the caller waited, not the seconds
    since the 0 (the crisis target would be met on paper)."""
    from datetime import timedelta

    from tests.channels.test_voice import Call

    call = Call(calls_app.test_client())
    assert call.walk("1", "1").find("./Enqueue") is not None  # police, waiting now
    with session_scope(engine_of(calls_app)) as session:
        contact = session.exec(select(Contact).where(Contact.external_id == call.sid)).one()
        contact.routed_at = (contact.routed_at or utcnow()) - timedelta(minutes=10)
        reference = contact.reference
    call.event("/twilio/voice/keep-place", Digits="0")  # help now, while waiting
    assert stored(calls_app, reference).crisis

    client, _ = counsellor_with_phone(calls_app)
    mine, params = ring_counsellor(calls_app, redis_conn, client, reference, "answer")
    answer_counsellor_leg(calls_app.test_client(), mine.id or 0, params)  # pressed 1
    run_jobs(calls_app, redis_conn)  # the caller is moved out of the queue
    caller = legs(calls_app, reference)[-1]
    joined = signed_post(calls_app.test_client(), f"/twilio/calls/{caller.id}/caller",
                         {"CallSid": call.sid, "From": call.caller, "To": DESK_NUMBER})
    assert "<Conference" in joined.get_data(as_text=True)

    contact = stored(calls_app, reference)
    assert contact.wait_seconds is not None and contact.wait_seconds >= 600
