"""Callbacks through faults, with what production runs: forked `loket worker`s (RQ's
scheduler inside) and `loket scheduler` (the reconciler), on a Redis of the test's own.

Callbacks due in a few seconds are made due once each, even when the worker holding RQ's
scheduler is killed with SIGKILL and Redis restarts empty before their time: the database
keeps the time and the reconciler makes due what RQ lost.
"""

from __future__ import annotations

import os
import signal
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from redis import Redis
from sqlalchemy import func
from sqlmodel import Session, col, select

from loket.domain import callbacks
from loket.queue import calls as call_jobs
from loket.queue.connection import get_queue
from loket.store.db import session_scope
from loket.store.models import AuditEvent, CallbackRequest, Contact
from loket.store.types import utcnow
from tests.desk.test_workspace import waiting
from tests.queue.conftest import OwnRedis, loket_process, stop_process, wait_for

COUNT = 20


def all_due(app: Flask) -> bool:
    with Session(app.extensions["loket.engine"]) as session:
        return not session.exec(select(CallbackRequest.id).where(
            CallbackRequest.status == "pending")).first()


@pytest.mark.slow
def test_callbacks_are_made_due_once_through_a_killed_worker_and_an_empty_redis(
    app: Flask, cli_env: dict[str, str], own_redis: OwnRedis, tmp_path: Path,
) -> None:
    engine = app.extensions["loket.engine"]
    due_at = utcnow() + timedelta(seconds=8)
    references = [waiting(app, status="callback") for _ in range(COUNT)]
    with session_scope(engine) as session:
        for reference in references:
            contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
            callback = callbacks.request_callback(session=session, contact=contact,
                                                  phone="+31612345678", at=due_at)
            callback.next_attempt_at = due_at
    redis = Redis.from_url(own_redis.url)
    get_queue("callbacks", redis).enqueue_at(due_at, call_jobs.DUE_JOB,
                                             job_id=call_jobs.due_job_id(due_at))
    env = {**cli_env, "LOKET_REDIS_URL": own_redis.url}
    worker = loket_process("worker", env, tmp_path / "worker.log")
    try:
        wait_for(lambda: get_queue("callbacks", redis).scheduled_job_registry.count == 1, 10,
                 "the due job in RQ's scheduled registry")
        os.kill(worker.pid, signal.SIGKILL)  # the worker holding RQ's scheduler, killed
        worker.wait(10)
        own_redis.restart_empty()  # and Redis comes back with nothing: the job is gone
        worker = loket_process("worker", env, tmp_path / "worker2.log")
        scheduler = loket_process("scheduler", env, tmp_path / "scheduler.log")
        try:
            wait_for(lambda: all_due(app), 60, "the reconciler to make every callback due")
        finally:
            stop_process(scheduler)
    finally:
        stop_process(worker)
    with Session(engine) as session:
        statuses = session.exec(select(CallbackRequest.status, CallbackRequest.due_at)).all()
        made_due = session.exec(
            select(AuditEvent.contact_reference, func.count())
            .where(col(AuditEvent.detail).like("callback due%"))
            .group_by(col(AuditEvent.contact_reference))
        ).all()
    assert [s for s, _ in statuses] == ["due"] * COUNT
    assert all(at is not None and at >= due_at for _, at in statuses)  # never early
    assert len(made_due) == COUNT and all(n == 1 for _, n in made_due)  # once each
