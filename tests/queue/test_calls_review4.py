"""The phone, reviewed once more: a move Twilio refuses for good, a caller who joins after the
counsellor left, a phone queue that fails twice (counted; a claimed caller never hung up),
and an erasure while the callback is being called (nothing rings for that person again).

Through the real routes, RQ jobs on a real Redis and the real `twilio` client talking to
the local Twilio REST double, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET  # noqa: S405 - Loket's own answers
from datetime import timedelta
from email.utils import format_datetime

from flask import Flask
from redis import Redis
from sqlmodel import Session, select

from loket.domain import calls, erasure
from loket.queue.worker import queues
from loket.reports.periods import AMSTERDAM
from loket.reports.volumes import figures
from loket.store.db import read_scope, session_scope
from loket.store.models import CallbackRequest, Contact
from loket.store.types import utcnow
from tests.desk.test_workspace import act, engine_of
from tests.queue.test_answered_calls import caller_in_queue, phone_service, stored
from tests.queue.test_call_screening import ring_counsellor
from tests.queue.test_callbacks import (
    COUNSELLOR_PHONE,
    DESK_NUMBER,
    PERSON,
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


def posts_to(double: TwilioDouble, call_sid: str) -> list[str]:
    """Return what Loket asked Twilio to do with this call (its redirects and hang-ups)."""
    return [r.params.get("Status") or r.params.get("Url", "")
            for r in double.received(f"/Calls/{call_sid}.json")
            if r.method == "POST" and r.status == 200]


def run_retries(app: Flask, redis: Redis, rounds: int = 5) -> None:
    """Run the jobs and each of RQ's retries at once."""
    for _ in range(rounds):
        run_jobs(app, redis)
        for queue in queues(redis):
            for job_id in queue.scheduled_job_registry.get_job_ids():
                queue.enqueue_job(queue.fetch_job(job_id))  # type: ignore[arg-type]


def test_a_move_twilio_refuses_for_good_hangs_up_the_counsellor_and_frees_the_caller(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    client, _ = counsellor_with_phone(calls_app)
    reference, caller_sid = caller_in_queue(calls_app, waited_s=30, crisis=True)
    mine, params = ring_counsellor(calls_app, redis_conn, client, reference, "answer")
    twilio_double.fail_next(status=500, times=4)  # every move refused (the first + 3 retries)
    answer_counsellor_leg(calls_app.test_client(), mine.id or 0, params)  # pressed 1
    run_retries(calls_app, redis_conn)

    caller = [leg for leg in legs(calls_app, reference) if leg.kind == "caller"][-1]
    assert caller.status == "failed"
    # The counsellor no longer sits in a silent conference: their phone is taken out of it
    # to hear why, then hangs up (tests/queue/test_calls_review5.py) ...
    [told] = posts_to(twilio_double, mine.call_sid or "")
    assert told.endswith(f"/twilio/calls/{mine.id}/not_connected")
    # ... and the caller, still waiting in the queue, is there for anyone of the desk (a
    # crisis: its alarms go on).
    contact = stored(calls_app, reference)
    assert (contact.status, contact.assigned_user_id, contact.answered_at) == ("waiting", None,
                                                                               None)
    assert posts_to(twilio_double, caller_sid) == []
    page = client.get(f"/desk/contacts/{reference}")
    assert "Twilio kon de beller niet naar je toe halen" in page.get_data(as_text=True)
    other, _ = counsellor_with_phone(calls_app)
    again, _ = ring_counsellor(calls_app, redis_conn, other, reference, "answer")
    assert again.id != mine.id


def test_a_caller_who_joins_after_the_counsellor_left_goes_back_in_the_queue_unanswered(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    client, _ = counsellor_with_phone(calls_app)
    reference, caller_sid = caller_in_queue(calls_app, waited_s=40)
    mine, params = ring_counsellor(calls_app, redis_conn, client, reference, "answer")
    answer_counsellor_leg(calls_app.test_client(), mine.id or 0, params)  # pressed 1
    dropped_at = utcnow()  # their phone drops now; Twilio's word of it comes in late
    run_jobs(calls_app, redis_conn)  # the move: Twilio redirects the caller
    caller = [leg for leg in legs(calls_app, reference) if leg.kind == "caller"][-1]
    joined = signed_post(calls_app.test_client(), f"/twilio/calls/{caller.id}/caller",
                         {"CallSid": caller_sid, "CallStatus": "in-progress", "From": PERSON,
                          "To": DESK_NUMBER})
    assert "<Conference" in joined.get_data(as_text=True)  # an empty one, as it turns out
    answer = signed_post(calls_app.test_client(), "/twilio/calls/status",
                         {"CallSid": mine.call_sid or "", "CallStatus": "completed",
                          "From": DESK_NUMBER, "To": COUNSELLOR_PHONE,
                          "Timestamp": format_datetime(dropped_at - timedelta(seconds=1))})
    assert answer.status_code == 200
    run_jobs(calls_app, redis_conn)

    # Never hung up: moved out of the empty conference, back into their queue.
    [moved] = posts_to(twilio_double, caller_sid)[1:]
    back = [leg for leg in legs(calls_app, reference) if leg.kind == "caller"][-1]
    assert back.id != caller.id and moved.endswith(f"/twilio/calls/{back.id}/caller")
    body = signed_post(calls_app.test_client(), f"/twilio/calls/{back.id}/caller",
                       {"CallSid": caller_sid, "CallStatus": "in-progress", "From": PERSON,
                        "To": DESK_NUMBER}).get_data(as_text=True)
    twiml = ET.fromstring(body)  # noqa: S314 - Loket's own
    assert twiml.find("./Enqueue") is not None and "<Conference" not in body
    # Not answered: nobody was there. Anyone of the desk takes them now.
    contact = stored(calls_app, reference)
    assert (contact.status, contact.assigned_user_id, contact.answered_at) == ("waiting", None,
                                                                               None)
    assert phone_service(calls_app) == {"answered": 0, "abandoned": 0}
    other, _ = counsellor_with_phone(calls_app)
    again, _ = ring_counsellor(calls_app, redis_conn, other, reference, "answer")
    assert again.id != mine.id


def test_a_counsellor_who_hangs_up_after_talking_still_ends_the_caller_s_side(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    client, _ = counsellor_with_phone(calls_app)
    reference, caller_sid = caller_in_queue(calls_app, waited_s=40)
    mine, params = ring_counsellor(calls_app, redis_conn, client, reference, "answer")
    answer_counsellor_leg(calls_app.test_client(), mine.id or 0, params)
    run_jobs(calls_app, redis_conn)
    caller = [leg for leg in legs(calls_app, reference) if leg.kind == "caller"][-1]
    signed_post(calls_app.test_client(), f"/twilio/calls/{caller.id}/caller",
                {"CallSid": caller_sid, "CallStatus": "in-progress", "From": PERSON,
                 "To": DESK_NUMBER})
    answer = signed_post(calls_app.test_client(), "/twilio/calls/status",
                         {"CallSid": mine.call_sid or "", "CallStatus": "completed",
                          "From": DESK_NUMBER, "To": COUNSELLOR_PHONE,
                          "Timestamp": format_datetime(utcnow() + timedelta(minutes=5))})
    assert answer.status_code == 200
    run_jobs(calls_app, redis_conn)
    assert posts_to(twilio_double, caller_sid)[-1] == "completed"  # the call is over
    assert stored(calls_app, reference).answered_at is not None


def queue_fails_twice(app: Flask, caller_sid: str) -> str:
    """Twilio's queue fails, and fails again once the caller is enqueued again; return
    what Loket answered the second time."""
    body = ""
    for _ in range(2):
        answer = signed_post(app.test_client(), "/twilio/voice/queued",
                             {"CallSid": caller_sid, "From": PERSON, "To": DESK_NUMBER,
                              "QueueResult": "system-error", "QueueTime": "0"})
        assert answer.status_code == 200
        body = answer.get_data(as_text=True)
    return body


def test_a_caller_whose_queue_failed_twice_is_recorded_with_their_wait(
    calls_app: Flask, redis_conn: Redis,  # noqa: F811
) -> None:
    reference, caller_sid = caller_in_queue(calls_app, waited_s=90)
    queue_fails_twice(calls_app, caller_sid)
    contact = stored(calls_app, reference)
    assert contact.status == "callback" and contact.answered_at is None
    # What the figures need of a call that was not answered: how long they waited.
    assert contact.wait_seconds is not None and 90 <= contact.wait_seconds <= 100
    # And the figures count it: not answered, so abandoned, with that wait.
    day = (contact.created_at or utcnow()).astimezone(AMSTERDAM).date()
    with read_scope(engine_of(calls_app)) as session:
        service = figures(session, day, day)["service"]
    assert (service["answered"], service["abandoned"]) == (0, 1)


def test_a_claimed_caller_whose_queue_failed_twice_is_called_back_not_lost(
    calls_app: Flask, redis_conn: Redis,  # noqa: F811
) -> None:
    client, _ = counsellor_with_phone(calls_app)
    reference, caller_sid = caller_in_queue(calls_app, waited_s=60)
    act(client, reference, "claim")  # claimed on the desk, never joined
    body = queue_fails_twice(calls_app, caller_sid)

    contact = stored(calls_app, reference)
    with Session(engine_of(calls_app)) as session:
        filed = session.exec(select(CallbackRequest).where(
            CallbackRequest.contact_id == contact.id)).all()
    assert [c.phone for c in filed] == [PERSON]  # the desk calls them back
    assert (contact.status, contact.assigned_user_id) == ("callback", None)
    assert "We bellen u zo snel mogelijk terug" in body  # not "please call us again"
    assert contact.wait_seconds is not None and contact.wait_seconds >= 60


def test_nothing_rings_again_for_a_person_erased_while_their_callback_was_called(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    reference, callback_id = callback_for(calls_app)
    make_due_now(calls_app, callback_id)
    client, _ = counsellor_with_phone(calls_app)
    person = ring_and_answer(calls_app, redis_conn, twilio_double, client, reference)
    with session_scope(engine_of(calls_app)) as session:
        erasure.erase(session=session, reference=reference, actor="cli")
    assert callback_row(calls_app, callback_id).status == "calling"  # a live call, left to end

    answer = signed_post(calls_app.test_client(), "/twilio/calls/status",
                         {"CallSid": person.call_sid or "", "CallStatus": "no-answer",
                          "From": DESK_NUMBER, "To": PERSON})
    assert answer.status_code == 200
    callback = callback_row(calls_app, callback_id)
    assert callback.status == "cancelled" and callback.phone is None
    with session_scope(engine_of(calls_app)) as session:
        assert calls.make_due(session=session, now=utcnow() + timedelta(days=1)) == []
        calls.reconcile(session=session, now=utcnow() + timedelta(days=1))
    run_jobs(calls_app, redis_conn)
    assert callback_row(calls_app, callback_id).status == "cancelled"
    with Session(engine_of(calls_app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        assert contact.status != "callback"  # not back among the callbacks to make
    rung = len(twilio_double.calls_to())
    run_jobs(calls_app, redis_conn)
    assert len(twilio_double.calls_to()) == rung  # nobody rung again


def test_an_erased_callback_whose_counsellor_did_not_answer_is_not_due_again(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    reference, callback_id = callback_for(calls_app)
    make_due_now(calls_app, callback_id)
    client, _ = counsellor_with_phone(calls_app)
    act(client, reference, "claim")
    assert act(client, reference, "call").status_code == 303
    run_jobs(calls_app, redis_conn)
    [mine] = legs(calls_app, reference)
    with session_scope(engine_of(calls_app)) as session:
        erasure.erase(session=session, reference=reference, actor="cli")
    signed_post(calls_app.test_client(), "/twilio/calls/status",
                {"CallSid": mine.call_sid or "", "CallStatus": "no-answer",
                 "From": DESK_NUMBER, "To": COUNSELLOR_PHONE})
    assert callback_row(calls_app, callback_id).status == "cancelled"
