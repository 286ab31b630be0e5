"""Answers pressed as the line drops, handled after the call's end closed the call as
abandoned (Twilio's `completed` status callback and the Gather's answer are independent
requests; either may be handled first). The late answer must leave the call as it would be
had it come first (`test_voice_late_keys_review14.py` covers help now and the answers to
the callback questions the hang-up filed).

- "Call me back" (2) at the mode question: had it come first, the hang-up at the number
  question files a callback on the calling number with the safe defaults. It was dropped:
  the person asked to be called back and nobody would.
- A number keyed in at the keyed-number question: had it come first, the hang-up at the
  window question files a callback on that number. It was dropped too.

Signed webhooks through the routes, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from loket.desk.trail_words import detail_text
from tests.channels.test_voice import Call, callbacks_of, contact_of
from tests.channels.test_voice_late_keys_review14 import STATUS, hang_up_then_press

KEYED = "0687654321"


def test_call_me_back_pressed_as_the_line_drops_files_the_callback_on_the_calling_number(
    app: Flask, client: FlaskClient
) -> None:
    call = hang_up_then_press(Call(client), "2", "1")  # police; at the mode question
    contact = contact_of(app, call.sid)
    assert (contact.status, contact.outcome) == ("callback", None), (
        f"a caller who asked to be called back is left {contact.status}/{contact.outcome}")
    [callback] = callbacks_of(app, contact)
    assert (callback.status, callback.phone, callback.window) == ("pending", call.caller, "asap")
    assert callback.voicemail_allowed is False  # the safe default: no message left
    # Once: the answer sent again, and the end of the call said again, change nothing.
    gather_action = "/twilio/voice/mode?at=mode-nl"
    call.post(gather_action, Digits="2")
    call.event(STATUS, CallStatus="completed", CallDuration="20")
    assert len(callbacks_of(app, contact_of(app, call.sid))) == 1


def test_a_number_keyed_as_the_line_drops_is_the_number_called_back(
    app: Flask, client: FlaskClient
) -> None:
    call = hang_up_then_press(Call(client), KEYED, "1", "2", "2")  # another number: keyed
    contact = contact_of(app, call.sid)
    assert (contact.status, contact.outcome) == ("callback", None)
    [callback] = callbacks_of(app, contact)
    assert (callback.status, callback.phone) == ("pending", "+31687654321"), (
        "the number the caller keyed in is the one to call, never the calling one")


def test_wait_now_pressed_as_the_line_drops_is_an_abandoned_call_as_before(
    app: Flask, client: FlaskClient
) -> None:
    # Had "wait now" come first, the caller left the queue: abandoned, nobody to call back.
    call = hang_up_then_press(Call(client), "1", "1")
    contact = contact_of(app, call.sid)
    assert (contact.status, contact.outcome) == ("closed", "abandoned")
    assert callbacks_of(app, contact) == []


def test_call_me_back_as_the_line_drops_from_a_hidden_number_leaves_nothing_to_call(
    app: Flask, client: FlaskClient
) -> None:
    # Had it come first, the next question asks for a number, which never came.
    call = hang_up_then_press(Call(client, caller="anonymous"), "2", "1")
    contact = contact_of(app, call.sid)
    assert (contact.status, contact.outcome) == ("closed", "abandoned")
    assert callbacks_of(app, contact) == []


def test_the_trail_says_why_a_closed_call_was_opened_again_in_dutch() -> None:
    assert detail_text("reopened: an answer given as the call ended", "nl") == (
        "Heropend: een antwoord gegeven toen het gesprek eindigde")


def test_help_now_as_the_line_drops_at_the_keyed_number_question_is_a_crisis_to_call_back(
    app: Flask, client: FlaskClient
) -> None:
    # A lone 0 there is no number but help now, as at every question before it.
    call = hang_up_then_press(Call(client), "0", "1", "2", "2")
    contact = contact_of(app, call.sid)
    assert contact.crisis and (contact.status, contact.outcome) == ("waiting", None)
    assert [(cb.status, cb.phone) for cb in callbacks_of(app, contact)] == [
        ("crisis", call.caller)]
