"""The outbox: work promised with the data reaches RQ, also after Redis was away."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from redis import Redis
from rq import Queue
from sqlmodel import select

from loket.intake import ContactIn, add_message, open_contact
from loket.queue import outbox
from loket.queue.worker import SimpleAppWorker, queues
from loket.store.db import session_scope
from loket.store.models import Message, OutboundAction, Outbox


def _work(app: Flask, redis_conn: Redis) -> None:
    SimpleAppWorker(queues(redis_conn), connection=redis_conn, app=app).work(burst=True)


def _promise_message(app: Flask, body: str = "Hallo, u spreekt met Loket") -> int:
    with session_scope(app.extensions["loket.engine"]) as session:
        contact = open_contact(session, ContactIn(channel="sms", phone="+31612345678"))
        return add_message(session, contact, direction="out", body=body, send=True)


def test_a_promised_message_is_sent_once_through_the_gateway(app: Flask, redis_conn: Redis) -> None:
    engine = app.extensions["loket.engine"]
    message_id = _promise_message(app)
    assert outbox.dispatch(engine, redis_conn) == 1
    assert outbox.dispatch(engine, redis_conn) == 0  # already moved
    _work(app, redis_conn)
    with session_scope(engine) as session:
        assert session.exec(select(Outbox)).one().done_at is not None
        sent = session.exec(select(OutboundAction)).all()
        assert [(a.kind, a.to, a.body) for a in sent] == [
            ("message", "+31612345678", "Hallo, u spreekt met Loket")
        ]
        message = session.get(Message, message_id)
        assert message is not None and message.external_id == sent[0].sid
    # At-least-once delivery: running the same job again sends nothing more.
    Queue("default", connection=redis_conn).enqueue(
        "loket.queue.jobs.send_message", kwargs={"message_id": message_id}
    )
    _work(app, redis_conn)
    with session_scope(engine) as session:
        assert len(session.exec(select(OutboundAction)).all()) == 1


def test_with_redis_away_the_work_waits_in_the_outbox_and_the_reconciler_moves_it(
    make_app: Callable[..., Flask], redis_conn: Redis
) -> None:
    down = make_app(redis_url="redis://127.0.0.1:1/0")
    engine = down.extensions["loket.engine"]
    _promise_message(down)
    assert outbox.dispatch(engine, down.extensions["loket.redis"]) == 0
    with session_scope(engine) as session:
        row = session.exec(select(Outbox)).one()
        assert row.dispatched_at is None and row.attempts == 0 and row.last_error
    up = make_app()
    with session_scope(engine) as session:  # age the row past the reconciler's grace
        row = session.exec(select(Outbox)).one()
        row.created_at = row.created_at.replace(year=row.created_at.year - 1)
    assert outbox.reconcile(engine, redis_conn).enqueued == 1
    _work(up, redis_conn)
    with session_scope(engine) as session:
        assert len(session.exec(select(OutboundAction)).all()) == 1


def test_job_arguments_carry_ids_only(app: Flask, redis_conn: Redis) -> None:
    _promise_message(app, body="mijn geheime tekst")
    outbox.dispatch(app.extensions["loket.engine"], redis_conn)
    dumped = b"".join(
        redis_conn.dump(key) or b""
        for key in redis_conn.keys("*")  # type: ignore[union-attr]
    )
    assert b"geheime" not in dumped and b"612345678" not in dumped
