"""Crisis language as people write it is urgent on every text channel: SMS, WhatsApp, web chat
and the web form each make the contact urgent with the crisis flag (issue 9's phrasings)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from loket.store.db import session_scope
from loket.store.models import Contact
from tests.channels.test_messaging import WHATSAPP, text
from tests.channels.test_webchat import press, start_chat
from tests.channels.test_webform import answers, send

PHRASINGS = [
    "morgen maak ik er een einde aan",            # a separable verb, inverted
    "gisteren deed ik mezelf iets aan",           # the verb second
    "ik heb me vorige week weer gesneden",        # the perfect tense
    "k wil nie meer verder",                      # text-message spelling
    "ik ben het leven zat",
    "ik wil slapen en nooit meer wakker worden",
    "ik heb al afscheidsbrieven geschreven",      # a warning sign
    "ik spring van de brug",                      # a method
    "ik neem al mijn pillen in",
    "ive had enough of living",
]


def by_sms(client: FlaskClient, body: str) -> None:
    assert text(client, body) is not None


def by_whatsapp(client: FlaskClient, body: str) -> None:
    assert text(client, body, sender=WHATSAPP) is not None


def by_web_chat(client: FlaskClient, body: str) -> None:
    start_chat(client, "police", "chat")
    assert press(client, "/chat/send", body=body).status_code == 303


def by_web_form(client: FlaskClient, body: str) -> None:
    assert send(client, answers(message=body)).status_code in (200, 303)


CHANNELS: dict[str, Callable[[FlaskClient, str], None]] = {
    "sms": by_sms, "whatsapp": by_whatsapp, "webchat": by_web_chat, "webform": by_web_form,
}


@pytest.mark.parametrize("body", PHRASINGS)
@pytest.mark.parametrize("channel", CHANNELS)
def test_crisis_phrasings_are_urgent_on_every_channel(
    app: Flask, client: FlaskClient, channel: str, body: str
) -> None:
    CHANNELS[channel](client, body)
    with session_scope(app.extensions["loket.engine"]) as session:
        [contact] = session.exec(select(Contact)).all()
        assert contact.channel == channel
        assert (contact.crisis, contact.priority) == (True, "urgent")
        assert "crisis" in contact.flags and contact.respond == "now"
