"""A counsellor's text replies reach the person in the order they were written: the worker
away, a reply written before the person's crisis phrase (the ordinary queue) and one after it
(the urgent queue, taken first) still arrive first one, then the other, each once; and an
earlier reply Twilio cannot take now does not hold a later one back. On SQLite and
PostgreSQL, the real RQ worker in-process, the real `twilio` client against the REST double."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from redis import Redis
from sqlmodel import Session, col, select
from twilio.request_validator import RequestValidator

from loket.queue import outbox
from loket.queue.worker import SimpleAppWorker, queues
from loket.store.models import Contact
from tests.conftest import POSTGRES_URL, _truncate
from tests.desk.helpers import log_in, make_user
from tests.twilio_double import TwilioDouble

BASE = "https://loket.example.org"
AUTH = "test-auth-token"
PHONE = "+31612345678"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
REPLY_KEY = re.compile(r'name="reply_key" value="([^"]+)"')
FIRST = "Ik ben er. Vertel maar wat er is."
SECOND = "Dank je dat je het zegt. Ben je nu veilig?"


@pytest.fixture(params=["sqlite", "postgres"])
def both(request: pytest.FixtureRequest, rest_app: Callable[..., Flask]) -> Flask:
    if request.param == "sqlite":
        return rest_app()
    _truncate(request.getfixturevalue("postgres_engine"))
    return rest_app(database_url=POSTGRES_URL)


def sms(client: FlaskClient, body: str) -> None:
    params = {"MessageSid": "SM" + uuid.uuid4().hex, "From": PHONE, "To": "+3185000000",
              "Body": body}
    signature = RequestValidator(AUTH).compute_signature(BASE + "/twilio/messaging", params)
    answer = client.post("/twilio/messaging", data=params,
                         headers={"X-Twilio-Signature": signature}, buffered=True)
    assert answer.status_code == 200, answer.get_data(as_text=True)


def reply(desk: FlaskClient, reference: str, text: str) -> None:
    page = desk.get(f"/desk/contacts/{reference}").get_data(as_text=True)
    token, key = TOKEN.search(page), REPLY_KEY.search(page)
    assert token is not None and key is not None
    sent = desk.post(f"/desk/contacts/{reference}/reply", buffered=True, data={
        "csrf_token": token.group(1), "reply_key": key.group(1), "text": text})
    assert sent.status_code == 303


def run_worker(app: Flask, redis: Redis) -> None:
    outbox.dispatch(app.extensions["loket.engine"], redis)
    SimpleAppWorker(queues(redis), connection=redis, app=app).work(burst=True)


def sent_texts(double: TwilioDouble) -> list[str]:
    return [r.params.get("Body", "") for r in double.received("/Messages.json")]


def claimed_conversation(app: Flask) -> tuple[FlaskClient, FlaskClient, str]:
    """A texter past the first questions, their contact claimed by a police counsellor."""
    person = app.test_client()
    for body in ("Hoi", "1", "1"):
        sms(person, body)
    with Session(app.extensions["loket.engine"]) as session:
        reference = session.exec(select(Contact.reference)
                                 .order_by(col(Contact.id).desc())).first()
    assert reference is not None
    desk = app.test_client()
    log_in(desk, app, make_user(app, role="counsellor", desk="police"))
    page = desk.get(f"/desk/contacts/{reference}").get_data(as_text=True)
    token = TOKEN.search(page)
    assert token is not None
    claimed = desk.post(f"/desk/contacts/{reference}/claim",
                        data={"csrf_token": token.group(1)})
    assert claimed.status_code == 303
    return person, desk, reference


def test_replies_around_a_crisis_phrase_arrive_in_the_order_written(
    both: Flask, redis_conn: Redis, twilio_double: TwilioDouble,
) -> None:
    person, desk, reference = claimed_conversation(both)
    reply(desk, reference, FIRST)
    sms(person, "ik zie het niet meer zitten")  # a crisis now: replies go out urgently
    reply(desk, reference, SECOND)
    run_worker(both, redis_conn)  # the worker starts only now, the urgent queue first
    assert sent_texts(twilio_double) == [FIRST, SECOND]
    run_worker(both, redis_conn)  # the reconciler's or a retry's run: nothing twice
    assert sent_texts(twilio_double) == [FIRST, SECOND]


def test_an_earlier_reply_twilio_refuses_now_does_not_hold_a_later_one_back(
    both: Flask, redis_conn: Redis, twilio_double: TwilioDouble, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from loket.queue import jobs

    person, desk, reference = claimed_conversation(both)
    reply(desk, reference, FIRST)
    reply(desk, reference, SECOND)
    real = jobs.send_locked
    calls: list[int] = []

    def first_fails(message_id: int) -> Any:
        calls.append(message_id)
        if len(calls) == 1:  # the first reply's send: Twilio does not answer
            raise jobs.GatewayError("Twilio did not answer", code=None)
        return real(message_id)

    monkeypatch.setattr(jobs, "send_locked", first_fails)
    with both.app_context():
        assert jobs.send_message(second_id(both)) == "sent"
    assert sent_texts(twilio_double) == [SECOND]


def second_id(app: Flask) -> int:
    from loket.store.models import Message

    with Session(app.extensions["loket.engine"]) as session:
        found = session.exec(select(Message.id).where(Message.direction == "out")
                             .order_by(col(Message.id).desc())).first()
    assert found is not None
    return found
