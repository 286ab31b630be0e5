"""Twilio's queue result, sent twice (its retry of the same request: same parameters, same
`I-Twilio-Idempotency-Token`), is the same request: answered alike, with one effect.

The event webhook's identity was the step the call had reached *when the request arrived*
(`voice.step_seen`); the first `QueueResult=error` moved the step from `queued` to
`requeued`, so the retry was taken for a second failure: the caller, who should have been
put back in the queue, was told "we cannot connect you now", filed as a callback and hung
up on (a crisis caller hung up on after one failure). Each `<Enqueue>` after the first now
names its attempt in its action's path; a real second failure, posted there, still counts.

Signed webhooks through the routes, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.channels.test_voice import CALLER, Call, callbacks_of, contact_of, said, spelled

QUEUED = "/twilio/voice/queued"
WAITING_OR_CRISIS = pytest.mark.parametrize("keys", [("1", "1"), ("0",)],
                                            ids=["waiting", "crisis"])


def enqueue_action(twiml: ET.Element) -> str:
    """Return the action URL of an answer's `<Enqueue>`."""
    enqueue = twiml.find("./Enqueue")
    assert enqueue is not None, ET.tostring(twiml)
    return enqueue.attrib["action"]


@WAITING_OR_CRISIS
def test_a_retried_queue_failure_is_one_failure_and_the_caller_stays_in_the_queue(
    app: Flask, client: FlaskClient, keys: tuple[str, ...]
) -> None:
    call = Call(client)
    call.walk(*keys)
    first = call.event(QUEUED, token="retry-of-one-request", QueueResult="error",
                       QueueTime="12")
    assert first.find("./Enqueue") is not None  # one failure: enqueued once more

    again = call.event(QUEUED, token="retry-of-one-request", QueueResult="error",
                       QueueTime="12")  # Twilio's retry of that very request

    assert ET.tostring(again) == ET.tostring(first), "the retry is answered differently"
    assert again.find("./Hangup") is None  # never hung up for one queue failure
    contact = contact_of(app, call.sid)
    assert contact.intake_step == "requeued"
    assert callbacks_of(app, contact) == []


@WAITING_OR_CRISIS
def test_a_failure_after_the_caller_was_put_back_is_the_second_even_alike(
    app: Flask, client: FlaskClient, keys: tuple[str, ...]
) -> None:
    call = Call(client)
    assert enqueue_action(call.walk(*keys)) == QUEUED  # the first attempt: as it always was
    first = call.event(QUEUED, QueueResult="system-error", QueueTime="0")
    second_attempt = enqueue_action(first)
    assert second_attempt == f"{QUEUED}/2"  # put back: an attempt of its own

    # The same parameters, from the second `<Enqueue>`: a second failure, not a retry.
    gone = call.event(second_attempt, QueueResult="system-error", QueueTime="0")

    contact = contact_of(app, call.sid)
    assert gone.find("./Enqueue") is None and gone.find("./Hangup") is not None
    assert spelled(contact.reference) in said(gone)  # the caller is told how to refer to it
    [callback] = callbacks_of(app, contact)
    assert callback.phone == CALLER
    if contact.crisis:  # never parked: kept waiting, called back at once
        assert (callback.status, contact.status) == ("crisis", "waiting")
    else:
        assert (callback.status, callback.window, contact.status) == ("pending", "asap",
                                                                      "callback")

    # Twilio's retry of that second failure, the step moved on meanwhile: the same answer.
    retried = call.event(second_attempt, QueueResult="system-error", QueueTime="0")
    assert ET.tostring(retried) == ET.tostring(gone)
    assert len(callbacks_of(app, contact)) == 1


def test_a_second_failure_on_the_plain_url_with_a_token_of_its_own_still_counts(
    app: Flask, client: FlaskClient
) -> None:
    # An `<Enqueue>` answered before attempts had paths (a call in flight during a deploy)
    # posts its result to the plain URL: a new request (its own token), so a second failure
    # there counts, as it did (without any token too: `test_calls_review4`).
    call = Call(client)
    call.walk("1", "1")
    call.post(QUEUED, token="the-first-request", QueueResult="queue-full", QueueTime="0")
    contact = contact_of(app, call.sid)
    assert contact.intake_step == "requeued"
    gone = call.post(QUEUED, token="a-new-request", QueueResult="queue-full", QueueTime="0")
    contact = contact_of(app, call.sid)
    assert gone.find("./Hangup") is not None
    assert [(cb.phone, cb.window) for cb in callbacks_of(app, contact)] == [(CALLER, "asap")]
