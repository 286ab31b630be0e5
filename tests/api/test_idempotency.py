"""A client on a flaky network retries: with an `Idempotency-Key` header a retried call is
answered what the first answered and does nothing more (one SMS, one note, one close), the
key kept per token in the database; the same key with another body is refused naming the
header. Store-touching tests run on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from redis import Redis
from sqlmodel import Session, select

from loket.store.db import session_scope
from loket.store.models import InboundEvent, Message, Note, OutboundAction
from loket.store.types import utcnow
from tests.api.calls import CALL, Caller, caller
from tests.desk.helpers import api_token
from tests.desk.test_workspace import engine_of, run_jobs, stored, trail, waiting
from tests.queue.test_callbacks import (
    COUNSELLOR_PHONE,
    DESK_NUMBER,
    callback_for,
    counsellor_with_phone,
    make_due_now,
)
from tests.queue.test_callbacks import run_jobs as ring_jobs
from tests.twilio_double import TwilioDouble

KEY = "Idempotency-Key"
TEXT = "Hoi, ik ben Sam. Waar wil je over praten?"


def keyed(who: Caller, name: str, reference: str, key: str, body: Any = None) -> Any:
    """Make one of the workspace's calls with an Idempotency-Key."""
    method, path, good = CALL[name]
    return who(method, path.format(ref=reference), good if body is None else body,
               headers={KEY: key})


def rows(app: Flask, model: Any) -> list[Any]:
    with Session(engine_of(app)) as session:
        return list(session.exec(select(model)).all())


def test_a_retried_reply_sends_one_text_and_answers_the_first_answer(
    store_app: Flask, redis_conn: Redis,
) -> None:
    reference = waiting(store_app)
    who = caller(store_app)
    who.do("claim", reference)
    first = keyed(who, "reply", reference, "reply-1", {"text": TEXT})
    again = keyed(who, "reply", reference, "reply-1", {"text": TEXT})
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    run_jobs(store_app, redis_conn)
    assert [m.body for m in rows(store_app, Message)] == [TEXT]
    assert [(a.kind, a.body) for a in rows(store_app, OutboundAction)] == [("message", TEXT)]
    assert [e for e in trail(store_app, reference) if e[0] == "reply"] == [
        ("reply", who.user.id)]


@pytest.mark.parametrize(("name", "event"), [("claim", "claim"), ("note", "note"),
                                             ("close", "close"), ("release", "release"),
                                             ("transfer", "transfer")])
def test_a_retried_step_is_done_once_and_answered_alike(store_app: Flask, name: str,
                                                       event: str) -> None:
    reference = waiting(store_app)
    who = caller(store_app)
    if name not in ("claim", "note"):
        who.do("claim", reference)
    first = keyed(who, name, reference, f"{name}-1")
    again = keyed(who, name, reference, f"{name}-1")
    assert first.status_code in (200, 201), first.get_json()
    assert (again.status_code, again.get_json()) == (first.status_code, first.get_json())
    assert [e for e in trail(store_app, reference) if e[0] == event] == [
        (event, who.user.id)]
    if name == "note":
        assert len(rows(store_app, Note)) == 1


def test_another_key_is_another_call(app: Flask) -> None:
    reference = waiting(app)
    who = caller(app)
    who.do("claim", reference)
    assert keyed(who, "note", reference, "a").status_code == 201
    assert keyed(who, "note", reference, "b").status_code == 201
    assert len(rows(app, Note)) == 2


def test_the_same_key_with_another_body_is_refused_naming_the_header(app: Flask) -> None:
    reference = waiting(app)
    who = caller(app)
    who.do("claim", reference)
    assert keyed(who, "reply", reference, "k", {"text": "Hallo"}).status_code == 201
    other = keyed(who, "reply", reference, "k", {"text": "Hallo daar"})
    assert other.status_code == 422 and other.is_json
    assert other.get_json()["field"] == KEY and other.get_json()["error"].startswith(KEY)
    elsewhere = keyed(who, "note", reference, "k", {"text": "Hallo"})
    assert elsewhere.status_code == 422 and elsewhere.get_json()["field"] == KEY
    assert [m.body for m in rows(app, Message)] == ["Hallo"] and rows(app, Note) == []


def test_keys_are_kept_per_token(app: Flask) -> None:
    reference = waiting(app)
    anouk, bram = caller(app), caller(app)
    assert keyed(anouk, "note", reference, "same").status_code == 201
    theirs = keyed(bram, "note", reference, "same")
    assert theirs.status_code == 201 and "Idempotent-Replayed" not in theirs.headers
    assert len(rows(app, Note)) == 2


def test_a_refused_call_is_judged_again_on_retry(app: Flask) -> None:
    reference = waiting(app)
    who = caller(app)
    refused = keyed(who, "reply", reference, "early", {"text": "Hallo"})
    assert refused.status_code == 409 and refused.get_json()["field"] == "claimed"
    who.do("claim", reference)
    assert keyed(who, "reply", reference, "early", {"text": "Hallo"}).status_code == 201


def test_keys_are_kept_in_the_database_for_a_day_not_in_redis(
    app: Flask, redis_conn: Redis,
) -> None:
    reference = waiting(app)
    who = caller(app)
    who.do("claim", reference)
    first = keyed(who, "close", reference, "close-it")
    redis_conn.flushdb()
    with session_scope(engine_of(app)) as session:
        for event in session.exec(select(InboundEvent)).all():
            event.created_at = utcnow() - timedelta(hours=24, minutes=1)
            session.add(event)
    again = keyed(who, "close", reference, "close-it")
    assert first.status_code == again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert stored(app, reference).status == "closed"


@pytest.mark.parametrize("key", ["", "x" * 256, "sleutel met spaties", "sleutel-é"])
def test_a_bad_key_is_refused_naming_the_header(app: Flask, key: str) -> None:
    reference = waiting(app)
    who = caller(app)
    who.do("claim", reference)
    answer = who("POST", f"/api/v1/contacts/{reference}/messages", {"text": "Hallo"},
                 headers={KEY: key.encode().decode("latin-1")})
    assert answer.status_code == 422 and answer.is_json
    assert answer.get_json()["field"] == KEY
    assert rows(app, Message) == []


def test_two_copies_sent_at_once_send_one_text(store_app: Flask) -> None:
    reference = waiting(store_app)
    who = caller(store_app)
    who.do("claim", reference)
    copies = [caller(store_app), caller(store_app)]
    for copy in copies:  # the same client on two connections: its token, its key
        copy.user, copy.token = who.user, who.token
    barrier = threading.Barrier(2, timeout=10)
    answers: list[Any] = [None, None]

    def send(index: int) -> None:
        barrier.wait()
        answers[index] = keyed(copies[index], "reply", reference, "at-once", {"text": TEXT})

    threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].get_json() == answers[1].get_json()
    assert [m.body for m in rows(store_app, Message)] == [TEXT]


CHANGING = ["claim", "release", "call", "reply", "add_note", "transfer", "close"]


def test_the_document_describes_the_header_on_every_changing_call(app: Flask) -> None:
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    operations = {op["operationId"]: op for ops in document["paths"].values()
                  for op in ops.values()}
    for name in CHANGING:
        [header] = [p for p in operations[name].get("parameters", []) if p["in"] == "header"]
        assert (header["name"], header["required"]) == (KEY, False), name
        assert header["schema"]["maxLength"] == 255
        assert "422" in operations[name]["responses"], name


# --- at Twilio's edge: one text, one ring ---------------------------------------------------


def test_a_retried_reply_reaches_twilio_once(
    rest_app: Callable[..., Flask], redis_conn: Redis, twilio_double: TwilioDouble,
) -> None:
    app = rest_app()
    reference = waiting(app)
    who = caller(app)
    who.do("claim", reference)
    for _ in range(2):  # the answer was lost on the way: the client sends it again
        assert keyed(who, "reply", reference, "sms-1", {"text": TEXT}).status_code == 201
        ring_jobs(app, redis_conn)
    assert [r.params["Body"] for r in twilio_double.received("Messages.json")] == [TEXT]


def test_a_retried_call_rings_the_counsellor_once(
    rest_app: Callable[..., Flask], redis_conn: Redis, twilio_double: TwilioDouble,
) -> None:
    app = rest_app(desk_numbers=f"police={DESK_NUMBER}")
    _, user = counsellor_with_phone(app)
    reference, callback_id = callback_for(app)
    make_due_now(app, callback_id)
    who = Caller(app, user, api_token(app, user))
    for _ in range(2):
        answer = keyed(who, "call", reference, "ring-1")
        assert answer.status_code == 202 and answer.get_json() == {"status": "calling"}
        ring_jobs(app, redis_conn)
    assert [r.params["To"] for r in twilio_double.received("Calls.json")] == [
        COUNSELLOR_PHONE]
