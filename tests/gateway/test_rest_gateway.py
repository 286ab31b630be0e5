"""The REST gateway through the real `twilio` client, against the local Twilio REST double
over HTTP: what each call sends, and Twilio's refusals as GatewayError without a number."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from redis import Redis
from sqlmodel import Session, select

from loket.gateway import GatewayError, RestGateway, SandboxGateway, get_gateway
from loket.store.models import Message, OutboundAction
from loket.store.types import utcnow
from tests.desk.test_workspace import act, counsellor, engine_of, waiting
from tests.queue.test_callbacks import run_jobs
from tests.twilio_double import ACCOUNT_SID, FROM_NUMBER, TwilioDouble

PERSON = "+31612345678"
SITE = "https://loket.example.org"
EVENTS = ["initiated", "ringing", "answered", "completed"]


def rest_gateway(rest_app: Callable[..., Flask], **overrides: str) -> RestGateway:
    """The REST gateway of an app aimed at the double."""
    gateway = get_gateway(rest_app(**overrides))
    assert isinstance(gateway, RestGateway)
    return gateway


def no_number_in(text: str) -> bool:
    """Whether a text names no part of the person's number."""
    return PERSON not in text and "612345678" not in text


def test_each_action_is_one_authenticated_request_on_twilio_s_resource(
    rest_app: Callable[..., Flask], twilio_double: TwilioDouble,
) -> None:
    gateway = rest_gateway(rest_app)
    sid = gateway.send_message(to=PERSON, body="Hallo")
    call = gateway.place_call(to=PERSON, url=f"{SITE}/twilio/calls/1/person",
                              caller_id="+31880000001", machine_detection=True,
                              status_callback=f"{SITE}/twilio/calls/status")
    gateway.redirect_call(call_sid=call, url=f"{SITE}/x")
    gateway.hangup_call(call_sid=call)
    taken = gateway.dequeue_call(queue_sid="QU" + "1" * 32, call_sid=call, url=f"{SITE}/y")
    joined = gateway.add_participant(conference="loket-abc", to=PERSON, caller_id="+3188",
                                     coaching=True, call_sid_to_coach=call,
                                     status_callback=f"{SITE}/twilio/calls/status")
    assert sid.startswith("SM") and call.startswith("CA") and joined.startswith("CA")
    assert taken == call and len(sid) == len(call) == len(joined) == 34
    received = twilio_double.received()
    assert [(r.method, r.resource) for r in received] == [
        ("POST", "/Messages.json"), ("POST", "/Calls.json"), ("POST", f"/Calls/{call}.json"),
        ("POST", f"/Calls/{call}.json"), ("POST", f"/Queues/QU{'1' * 32}/Members/{call}.json"),
        ("POST", "/Conferences/loket-abc/Participants.json")]
    assert all(r.path.startswith(f"/2010-04-01/Accounts/{ACCOUNT_SID}/") for r in received)
    assert all(r.auth_ok and r.status in (200, 201) for r in received)
    message, placed, moved, ended, dequeued, participant = received
    assert message.params == {"To": PERSON, "From": FROM_NUMBER, "Body": "Hallo"}
    assert placed.params["To"] == PERSON and placed.params["From"] == "+31880000001"
    assert placed.params["Url"] == f"{SITE}/twilio/calls/1/person"
    assert placed.params["Method"] == "POST"
    assert placed.params["MachineDetection"] == "DetectMessageEnd"
    assert "AsyncAmd" not in placed.params
    assert placed.params["StatusCallback"] == f"{SITE}/twilio/calls/status"
    assert placed.params["StatusCallbackMethod"] == "POST"
    assert placed.lists["StatusCallbackEvent"] == EVENTS
    assert moved.params == {"Url": f"{SITE}/x", "Method": "POST"}
    assert ended.params == {"Status": "completed"}
    assert dequeued.params == {"Url": f"{SITE}/y", "Method": "POST"}
    assert participant.params["To"] == PERSON and participant.params["From"] == "+3188"
    assert participant.params["Coaching"] == "true"
    assert participant.params["CallSidToCoach"] == call
    assert participant.params["StatusCallback"] == f"{SITE}/twilio/calls/status"
    assert participant.lists["StatusCallbackEvent"] == EVENTS
    assert joined == participant.answer["call_sid"]


def test_a_call_without_options_sends_only_what_it_must(
    rest_app: Callable[..., Flask], twilio_double: TwilioDouble,
) -> None:
    rest_gateway(rest_app).place_call(to=PERSON, url=f"{SITE}/u")
    [placed] = twilio_double.received("/Calls.json")
    assert placed.params == {"To": PERSON, "From": FROM_NUMBER, "Url": f"{SITE}/u",
                             "Method": "POST"}


def test_machine_detection_runs_in_the_background_when_a_callback_is_given(
    rest_app: Callable[..., Flask], twilio_double: TwilioDouble,
) -> None:
    rest_gateway(rest_app).place_call(to=PERSON, url=f"{SITE}/u", machine_detection=True,
                                      async_amd_callback=f"{SITE}/twilio/calls/amd")
    [placed] = twilio_double.received("/Calls.json")
    assert placed.params["MachineDetection"] == "DetectMessageEnd"
    assert placed.params["AsyncAmd"] == "true"
    assert placed.params["AsyncAmdStatusCallback"] == f"{SITE}/twilio/calls/amd"
    assert placed.params["AsyncAmdStatusCallbackMethod"] == "POST"


def test_a_whatsapp_message_goes_from_the_whatsapp_sender(
    rest_app: Callable[..., Flask], twilio_double: TwilioDouble,
) -> None:
    rest_gateway(rest_app).send_message(to=f"whatsapp:{PERSON}", body="Hallo")
    [sent] = twilio_double.received("/Messages.json")
    assert sent.params["To"] == f"whatsapp:{PERSON}"
    assert sent.params["From"] == f"whatsapp:{FROM_NUMBER}"


@pytest.mark.parametrize("status", [400, 500])
def test_a_refusal_is_a_gateway_error_naming_no_number(
    rest_app: Callable[..., Flask], twilio_double: TwilioDouble, status: int,
) -> None:
    gateway = rest_gateway(rest_app)
    twilio_double.fail_next(status=status, code=21211)
    with pytest.raises(GatewayError) as refused:
        gateway.place_call(to=PERSON, url=f"{SITE}/u")
    assert str(status) in str(refused.value) and "21211" in str(refused.value)
    assert no_number_in(str(refused.value)) and refused.value.__cause__ is None
    gateway.place_call(to=PERSON, url=f"{SITE}/u")  # only the next request failed
    assert [r.status for r in twilio_double.received()] == [status, 201]


def test_a_wrong_token_is_refused_by_twilio_as_a_gateway_error(
    rest_app: Callable[..., Flask], twilio_double: TwilioDouble,
) -> None:
    gateway = rest_gateway(rest_app, twilio_auth_token="not-the-token")
    with pytest.raises(GatewayError, match=r"401 \(code 20003\)") as refused:
        gateway.send_message(to=PERSON, body="Hallo")
    assert no_number_in(str(refused.value))
    [request] = twilio_double.received()
    assert not request.auth_ok and request.status == 401


def test_twilio_unreachable_is_a_gateway_error(
    rest_app: Callable[..., Flask], twilio_double: TwilioDouble,
) -> None:
    gateway = rest_gateway(rest_app)
    twilio_double.stop()
    started = utcnow()
    with pytest.raises(GatewayError, match="unreachable") as refused:
        gateway.send_message(to=PERSON, body="Hallo")
    assert (utcnow() - started).total_seconds() < RestGateway.TIMEOUT_S + 1
    assert no_number_in(str(refused.value))


def test_every_request_is_bounded_in_time(rest_app: Callable[..., Flask]) -> None:
    gateway = rest_gateway(rest_app)
    assert gateway.client.http_client.timeout == RestGateway.TIMEOUT_S


def test_the_sandbox_records_what_it_would_have_sent(app: Flask) -> None:
    gateway = get_gateway(app)
    assert isinstance(gateway, SandboxGateway)
    call = gateway.place_call(to=PERSON, url=f"{SITE}/u", machine_detection=True,
                              async_amd_callback=f"{SITE}/amd")
    taken = gateway.dequeue_call(queue_sid="QU" + "1" * 32, call_sid=call, url=f"{SITE}/y")
    assert taken == call
    with Session(engine_of(app)) as session:
        placed, dequeued = session.exec(select(OutboundAction)).all()
    assert placed.kind == "call" and placed.params["async_amd_callback"] == f"{SITE}/amd"
    assert dequeued.kind == "dequeue" and dequeued.to is None
    assert dequeued.params == {"queue_sid": "QU" + "1" * 32, "call_sid": call,
                               "url": f"{SITE}/y"}


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
    [sent] = twilio_double.received("/Messages.json")
    assert sent.params == {"To": PERSON, "From": FROM_NUMBER, "Body": "Fijn dat je schrijft."}
    assert sent.auth_ok
    with Session(engine_of(app)) as session:
        [message] = session.exec(select(Message).where(Message.direction == "out")).all()
        assert not session.exec(select(OutboundAction)).all()  # nothing went to the sandbox
    assert message.external_id == sent.answer["sid"]
