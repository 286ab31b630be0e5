"""A bad night on the phone: calls that end in odd orders. A counsellor whose phone drops
right after pressing 1 never costs the waiting caller their call; a leg Twilio calls
`initiated` is a live call; a caller claimed on the desk who hangs up before being joined is
an abandoned call with their wait.

Through the real routes, RQ jobs on a real Redis and the real `twilio` client talking to
the local Twilio REST double, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET  # noqa: S405 - Loket's own answers
from datetime import timedelta

from flask import Flask
from redis import Redis
from sqlmodel import Session, select

from loket.domain import calls
from loket.queue import calls as call_jobs
from loket.store.db import session_scope
from loket.store.models import CallbackRequest, Contact
from loket.store.types import utcnow
from tests.desk.test_workspace import act, engine_of
from tests.queue.test_answered_calls import caller_in_queue, phone_service, stored
from tests.queue.test_call_screening import ring_counsellor
from tests.queue.test_callbacks import (
    COUNSELLOR_PHONE,
    DESK_NUMBER,
    PERSON,
    call_status,
    callback_for,
    calls_app,  # noqa: F401 - the fixture, on SQLite and PostgreSQL
    counsellor_with_phone,
    legs,
    make_due_now,
    run_jobs,
)
from tests.queue.test_callbacks_review import caller_hangs_up
from tests.twilio_double import TwilioDouble, answer_counsellor_leg, signed_post


def hung_up_calls(double: TwilioDouble, call_sid: str) -> list[str]:
    """Return what Loket asked Twilio to do with this call (its redirects and hang-ups)."""
    return [r.params.get("Status") or r.params.get("Url", "")
            for r in double.received(f"/Calls/{call_sid}.json") if r.method == "POST"]


def test_a_counsellor_whose_phone_drops_after_pressing_1_leaves_the_caller_queued(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    client, _ = counsellor_with_phone(calls_app)
    reference, caller_sid = caller_in_queue(calls_app, waited_s=40, crisis=True)
    mine, params = ring_counsellor(calls_app, redis_conn, client, reference, "answer")
    assert "<Conference" in answer_counsellor_leg(
        calls_app.test_client(), mine.id or 0, params).get_data(as_text=True)  # pressed 1
    # Their phone drops before the job moved the caller out of the queue.
    call_status(calls_app, mine.call_sid or "", "completed", COUNSELLOR_PHONE)
    run_jobs(calls_app, redis_conn)

    assert hung_up_calls(twilio_double, caller_sid) == []  # neither ended nor moved
    contact = stored(calls_app, reference)
    # Still waiting, held by no one: a colleague answers them (a crisis's alarms go on).
    assert (contact.status, contact.assigned_user_id, contact.outcome) == ("waiting", None,
                                                                           None)
    assert contact.answered_at is None
    other, _ = counsellor_with_phone(calls_app)
    again, _ = ring_counsellor(calls_app, redis_conn, other, reference, "answer")
    assert again.id != mine.id
    answer_counsellor_leg(calls_app.test_client(), again.id or 0,
                          {"CallSid": again.call_sid or "", "CallStatus": "in-progress",
                           "From": DESK_NUMBER, "To": COUNSELLOR_PHONE})
    run_jobs(calls_app, redis_conn)
    [moved] = [r for r in twilio_double.received(f"/Calls/{caller_sid}.json")
               if r.method == "POST"]
    caller_leg = [leg for leg in legs(calls_app, reference) if leg.kind == "caller"][-1]
    assert moved.params["Url"].endswith(f"/twilio/calls/{caller_leg.id}/caller")


def test_a_caller_redirected_as_the_counsellor_s_phone_dropped_goes_back_in_the_queue(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    # The move was under way (Twilio redirecting the caller) when the counsellor's phone
    # dropped: the caller arrives at their leg's TwiML with nobody left to talk to.
    client, _ = counsellor_with_phone(calls_app)
    reference, caller_sid = caller_in_queue(calls_app, waited_s=40)
    mine, params = ring_counsellor(calls_app, redis_conn, client, reference, "answer")
    answer_counsellor_leg(calls_app.test_client(), mine.id or 0, params)
    caller_leg = [leg for leg in legs(calls_app, reference) if leg.kind == "caller"][-1]
    with session_scope(engine_of(calls_app)) as session:
        assert calls.take_leg(session=session, leg_id=caller_leg.id or 0, kind="caller")
    call_status(calls_app, mine.call_sid or "", "completed", COUNSELLOR_PHONE)

    answer = signed_post(calls_app.test_client(), f"/twilio/calls/{caller_leg.id}/caller",
                         {"CallSid": caller_sid, "CallStatus": "in-progress", "From": PERSON,
                          "To": DESK_NUMBER})
    body = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "<Hangup" not in body and "<Conference" not in body
    twiml = ET.fromstring(body)  # noqa: S314 - Loket's own
    enqueue = twiml.find("./Enqueue")  # back in their queue, as the phone menu put them
    assert enqueue is not None and enqueue.text == stored(calls_app, reference).queue
    assert enqueue.get("waitUrl") == "/twilio/voice/wait"
    assert enqueue.get("action") == "/twilio/voice/queued"
    assert "U blijft in de wachtrij" in " ".join(say.text or "" for say in twiml.iter("Say"))
    contact = stored(calls_app, reference)
    assert (contact.status, contact.assigned_user_id, contact.answered_at) == ("waiting", None,
                                                                               None)


def test_a_leg_twilio_calls_initiated_is_a_live_call(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    # Twilio's first word of a call is `initiated`, before `ringing`: the counsellor is on a
    # call from then on, so a personal callback due meanwhile does not ring their phone too.
    client, user = counsellor_with_phone(calls_app)
    reference, caller_sid = caller_in_queue(calls_app, waited_s=10)
    mine, _ = ring_counsellor(calls_app, redis_conn, client, reference, "answer")
    call_status(calls_app, mine.call_sid or "", "initiated", COUNSELLOR_PHONE)
    contact_id = stored(calls_app, reference).id
    with Session(engine_of(calls_app)) as session:
        assert calls.on_a_live_call(session=session, user_id=user.id or 0) == {contact_id}
    personal, callback_id = callback_for(calls_app)
    with session_scope(engine_of(calls_app)) as session:
        callback = session.get(CallbackRequest, callback_id)
        assert callback is not None
        callback.claimed_by = user.id
    make_due_now(calls_app, callback_id)
    with session_scope(engine_of(calls_app)) as session:
        assert calls.ring_personal(session=session, callback_id=callback_id) is None
    assert twilio_double.calls_to() == [COUNSELLOR_PHONE]  # rung once, for the caller


def test_a_claimed_caller_who_hangs_up_before_being_joined_is_an_abandoned_call(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    client, _ = counsellor_with_phone(calls_app)
    reference, caller_sid = caller_in_queue(calls_app, waited_s=30)
    act(client, reference, "claim")
    assert stored(calls_app, reference).answered_at is None  # claimed is not answered

    caller_hangs_up(calls_app, caller_sid)  # after 95 s in the queue

    contact = stored(calls_app, reference)
    assert (contact.status, contact.outcome) == ("closed", "abandoned")
    assert contact.answered_at is None and contact.wait_seconds == 95
    assert contact.assigned_user_id is None
    assert phone_service(calls_app) == {"answered": 0, "abandoned": 1}


def test_a_claimed_crisis_caller_who_hangs_up_is_kept_to_call_back_and_counted(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    client, _ = counsellor_with_phone(calls_app)
    reference, caller_sid = caller_in_queue(calls_app, waited_s=30, crisis=True)
    act(client, reference, "claim")

    caller_hangs_up(calls_app, caller_sid)

    contact = stored(calls_app, reference)
    assert contact.status != "closed" and contact.wait_seconds == 95
    assert phone_service(calls_app) == {"answered": 0, "abandoned": 1}
    # The counsellor who holds it calls the person back at once.
    assert act(client, reference, "call").status_code == 303
    run_jobs(calls_app, redis_conn)
    assert twilio_double.calls_to() == [COUNSELLOR_PHONE]
    assert [leg.kind for leg in legs(calls_app, reference)] == ["counsellor"]


def test_the_desk_says_in_dutch_why_a_call_did_not_go_through(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    client, _ = counsellor_with_phone(calls_app)
    reference, _ = caller_in_queue(calls_app, waited_s=40)
    mine, params = ring_counsellor(calls_app, redis_conn, client, reference, "answer")
    answer_counsellor_leg(calls_app.test_client(), mine.id or 0, params)
    call_status(calls_app, mine.call_sid or "", "completed", COUNSELLOR_PHONE)
    page = client.get(f"/desk/contacts/{reference}").get_data(as_text=True)
    assert "counsellor&#39;s phone hung up first" not in page
    assert "de beller wacht weer in de wachtrij" in page

    # A callback whose counsellor's phone did not answer goes back to the desk: said so.
    person, callback_id = callback_for(calls_app)
    make_due_now(calls_app, callback_id)
    theirs, _ = ring_counsellor(calls_app, redis_conn, client, person, "call")
    call_status(calls_app, theirs.call_sid or "", "no-answer", COUNSELLOR_PHONE)
    page = client.get(f"/desk/contacts/{person}").get_data(as_text=True)
    assert "did not answer" not in page and "niet opgenomen" in page


def test_a_claimed_caller_whose_hang_up_was_never_heard_is_found_and_counted(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    # Twilio's word that the caller hung up was lost; the counsellor who claimed them never
    # answered. The reconciler asks Twilio, as for an unclaimed caller.
    client, _ = counsellor_with_phone(calls_app)
    reference, caller_sid = caller_in_queue(calls_app, waited_s=300)
    act(client, reference, "claim")
    with session_scope(engine_of(calls_app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        contact.updated_at = utcnow() - timedelta(minutes=5)
    twilio_double.call_statuses[caller_sid] = "completed"

    with calls_app.app_context():
        assert call_jobs.reconcile_waiting_calls() == 1

    contact = stored(calls_app, reference)
    assert (contact.status, contact.outcome, contact.assigned_user_id) == ("closed",
                                                                           "abandoned", None)
    assert contact.wait_seconds is not None and contact.wait_seconds >= 300
    assert phone_service(calls_app) == {"answered": 0, "abandoned": 1}
