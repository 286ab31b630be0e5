"""A call Twilio placed whose answer never came back (the REST request timed out after
Twilio took it) rang the phone a second time: the failure put the leg back for the job's
retry, though Twilio's status callback had already named the call. Found in an earlier
pass; each test failed before its fix."""

from __future__ import annotations

import time

import pytest
from flask import Flask
from redis import Redis

from loket.gateway import RestGateway, get_gateway
from loket.queue.worker import queues
from tests.desk.test_workspace import act
from tests.queue.test_callbacks import (  # noqa: F401 - calls_app: a fixture
    COUNSELLOR_PHONE,
    DESK_NUMBER,
    callback_for,
    calls_app,
    counsellor_with_phone,
    legs,
    make_due_now,
    run_jobs,
)
from tests.twilio_double import BASE, Recorded, TwilioDouble, signed_post

ANSWER_AFTER_S = 1.5  # the double's answer comes after the gateway stopped waiting


def retry_now(redis: Redis) -> None:
    """Enqueue the jobs RQ scheduled for a retry at once."""
    for queue in queues(redis):
        for job_id in queue.scheduled_job_registry.get_job_ids():
            job = queue.fetch_job(job_id)
            if job is not None:
                queue.enqueue_job(job)


def test_a_call_whose_answer_timed_out_is_not_placed_again(
    calls_app: Flask,  # noqa: F811 - the fixture imported above
    redis_conn: Redis, twilio_double: TwilioDouble,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gateway = get_gateway(calls_app)
    assert isinstance(gateway, RestGateway)
    # The gateway's bound on a request, shortened so that the test need not wait 10 s.
    monkeypatch.setattr(gateway.client.http_client, "timeout", 0.5)
    client, _ = counsellor_with_phone(calls_app)
    reference, callback_id = callback_for(calls_app)
    make_due_now(calls_app, callback_id)

    def placed_but_slow(request: Recorded) -> None:
        # Twilio takes the call, says so on the leg's status callback at once, and its
        # answer to the request arrives only after the gateway gave up waiting.
        if not request.path.endswith("/Calls.json"):
            return
        path = request.params["StatusCallback"].removeprefix(BASE)
        answer = signed_post(calls_app.test_client(), path, {
            "CallSid": str(request.answer["sid"]), "CallStatus": "initiated",
            "From": DESK_NUMBER, "To": request.params["To"]})
        assert answer.status_code == 200
        time.sleep(ANSWER_AFTER_S)

    twilio_double.before_answer = placed_but_slow
    act(client, reference, "claim")
    assert act(client, reference, "call").status_code == 303
    run_jobs(calls_app, redis_conn)  # the request times out: the job fails, a retry waits
    twilio_double.before_answer = None
    retry_now(redis_conn)
    run_jobs(calls_app, redis_conn)
    assert twilio_double.calls_to() == [COUNSELLOR_PHONE]  # rung once
    [leg] = legs(calls_app, reference)
    assert leg.call_sid and leg.status not in ("placed", "failed")
