"""Hypothesis over every Twilio webhook's parameters, on SQLite and PostgreSQL: signed, any
mix of Twilio's parameter names and odd values is answered without a 5xx; unsigned or
signed wrongly, it is refused (403) and nothing is stored."""

from __future__ import annotations

from typing import Any

from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func
from sqlmodel import Session, select

from loket.store.models import CallLeg, Contact, InboundEvent, Message, Outbox
from tests.channels.conftest import signature, signed_post

VOICE = ["", "/menu", "/military", "/mode", "/callback/number", "/callback/keyed",
         "/callback/window", "/callback/voicemail", "/wait", "/keep-place", "/queued",
         "/status"]
PATHS = ([f"/twilio/voice{p}" for p in VOICE]
         + ["/twilio/messaging", "/twilio/messaging/status", "/twilio/calls/status",
            "/twilio/calls/1/counsellor", "/twilio/calls/1/person", "/twilio/calls/1/caller",
            "/twilio/calls/1/confirm/1"])
# The names Twilio sends, and a few it never does.
NAMES = ["CallSid", "MessageSid", "SmsSid", "AccountSid", "From", "To", "Body", "Digits",
         "SpeechResult", "CallStatus", "MessageStatus", "QueueResult", "QueueTime",
         "DequeueResult", "AnsweredBy", "CallDuration", "NumMedia", "ErrorCode",
         "ConferenceSid", "StatusCallbackEvent", "lang", "step", "x"]
VALUES = st.one_of(
    st.sampled_from(["", "1", "2", "0", "9", "#", "+31612345678", "whatsapp:+31612345678",
                     "CA" + "0" * 32, "SM" + "1" * 32, "completed", "busy", "no-answer",
                     "failed", "hangup", "bridged", "machine_start", "human", "-1",
                     "99999999999999999999", "ik zie het niet meer zitten", "STOP",
                     "\x00", "é" * 300]),
    st.text(max_size=40),
)
PARAMS = st.dictionaries(st.sampled_from(NAMES), VALUES, max_size=8)
STORED = (Contact, InboundEvent, Message, Outbox, CallLeg)


def counts(app: Flask) -> tuple[int, ...]:
    with Session(app.extensions["loket.engine"]) as session:
        return tuple(int(session.exec(select(func.count()).select_from(model)).one())
                     for model in STORED)


def test_signed_webhooks_never_answer_5xx_and_unsigned_ones_store_nothing(app: Flask) -> None:
    client = app.test_client()
    seen: set[int] = set()

    @settings(max_examples=200, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(path=st.sampled_from(PATHS), params=PARAMS, forged=st.booleans())
    def webhook(path: str, params: dict[str, str], forged: bool) -> None:
        clean = {k: v.replace("\x00", "") for k, v in params.items()}
        if forged:
            before = counts(app)
            wrong = signature(path, {**clean, "From": "+31600000000"}) \
                if clean.get("From") != "+31600000000" else ""
            for sent in ("", wrong):
                answer: Any = signed_post(client, path, clean, signature_value=sent)
                assert answer.status_code == 403, (path, clean, answer.status_code)
            assert counts(app) == before  # a refusal stores nothing
            return
        answer = signed_post(client, path, clean)
        seen.add(answer.status_code)
        assert answer.status_code < 500, (path, clean, answer.get_data(as_text=True)[:300])

    webhook()
    assert {200, 400} <= seen  # answered, and bad input refused with a reason

