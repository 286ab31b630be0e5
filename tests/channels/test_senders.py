"""The sender rule: only what Twilio puts in `From` is taken."""

from __future__ import annotations

import uuid

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine

from loket.channels.senders import caller_number, message_sender
from loket.store.models import InboundEvent
from tests.channels.conftest import contacts, rows, signed_post

BAD = [
    "<script>alert(1)</script>",
    "1" * 5000,
    "+" + "1" * 16,
    "+3161234",  # 7 digits
    "+0612345678",
    "0612345678",
    "+31 6 12345678",
    "whatsapp:",
    "whatsapp:0612345678",
    "sms:+31612345678",
]


@pytest.mark.parametrize("value", ["+31612345678", "+12025550123", "+31612345", " +31612345678 "])
def test_an_e164_number_is_taken_on_every_channel(value: str) -> None:
    assert message_sender(value) == value.strip()
    assert caller_number(value) == value.strip()


@pytest.mark.parametrize("value", ["whatsapp:+31612345678", "WhatsApp:+447700900123"])
def test_a_whatsapp_address_is_a_message_sender_only(value: str) -> None:
    assert message_sender(value) == value
    with pytest.raises(ValueError, match="From: expected"):
        caller_number(value)


@pytest.mark.parametrize(
    "value",
    ["", "anonymous", "Anonymous", "restricted", "unknown", "private", "+266696687",
     "client:alice", "client:desk_3"],
)
def test_a_withheld_number_or_browser_caller_is_an_unknown_number(value: str) -> None:
    assert caller_number(value) is None


@pytest.mark.parametrize("value", ["", "anonymous", "client:alice"])
def test_a_message_always_has_a_number(value: str) -> None:
    with pytest.raises(ValueError, match="From: expected a phone number"):
        message_sender(value)


@pytest.mark.parametrize("value", [*BAD, "client:", "client:<b>", "client:" + "a" * 122])
def test_anything_else_is_refused_with_a_reason_that_does_not_echo_it(value: str) -> None:
    for check in (message_sender, caller_number):
        with pytest.raises(ValueError) as refused:
            check(value)
        assert str(refused.value).startswith("From: expected")
        assert "<" not in str(refused.value) and len(str(refused.value)) < 120


# --- on the routes: refused before anything is stored ----------------------------------------

VOICE_ROUTES = ["/twilio/voice", "/twilio/voice/menu", "/twilio/voice/wait",
                "/twilio/voice/status"]


def call(sender: str, **extra: str) -> dict[str, str]:
    """Return what Twilio posts for a call from this sender."""
    return {"CallSid": "CA" + uuid.uuid4().hex, "From": sender, "To": "+3185000000",
            "CallStatus": "ringing", **extra}


def text(sender: str) -> dict[str, str]:
    """Return what Twilio posts for a message from this sender."""
    return {"MessageSid": "SM" + uuid.uuid4().hex, "From": sender, "To": "+3185000000",
            "Body": "Hallo"}


@pytest.mark.parametrize("path", VOICE_ROUTES)
@pytest.mark.parametrize(
    "sender", ["<script>alert(1)</script>", "1" * 5000, "whatsapp:+31612345678"]
)
def test_every_voice_route_refuses_a_sender_twilio_never_sends(
    client: FlaskClient, engine: Engine, path: str, sender: str
) -> None:
    response = signed_post(client, path, call(sender, Digits="1"))
    assert response.status_code == 400
    assert "From: expected a phone number" in response.get_data(as_text=True)
    assert contacts(engine) == [] and rows(engine, InboundEvent) == []


@pytest.mark.parametrize("path", ["/twilio/messaging", "/twilio/messaging/status"])
@pytest.mark.parametrize("sender", ["<script>alert(1)</script>", "1" * 5000, "anonymous",
                                    "client:alice", "whatsapp:<b>"])
def test_every_messaging_route_refuses_a_sender_twilio_never_sends(
    client: FlaskClient, engine: Engine, path: str, sender: str
) -> None:
    response = signed_post(client, path, {**text(sender), "MessageStatus": "delivered"})
    assert response.status_code == 400
    assert "From: expected a phone number" in response.get_data(as_text=True)
    assert contacts(engine) == [] and rows(engine, InboundEvent) == []


@pytest.mark.parametrize("sender", ["", "private", "unknown", "client:desk_browser"])
def test_a_withheld_number_still_gets_the_menu_as_an_unknown_number(
    client: FlaskClient, engine: Engine, sender: str
) -> None:
    response = signed_post(client, "/twilio/voice", call(sender))
    assert response.status_code == 200 and "<Gather" in response.get_data(as_text=True)
    [contact] = contacts(engine)
    assert contact.anonymous and contact.phone is None and contact.phone_hash is None


@pytest.mark.parametrize("sender", ["+31612345678", "whatsapp:+31612345678"])
def test_a_message_from_a_number_is_taken(
    app: Flask, client: FlaskClient, engine: Engine, sender: str
) -> None:
    response = signed_post(client, "/twilio/messaging", text(sender))
    assert response.status_code == 200
    [contact] = contacts(engine)
    assert contact.phone == sender  # a WhatsApp contact keeps its address to answer on
