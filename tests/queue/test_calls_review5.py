"""The phone, reviewed a fifth time: a counsellor whose waiting caller Twilio refuses to move
hears why before their phone hangs up; a caller moved out of an empty conference whose move
back fails is not lost; a status callback that comes in before its call's sid is stored is
matched within seconds, not left to the quarter-hourly sweep.

Through the real routes, RQ jobs on a real Redis and the real `twilio` client talking to
the local Twilio REST double, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET  # noqa: S405 - Loket's own answers
from collections.abc import Callable
from datetime import timedelta
from email.utils import format_datetime

from flask import Flask
from flask.testing import FlaskClient
from redis import Redis
from sqlmodel import Session, col, select

from loket.domain import calls
from loket.store.db import session_scope
from loket.store.models import CallbackRequest, CallLeg, InboundEvent, Outbox
from loket.store.types import utcnow
from tests.desk.test_workspace import act, engine_of
from tests.queue.test_answered_calls import caller_in_queue, phone_service, stored
from tests.queue.test_call_screening import ring_counsellor
from tests.queue.test_callbacks import (
    COUNSELLOR_PHONE,
    DESK_NUMBER,
    PERSON,
    calls_app,  # noqa: F401 - the fixture, on SQLite and PostgreSQL
    counsellor_with_phone,
    legs,
    run_jobs,
)
from tests.queue.test_calls_review4 import posts_to, run_retries
from tests.twilio_double import TwilioDouble, answer_counsellor_leg, signed_post


def said(body: str) -> list[str]:
    """Return what a TwiML answer says, in order."""
    root = ET.fromstring(body)  # noqa: S314 - Loket's own
    return [node.text or "" for node in root.iter("Say")]


def refused_move(app: Flask, redis: Redis, double: TwilioDouble
                 ) -> tuple[FlaskClient, str, CallLeg, str]:
    """A counsellor presses 1 to take a waiting caller, and Twilio refuses every try of the
    move; return the counsellor's browser, the reference, their leg and what their phone
    was sent to."""
    client, _ = counsellor_with_phone(app)
    reference, _caller_sid = caller_in_queue(app, waited_s=30)
    mine, params = ring_counsellor(app, redis, client, reference, "answer")
    double.fail_next(status=500, times=4)  # every move refused (the first + 3 retries)
    answer_counsellor_leg(app.test_client(), mine.id or 0, params)  # pressed 1
    run_retries(app, redis)
    sent = posts_to(double, mine.call_sid or "")
    assert len(sent) == 1, sent
    return client, reference, mine, sent[0]


def test_a_counsellor_whose_caller_cannot_be_moved_hears_why_before_the_hang_up(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    client, reference, mine, sent_to = refused_move(calls_app, redis_conn, twilio_double)

    # Not hung up without a word: their phone is taken out of the silent conference to
    # hear why, and then the call ends.
    assert sent_to.endswith(f"/twilio/calls/{mine.id}/not_connected")
    answer = signed_post(calls_app.test_client(), f"/twilio/calls/{mine.id}/not_connected",
                         {"CallSid": mine.call_sid or "", "CallStatus": "in-progress",
                          "From": DESK_NUMBER, "To": COUNSELLOR_PHONE})
    body = answer.get_data(as_text=True)
    root = ET.fromstring(body)  # noqa: S314 - Loket's own
    assert root.find("./Hangup") is not None and root.find("./Dial") is None
    assert said(body) == ["De beller kon niet worden doorverbonden. De beller wacht nog in "
                          "de wachtrij, voor iedereen van de desk. Tot ziens."]
    # The workspace says the same.
    contact = stored(calls_app, reference)
    assert (contact.status, contact.assigned_user_id) == ("waiting", None)
    page = client.get(f"/desk/contacts/{reference}").get_data(as_text=True)
    assert "de beller wacht nog in de wachtrij, voor iedereen van de desk" in page


def test_a_counsellor_hears_why_in_english_where_the_desk_speaks_english(
    rest_app: Callable[..., Flask], redis_conn: Redis, twilio_double: TwilioDouble,
) -> None:
    app = rest_app(desk_numbers=f"police={DESK_NUMBER}", default_language="en")
    _client, _reference, mine, _sent_to = refused_move(app, redis_conn, twilio_double)
    body = signed_post(app.test_client(), f"/twilio/calls/{mine.id}/not_connected",
                       {"CallSid": mine.call_sid or "", "CallStatus": "in-progress",
                        "From": DESK_NUMBER, "To": COUNSELLOR_PHONE}).get_data(as_text=True)
    assert said(body) == ["The caller could not be connected. The caller still waits in the "
                          "queue, for anyone of the desk. Goodbye."]


def test_a_counsellor_is_hung_up_all_the_same_when_twilio_refuses_to_say_why(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    client, _ = counsellor_with_phone(calls_app)
    reference, _caller_sid = caller_in_queue(calls_app, waited_s=30)
    mine, params = ring_counsellor(calls_app, redis_conn, client, reference, "answer")
    twilio_double.fail_next(status=400, code=21220, times=5)  # the moves, and the redirect
    answer_counsellor_leg(calls_app.test_client(), mine.id or 0, params)
    run_retries(calls_app, redis_conn)
    # Never left in a silent conference: hung up when it cannot be told.
    assert posts_to(twilio_double, mine.call_sid or "") == ["completed"]


def caller_in_an_empty_conference(app: Flask, redis: Redis, crisis: bool = False
                                  ) -> tuple[str, str, CallLeg]:
    """A waiting caller joins a counsellor's conference after the counsellor's phone had
    dropped (Twilio's word of it came in late); return the reference, the caller's sid and
    the counsellor's leg. The move back into the queue is promised, not yet run."""
    client, _ = counsellor_with_phone(app)
    reference, caller_sid = caller_in_queue(app, waited_s=40, crisis=crisis)
    mine, params = ring_counsellor(app, redis, client, reference, "answer")
    answer_counsellor_leg(app.test_client(), mine.id or 0, params)  # pressed 1
    dropped_at = utcnow()
    run_jobs(app, redis)  # the move: Twilio redirects the caller
    caller = [leg for leg in legs(app, reference) if leg.kind == "caller"][-1]
    joined = signed_post(app.test_client(), f"/twilio/calls/{caller.id}/caller",
                         {"CallSid": caller_sid, "CallStatus": "in-progress", "From": PERSON,
                          "To": DESK_NUMBER})
    assert "<Conference" in joined.get_data(as_text=True)  # an empty one, as it turns out
    answer = signed_post(app.test_client(), "/twilio/calls/status",
                         {"CallSid": mine.call_sid or "", "CallStatus": "completed",
                          "From": DESK_NUMBER, "To": COUNSELLOR_PHONE,
                          "Timestamp": format_datetime(dropped_at - timedelta(seconds=1))})
    assert answer.status_code == 200
    return reference, caller_sid, mine


def test_a_caller_whose_move_back_from_an_empty_conference_fails_is_called_back(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    reference, caller_sid, _mine = caller_in_an_empty_conference(calls_app, redis_conn)
    twilio_double.fail_next(status=500, times=4)  # the move back: the first + 3 retries
    run_retries(calls_app, redis_conn)

    assert posts_to(twilio_double, caller_sid)[1:] == []  # never moved back
    # Not lost in the empty conference: the desk calls them back as soon as possible, and
    # the figures count the call not answered.
    contact = stored(calls_app, reference)
    assert (contact.status, contact.assigned_user_id, contact.answered_at) == ("callback",
                                                                               None, None)
    with Session(engine_of(calls_app)) as session:
        [callback] = session.exec(select(CallbackRequest)
                                  .where(CallbackRequest.contact_id == contact.id)).all()
    assert (callback.window, callback.phone) == ("asap", PERSON)
    assert phone_service(calls_app) == {"answered": 0, "abandoned": 1}


def test_a_crisis_caller_whose_move_back_fails_stays_waiting_to_be_called_back_at_once(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    reference, _caller_sid, _mine = caller_in_an_empty_conference(calls_app, redis_conn,
                                                                  crisis=True)
    twilio_double.fail_next(status=500, times=4)
    run_retries(calls_app, redis_conn)

    contact = stored(calls_app, reference)
    assert (contact.status, contact.assigned_user_id) == ("waiting", None)
    with Session(engine_of(calls_app)) as session:
        statuses = session.exec(select(CallbackRequest.status)
                                .where(CallbackRequest.contact_id == contact.id)).all()
    assert statuses == ["crisis"]


def test_a_move_back_that_fails_once_is_retried_and_the_caller_is_back_in_the_queue(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    reference, caller_sid, _mine = caller_in_an_empty_conference(calls_app, redis_conn)
    twilio_double.fail_next(status=500, times=1)
    run_retries(calls_app, redis_conn)

    back = [leg for leg in legs(calls_app, reference) if leg.kind == "caller"][-1]
    assert posts_to(twilio_double, caller_sid)[-1].endswith(f"/twilio/calls/{back.id}/caller")
    contact = stored(calls_app, reference)
    assert (contact.status, contact.assigned_user_id) == ("waiting", None)


def test_a_status_that_comes_before_the_sid_is_stored_is_matched_within_seconds(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    client, _ = counsellor_with_phone(calls_app)
    reference, _caller_sid = caller_in_queue(calls_app, waited_s=30)
    act(client, reference, "claim")
    assert act(client, reference, "answer").status_code == 303
    [mine] = [leg for leg in legs(calls_app, reference) if leg.kind == "counsellor"]
    sid = "CA" + "e" * 32
    # The place job has asked Twilio for the call; before its answer is stored, Twilio's
    # status callback says the counsellor's phone did not answer.
    with session_scope(engine_of(calls_app)) as session:
        assert calls.take_leg(session=session, leg_id=mine.id or 0) is not None
    early = signed_post(calls_app.test_client(), "/twilio/calls/status",
                        {"CallSid": sid, "CallStatus": "no-answer", "From": DESK_NUMBER,
                         "To": COUNSELLOR_PHONE})
    assert early.status_code == 200
    run_jobs(calls_app, redis_conn)  # tried at once: no leg of that sid yet
    with session_scope(engine_of(calls_app)) as session:
        calls.leg_placed(session=session, leg_id=mine.id or 0, call_sid=sid)
    run_retries(calls_app, redis_conn)  # RQ's retry, seconds later

    # The leg ended and the caller is for anyone of the desk again, without the sweep.
    [leg] = [leg for leg in legs(calls_app, reference) if leg.kind == "counsellor"]
    assert leg.status == "no-answer"
    contact = stored(calls_app, reference)
    assert (contact.status, contact.assigned_user_id) == ("waiting", None)
    with Session(engine_of(calls_app)) as session:
        rows = session.exec(select(Outbox).where(Outbox.job == "match_status")).all()
        assert rows and all(row.done_at is not None for row in rows)
        # The status is kept with its contact, as one matched at once would be.
        unmatched = session.exec(select(InboundEvent).where(
            InboundEvent.kind == "status", col(InboundEvent.contact_id).is_(None))).all()
        assert unmatched == []


def test_a_status_never_matched_is_tried_a_bounded_while_then_left_to_the_sweep(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    from loket.queue import calls as call_jobs

    sid = "CA" + "f" * 32
    answer = signed_post(calls_app.test_client(), "/twilio/calls/status",
                         {"CallSid": sid, "CallStatus": "completed", "From": DESK_NUMBER,
                          "To": COUNSELLOR_PHONE})
    assert answer.status_code == 200
    run_retries(calls_app, redis_conn)
    with calls_app.app_context():
        # Still young: tried again (raised for the job's retry), never dropped.
        try:
            call_jobs.match_status(sid)
        except call_jobs.NotMatchedYet:
            pass
        else:
            raise AssertionError("an unmatched young status must be retried")
        with session_scope(engine_of(calls_app)) as session:
            for event in session.exec(select(InboundEvent)
                                      .where(InboundEvent.kind == "status")).all():
                event.created_at = utcnow() - calls.STATUS_MATCH_WITHIN - timedelta(seconds=1)
                session.add(event)
        assert call_jobs.match_status(sid) == "left to the sweep"
