"""A crisis caller is answered: the counsellor's phone rings, they press 1, the caller is
moved into their conference. Then the line drops (the caller's mobile loses signal). The
counsellor, who holds the contact, is offered to ring the person back at once from the
desk's number, and doing so rings their phone first. Before, "call" was refused (no
callback due), "answer" too (answered already), and a planned callback (a crisis is never
only called back): nobody could reach the person in crisis through Loket any more.

Independent of the hour: the contact is stored in the police queue directly."""

from __future__ import annotations

from flask import Flask
from redis import Redis

from tests.desk.test_workspace import act
from tests.queue.test_answered_calls import caller_in_queue, stored
from tests.queue.test_callbacks import (
    COUNSELLOR_PHONE,
    DESK_NUMBER,
    PERSON,
    call_status,
    calls_app,  # noqa: F401 - the fixture, on SQLite and PostgreSQL
    counsellor_with_phone,
    legs,
    run_jobs,
)
from tests.twilio_double import TwilioDouble, answer_counsellor_leg, signed_post


def test_a_crisis_caller_whose_answered_call_drops_can_be_called_back_at_once(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    client, _ = counsellor_with_phone(calls_app)
    reference, caller_sid = caller_in_queue(calls_app, waited_s=40, crisis=True)
    act(client, reference, "claim")
    act(client, reference, "answer")
    run_jobs(calls_app, redis_conn)
    [mine] = legs(calls_app, reference)
    answer_counsellor_leg(calls_app.test_client(), mine.id or 0,
                          {"CallSid": mine.call_sid or "", "From": DESK_NUMBER,
                           "To": COUNSELLOR_PHONE})
    run_jobs(calls_app, redis_conn)
    caller = legs(calls_app, reference)[-1]
    joined = signed_post(calls_app.test_client(), f"/twilio/calls/{caller.id}/caller",
                         {"CallSid": caller_sid, "From": PERSON, "To": DESK_NUMBER})
    assert "<Conference" in joined.get_data(as_text=True)
    assert stored(calls_app, reference).answered_at is not None

    # The line drops: the caller's call ends, then the counsellor's phone leg.
    dropped = signed_post(calls_app.test_client(), "/twilio/voice/status",
                          {"CallSid": caller_sid, "From": PERSON, "To": DESK_NUMBER,
                           "CallStatus": "completed", "CallDuration": "200"})
    assert dropped.status_code == 200
    call_status(calls_app, mine.call_sid or "", "completed", COUNSELLOR_PHONE)
    run_jobs(calls_app, redis_conn)
    contact = stored(calls_app, reference)
    assert contact.crisis and contact.status != "closed"
    rung_before = twilio_double.calls_to().count(COUNSELLOR_PHONE)
    shown = client.get(f"/desk/contacts/{reference}").get_data(as_text=True)
    assert "Het gesprek met deze persoon in crisis is voorbij. Viel het weg" in shown

    # The counsellor rings the person back at once, through Loket.
    page = client.get(act(client, reference, "call").location).get_data(as_text=True)
    run_jobs(calls_app, redis_conn)

    assert twilio_double.calls_to().count(COUNSELLOR_PHONE) == rung_before + 1, page[:0] + (
        "the counsellor could not ring the person in crisis back")
