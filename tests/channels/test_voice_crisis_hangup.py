"""A crisis caller who hangs up before a counsellor answered is never lost: the contact
stays open, waiting now with the calling number kept, its alarms going on, and whoever takes
it calls the person back at once (never parked among the callbacks). A caller who is not in
crisis, or one whose number is hidden (nothing to call), is an abandoned call as before.
Signed webhooks through the routes, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from loket.domain import calls, escalation
from loket.store.db import session_scope
from loket.store.types import utcnow
from tests.channels.test_voice import CALLER, Call, callbacks_of, contact_of, store

QUEUED = "/twilio/voice/queued"
STATUS = "/twilio/voice/status"


def crisis_call_waiting(client: FlaskClient, caller: str = CALLER) -> Call:
    """A caller who pressed 0 (help now): a crisis, waiting in the queue."""
    call = Call(client, caller=caller)
    call.walk("0")
    return call


def alarms_due(app: Flask, minutes: int) -> list[int]:
    """Run the escalation sweep `minutes` from now; return the steps it raised."""
    with session_scope(app.extensions["loket.engine"]) as session:
        raised = escalation.raise_due(session=session, timing=escalation.Timing(),
                                      now=utcnow() + timedelta(minutes=minutes))
        return [row.step for row in raised]


@pytest.mark.parametrize("order", ["queue_result_first", "status_first"])
def test_a_crisis_caller_who_hangs_up_waiting_stays_open_to_be_called_back_at_once(
    app: Flask, client: FlaskClient, order: str
) -> None:
    call = crisis_call_waiting(client)
    events = [lambda: call.event(QUEUED, QueueResult="hangup", QueueTime="40"),
              lambda: call.event(STATUS, CallStatus="completed", CallDuration="55")]
    for event in events if order == "queue_result_first" else events[::-1]:
        event()

    contact = contact_of(app, call.sid)
    assert contact.crisis and (contact.status, contact.outcome) == ("waiting", None)
    [reach] = callbacks_of(app, contact)
    assert (reach.status, reach.phone) == ("crisis", CALLER)  # called at once, not scheduled
    assert alarms_due(app, minutes=3) != []  # nobody served them: the alarms rise


def test_the_reconciler_keeps_a_crisis_whose_hang_up_it_learns_from_twilio(
    app: Flask, client: FlaskClient
) -> None:
    # Twilio's word that the caller hung up was lost (the database away at that moment);
    # the reconciler asks Twilio and finds the call over.
    call = crisis_call_waiting(client)
    contact = contact_of(app, call.sid)
    with session_scope(app.extensions["loket.engine"]) as session:
        assert calls.call_gone(session=session, contact_id=contact.id or 0,
                               status="completed") is False  # not closed
    contact = contact_of(app, call.sid)
    assert (contact.status, contact.outcome) == ("waiting", None)
    [reach] = callbacks_of(app, contact)
    assert (reach.status, reach.phone) == ("crisis", CALLER)


def test_a_crisis_caller_with_a_hidden_number_who_hangs_up_is_an_abandoned_call(
    app: Flask, client: FlaskClient
) -> None:
    call = crisis_call_waiting(client, caller="anonymous")
    call.event(QUEUED, QueueResult="hangup", QueueTime="40")
    call.event(STATUS, CallStatus="completed", CallDuration="55")
    contact = contact_of(app, call.sid)
    assert (contact.status, contact.outcome, contact.wait_seconds) == ("closed", "abandoned", 40)
    assert callbacks_of(app, contact) == []


def test_a_kept_crisis_is_counted_once_however_often_twilio_says_the_call_ended(
    app: Flask, client: FlaskClient
) -> None:
    call = crisis_call_waiting(client)
    call.event(QUEUED, QueueResult="hangup", QueueTime="40")
    for _ in range(2):
        call.event(STATUS, CallStatus="completed", CallDuration="55")
    contact = contact_of(app, call.sid)
    with store(app):
        assert len(callbacks_of(app, contact)) == 1
    assert contact.status == "waiting"
