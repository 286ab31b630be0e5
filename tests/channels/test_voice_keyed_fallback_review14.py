"""A caller who chose to key in another number to be called back on (2: "another number"),
and whose number was not understood twice, was filed to be called back on the very number
they chose not to use, without ever being told so: the window question, the voicemail
question and the confirmation never named which number would ring. For a police officer on
a work phone, or a family member on a shared one, that is the unsafe callback they avoided.
They now hear it (the number never read out: "the number you are calling from") and may
press 4 to wait for a counsellor now instead (or 0, help now, as at every question).

Signed webhooks through the routes, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tests.channels.test_voice import CALLER, Call, callbacks_of, contact_of, said

CALLING_NUMBER_NL = "nummer waarmee u nu belt"
CALLING_NUMBER_EN = "number you are calling from"


def test_a_caller_who_chose_another_number_hears_before_being_called_on_their_own(
    app: Flask, client: FlaskClient
) -> None:
    call = Call(client)
    call.walk("1", "2", "2")  # police; be called back; on another number
    heard = [said(call.press("12"))]  # not a number: asked once more
    heard.append(said(call.press("34")))  # not a number again
    heard.append(said(call.press("2")))  # evening
    heard.append(said(call.press("2")))  # no voicemail: filed and confirmed

    contact = contact_of(app, call.sid)
    callbacks = callbacks_of(app, contact)
    assert [cb.phone for cb in callbacks] == [CALLER]  # filed on the calling number ...
    # ... which the caller, who had asked for another one, must hear before hanging up
    # (or be asked whether the calling number is safe).
    assert any(CALLING_NUMBER_NL in text for text in heard), (
        "the caller is never told the callback goes to the number they are calling from: "
        + " | ".join(heard))
    assert CALLING_NUMBER_NL in heard[1] and "toets 4" in heard[1]  # before, refusable
    assert CALLING_NUMBER_NL in heard[3]  # and once more in the confirmation
    assert CALLER[-6:] not in "".join(heard).replace(" ", "")  # never read out


def test_the_calling_number_is_named_in_english_too_and_said_again_when_asked_again(
    client: FlaskClient
) -> None:
    call = Call(client)
    call.walk("9", "1", "2", "2")  # in English
    call.press("12")
    told = said(call.press("34"))
    assert CALLING_NUMBER_EN in told and "press 4" in told
    again = said(call.press("7"))  # no window: asked once more, with the offer
    assert CALLING_NUMBER_EN in again and "press 4" in again


def test_four_waits_for_a_counsellor_now_instead_of_a_callback_on_the_calling_number(
    app: Flask, client: FlaskClient
) -> None:
    call = Call(client)
    call.walk("1", "2", "2")
    call.press("12")
    call.press("34")
    twiml = call.press("4")

    contact = contact_of(app, call.sid)
    enqueue = twiml.find("./Enqueue")
    assert enqueue is not None and enqueue.text == contact.queue
    assert "niet terug op dit nummer" in said(twiml)
    assert (contact.status, contact.preference) == ("waiting", "now")
    assert callbacks_of(app, contact) == []


def test_four_is_no_answer_at_the_window_question_of_a_caller_who_chose_their_number(
    app: Flask, client: FlaskClient
) -> None:
    call = Call(client)
    call.walk("1", "2", "1")  # on this number
    again = call.press("4")
    assert "Sorry" in said(again) and CALLING_NUMBER_NL not in said(again)
    assert callbacks_of(app, contact_of(app, call.sid)) == []
