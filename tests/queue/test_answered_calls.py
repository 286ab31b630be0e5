"""When a waiting caller counts as answered: when a counsellor is joined with them, not when
a counsellor claims them on the desk. A caller whose counsellor's phone never confirmed and
who then hung up is an abandoned call in the managers' figures, not an answered one.

Through the real routes, RQ jobs on a real Redis and the real `twilio` client talking to
the local Twilio REST double, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from flask import Flask
from redis import Redis
from sqlmodel import Session, select

from loket.reports.periods import AMSTERDAM
from loket.reports.volumes import figures
from loket.store.db import session_scope
from loket.store.models import Contact
from loket.store.types import utcnow
from tests.desk.test_workspace import act, engine_of, waiting
from tests.queue.test_call_screening import ring_counsellor, voicemail_answers
from tests.queue.test_callbacks import (
    COUNSELLOR_PHONE,
    DESK_NUMBER,
    PERSON,
    calls_app,  # noqa: F401 - the fixture, on SQLite and PostgreSQL
    counsellor_with_phone,
    legs,
    run_jobs,
)
from tests.queue.test_callbacks_review import caller_hangs_up
from tests.twilio_double import TwilioDouble, answer_counsellor_leg, signed_post


def caller_in_queue(app: Flask, *, waited_s: int, crisis: bool = False) -> tuple[str, str]:
    """A caller routed `waited_s` ago, waiting in the police queue; return the reference
    and the call's sid."""
    reference = waiting(app, channel="phone", phone=PERSON, crisis=crisis)
    caller_sid = "CA" + uuid.uuid4().hex
    with session_scope(engine_of(app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        contact.external_id, contact.intake_step = caller_sid, "queued"
        contact.routed_at = utcnow() - timedelta(seconds=waited_s)
    return reference, caller_sid


def stored(app: Flask, reference: str) -> Contact:
    with Session(engine_of(app)) as session:
        return session.exec(select(Contact).where(Contact.reference == reference)).one()


def phone_service(app: Flask) -> dict[str, int]:
    """Today's answered and abandoned calls of the desk, as the managers' report counts."""
    today = datetime.now(AMSTERDAM).date()
    with Session(engine_of(app)) as session:
        service = figures(session, today, today)["service"]
    return {"answered": service["answered"], "abandoned": service["abandoned"]}


def test_a_claimed_caller_whose_counsellor_never_confirmed_and_who_hung_up_is_abandoned(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    client, _ = counsellor_with_phone(calls_app)
    reference, caller_sid = caller_in_queue(calls_app, waited_s=30)
    mine, params = ring_counsellor(calls_app, redis_conn, client, reference, "answer")
    assert stored(calls_app, reference).answered_at is None  # claimed is not answered
    voicemail_answers(calls_app, mine, params)  # nobody pressed 1: back in the queue
    run_jobs(calls_app, redis_conn)

    caller_hangs_up(calls_app, caller_sid)  # after 95 s in the queue

    contact = stored(calls_app, reference)
    assert (contact.status, contact.outcome) == ("closed", "abandoned")
    assert contact.answered_at is None and contact.wait_seconds == 95
    assert phone_service(calls_app) == {"answered": 0, "abandoned": 1}


def test_a_caller_counts_as_answered_when_the_counsellor_is_joined_with_them(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    client, _ = counsellor_with_phone(calls_app)
    reference, caller_sid = caller_in_queue(calls_app, waited_s=40)
    act(client, reference, "claim")
    act(client, reference, "answer")
    run_jobs(calls_app, redis_conn)
    [mine] = legs(calls_app, reference)
    answer_counsellor_leg(calls_app.test_client(), mine.id or 0,
                          {"CallSid": mine.call_sid or "", "From": DESK_NUMBER,
                           "To": COUNSELLOR_PHONE})
    run_jobs(calls_app, redis_conn)  # the caller is moved out of the queue
    assert stored(calls_app, reference).answered_at is None  # not yet with the counsellor
    caller = legs(calls_app, reference)[-1]
    joined = signed_post(calls_app.test_client(), f"/twilio/calls/{caller.id}/caller",
                         {"CallSid": caller_sid, "From": PERSON, "To": DESK_NUMBER})
    assert "<Conference" in joined.get_data(as_text=True)

    contact = stored(calls_app, reference)
    assert contact.status == "in_progress" and contact.answered_at is not None
    assert contact.routed_at is not None
    waited = (contact.answered_at - contact.routed_at).total_seconds()
    assert 40 <= waited < 100  # from routing to the counsellor, not to the claim
    assert phone_service(calls_app) == {"answered": 1, "abandoned": 0}


def test_a_crisis_caller_who_hung_up_is_called_back_by_the_counsellor_who_takes_it(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    from loket.store.models import CallbackRequest

    client, _ = counsellor_with_phone(calls_app)
    reference, caller_sid = caller_in_queue(calls_app, waited_s=70, crisis=True)
    caller_hangs_up(calls_app, caller_sid)
    assert stored(calls_app, reference).status == "waiting"  # not closed: called back

    mine, _ = ring_counsellor(calls_app, redis_conn, client, reference, "call")
    assert twilio_double.calls_to() == [COUNSELLOR_PHONE]  # their own phone first
    with Session(engine_of(calls_app)) as session:
        [reach] = session.exec(select(CallbackRequest)
                               .where(CallbackRequest.contact_id == mine.contact_id)).all()
    assert reach.status in ("crisis", "calling") and mine.kind == "counsellor"
