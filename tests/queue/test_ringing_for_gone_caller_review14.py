"""A waiting caller who hangs up while the counsellor's own phone rings to take them ("answer"
pressed on the desk, no 1 pressed yet): that phone is hung up (Twilio asked once), not left
ringing for the counsellor to pick up and hear the call is over; and the counsellor, on no
call, takes the next caller. Found in review 14; each test failed before its fix, but the
last, which keeps the case the fix leaves alone (a 1 pressed: the caller's own leg) as it was.

Through the real routes, RQ jobs on a real Redis and the `twilio` client on the REST double,
on SQLite and PostgreSQL (the `calls_app` fixture).
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from redis import Redis
from sqlmodel import Session, select

from loket.store.models import CallLeg
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
from tests.queue.test_callbacks_review import caller_hangs_up
from tests.twilio_double import Recorded, TwilioDouble, press, signed_post

# What the desk says of the counsellor's leg (`calls.CALLER_GONE_FIRST`).
GONE_FIRST = "the caller hung up before the call was answered"


def leg_status(app: Flask, leg: CallLeg, status: str) -> None:
    """Post Twilio's status callback of the counsellor's leg (its URL names the leg)."""
    answer = signed_post(app.test_client(), f"/twilio/calls/status?leg={leg.id}",
                         {"CallSid": leg.call_sid or "", "CallStatus": status,
                          "From": DESK_NUMBER, "To": COUNSELLOR_PHONE})
    assert answer.status_code == 200


def ends_asked(double: TwilioDouble, call_sid: str) -> list[dict[str, str]]:
    """Return what Twilio was asked of this call since it was placed (each update)."""
    return [r.params for r in double.received(f"/Calls/{call_sid}.json") if r.method == "POST"]


def hung_up(asked: list[dict[str, str]]) -> int:
    return sum(p.get("Status") in ("completed", "canceled") for p in asked)


def takes_the_next_caller(app: Flask, redis: Redis, client: FlaskClient,
                          double: TwilioDouble) -> None:
    """The counsellor, on no call, answers the next waiting caller: their phone rings."""
    rung_before = len(double.calls_to())
    reference, _ = caller_in_queue(app, waited_s=10)
    assert act(client, reference, "claim").status_code == 303
    assert act(client, reference, "answer").status_code == 303
    run_jobs(app, redis)
    assert double.calls_to()[rung_before:] == [COUNSELLOR_PHONE]
    [mine] = legs(app, reference)
    assert mine.kind == "counsellor" and mine.call_sid and mine.error is None


def test_the_counsellor_s_ringing_phone_is_stopped_once_when_the_waiting_caller_hangs_up(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    client, _ = counsellor_with_phone(calls_app)
    reference, caller_sid = caller_in_queue(calls_app, waited_s=30)
    act(client, reference, "claim")
    assert act(client, reference, "answer").status_code == 303
    run_jobs(calls_app, redis_conn)  # the counsellor's own phone is rung
    [mine] = legs(calls_app, reference)
    assert mine.kind == "counsellor" and mine.call_sid
    assert twilio_double.calls_to() == [COUNSELLOR_PHONE]
    leg_status(calls_app, mine, "ringing")

    caller_hangs_up(calls_app, caller_sid)  # while the counsellor's phone rings
    run_jobs(calls_app, redis_conn)

    contact = stored(calls_app, reference)
    assert (contact.status, contact.outcome) == ("closed", "abandoned")  # kept, counted
    # The counsellor's phone, ringing for nobody, is hung up: Twilio asked once, though
    # both of Twilio's words of the caller's end (queue result, call status) came.
    assert hung_up(ends_asked(twilio_double, mine.call_sid)) == 1, (
        "the counsellor's phone keeps ringing for a caller who hung up: Twilio was asked "
        f"{ends_asked(twilio_double, mine.call_sid)!r}")
    [mine] = legs(calls_app, reference)
    assert mine.error == GONE_FIRST  # the desk says why

    # Twilio's words of the caller's end again (its retries): nothing more is asked.
    caller_hangs_up(calls_app, caller_sid)
    run_jobs(calls_app, redis_conn)
    assert hung_up(ends_asked(twilio_double, mine.call_sid)) == 1

    # The phone stopped (Twilio's status callback): the counsellor is on no call any more.
    leg_status(calls_app, mine, "canceled")
    [mine] = legs(calls_app, reference)
    assert mine.status == "canceled"
    takes_the_next_caller(calls_app, redis_conn, client, twilio_double)


def test_a_counsellor_s_phone_not_rung_yet_is_never_rung_for_a_caller_who_hung_up(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    client, _ = counsellor_with_phone(calls_app)
    reference, caller_sid = caller_in_queue(calls_app, waited_s=30)
    act(client, reference, "claim")
    assert act(client, reference, "answer").status_code == 303
    caller_hangs_up(calls_app, caller_sid)  # before the job rang the counsellor's phone
    run_jobs(calls_app, redis_conn)

    assert twilio_double.calls_to() == []  # called off: nobody's phone rang
    [mine] = legs(calls_app, reference)
    assert (mine.status, mine.call_sid, mine.error) == ("canceled", None,
                                                       GONE_FIRST)
    assert stored(calls_app, reference).outcome == "abandoned"
    takes_the_next_caller(calls_app, redis_conn, client, twilio_double)


@pytest.mark.parametrize("order", ["hangs up, the job keeps the sid",
                                   "hangs up, then Twilio's status callback",
                                   "Twilio's status callback, then hangs up"])
def test_a_counsellor_s_phone_being_rung_as_the_caller_hangs_up_is_hung_up_once(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
    order: str,
) -> None:
    client, _ = counsellor_with_phone(calls_app)
    reference, caller_sid = caller_in_queue(calls_app, waited_s=30)
    act(client, reference, "claim")
    assert act(client, reference, "answer").status_code == 303
    [mine] = legs(calls_app, reference)

    def meanwhile(request: Recorded) -> None:
        # Twilio took the call; before its answer reaches the job (the leg `dialing`, no
        # sid kept yet), the caller hangs up, and Twilio's status callback may come first.
        if not request.path.endswith("/Calls.json"):
            return
        mine.call_sid = str(request.answer["sid"])
        if order.startswith("Twilio"):
            leg_status(calls_app, mine, "initiated")
        caller_hangs_up(calls_app, caller_sid)
        if order == "hangs up, then Twilio's status callback":
            leg_status(calls_app, mine, "initiated")

    twilio_double.before_answer = meanwhile
    run_jobs(calls_app, redis_conn)
    twilio_double.before_answer = None

    assert twilio_double.calls_to() == [COUNSELLOR_PHONE]
    [mine] = legs(calls_app, reference)
    assert mine.call_sid and mine.error == GONE_FIRST
    assert hung_up(ends_asked(twilio_double, mine.call_sid)) == 1, (
        f"Twilio was asked {ends_asked(twilio_double, mine.call_sid)!r}")
    assert stored(calls_app, reference).outcome == "abandoned"
    leg_status(calls_app, mine, "canceled")
    takes_the_next_caller(calls_app, redis_conn, client, twilio_double)


def test_a_counsellor_who_pressed_1_is_left_to_the_caller_s_own_leg(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    """Once the counsellor pressed 1 the caller's leg exists: its end hangs the phone up,
    as before (once, not twice)."""
    client, _ = counsellor_with_phone(calls_app)
    reference, caller_sid = caller_in_queue(calls_app, waited_s=30)
    act(client, reference, "claim")
    assert act(client, reference, "answer").status_code == 303
    run_jobs(calls_app, redis_conn)
    [mine] = legs(calls_app, reference)
    params = {"CallSid": mine.call_sid or "", "CallStatus": "in-progress",
              "From": DESK_NUMBER, "To": COUNSELLOR_PHONE}
    prompt = signed_post(calls_app.test_client(), f"/twilio/calls/{mine.id}/counsellor", params)
    press(calls_app.test_client(), prompt, params, "1")  # a caller's leg, to move them
    caller_hangs_up(calls_app, caller_sid)  # before the move
    run_jobs(calls_app, redis_conn)
    assert mine.call_sid
    assert hung_up(ends_asked(twilio_double, mine.call_sid)) == 1
    with Session(engine_of(calls_app)) as session:
        caller = session.exec(select(CallLeg).where(CallLeg.kind == "caller")).one()
        assert caller.status == "canceled"
