"""Waiting on the phone: the place and expected wait once a minute, and 1 to keep the place
and be called back (the callback brings the caller's wait along); signed, through the routes."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from loket.channels.voice import ANNOUNCE_WINDOW_S, GATHER_TIMEOUT_S, WAIT_ROUND_S
from loket.store.models import AuditEvent, Contact, Outbox
from loket.store.types import utcnow
from tests.channels.conftest import at_once
from tests.channels.test_voice import (
    CALLER,
    Call,
    callbacks_of,
    contact_of,
    contacts,
    names_crisis_lines,
    parse,
    said,
    say_languages,
    signed_post,
    spelled,
    store,
)

WAIT = "/twilio/voice/wait"
KEEP = "/twilio/voice/keep-place"
QUEUED = "/twilio/voice/queued"
STATUS = "/twilio/voice/status"


def waiting_call(client: FlaskClient, *keys: str, caller: str = CALLER) -> Call:
    """Return a call that went through the menu with these keys and now waits in its queue."""
    call = Call(client, caller=caller)
    twiml = call.walk(*keys)
    assert twiml.find("./Enqueue") is not None, ET.tostring(twiml)
    return call


def wait_round(call: Call, queue_time: int, position: int = 2) -> ET.Element:
    """Post the waitUrl request Twilio makes at `queue_time` seconds in the queue."""
    return call.event(WAIT, QueuePosition=str(position), QueueTime=str(queue_time),
                      AvgQueueTime="240", CurrentQueueSize="4", QueueSid="QU" + "1" * 32)


def offer(twiml: ET.Element) -> ET.Element | None:
    """Return the wait round's keep-my-place `<Gather>`, if it has one."""
    return twiml.find(f"./Gather[@action='{KEEP}']")


def pause_s(node: ET.Element) -> int:
    """Return the seconds of silence a round holds."""
    return sum(int(p.attrib["length"]) for p in node.iter("Pause"))


def keep_place(call: Call, digits: str | None = "1", token: str | None = None) -> ET.Element:
    """Answer the wait round's `<Gather>` as Twilio would (no Digits when none were pressed)."""
    extra = {} if digits is None else {"Digits": digits}
    return call.post(KEEP, token, **extra)


def verbs(twiml: ET.Element) -> list[str]:
    """Return the top-level verbs of a TwiML answer, in order."""
    return [node.tag for node in twiml]


# --- the wait rounds ------------------------------------------------------------------------


def test_a_waiting_caller_with_a_number_hears_place_wait_and_the_offer_to_keep_it(
    app: Flask, client: FlaskClient
) -> None:
    call = waiting_call(client, "1", "1")
    twiml = wait_round(call, 0)
    gather = offer(twiml)
    assert gather is not None, ET.tostring(twiml)
    assert verbs(twiml) == ["Gather"]  # the round ends when the Gather falls through
    assert (gather.attrib["numDigits"], gather.attrib["method"], gather.attrib["input"]) == (
        "1", "POST", "dtmf"
    )
    spoken = said(gather)
    # Loket's own place, not Twilio's QueuePosition (review 2): alone in the queue.
    assert spoken.index("de volgende in de wachtrij") < spoken.index("ongeveer 4 minuten")
    assert spoken.endswith("Wilt u uw plek houden en teruggebeld worden, toets 1.")
    assert gather.find("./Pause") is not None
    assert say_languages(twiml) == {"nl-NL"}


def test_the_offer_in_english(app: Flask, client: FlaskClient) -> None:
    call = waiting_call(client, "9", "5", "1")
    gather = offer(wait_round(call, 3, position=1))
    assert gather is not None
    assert "You are next in the queue" in said(gather)
    assert "To keep your place and be called back, press 1." in said(gather)
    assert say_languages(gather) == {"en-GB"}


@pytest.mark.parametrize(("keys", "caller"), [(("0",), CALLER), (("1", "1"), "anonymous")])
def test_a_crisis_caller_or_one_without_a_number_hears_no_offer(
    app: Flask, client: FlaskClient, keys: tuple[str, ...], caller: str
) -> None:
    call = waiting_call(client, *keys, caller=caller)
    for queue_time in (0, 20, 60):
        twiml = wait_round(call, queue_time)
        assert twiml.find(".//Gather") is None
        assert "toets 1" not in said(twiml) and "plek" not in said(twiml)
        assert twiml.find("./Pause") is not None
    assert "de volgende in de wachtrij" in said(wait_round(call, 120))  # Loket's own place


@pytest.mark.parametrize("keys", [("1", "1"), ("0",)])
def test_the_place_is_said_once_a_minute_and_each_quiet_round_ends_on_the_minute(
    app: Flask, client: FlaskClient, keys: tuple[str, ...]
) -> None:
    """Twilio asks for the next round when one ends: a round in the first seconds of a minute
    in the queue announces; any other is quiet until the next whole minute."""
    call = waiting_call(client, *keys)
    offered = keys != ("0",)
    timeout = GATHER_TIMEOUT_S if offered else 0
    for queue_time in (0, 61, 125, 180 + ANNOUNCE_WINDOW_S - 1):
        twiml = wait_round(call, queue_time)
        assert "in de wachtrij" in said(twiml)
        assert (offer(twiml) is not None) is offered
        # silent long enough that the next round starts past this minute's window
        assert pause_s(twiml) + timeout >= ANNOUNCE_WINDOW_S
    for queue_time in (ANNOUNCE_WINDOW_S, 17, 75, 150, 178):
        twiml = wait_round(call, queue_time)
        assert said(twiml) == "", queue_time
        assert (offer(twiml) is not None) is offered  # 1 can be pressed in the quiet too
        next_minute = (queue_time // WAIT_ROUND_S + 1) * WAIT_ROUND_S
        ends = queue_time + pause_s(twiml) + timeout
        assert next_minute <= ends <= next_minute + timeout, queue_time


def test_112_and_113_come_with_every_third_announcement(app: Flask, client: FlaskClient) -> None:
    call = waiting_call(client, "1", "1")
    heard = [names_crisis_lines(said(wait_round(call, 60 * n + 1))) for n in range(6)]
    assert heard == [False, False, True, False, False, True]


# --- 1: keep my place -----------------------------------------------------------------------


def test_pressing_1_keeps_the_place_as_an_asap_callback_then_leaves_the_queue(
    app: Flask, client: FlaskClient
) -> None:
    call = waiting_call(client, "1", "1")
    began = utcnow() - timedelta(minutes=7)
    with store(app) as session:  # the caller has been waiting a while
        contact = session.exec(select(Contact).where(Contact.external_id == call.sid)).one()
        contact.routed_at = began
        session.add(contact)
        session.commit()
    call.twiml = wait_round(call, 420, position=4)

    left = call.press("1")
    assert verbs(left) == ["Leave"]
    contact = contact_of(app, call.sid)
    [callback] = callbacks_of(app, contact)
    assert (callback.phone, callback.window, callback.voicemail_allowed, callback.status) == (
        CALLER, "asap", False, "pending"
    )
    assert callback.waiting_since == contact.routed_at
    assert callback.waiting_since is not None
    assert abs(callback.waiting_since - began) < timedelta(seconds=1)
    assert callback.waiting_since < callback.created_at - timedelta(minutes=6)
    assert (contact.status, contact.preference, contact.intake_step) == (
        "callback", "callback", "kept"
    )
    with store(app) as session:
        jobs = session.exec(select(Outbox.job).where(Outbox.job == "schedule_callback")).all()
    assert len(jobs) == 1

    # <Leave> goes on after the <Enqueue>: Twilio posts its action with QueueResult=leave.
    confirmed = call.event(QUEUED, QueueResult="leave", QueueTime="421")
    spoken = said(confirmed)
    assert "Uw plek is bewaard" in spoken
    assert spoken.count(spelled(contact.reference)) == 2
    assert names_crisis_lines(spoken)
    assert verbs(confirmed)[-1] == "Hangup"
    assert confirmed.find(".//Enqueue") is None
    call.event(STATUS, CallStatus="completed", CallDuration="460")
    after = contact_of(app, call.sid)
    assert (after.status, after.outcome, after.closed_at) == ("callback", None, None)
    assert len(callbacks_of(app, after)) == 1


def test_keeping_the_place_in_english(app: Flask, client: FlaskClient) -> None:
    call = waiting_call(client, "9", "5", "1")
    call.twiml = wait_round(call, 0)
    assert verbs(call.press("1")) == ["Leave"]
    confirmed = call.event(QUEUED, QueueResult="leave", QueueTime="30")
    assert "Your place is kept" in said(confirmed)
    assert say_languages(confirmed) == {"en-GB"}


@pytest.mark.parametrize("result", ["hangup", "leave", "error"])
def test_the_queue_result_after_keeping_the_place_is_never_abandoned(
    app: Flask, client: FlaskClient, result: str
) -> None:
    """Gone before the confirmation (hangup), or left as asked: the callback stands."""
    call = waiting_call(client, "3", "1")
    call.twiml = wait_round(call, 0)
    call.press("1")
    twiml = call.event(QUEUED, QueueResult=result, QueueTime="50")
    assert twiml.find(".//Enqueue") is None
    call.event(STATUS, CallStatus="completed", CallDuration="70")
    contact = contact_of(app, call.sid)
    assert (contact.status, contact.outcome) == ("callback", None)
    assert len(callbacks_of(app, contact)) == 1
    with store(app) as session:
        details = session.exec(
            select(AuditEvent.detail).where(AuditEvent.contact_reference == contact.reference)
        ).all()
    assert "call abandoned" not in details


def test_a_retried_keep_place_webhook_files_one_callback(
    app: Flask, client: FlaskClient
) -> None:
    call = waiting_call(client, "1", "1")
    first = keep_place(call, "1", token="keep-1")
    again = keep_place(call, "1", token="keep-1")  # Twilio's retry: the same request
    other = keep_place(call, "1", token="keep-2")  # a replay with another token
    assert verbs(first) == verbs(again) == verbs(other) == ["Leave"]
    contact = contact_of(app, call.sid)
    assert len(callbacks_of(app, contact)) == 1
    twice = call.post(QUEUED, "q-1", QueueResult="leave", QueueTime="12")
    assert spelled(contact.reference) in said(twice)
    assert len(callbacks_of(app, contact_of(app, call.sid))) == 1


def test_two_keep_place_webhooks_at_once_file_one_callback(app: Flask) -> None:
    call = waiting_call(app.test_client(), "1", "1")
    params = call.params(Digits="1")

    def post() -> bytes:
        response = signed_post(app.test_client(), KEEP, params, idempotency=uuid.uuid4().hex)
        assert response.status_code == 200
        return bytes(response.data)

    answers = at_once(post, post)
    assert [verbs(parse(a)) for a in answers] == [["Leave"], ["Leave"]]
    assert len(callbacks_of(app, contact_of(app, call.sid))) == 1


def test_a_late_menu_webhook_after_keeping_the_place_repeats_the_confirmation(
    app: Flask, client: FlaskClient
) -> None:
    call = waiting_call(client, "1", "1")
    keep_place(call)
    twiml = call.post("/twilio/voice/mode", Digits="1")
    assert spelled(contact_of(app, call.sid).reference) in said(twiml)
    assert twiml.find("./Hangup") is not None and twiml.find("./Enqueue") is None
    assert len(callbacks_of(app, contact_of(app, call.sid))) == 1


# --- anything else: keep waiting ------------------------------------------------------------


@pytest.mark.parametrize(("digits", "heard"), [
    ("5", "niet begrepen"), ("*", "niet begrepen"), ("12", "niet begrepen"),
    (None, ""), ("", ""),
])
def test_any_other_key_or_none_keeps_the_caller_waiting(
    app: Flask, client: FlaskClient, digits: str | None, heard: str
) -> None:
    call = waiting_call(client, "1", "1")
    twiml = keep_place(call, digits)
    assert heard in said(twiml)
    assert not {"Leave", "Hangup", "Enqueue", "Redirect", "Gather"} & set(verbs(twiml))
    contact = contact_of(app, call.sid)
    assert (contact.status, contact.intake_step) == ("waiting", "queued")
    assert callbacks_of(app, contact) == []
    assert offer(wait_round(call, 60)) is not None  # the next round offers it again


@pytest.mark.parametrize(("keys", "caller"), [(("0",), CALLER), (("1", "1"), "anonymous")])
def test_1_from_a_caller_who_was_not_offered_changes_nothing(
    app: Flask, client: FlaskClient, keys: tuple[str, ...], caller: str
) -> None:
    call = waiting_call(client, *keys, caller=caller)
    twiml = keep_place(call, "1")
    assert not {"Leave", "Hangup"} & set(verbs(twiml))
    contact = contact_of(app, call.sid)
    assert (contact.status, contact.intake_step) == ("waiting", "queued")
    assert callbacks_of(app, contact) == []


def test_1_after_being_answered_changes_nothing(app: Flask, client: FlaskClient) -> None:
    call = waiting_call(client, "1", "1")
    call.event(QUEUED, QueueResult="bridged", QueueTime="30")
    twiml = keep_place(call, "1")
    assert "Leave" not in verbs(twiml)
    contact = contact_of(app, call.sid)
    assert contact.status == "in_progress" and callbacks_of(app, contact) == []


def test_keep_place_of_an_unknown_call_stores_nothing(app: Flask, client: FlaskClient) -> None:
    call = Call(client)
    assert list(keep_place(call, "1")) == []
    assert contacts(app) == []


@pytest.mark.parametrize(("params", "status"), [
    ({"From": "not a number", "Digits": "1"}, 400),
    ({"CallSid": "", "Digits": "1"}, 200),
    ({"CallSid": "CA" + "x" * 80, "Digits": "1"}, 200),
])
def test_unusable_keep_place_requests_are_answered_without_a_change(
    app: Flask, client: FlaskClient, params: dict[str, str], status: int
) -> None:
    call = waiting_call(client, "1", "1")
    response = signed_post(client, KEEP, call.params(**params))
    assert response.status_code == status
    assert callbacks_of(app, contact_of(app, call.sid)) == []


# --- hanging up while waiting ---------------------------------------------------------------


@pytest.mark.parametrize("order", ["queue_result_first", "status_first"])
def test_a_caller_who_hangs_up_while_waiting_is_abandoned_with_their_wait(
    app: Flask, client: FlaskClient, order: str
) -> None:
    call = waiting_call(client, "1", "1")
    wait_round(call, 0)
    wait_round(call, 60)
    events: list[Callable[[], ET.Element]] = [
        lambda: call.event(QUEUED, QueueResult="hangup", QueueTime="83"),
        lambda: call.event(STATUS, CallStatus="completed", CallDuration="100"),
    ]
    for event in events if order == "queue_result_first" else events[::-1]:
        event()
    contact = contact_of(app, call.sid)
    assert (contact.status, contact.outcome, contact.wait_seconds) == ("closed", "abandoned", 83)
    assert callbacks_of(app, contact) == []


def test_pressing_0_while_waiting_makes_the_call_a_crisis_that_keeps_its_place(
    app: Flask, client: FlaskClient
) -> None:
    call = waiting_call(client, "1", "1")  # police, wait now: a normal call in the queue
    assert not contact_of(app, call.sid).crisis
    answer = keep_place(call, "0")  # help now, honoured at this question too
    assert names_crisis_lines(said(answer))
    assert not {"Leave", "Hangup", "Enqueue", "Redirect"} & set(verbs(answer))  # still waiting
    contact = contact_of(app, call.sid)
    assert contact.crisis and contact.priority == "urgent" and contact.risk == "acute"
    assert contact.status == "waiting" and callbacks_of(app, contact) == []
    assert offer(wait_round(call, 60)) is None  # a crisis is never offered a callback
