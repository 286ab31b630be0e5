"""Faults on the real services: the worker and scheduler outlive Redis stalls and restarts,
and a work horse killed mid-job does not lose its job.

Each test runs `loket worker` / `loket scheduler` as processes against a Redis of its own,
which it freezes (SIGSTOP), kills and restarts empty.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from redis import Redis
from sqlalchemy.engine import Engine

from loket.queue import outbox
from loket.queue.outbox import JobSpec
from loket.store.db import session_scope
from loket.store.models import Outbox
from tests.queue.conftest import OwnRedis, loket_process, stop_process, wait_for


def promise(engine: Engine, job: str, **ids: int | str) -> int:
    """Promise a job in the outbox, as a request's transaction would."""
    with session_scope(engine) as session:
        row = outbox.add(session, job, **ids)
        session.flush()
        assert row.id is not None
        return row.id


def row_of(engine: Engine, outbox_id: int) -> Outbox:
    """Return one outbox row as stored."""
    with session_scope(engine) as session:
        row = session.get(Outbox, outbox_id)
        assert row is not None
        return row


def is_done(engine: Engine, outbox_id: int) -> Callable[[], bool]:
    """Return a check that the row's job finished."""
    return lambda: row_of(engine, outbox_id).done_at is not None


@pytest.mark.slow
def test_worker_and_scheduler_outlive_a_redis_stall_and_a_restart(
    app: Flask, cli_env: dict[str, str], own_redis: OwnRedis, tmp_path: Path
) -> None:
    engine = app.extensions["loket.engine"]
    env = {**cli_env, "LOKET_REDIS_URL": own_redis.url}
    worker_log, scheduler_log = tmp_path / "worker.log", tmp_path / "scheduler.log"
    worker = loket_process("worker", env, worker_log)
    scheduler = loket_process("scheduler", env, scheduler_log)
    try:
        # Nobody dispatches these rows: the reconciler (scheduler + worker) moves them.
        first = promise(engine, "contact_routed", contact_id=999_999)
        enqueued = "Enqueued job reconcile"
        wait_for(lambda: enqueued in scheduler_log.read_text(), 30, "the scheduler to start")
        # Freeze Redis across the scheduler's next enqueue (10 s after its first), longer
        # than its client waits (2 s): RQ's own scheduler stopped here with a TimeoutError.
        time.sleep(8.5)
        own_redis.stall()
        time.sleep(4.5)
        own_redis.resume()
        wait_for(lambda: "redis.reconnected" in scheduler_log.read_text(), 20,
                 "the scheduler to reconnect after the stall")
        wait_for(is_done(engine, first), 20, "the reconciler to run the first job")

        # A failover: Redis comes back empty after two seconds away.
        own_redis.restart_empty(down_s=2)
        second = promise(engine, "contact_routed", contact_id=999_998)
        wait_for(is_done(engine, second), 45, "the reconciler to run a job after the restart")
        assert worker.poll() is None and scheduler.poll() is None
    finally:
        stopped = (stop_process(scheduler), stop_process(worker))
    logs = scheduler_log.read_text()
    assert '"event": "redis.unavailable"' in logs, logs[-3000:]
    assert stopped == (0, 0)


@pytest.mark.slow
def test_a_work_horse_killed_mid_job_runs_again_and_its_row_ends_done_once(
    app: Flask,
    cli_env: dict[str, str],
    own_redis: OwnRedis,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(outbox.JOBS, "hold", JobSpec("tests.queue.fixture_jobs.hold_once"))
    engine = app.extensions["loket.engine"]
    marker = tmp_path / "notes"
    outbox_id = promise(engine, "hold", marker=str(marker))
    assert outbox.dispatch(engine, Redis.from_url(own_redis.url), ids=[outbox_id]) == 1
    worker_log = tmp_path / "worker.log"
    worker = loket_process("worker", {**cli_env, "LOKET_REDIS_URL": own_redis.url}, worker_log)
    try:
        wait_for(lambda: marker.exists() and "start" in marker.read_text(), 30,
                 "the job to start")
        horse = int(marker.read_text().split()[1])
        assert horse != worker.pid
        os.kill(horse, signal.SIGKILL)
        wait_for(is_done(engine, outbox_id), 30, "the killed job to run again and finish")
        assert worker.poll() is None
    finally:
        stop_process(worker)
    notes = marker.read_text().splitlines()
    assert [n.split()[0] for n in notes] == ["start", "start", "finish"]
    row = row_of(engine, outbox_id)
    assert row.done_at is not None and row.attempts == 1  # RQ's retry, not a second dispatch
