"""The RQ worker of an app: jobs run in its context, outbox rows end done when their job does.

One worker class (redash's pattern) instead of app-context boilerplate in each job:
`AppWorker` pushes the app's context around every job, gives a forked work horse its own
database connections, and marks the job's outbox row done when the job finishes.
`run_worker` keeps a worker going through Redis stalls and restarts.
"""

from __future__ import annotations

import os
import signal
import socket
import time
from types import FrameType
from typing import Any

import structlog
from flask import Flask
from redis import Redis
from redis.exceptions import RedisError
from rq import SimpleWorker, Worker
from rq.exceptions import StopRequested
from rq.executions import Execution
from rq.job import Job
from rq.queue import Queue
from rq.registry import StartedJobRegistry

from loket.queue import outbox
from loket.queue.connection import PROCESS_TIMEOUT_S, QUEUE_NAMES, get_queue
from loket.queue.resilience import Backoff, wait_for_redis
from loket.store.db import get_engine

log = structlog.get_logger(__name__)
STEADY_S = 60.0  # a worker that ran this long starts its next restart from the shortest wait
SCHEDULER_STOP_S = 5.0  # RQ's scheduler process gets this long to stop, then it is killed


class AppJobs:
    """What both worker classes add to RQ's: the app's context and the outbox's done mark."""

    app: Flask
    connection: Redis  # RQ's worker's
    stop_asked: bool = False

    def __init__(self, *args: Any, app: Flask | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if app is None:  # `rq worker --worker-class loket.queue.worker.AppWorker`
            from loket.app import create_app

            app = create_app()
        self.app = app

    def stop_scheduler(self) -> None:
        """Stop RQ's scheduler process within `SCHEDULER_STOP_S`: RQ waits for it without a
        bound, and one stuck on a Redis that does not answer kept the worker from stopping
        (a SIGTERM during a Redis stall left it running). Its jobs are in Redis; the next
        worker's scheduler takes them on."""
        process = getattr(getattr(self, "scheduler", None), "_process", None)
        if process is None or not process.pid:
            return
        try:
            os.kill(process.pid, signal.SIGTERM)
        except OSError:
            pass
        process.join(SCHEDULER_STOP_S)
        if process.is_alive():
            log.warning("worker.scheduler_killed", pid=process.pid, after_s=SCHEDULER_STOP_S)
            process.kill()
            process.join(SCHEDULER_STOP_S)

    def register_death(self) -> None:
        """Say goodbye in Redis with the process's short timeout: RQ lengthens its client's
        socket timeout to outlast a blocking dequeue (minutes), and a worker told to stop
        while Redis stalled waited that long here."""
        pool = self.connection.connection_pool
        kwargs = {**pool.connection_kwargs, "socket_timeout": PROCESS_TIMEOUT_S}
        self.connection.connection_pool = type(pool)(  # a pool of short-timeout connections
            connection_class=pool.connection_class, **kwargs)
        pool.disconnect(inuse_connections=False)  # the pubsub thread's own stays
        super().register_death()  # type: ignore[misc]

    def handle_warm_shutdown_request(self) -> None:
        """Remember that a stop was asked for (SIGTERM, Ctrl-C): `run_worker` ends then."""
        self.stop_asked = True
        super().handle_warm_shutdown_request()  # type: ignore[misc]

    def perform_job(self, job: Job, queue: Queue, execution: Execution) -> bool:
        """Run a job inside the app's context; a work horse first drops inherited connections."""
        if os.getpid() != self.pid:  # type: ignore[attr-defined]
            # A forked work horse must not share the parent's pooled database connections.
            get_engine(self.app).dispose(close=False)
        with self.app.app_context():
            done: bool = super().perform_job(job, queue, execution)  # type: ignore[misc]
            return done

    def handle_job_success(
        self,
        job: Job,
        queue: Queue,
        started_job_registry: StartedJobRegistry,
        execution: Execution,
    ) -> None:
        """Mark the job's outbox row done, then let RQ record the success.

        Should the database refuse, the reconciler marks it from the job's finished state.
        """
        outbox_id = job.meta.get("outbox_id")
        if isinstance(outbox_id, int):
            try:
                outbox.mark_done(get_engine(self.app), outbox_id)
            except Exception:  # noqa: BLE001 - RQ's record of the success still counts
                log.warning("outbox.mark_done_failed", outbox_id=outbox_id)
        super().handle_job_success(job, queue, started_job_registry, execution)  # type: ignore[misc]


class AppWorker(AppJobs, Worker):
    """A forking RQ worker whose jobs run in the app's context."""


class SimpleAppWorker(AppJobs, SimpleWorker):
    """The same, running jobs in its own process (tests, a debugger)."""


def queues(redis: Redis) -> list[Queue]:
    """Return Loket's queues, urgent first."""
    return [get_queue(name, redis) for name in QUEUE_NAMES]


def run_worker(app: Flask, redis: Redis, *, burst: bool = False) -> None:
    """Work the queues; when Redis stalls or restarts, wait for it with backoff and go on.

    RQ's worker ends its loop on most Redis errors; this loop starts a fresh one once Redis
    answers, however long that takes. A stop request (SIGTERM, Ctrl-C) ends it.
    """
    backoff = Backoff()
    name = f"loket-{socket.gethostname()}-{os.getpid()}"
    generation = 0
    stop_now_on_signal()  # until RQ puts in its own handlers, after its start in Redis
    while True:
        generation += 1
        started = time.monotonic()
        worker: AppWorker | None = None
        error: RedisError | None = None
        try:
            # RQ's worker names itself in Redis as it is made: Redis may be away already.
            worker = AppWorker(queues(redis), connection=redis, app=app,
                               name=f"{name}-{generation}")
            worker.work(burst=burst, with_scheduler=True, logging_level="INFO")
        except RedisError as exc:
            if worker is None and burst:
                raise  # a burst is asked for once: no Redis, no work done, said as an error
            error = exc
        except StopRequested:
            if worker is not None:
                worker.stop_scheduler()  # it may have started before the stop came
            return
        if burst or (worker is not None and worker.stop_asked):
            if error is not None:  # Redis failed as it said goodbye: stopped all the same
                log.info("worker.stopped", redis_error=type(error).__name__)
            return
        if time.monotonic() - started > STEADY_S:
            backoff.reset()
        stop_now_on_signal()  # RQ's handlers were the ended worker's, until the next starts
        try:
            if error is None:
                error = redis_error(redis)
            if error is not None:
                wait_for_redis(redis, process="worker", error=error, backoff=backoff)
            else:
                wait = backoff.next_wait()
                log.warning("worker.restarting", generation=generation, wait_s=round(wait, 2))
                time.sleep(wait)
        except StopRequested:
            return


def redis_error(redis: Redis) -> RedisError | None:
    """Return the error Redis answers with now, or None when it answers."""
    try:
        redis.ping()
    except RedisError as exc:
        return exc
    return None


def _stop(_signum: int, _frame: FrameType | None) -> None:
    raise StopRequested()


def stop_now_on_signal() -> None:
    """Make SIGTERM and Ctrl-C stop the process at once (`StopRequested`) while no RQ worker
    has its own handlers in: before one has registered itself and started its scheduler in
    Redis (a SIGTERM while a stalled Redis held it there killed the process, status -15), and
    between RQ's loops."""
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, _stop)
