"""A callback attempt given up for not reporting back, reviewed an eighth time; each test
failed before its fix.

After a quarter of an hour without word of a callback's calls, the reconciler makes the
callback callable again. The counsellor's phone of that attempt could still be answered
and a 1 pressed: the person was rung outside the attempt under way (and, once the callback
was called again, twice at once). Now that phone hears the call has ended and hangs up.

Through the real routes, RQ jobs on a real Redis and the real `twilio` client talking to
the local Twilio REST double, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from redis import Redis

from loket.domain import calls
from loket.store.db import session_scope
from loket.store.models import CallLeg
from loket.store.types import utcnow
from tests.desk.test_workspace import act, engine_of
from tests.queue.test_callbacks import (
    COUNSELLOR_PHONE,
    DESK_NUMBER,
    PERSON,
    callback_for,
    calls_app,  # noqa: F401 - the fixture, on SQLite and PostgreSQL
    counsellor_with_phone,
    legs,
    make_due_now,
    run_jobs,
)
from tests.twilio_double import TwilioDouble, answer_counsellor_leg

ENDED = "Dit gesprek is al afgelopen"


def counsellor_legs(app: Flask, reference: str) -> list[CallLeg]:
    return [leg for leg in legs(app, reference) if leg.kind == "counsellor"]


def given_up(app: Flask) -> None:
    """The reconciler, a quarter of an hour and more after the attempt started."""
    with session_scope(engine_of(app)) as session:
        done = calls.reconcile(session=session, now=utcnow() + calls.STUCK_AFTER
                               + timedelta(minutes=1))
    assert done.unstuck == 1


def press_one(app: Flask, leg: CallLeg) -> str:
    answer = answer_counsellor_leg(app.test_client(), leg.id or 0,
                                   {"CallSid": leg.call_sid or "", "From": DESK_NUMBER,
                                    "To": COUNSELLOR_PHONE})
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


def calling(app: Flask, redis: Redis) -> tuple[FlaskClient, str]:
    """A due callback claimed and called: the counsellor's phone rings. Return their browser
    and the reference."""
    client, _ = counsellor_with_phone(app)
    reference, callback_id = callback_for(app)
    make_due_now(app, callback_id)
    act(client, reference, "claim")
    assert act(client, reference, "call").status_code == 303
    run_jobs(app, redis)
    return client, reference


def test_the_phone_of_an_attempt_given_up_does_not_ring_the_person(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    client, reference = calling(calls_app, redis_conn)
    [stale] = counsellor_legs(calls_app, reference)
    given_up(calls_app)

    answer = press_one(calls_app, stale)
    run_jobs(calls_app, redis_conn)

    assert ENDED in answer and "<Conference" not in answer
    assert PERSON not in twilio_double.calls_to()
    assert [leg.kind for leg in legs(calls_app, reference)] == ["counsellor"]


def test_after_calling_again_only_the_new_attempt_rings_the_person_once(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    client, reference = calling(calls_app, redis_conn)
    given_up(calls_app)
    assert act(client, reference, "call").status_code == 303  # called again
    run_jobs(calls_app, redis_conn)
    stale, current = counsellor_legs(calls_app, reference)

    assert ENDED in press_one(calls_app, stale)
    assert "<Conference" in press_one(calls_app, current)
    run_jobs(calls_app, redis_conn)

    assert twilio_double.calls_to().count(PERSON) == 1
    [person] = [leg for leg in legs(calls_app, reference) if leg.kind == "person"]
    assert person.conference == current.conference
