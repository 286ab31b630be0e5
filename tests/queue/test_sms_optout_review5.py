"""A counsellor's text that Twilio refuses with error 21610 (the SMS number sent STOP and not
START since) is not retried until given up with nobody told: it is marked not delivered, and
the conversation becomes one to call (a reply is refused: tests/channels/
test_sms_optout_review5.py). Through the REST gateway and
the Twilio REST double."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from sqlmodel import Session

from loket.domain import conversations
from loket.gateway import GatewayError
from loket.intake import ContactIn, add_message, open_contact
from loket.queue import jobs
from loket.store.db import session_scope
from loket.store.models import Contact, Message
from tests.twilio_double import TwilioDouble


def a_reply_to(app: Flask, channel: str, phone: str) -> tuple[int, int]:
    """Store an open text conversation and a counsellor's reply promised to Twilio; return
    the contact's id and the message's."""
    with session_scope(app.extensions["loket.engine"]) as session:
        contact = open_contact(session, ContactIn(channel=channel, phone=phone))
        contact.intake_step = "acked"
        message_id = add_message(session, contact, direction="out", body="Hoe gaat het?",
                                 send=True)
        assert contact.id is not None
        return contact.id, message_id


def test_a_send_refused_with_21610_stops_the_texts_and_is_not_retried(
    rest_app: Callable[..., Flask], twilio_double: TwilioDouble
) -> None:
    app = rest_app()
    contact_id, message_id = a_reply_to(app, "sms", "+31612345678")
    twilio_double.fail_next(status=400, code=21610, times=5)
    with app.app_context():
        assert jobs.send_message(message_id) == "opted out"  # done: no retry, no give-up
        assert jobs.send_message(message_id) != "sent"
    assert len(twilio_double.received("/Messages.json")) == 1
    with Session(app.extensions["loket.engine"]) as session:
        message = session.get(Message, message_id)
        contact = session.get(Contact, contact_id)
        assert message is not None and message.delivery_status == "failed"
        assert contact is not None and contact.intake_step == "stopped"
        assert conversations.texts_stopped(contact)  # the desk refuses a reply: call them


def test_another_refusal_still_fails_the_job_to_be_retried(
    rest_app: Callable[..., Flask], twilio_double: TwilioDouble
) -> None:
    app = rest_app()
    contact_id, message_id = a_reply_to(app, "sms", "+31612345678")
    twilio_double.fail_next(status=500, code=20500)
    with app.app_context(), pytest.raises(GatewayError):
        jobs.send_message(message_id)  # the job fails: RQ retries it
    with Session(app.extensions["loket.engine"]) as session:
        contact = session.get(Contact, contact_id)
        assert contact is not None and contact.intake_step == "acked"
