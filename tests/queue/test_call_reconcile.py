"""A caller who hung up while waiting, whose status callback never arrived (the database
away at that moment), is found by asking Twilio and leaves the queue: no ghost caller for
the counsellors, no crisis alarm for someone who is gone and cannot be called back. A crisis
with a number to call stays, to be called back at once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from redis import Redis
from sqlmodel import Session, select

from loket.queue import calls as call_jobs
from loket.queue.scheduler import CALLS_EVERY_S, build_cron
from loket.queue.worker import SimpleAppWorker, queues
from loket.store.db import session_scope
from loket.store.models import AuditEvent, Contact
from loket.store.types import utcnow
from tests.conftest import POSTGRES_URL
from tests.conftest import _truncate as truncate
from tests.desk.test_workspace import PHONE, engine_of, waiting
from tests.twilio_double import TwilioDouble


@pytest.fixture(params=["sqlite", "postgres"])
def phone_app(request: pytest.FixtureRequest, rest_app: Callable[..., Flask]) -> Flask:
    if request.param == "postgres":
        truncate(request.getfixturevalue("postgres_engine"))
        return rest_app(database_url=POSTGRES_URL)
    return rest_app()


def waiting_call(app: Flask, call_sid: str, *, quiet_s: int, crisis: bool = False,
                 phone: str | None = PHONE) -> str:
    """A caller waiting in the police queue whose row last changed `quiet_s` ago."""
    reference = waiting(app, channel="phone", crisis=crisis, seconds_ago=quiet_s, phone=phone)
    with session_scope(engine_of(app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        contact.external_id = call_sid
        contact.updated_at = utcnow() - timedelta(seconds=quiet_s)
    return reference


def stored(app: Flask, reference: str) -> Contact:
    with Session(engine_of(app)) as session:
        return session.exec(select(Contact).where(Contact.reference == reference)).one()


def test_a_caller_gone_without_a_word_is_found_and_only_they_leave_the_queue(
    phone_app: Flask, twilio_double: TwilioDouble,
) -> None:
    gone = waiting_call(phone_app, "CA" + "1" * 32, quiet_s=600, crisis=True, phone=None)
    holding = waiting_call(phone_app, "CA" + "2" * 32, quiet_s=600)
    recent = waiting_call(phone_app, "CA" + "3" * 32, quiet_s=10)
    reachable = waiting_call(phone_app, "CA" + "5" * 32, quiet_s=600, crisis=True)
    for sid in ("1", "3", "5"):  # "3" is not asked yet: too recent
        twilio_double.call_statuses["CA" + sid * 32] = "completed"

    with phone_app.app_context():
        assert call_jobs.reconcile_waiting_calls() == 1
    # A crisis with a number to call is not closed: it waits to be called back at once.
    assert (stored(phone_app, reachable).status, stored(phone_app, reachable).outcome) == (
        "waiting", None)

    left = stored(phone_app, gone)
    assert (left.status, left.outcome) == ("closed", "abandoned")
    assert left.wait_seconds is not None and left.wait_seconds >= 600
    assert stored(phone_app, holding).status == "waiting"  # Twilio: still in progress
    assert stored(phone_app, recent).status == "waiting"
    asked = [r.path for r in twilio_double.received() if r.method == "GET"]
    assert len(asked) == 3 and not any("3" * 32 in path for path in asked)
    with Session(engine_of(phone_app)) as session:
        details = session.exec(select(AuditEvent.detail).where(
            AuditEvent.contact_reference == gone)).all()
    assert "call ended (completed): found by asking Twilio" in details
    with phone_app.app_context():  # a second run changes nothing
        assert call_jobs.reconcile_waiting_calls() == 0


def test_twilio_unreachable_changes_nothing_and_the_next_run_asks_again(
    phone_app: Flask, twilio_double: TwilioDouble,
) -> None:
    gone = waiting_call(phone_app, "CA" + "4" * 32, quiet_s=600)
    twilio_double.call_statuses["CA" + "4" * 32] = "canceled"
    twilio_double.fail_next(status=503)
    with phone_app.app_context():
        assert call_jobs.reconcile_waiting_calls() == 0
        assert stored(phone_app, gone).status == "waiting"
        assert call_jobs.reconcile_waiting_calls() == 1
    assert stored(phone_app, gone).status == "closed"


def test_the_scheduler_asks_every_minute_on_the_maintenance_queue(
    phone_app: Flask, twilio_double: TwilioDouble, redis_conn: Redis,
) -> None:
    gone = waiting_call(phone_app, "CA" + "5" * 32, quiet_s=600)
    twilio_double.call_statuses["CA" + "5" * 32] = "completed"
    cron = build_cron(redis_conn, 1)
    [job] = [j for j in cron.get_jobs()
             if j.func_name == "loket.queue.calls.reconcile_waiting_calls"]
    assert (job.queue_name, job.interval) == ("maintenance", CALLS_EVERY_S)
    assert job in cron.enqueue_jobs()
    SimpleAppWorker(queues(redis_conn), connection=redis_conn, app=phone_app).work(burst=True)
    assert stored(phone_app, gone).status == "closed"
