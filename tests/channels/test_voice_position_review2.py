"""The place a waiting caller hears is Loket's own: counsellors take callers in Loket's
priority order (a crisis first) and texts share the desk's queue, so Twilio's arrival order
in the `<Enqueue>` queue (`QueuePosition`) is not the caller's place. A crisis caller first
in line hears that they are next, whatever Twilio counts; a caller behind a text hears so.
"""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from loket.store.db import session_scope
from loket.store.models import User
from tests.channels.test_voice import contact_of, said
from tests.channels.test_voice_waiting import wait_round, waiting_call
from tests.desk.helpers import make_user
from tests.desk.test_workspace import waiting


def test_a_crisis_caller_first_in_line_hears_they_are_next(
    app: Flask, client: FlaskClient
) -> None:
    # One police counsellor is free (busy with no one yet): the crisis stays with the queue
    # the others wait in at any hour. With nobody free anywhere, a crisis in the daytime
    # goes to the queue with the shorter wait (the policy's crisis-overflow), not this one.
    free = make_user(app, role="counsellor", desk="police")
    with session_scope(app.extensions["loket.engine"]) as session:
        user = session.get(User, free.id)
        assert user is not None
        user.available = True
    first = waiting_call(client, "1", "1", caller="+31611110001")
    second = waiting_call(client, "1", "1", caller="+31611110002")
    crisis = waiting_call(client, "0", caller="+31611110003")
    queue = contact_of(app, crisis.sid).queue
    assert contact_of(app, first.sid).queue == contact_of(app, second.sid).queue == queue

    spoken = said(wait_round(crisis, 0, position=3))  # third to arrive, in Twilio's queue
    assert "nummer 3" not in spoken
    assert "U bent de volgende in de wachtrij." in spoken
    # Those who arrived earlier are behind the crisis now.
    assert "U bent nummer 2 in de wachtrij." in said(wait_round(first, 60, position=1))
    assert "U bent nummer 3 in de wachtrij." in said(wait_round(second, 60, position=2))


def test_a_crisis_caller_in_english_hears_they_are_next(
    app: Flask, client: FlaskClient
) -> None:
    waiting_call(client, "1", "1", caller="+31611110001")
    crisis = waiting_call(client, "9", "0", caller="+31611110003")
    spoken = said(wait_round(crisis, 0, position=2))
    assert "number 2" not in spoken and "You are next in the queue." in spoken


def test_a_text_waiting_first_counts_before_the_caller(
    app: Flask, client: FlaskClient
) -> None:
    probe = waiting_call(client, "1", "1", caller="+31611110009")
    queue = contact_of(app, probe.sid).queue
    waiting(app, queue=queue, channel="sms", seconds_ago=600)  # a text, waiting longer
    # Twilio's queue holds these two callers only; the text waits between them.
    call = waiting_call(client, "1", "1", caller="+31611110010")
    assert "U bent nummer 3 in de wachtrij." in said(wait_round(call, 0, position=2))
