"""The REST gateway through the real `twilio` client, against the local Twilio REST double
over HTTP: what each call sends, and Twilio's refusals as GatewayError without a number."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from redis import Redis

from loket.gateway import GatewayError, RestGateway, get_gateway
from loket.store.types import utcnow
from tests.desk.test_workspace import act, counsellor, waiting
from tests.queue.test_callbacks import run_jobs
from tests.twilio_double import ACCOUNT_SID, TwilioDouble

PERSON = "+31612345678"


def test_the_gateway_is_the_rest_client_aimed_at_the_double(
    rest_app: Callable[..., Flask], twilio_double: TwilioDouble,
) -> None:
    app = rest_app()
    gateway = get_gateway(app)
    assert isinstance(gateway, RestGateway)
    sid = gateway.send_message(to=PERSON, body="Hallo")
    call = gateway.place_call(to=PERSON, url="https://loket.example.org/twilio/calls/1/person",
                              caller_id="+31880000001", machine_detection=True,
                              status_callback="https://loket.example.org/twilio/calls/status")
    gateway.redirect_call(call_sid=call, url="https://loket.example.org/x")
    gateway.hangup_call(call_sid=call)
    joined = gateway.add_participant(conference="loket-abc", to=PERSON, caller_id="+3188",
                                     coaching=True, call_sid_to_coach=call)
    assert sid.startswith("SM") and call.startswith("CA") and joined.startswith("CA")
    paths = [r.path.removeprefix(f"/2010-04-01/Accounts/{ACCOUNT_SID}") for r in
             twilio_double.requests]
    assert paths == ["/Messages.json", "/Calls.json", f"/Calls/{call}.json",
                     f"/Calls/{call}.json", "/Conferences/loket-abc/Participants.json"]
    assert all(r.auth_ok for r in twilio_double.requests)
    message, placed, moved, ended, participant = (r.params for r in twilio_double.requests)
    assert message == {"To": PERSON, "From": "+3185000000", "Body": "Hallo"}
    assert placed["From"] == "+31880000001" and placed["MachineDetection"] == "DetectMessageEnd"
    assert placed["StatusCallback"].endswith("/twilio/calls/status")
    assert moved["Url"] == "https://loket.example.org/x" and moved["Method"] == "POST"
    assert ended == {"Status": "completed"}
    assert participant["Coaching"] == "true" and participant["CallSidToCoach"] == call


@pytest.mark.parametrize("status", [400, 500])
def test_a_refusal_is_a_gateway_error_naming_no_number(
    rest_app: Callable[..., Flask], twilio_double: TwilioDouble, status: int,
) -> None:
    gateway = get_gateway(rest_app())
    twilio_double.fail_next(status=status, code=21211)
    with pytest.raises(GatewayError) as refused:
        gateway.place_call(to=PERSON, url="https://loket.example.org/u")
    assert str(status) in str(refused.value) and "21211" in str(refused.value)
    assert PERSON not in str(refused.value) and "612345678" not in str(refused.value)


def test_twilio_unreachable_is_a_gateway_error(
    rest_app: Callable[..., Flask], twilio_double: TwilioDouble,
) -> None:
    gateway = get_gateway(rest_app())
    twilio_double.stop()
    started = utcnow()
    with pytest.raises(GatewayError, match="unreachable"):
        gateway.send_message(to=PERSON, body="Hallo")
    assert (utcnow() - started).total_seconds() < RestGateway.TIMEOUT_S + 1


def test_a_counsellor_s_text_reply_reaches_twilio_once(
    rest_app: Callable[..., Flask], twilio_double: TwilioDouble, redis_conn: Redis,
) -> None:
    app = rest_app()
    reference = waiting(app, channel="sms", phone=PERSON)
    client, _ = counsellor(app)
    act(client, reference, "claim")
    act(client, reference, "reply", text="Fijn dat je schrijft.")
    run_jobs(app, redis_conn)
    run_jobs(app, redis_conn)
    sent = [r for r in twilio_double.requests if r.path.endswith("/Messages.json")]
    assert len(sent) == 1
    assert sent[0].params == {"To": PERSON, "From": "+3185000000",
                              "Body": "Fijn dat je schrijft."}
