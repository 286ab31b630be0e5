"""A counsellor's reply that Twilio will not send is shown "not delivered" on the desk: at
once when Twilio refuses it for good (an invalid number, a country the account may not text),
and when the outbox gives it up after every try failed. Before, it kept no delivery status and
looked sent for ever."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from redis import Redis
from rq.job import Job, JobStatus
from sqlmodel import Session, select

from loket.queue import outbox
from loket.queue.worker import SimpleAppWorker, queues
from loket.store.db import session_scope
from loket.store.models import Message, Outbox
from tests.desk.test_workspace import act, counsellor, engine_of, waiting
from tests.queue.test_reconciler import age
from tests.twilio_double import TwilioDouble


def run_jobs(app: Flask, redis: Redis) -> None:
    SimpleAppWorker(queues(redis), connection=redis, app=app).work(burst=True)


def the_reply(app: Flask) -> Message:
    with Session(engine_of(app)) as session:
        return session.exec(select(Message).where(Message.direction == "out")).one()


def test_a_reply_twilio_refuses_for_good_is_not_delivered_at_once(
    rest_app: Callable[..., Flask], twilio_double: TwilioDouble, redis_conn: Redis
) -> None:
    # 21408: the account may not text the person's country (a veteran living abroad).
    app = rest_app()
    reference = waiting(app, phone="+66812345678")
    client, _ = counsellor(app)
    act(client, reference, "claim")
    twilio_double.fail_next(status=400, code=21408, times=1000)
    act(client, reference, "reply", text="Hoe gaat het nu met je?")
    outbox.dispatch(engine_of(app), redis_conn)
    run_jobs(app, redis_conn)
    assert len(twilio_double.received("/Messages.json")) == 1  # asked once, not again
    assert the_reply(app).delivery_status == "failed"
    with Session(engine_of(app)) as session:
        row = session.exec(select(Outbox).where(Outbox.job == "send_message")).one()
    assert row.done_at is not None  # its job is done: nothing left to try
    assert "Niet afgeleverd" in client.get(f"/desk/contacts/{reference}").get_data(as_text=True)


def test_a_reply_given_up_after_every_try_is_not_delivered(
    rest_app: Callable[..., Flask], twilio_double: TwilioDouble, redis_conn: Redis
) -> None:
    app = rest_app()
    reference = waiting(app)
    client, _ = counsellor(app)
    act(client, reference, "claim")
    twilio_double.fail_next(status=500, code=20500, times=1000)  # Twilio away, every time
    act(client, reference, "reply", text="Hoe gaat het nu met je?")
    engine = engine_of(app)
    with session_scope(engine) as session:
        row = session.exec(select(Outbox).where(Outbox.job == "send_message")).one()
        row.attempts = outbox.MAX_ATTEMPTS - 1  # the tries before this one all failed
        outbox_id = row.id
    outbox.dispatch(engine, redis_conn)
    run_jobs(app, redis_conn)
    assert the_reply(app).delivery_status is None  # one more try may still send it
    job = Job.fetch(outbox.job_id(outbox_id), connection=redis_conn)
    job.set_status(JobStatus.FAILED)  # as RQ leaves it once its own retries are spent
    age(engine, 4 * 3600)
    outbox.reconcile(engine, redis_conn)
    with Session(engine) as session:
        given_up = session.get(Outbox, outbox_id)
        assert given_up is not None and (given_up.last_error or "").startswith("gave up")
    assert the_reply(app).delivery_status == "failed"
    assert "Niet afgeleverd" in client.get(f"/desk/contacts/{reference}").get_data(as_text=True)
