"""Review of the phone channel: a crisis caller whose queue fails is never lost."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.channels.test_voice import (
    CALLER,
    Call,
    callbacks_of,
    contact_of,
    names_crisis_lines,
    said,
    spelled,
)


@pytest.mark.parametrize(("keys", "promise"), [
    (("0",), "belt u meteen terug"),
    (("9", "0"), "call you back straight away"),
])
def test_a_crisis_caller_whose_queue_fails_twice_stays_open_to_be_called_back_at_once(
    app: Flask, client: FlaskClient, keys: tuple[str, ...], promise: str,
) -> None:
    call = Call(client)
    call.walk(*keys)  # help now: a crisis, in the queue
    call.event("/twilio/voice/queued", QueueResult="system-error", QueueTime="3")
    gone = call.event("/twilio/voice/queued", QueueResult="queue-full", QueueTime="2")
    call.event("/twilio/voice/status", CallStatus="completed", CallDuration="30")

    contact = contact_of(app, call.sid)
    assert promise in said(gone) and spelled(contact.reference) in said(gone)
    assert names_crisis_lines(said(gone)) and gone.find("./Hangup") is not None
    # Not closed as abandoned: still a crisis waiting now, with the number to call at once.
    assert contact.crisis and (contact.status, contact.outcome) == ("waiting", None)
    [reach] = callbacks_of(app, contact)
    assert (reach.status, reach.phone) == ("crisis", CALLER)
