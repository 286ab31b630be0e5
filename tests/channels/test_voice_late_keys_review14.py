"""A key pressed as the line drops: Twilio's `completed` status callback and the Gather's
answer are two independent requests, and the status may be handled first. The answer that
comes after must leave the call as it would be had it come first.

- Help now (0): the hang-up had closed the call as abandoned, and the late 0 left it
  closed, crisis flagged, with nobody to call the person back. A crisis is never lost: it
  stays open, to be called back at once on the calling number, whatever the order
  (`test_voice_crisis_hangup.py`).
- The callback window (2: this evening): the hang-up filed the callback with the default
  window and the late answer changed nothing: the phone would ring at a time the caller
  said was not safe. It now applies to the callback the hang-up filed, while nobody
  dialled it.

Signed webhooks through the routes, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from loket.store.models import CallbackRequest, Outbox
from loket.store.types import utcnow
from tests.channels.test_voice import CALLER, Call, callbacks_of, contact_of, store

STATUS = "/twilio/voice/status"


def hang_up_then_press(call: Call, digits: str, *keys: str) -> Call:
    """Walk the menu with `keys`; the caller presses `digits` at the question then asked as
    the line drops, and the call's end is handled before that answer."""
    call.walk(*keys)
    gather = call.twiml.find("./Gather")
    assert gather is not None
    call.event(STATUS, CallStatus="completed", CallDuration="20")  # handled first ...
    call.post(gather.attrib["action"], Digits=digits)  # ... then the key pressed
    return call


def scheduled(app: Flask, callback_id: int) -> int:
    """Count the jobs promised to put this callback on the clock."""
    with store(app) as session:
        return sum(1 for row in session.exec(select(Outbox)).all()
                   if row.job == "schedule_callback" and row.args.get("callback_id") == callback_id)


def change_callback(app: Flask, call: Call, **values: object) -> None:
    """Set fields of the call's (only) callback, as the desk or the jobs would have."""
    with store(app) as session:
        contact = contact_of(app, call.sid)
        callback = session.exec(
            select(CallbackRequest).where(CallbackRequest.contact_id == contact.id)).one()
        for name, value in values.items():
            setattr(callback, name, value)
        session.add(callback)
        session.commit()


# --- help now (0) -------------------------------------------------------------------------


@pytest.mark.parametrize("keys", [(), ("1",)], ids=["at_the_menu", "at_the_mode_question"])
def test_help_now_pressed_as_the_line_drops_is_kept_to_call_back_whatever_the_order(
    app: Flask, client: FlaskClient, keys: tuple[str, ...]
) -> None:
    call = hang_up_then_press(Call(client), "0", *keys)

    contact = contact_of(app, call.sid)
    assert contact.crisis  # Loket knows this caller asked for help right now
    # ... so the crisis is never lost: open, to be called back at once on the calling number.
    assert (contact.status, contact.outcome) == ("waiting", None), (
        f"a crisis caller is left {contact.status}/{contact.outcome}")
    assert [(cb.status, cb.phone) for cb in callbacks_of(app, contact)] == [("crisis", CALLER)]
    # Once: the end of the call said again changes nothing.
    call.event(STATUS, CallStatus="completed", CallDuration="20")
    assert len(callbacks_of(app, contact_of(app, call.sid))) == 1


def test_help_now_as_the_line_drops_with_a_hidden_number_is_an_abandoned_crisis_call(
    app: Flask, client: FlaskClient
) -> None:
    # As had the 0 come first: nothing to call back, so abandoned; known as a crisis.
    call = hang_up_then_press(Call(client, caller="anonymous"), "0", "1")
    contact = contact_of(app, call.sid)
    assert contact.crisis and (contact.status, contact.outcome) == ("closed", "abandoned")
    assert callbacks_of(app, contact) == []


def test_help_now_as_the_line_drops_at_a_callback_question_makes_the_callback_a_crisis(
    app: Flask, client: FlaskClient
) -> None:
    # The hang-up filed the callback with the defaults; the late 0 makes the call a crisis,
    # called back at once on that number, waiting now (never parked among the callbacks).
    call = hang_up_then_press(Call(client), "0", "1", "2", "1")  # at the window question
    contact = contact_of(app, call.sid)
    assert contact.crisis and (contact.status, contact.outcome) == ("waiting", None)
    assert [(cb.status, cb.phone) for cb in callbacks_of(app, contact)] == [("crisis", CALLER)]


# --- the callback's window, voicemail and number ------------------------------------------


def test_a_window_chosen_as_the_caller_hangs_up_is_the_window_filed(
    app: Flask, client: FlaskClient
) -> None:
    call = Call(client)
    call.walk("1", "2", "1")  # police; be called back; on this number: the window question
    gather = call.twiml.find("./Gather")
    assert gather is not None and "/callback/window" in gather.attrib["action"]
    call.event(STATUS, CallStatus="completed", CallDuration="40")  # handled first ...
    call.post(gather.attrib["action"], Digits="2")  # ... then "this evening"

    [callback] = callbacks_of(app, contact_of(app, call.sid))
    assert callback.window == "evening", f"filed for {callback.window}, not the evening chosen"
    assert callback.status == "pending" and callback.window_end > utcnow()
    # Put on the clock again for its new window (the hang-up's filing promised it once).
    assert scheduled(app, callback.id or 0) == 2


def test_a_late_window_takes_a_callback_already_due_out_of_the_queue_until_then(
    app: Flask, client: FlaskClient
) -> None:
    call = Call(client)
    call.walk("1", "2", "1")
    gather = call.twiml.find("./Gather")
    assert gather is not None
    call.event(STATUS, CallStatus="completed", CallDuration="40")
    change_callback(app, call, status="due", due_at=utcnow())  # "as soon as possible": due
    call.post(gather.attrib["action"], Digits="3")  # tomorrow morning

    [callback] = callbacks_of(app, contact_of(app, call.sid))
    assert (callback.window, callback.status, callback.due_at) == ("tomorrow", "pending", None)
    assert callback.window_start > utcnow() + timedelta(hours=1)


def test_a_late_window_never_moves_a_callback_already_dialled(
    app: Flask, client: FlaskClient
) -> None:
    call = Call(client)
    call.walk("1", "2", "1")
    gather = call.twiml.find("./Gather")
    assert gather is not None
    call.event(STATUS, CallStatus="completed", CallDuration="40")
    change_callback(app, call, status="calling", attempts=1, attempt_started_at=utcnow())
    call.post(gather.attrib["action"], Digits="2")

    [callback] = callbacks_of(app, contact_of(app, call.sid))
    assert (callback.window, callback.status) == ("asap", "calling")


def test_a_late_answer_applies_once_and_only_to_the_question_the_call_ended_at(
    app: Flask, client: FlaskClient
) -> None:
    # The callback the menu filed itself (all answered) is never changed by a late request.
    call = Call(client)
    call.walk("1", "2", "1")
    window = call.twiml.find("./Gather")
    assert window is not None
    call.press("3")  # tomorrow
    call.press("2")  # no voicemail: filed
    call.event(STATUS, CallStatus="completed", CallDuration="40")
    call.post(window.attrib["action"], Digits="2")  # a captured answer sent again
    [callback] = callbacks_of(app, contact_of(app, call.sid))
    assert callback.window == "tomorrow"


def test_a_late_yes_to_a_voicemail_applies_to_the_callback_the_hang_up_filed(
    app: Flask, client: FlaskClient
) -> None:
    call = hang_up_then_press(Call(client), "1", "1", "2", "1", "2")  # evening; voicemail?
    [callback] = callbacks_of(app, contact_of(app, call.sid))
    assert (callback.window, callback.voicemail_allowed) == ("evening", True)


def test_another_number_chosen_as_the_line_drops_withdraws_the_calling_number_s_callback(
    app: Flask, client: FlaskClient
) -> None:
    # Had "another number" come first, the hang-up at the keyed-number question files none:
    # the number the caller declined is never rung.
    call = hang_up_then_press(Call(client), "2", "1", "2")  # which number?
    contact = contact_of(app, call.sid)
    assert [cb.status for cb in callbacks_of(app, contact)] == ["cancelled"]
    assert (contact.status, contact.outcome) == ("closed", "abandoned")
