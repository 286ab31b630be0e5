"""A caller with a hidden number keys in a number to be called back, then presses 0 (help
now) at the next question: a crisis, waiting in the queue. When they hang up before a
counsellor answered, the number they keyed in is all anyone has to reach them: the contact
stays open with that number to call back at once (it was closed as an abandoned call).
On SQLite and PostgreSQL.

Independent of the hour: the menu path and the hang-up are the same by day and by night."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tests.channels.test_voice import Call, callbacks_of, contact_of

QUEUED = "/twilio/voice/queued"
STATUS = "/twilio/voice/status"


def test_a_hidden_number_crisis_caller_who_keyed_a_number_and_hangs_up_stays_open(
    app: Flask, client: FlaskClient
) -> None:
    call = Call(client, caller="anonymous")
    call.walk("1", "2")            # police, call me back: the keyed-number question
    call.press("0612345678")       # the number to call back
    twiml = call.press("0")        # at "when?": help now
    assert twiml.find("./Enqueue") is not None
    contact = contact_of(app, call.sid)
    assert contact.crisis and contact.status == "waiting"

    call.event(QUEUED, QueueResult="hangup", QueueTime="90")
    call.event(STATUS, CallStatus="completed", CallDuration="120")

    contact = contact_of(app, call.sid)
    # A person in crisis who gave us a number is never closed away as an abandoned call.
    assert (contact.status, contact.outcome) == ("waiting", None)
    assert [(c.status, c.phone) for c in callbacks_of(app, contact)] == [
        ("crisis", "+31612345678")]
