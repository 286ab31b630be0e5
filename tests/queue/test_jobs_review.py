"""Background work found wanting by a review; each test failed before its fix.

- a row this version cannot enqueue (a job renamed in an upgrade) no longer stops the
  reconciler for every row after it;
- rows that wait (failed jobs in their wait) no longer hide newer rows from the reconciler;
- a job not done after its last attempt is given up once, in the error log, not silently;
- two reconcilers at once no longer put a job twice in its queue;
- a Redis that times out no longer stops the periodic reconcile job from routing the texts
  nobody answered (which needs only the database);
- a reply is sent once: not again because the database refused its sid for a moment, nor
  twice when its job runs twice at once;
- an alarmed crisis whose person writes a crisis phrase again keeps escalating on time and
  is not shown as just arrived.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from redis import Redis
from redis.exceptions import RedisError
from rq.job import Job, JobStatus
from sqlalchemy import text as sql
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from structlog.testing import capture_logs

from loket import rules_runtime
from loket.domain import contacts, escalation
from loket.intake import ContactIn, add_message, open_contact
from loket.queue import jobs, outbox
from loket.queue.outbox import JobSpec
from loket.queue.worker import SimpleAppWorker, queues
from loket.store import outbox as store_rows
from loket.store.db import session_scope
from loket.store.models import Contact, Message, OutboundAction, Outbox
from loket.store.types import utcnow
from tests.channels.conftest import signed_post
from tests.desk.test_workspace import waiting
from tests.queue.conftest import OwnRedis
from tests.queue.test_escalation import since, sweep
from tests.queue.test_reconciler import age, promise_note, row_of


@pytest.fixture(autouse=True)
def note_job(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let the outbox promise the tests' `note` job."""
    monkeypatch.setitem(outbox.JOBS, "note", JobSpec("tests.queue.fixture_jobs.note"))


def work(app: Flask, redis: Redis) -> None:
    """Run every queued job in-process, in the app's context."""
    SimpleAppWorker(queues(redis), connection=redis, app=app).work(burst=True)


# --- the reconciler ---------------------------------------------------------------------------


def test_a_row_this_version_cannot_enqueue_does_not_hold_up_the_rows_after_it(
    app: Flask, redis_conn: Redis, tmp_path: Path
) -> None:
    engine = app.extensions["loket.engine"]
    with session_scope(engine) as session:  # promised by a web process of the old version
        store_rows.promise(session, "retired_job", {"contact_id": 1, "_queue": "default"})
    marker = tmp_path / "notes"
    outbox_id = promise_note(engine, marker)  # a reply promised just after, Redis away
    age(engine, 10)
    assert outbox.reconcile(engine, redis_conn).enqueued == 1
    work(app, redis_conn)
    assert row_of(engine, outbox_id).done_at is not None
    assert marker.read_text() == "run\n"
    with session_scope(engine) as session:
        retired = session.exec(select(Outbox).where(Outbox.job == "retired_job")).one()
        assert retired.done_at is None and retired.last_error == "gave up: unknown job or queue"


def test_failed_jobs_in_their_wait_do_not_hide_a_newer_row_from_the_reconciler(
    app: Flask, redis_conn: Redis, tmp_path: Path
) -> None:
    # A Twilio outage fails every reply: each waits before it is tried again. A page of
    # such rows (500 in production; 3 here) must not keep the reconciler from the rows
    # behind them, such as a crisis's job whose request could not reach Redis.
    engine = app.extensions["loket.engine"]
    limit = 3
    for n in range(limit):
        failing = promise_note(engine, tmp_path / f"failing-{n}")
        outbox.dispatch(engine, redis_conn)
        Job.fetch(outbox.job_id(failing), connection=redis_conn).set_status(JobStatus.FAILED)
    marker = tmp_path / "notes"
    outbox_id = promise_note(engine, marker)  # never dispatched: Redis was away
    age(engine, 10)
    done = outbox.reconcile(engine, redis_conn, limit=limit)
    assert (done.waiting, done.enqueued) == (limit, 1)
    work(app, redis_conn)
    assert row_of(engine, outbox_id).done_at is not None
    assert marker.read_text() == "run\n"


def test_a_redis_timing_out_does_not_stop_the_reconcile_job_routing_unanswered_texts(
    make_app: Callable[..., Flask], own_redis: OwnRedis
) -> None:
    app = make_app(redis_url=own_redis.url)
    engine = app.extensions["loket.engine"]
    params = {"MessageSid": "SM" + uuid.uuid4().hex, "From": "+31612345678",
              "To": "+3185000000", "Body": "Ik weet niet meer wat ik moet doen met mijn zoon"}
    assert signed_post(app.test_client(), "/twilio/messaging", params).status_code == 200
    with session_scope(engine) as session:  # an hour later, nothing more came
        contact = session.exec(select(Contact)).one()
        contact.created_at = contact.updated_at = utcnow() - timedelta(hours=1)
        assert contact.queue is None
    own_redis.stall()  # Redis busy: the job's client times out
    try:
        with app.app_context(), pytest.raises(RedisError):
            jobs.reconcile()  # fails (RQ records it), but only after doing what it can
    finally:
        own_redis.resume()
    with Session(engine) as session:
        contact = session.exec(select(Contact)).one()
        assert contact.queue is not None, "the unanswered text is in no queue"



def spent(engine: Engine, outbox_id: int) -> None:
    """Record that a row was enqueued all but once of its attempts."""
    with session_scope(engine) as session:
        row = session.get(Outbox, outbox_id)
        assert row is not None
        row.attempts = outbox.MAX_ATTEMPTS - 1


@pytest.mark.parametrize("how", ["failed", "lost"])
def test_a_job_not_done_after_its_last_attempt_is_given_up_and_the_operator_told(
    app: Flask, redis_conn: Redis, tmp_path: Path, how: str
) -> None:
    # The last attempt fails (or Redis loses it, restarted empty): the reconciler stopped
    # looking at the row without a word, and the reply or call it carried was never made.
    engine = app.extensions["loket.engine"]
    outbox_id = promise_note(engine, tmp_path / "notes")
    spent(engine, outbox_id)
    outbox.dispatch(engine, redis_conn)
    assert row_of(engine, outbox_id).attempts == outbox.MAX_ATTEMPTS
    job = Job.fetch(outbox.job_id(outbox_id), connection=redis_conn)
    if how == "failed":  # as RQ leaves it once its own retries are spent
        redis_conn.lrem(f"rq:queue:{job.origin}", 0, job.id)
        job.set_status(JobStatus.FAILED)
    else:
        redis_conn.flushdb()
    age(engine, 4 * 3600)
    with capture_logs() as lines:
        outbox.reconcile(engine, redis_conn)
        outbox.reconcile(engine, redis_conn)
    told = [line for line in lines if line["event"] == "outbox.gave_up"]
    assert [(t["log_level"], t["outbox_id"]) for t in told] == [("error", outbox_id)]
    assert (row_of(engine, outbox_id).last_error or "").startswith("gave up")
    assert redis_conn.llen("rq:queue:default") == 0  # not tried an eleventh time


# --- replies ----------------------------------------------------------------------------------


def test_a_reply_twilio_accepted_is_not_sent_again_when_the_database_refuses_its_sid_a_moment(
    postgres_app: Flask, redis_conn: Redis
) -> None:
    app, engine = postgres_app, postgres_app.extensions["loket.engine"]
    with session_scope(engine) as session:
        contact = open_contact(session, ContactIn(channel="sms", phone="+31612345678"))
        message_id = add_message(session, contact, direction="out", body="Ik bel u zo",
                                 send=True)
    outbox.dispatch(engine, redis_conn)
    locked, release = threading.Event(), threading.Event()

    def hold_message_row() -> None:
        """Another transaction holds the message's row past the lock timeout."""
        with engine.connect() as conn, conn.begin():
            conn.execute(sql("SELECT id FROM message WHERE id = :id FOR UPDATE"),
                         {"id": message_id})
            locked.set()
            release.wait(30)

    holder = threading.Thread(target=hold_message_row)
    holder.start()
    assert locked.wait(10)
    timer = threading.Timer(7.0, release.set)  # longer than the 5 s lock timeout
    timer.start()
    try:
        work(app, redis_conn)
    finally:
        release.set()
        holder.join(30)
        timer.cancel()
    # Whatever runs next (RQ's own retry, due 2 s later) finds the message sent.
    time.sleep(outbox.RETRY_INTERVALS_S[0] + 0.5)
    SimpleAppWorker(queues(redis_conn), connection=redis_conn, app=app).work(
        burst=True, with_scheduler=True)
    with Session(engine) as session:
        sent = session.exec(select(OutboundAction).where(OutboundAction.kind == "message")
                            .order_by(col(OutboundAction.id))).all()
        assert len(sent) == 1, f"the reply was sent {len(sent)} times"
        message = session.get(Message, message_id)
        assert message is not None and message.external_id == sent[0].sid


def test_a_reply_whose_job_runs_twice_at_once_is_sent_once(
    postgres_app: Flask, redis_conn: Redis
) -> None:
    # At-least-once delivery runs a job twice, sometimes at once on two workers (two
    # reconcilers enqueue the same row; a popped job thought lost): the person must get
    # the counsellor's reply once.
    app, engine = postgres_app, postgres_app.extensions["loket.engine"]
    with session_scope(engine) as session:
        contact = open_contact(session, ContactIn(channel="sms", phone="+31612345678"))
        message_id = add_message(session, contact, direction="out", body="Ik bel u zo",
                                 send=True)
    answers: list[str] = []

    def run_job() -> None:
        with app.app_context():
            answers.append(jobs.send_message(message_id))

    def blocked() -> int:
        with engine.connect() as conn:
            return int(conn.execute(sql(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND query ILIKE '%outbound_action%'")).scalar_one())

    runs = [threading.Thread(target=run_job) for _ in range(2)]
    with engine.connect() as conn, conn.begin():  # the gateway is slow to answer
        conn.execute(sql("LOCK TABLE outbound_action IN EXCLUSIVE MODE"))
        for run in runs:
            run.start()
        deadline = time.monotonic() + 3
        while blocked() < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    for run in runs:
        run.join(60)
    with Session(engine) as session:
        sent = session.exec(select(OutboundAction).where(OutboundAction.kind == "message")).all()
        assert len(sent) == 1, f"the reply was sent {len(sent)} times"
        message = session.get(Message, message_id)
        assert message is not None and message.external_id == sent[0].sid
    assert sorted(answers) == ["already sent", "sent"]


def test_two_reconcilers_at_once_enqueue_each_row_once(
    app: Flask, redis_conn: Redis, tmp_path: Path
) -> None:
    # Two schedulers (production keeps two) each enqueue the reconcile job; two workers may
    # run them at once. A row enqueued by both is in its queue twice: two workers run it at
    # once (a counsellor's phone rung twice, a reply sent twice).
    engine = app.extensions["loket.engine"]
    with session_scope(engine) as session:  # promised while Redis was away
        for n in range(300):
            outbox.add(session, "note", marker=str(tmp_path / f"note-{n}"))
    age(engine, 10)
    start = threading.Barrier(2)
    passes: list[outbox.Reconciled] = []

    def reconciler() -> None:
        start.wait(10)
        passes.append(outbox.reconcile(engine, Redis.from_url(_url(redis_conn))))

    threads = [threading.Thread(target=reconciler) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    queued = [i.decode() for i in redis_conn.lrange("rq:queue:default", 0, -1)]
    assert len(queued) == len(set(queued)) == 300, f"{len(queued)} entries for 300 rows"
    assert sum(p.enqueued for p in passes) == 300


def _url(redis: Redis) -> str:
    """Return the URL of a client's Redis (its own connection per thread)."""
    kwargs = redis.connection_pool.connection_kwargs
    return f"redis://{kwargs['host']}:{kwargs['port']}/{kwargs.get('db', 0)}"


# --- escalation -------------------------------------------------------------------------------


def test_a_crisis_that_writes_again_while_alarmed_keeps_escalating_on_time(
    store_app: Flask,
) -> None:
    # A crisis phrase routes a contact again (risk acute, answered now), which sets its
    # routed_at anew. An alarmed crisis whose person then writes "ik wil dood" must not
    # start its alarms over: step 2 is due five minutes after step 1, as for any other.
    app, engine = store_app, store_app.extensions["loket.engine"]
    reference = waiting(app, crisis=True, seconds_ago=410)
    start = since(app, reference)
    assert sweep(app, start + timedelta(seconds=120)) == [1]
    with session_scope(engine) as session, app.app_context():
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        assert contact.risk != "acute"
        assert contacts.escalate(session=session, contact=contact, decide=rules_runtime.decide)
    assert sweep(app, start + timedelta(minutes=7, seconds=5)) == [2]
    assert sweep(app, start + timedelta(minutes=7, seconds=7)) == []  # once per step
    assert sweep(app, start + timedelta(minutes=12, seconds=6)) == [3]


def test_a_crisis_that_writes_again_while_alarmed_is_not_shown_as_just_arrived(
    store_app: Flask,
) -> None:
    # Every desk's banner says how long the crisis has waited; after the person wrote a
    # crisis phrase again it said 0 minutes, as if it had just come in.
    app, engine = store_app, store_app.extensions["loket.engine"]
    reference = waiting(app, crisis=True, seconds_ago=410)
    start = since(app, reference)
    assert sweep(app, start + timedelta(seconds=120)) == [1]
    with session_scope(engine) as session, app.app_context():
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        assert contacts.escalate(session=session, contact=contact, decide=rules_runtime.decide)
    with Session(engine) as session:
        [banner] = escalation.open_banners(session=session)
    assert banner.reference == reference and banner.waited_min >= 4
