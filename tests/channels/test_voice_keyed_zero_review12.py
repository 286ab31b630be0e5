"""At the question for a number to be called back on, a lone 0 is not a number: it is the
help-now key that every earlier question offered. The caller goes into the queue at once, in
crisis, with 112 and 113 said first (it was read as an unreadable number and asked again,
then queued as an ordinary caller). A number with a 0 in it stays a number.
On SQLite and PostgreSQL; independent of the hour."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tests.channels.test_voice import Call, callbacks_of, contact_of


def test_a_lone_zero_at_the_keyed_number_question_is_help_now(
    app: Flask, client: FlaskClient
) -> None:
    call = Call(client, caller="anonymous")
    call.walk("1", "2")            # police, call me back: the keyed-number question
    twiml = call.press("0")        # 0 (then # or silence): help now
    assert twiml.find("./Enqueue") is not None
    said = " ".join(el.text or "" for el in twiml.iter("Say"))
    assert "1 1 2" in said and "1 1 3" in said
    contact = contact_of(app, call.sid)
    assert contact.crisis and contact.priority == "urgent"
    assert (contact.status, contact.respond) == ("waiting", "now")
    assert callbacks_of(app, contact) == []


def test_a_number_starting_with_zero_is_still_a_number(app: Flask, client: FlaskClient) -> None:
    call = Call(client, caller="anonymous")
    call.walk("1", "2")
    twiml = call.press("0612345678")
    assert twiml.find("./Enqueue") is None       # on to "when shall we call?"
    assert twiml.find("./Gather") is not None
    assert not contact_of(app, call.sid).crisis
