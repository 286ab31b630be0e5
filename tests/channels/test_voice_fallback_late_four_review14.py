"""A caller whose keyed number was not understood twice hears "we call you back on the
number you are calling from; press 4 to wait for a counsellor now instead". They press 4 --
"not that number" -- as the line drops, and the end of the call is handled first
(`answered_after_hang_up`). The hang-up had filed a callback to the calling number with the
defaults; the late 4 withdraws it, as the same late answer at the number question ("2":
another number) does: the person is never called on the number they refused. A 4 where it
was never offered changes nothing."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tests.channels.test_voice import CALLER, Call, callbacks_of, contact_of

STATUS = "/twilio/voice/status"


def test_four_pressed_as_the_line_drops_never_rings_the_refused_number(
    app: Flask, client: FlaskClient
) -> None:
    call = Call(client)
    call.walk("1", "2", "2")  # police; be called back; on another number
    call.press("12")  # not a number
    told = call.press("34")  # not a number again: "the number you are calling from ... 4"
    gather = told.find("./Gather")
    assert gather is not None and "/callback/window" in gather.attrib["action"]
    call.event(STATUS, CallStatus="completed", CallDuration="30")  # handled first ...
    call.post(gather.attrib["action"], Digits="4")  # ... then "not that number"

    contact = contact_of(app, call.sid)
    to_ring = [cb for cb in callbacks_of(app, contact)
               if cb.phone == CALLER and cb.status in ("pending", "due", "calling")]
    assert to_ring == [], (
        "the caller pressed 4 (not the calling number) as they hung up, yet a callback to "
        f"the calling number stays to make: {[(cb.status, cb.window) for cb in to_ring]}")


def test_control_the_same_late_refusal_at_the_number_question_withdraws_it(
    app: Flask, client: FlaskClient
) -> None:
    call = Call(client)
    call.walk("1", "2")  # at the number question
    gather = call.twiml.find("./Gather")
    assert gather is not None
    call.event(STATUS, CallStatus="completed", CallDuration="30")
    call.post(gather.attrib["action"], Digits="2")  # another number
    contact = contact_of(app, call.sid)
    assert [cb for cb in callbacks_of(app, contact) if cb.status == "pending"] == []


def test_a_late_four_where_it_was_not_offered_keeps_the_callback(
    app: Flask, client: FlaskClient
) -> None:
    call = Call(client)
    call.walk("1", "2", "1")  # police; be called back; on this number
    gather = call.twiml.find("./Gather")
    assert gather is not None and "/callback/window" in gather.attrib["action"]
    call.event(STATUS, CallStatus="completed", CallDuration="30")
    call.post(gather.attrib["action"], Digits="4")  # no such choice here
    contact = contact_of(app, call.sid)
    assert [cb.phone for cb in callbacks_of(app, contact)
            if cb.status in ("pending", "due")] == [CALLER]
