"""The outbox: jobs promised in the data's own transaction, moved into RQ after commit.

A row's life: promised (`add`, in the transaction that stores the data), dispatched (its
job is in RQ), done (its job finished; `mark_done`, called by the worker). Rows are read and
marked in short transactions; Redis is called outside any transaction.

The reconciler (`reconcile`, every few seconds from `loket scheduler`) looks at every row not
yet done: it enqueues what was never dispatched, marks done what finished, and enqueues again
what failed, was abandoned (a worker killed mid-job) or is missing from Redis (lost in a
restart). Jobs are safe to run twice, so "again" is always safe. A row not done after
MAX_ATTEMPTS enqueues, or naming a job this version does not know, is given up: once, in
the error log (`outbox.gave_up`) and in its last error.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from redis import Redis
from redis.exceptions import LockError, RedisError
from redis.lock import Lock
from rq import Retry
from rq.exceptions import InvalidJobOperation
from rq.job import Job, JobStatus
from rq.queue import Queue
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func

from loket.queue.connection import QUEUE_NAMES, get_queue
from loket.store import outbox as store_rows
from loket.store.models import Outbox
from loket.store.outbox import Pending, forget_promises, mark_done, pending, promised_ids
from loket.store.types import utcnow

# The row functions live in the store; they are named here too, where the jobs are.
__all__ = [
    "JOBS",
    "JobSpec",
    "Reconciled",
    "add",
    "dispatch",
    "forget_promises",
    "job_id",
    "mark_done",
    "pending",
    "promised_ids",
    "reconcile",
    "requeue_wait",
]

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class JobSpec:
    """Where a job's function lives and the queue it runs on by default."""

    func: str
    queue: str = "default"


JOBS: dict[str, JobSpec] = {
    "contact_routed": JobSpec("loket.queue.jobs.contact_routed"),
    "send_message": JobSpec("loket.queue.jobs.send_message"),
    "schedule_callback": JobSpec("loket.queue.calls.schedule_callback", "callbacks"),
    "place_leg": JobSpec("loket.queue.calls.place_leg", "urgent"),
    "move_caller": JobSpec("loket.queue.calls.move_caller", "urgent"),
    "end_leg": JobSpec("loket.queue.calls.end_leg", "urgent"),
    "match_status": JobSpec("loket.queue.calls.match_status", "urgent"),
}
# RQ retries a failing job itself first; after that the reconciler enqueues it again,
# waiting longer each time, up to MAX_ATTEMPTS enqueues; then it gives the row up, saying so.
RETRY_INTERVALS_S = [2, 15, 60]
MAX_ATTEMPTS = 10
GAVE_UP = "gave up"  # how a given-up row's last error begins
REQUEUE_FIRST_WAIT_S = 30
REQUEUE_MAX_WAIT_S = 3600
FAILED = {JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED}
# A worker listening on several queues takes a job off its queue (LPOP) before it records
# the job as started: killed in between (SIGKILL, a machine lost), it leaves the job
# "queued" in no queue and no registry, where RQ never looks again. A row dispatched this
# long ago whose job is so, looked at twice, is enqueued again.
LOST_AFTER_S = 30
LOST_RECHECK_S = 0.2
# RQ's own retries wait in a queue's scheduled registry for RQ's scheduler, which runs in
# one worker's process tree under a lock: that worker killed, the lock lives on for a minute
# and the other workers try again only at their maintenance, ten minutes apart. A retry due
# this long ago is moved to its queue here (the one that removes it from the registry moves
# it, so RQ's scheduler and this never both do).
OVERDUE_S = 10
RESULT_TTL_S = 3600
FAILURE_TTL_S = 7 * 24 * 3600
# One reconciler pass at a time; the lock lapses this long after its last renewal (a page),
# so a pass whose worker was killed holds the next ones up for half a minute at most.
RECONCILE_LOCK = "loket:outbox:reconciling"
RECONCILE_LOCK_S = 30


def add(session: Session, job: str, *, urgent: bool = False, **ids: int | str) -> Outbox:
    """Promise a job in the current transaction; ids only, never personal data."""
    if job not in JOBS:
        raise ValueError(f"unknown job {job!r}")
    return store_rows.promise(
        session, job, {**ids, "_queue": "urgent" if urgent else JOBS[job].queue}
    )


def job_id(outbox_id: int) -> str:
    """Return the RQ job id of an outbox row (one per row, whatever the attempt)."""
    return f"outbox-{outbox_id}"


def _enqueue(redis: Redis, row: Pending) -> None:
    args = dict(row.args)
    queue = str(args.pop("_queue", JOBS[row.job].queue))
    get_queue(queue, redis).enqueue(
        JOBS[row.job].func,
        kwargs=args,
        job_id=job_id(row.id),
        meta={"outbox_id": row.id},
        retry=Retry(max=len(RETRY_INTERVALS_S), interval=RETRY_INTERVALS_S),
        result_ttl=RESULT_TTL_S,
        failure_ttl=FAILURE_TTL_S,
    )


def runnable(row: Pending) -> bool:
    """Tell whether this version can enqueue a row: its job and queue are known here (a row
    promised by another version, e.g. during a rolling upgrade, may name neither)."""
    spec = JOBS.get(row.job)
    return spec is not None and str(row.args.get("_queue", spec.queue)) in QUEUE_NAMES


def give_up(engine: Engine, row: Pending, why: str) -> None:
    """Stop trying a row: say so once in the error log (an operator's alert), and keep why
    in its last error, which the reconciler's later passes skip."""
    log.error("outbox.gave_up", outbox_id=row.id, job=row.job, attempts=row.attempts, why=why)
    store_rows.mark_dispatched(engine, [], refused=(row.id, f"{GAVE_UP}: {why}"))
    message_id = row.args.get("message_id")
    if row.job == "send_message" and isinstance(message_id, int):
        # The counsellor is told on the desk that their reply did not go ("not delivered").
        from loket.queue.jobs import mark_unsent

        mark_unsent(engine, message_id, why=GAVE_UP)


def _enqueue_all(engine: Engine, redis: Redis, rows: list[Pending]) -> int:
    """Enqueue rows outside any transaction, then mark them; stop at the first Redis error.

    A row this version cannot enqueue is given up (`give_up`): it never holds up the rows
    after it."""
    moved: list[int] = []
    for row in rows:
        if not runnable(row):
            give_up(engine, row, "unknown job or queue")
            continue
        try:
            _enqueue(redis, row)
        except RedisError as exc:
            log.warning("outbox.redis_unavailable", outbox_id=row.id, error=type(exc).__name__)
            store_rows.mark_dispatched(engine, moved, refused=(row.id, type(exc).__name__))
            return len(moved)
        moved.append(row.id)
    store_rows.mark_dispatched(engine, moved)
    return len(moved)


def dispatch(
    engine: Engine,
    redis: Redis | None,
    *,
    ids: list[int] | None = None,
    older_than_s: float = 0,
    limit: int = 500,
) -> int:
    """Move undispatched rows into RQ; stop quietly when Redis is away. Return how many moved."""
    if redis is None:
        return 0
    created_before = utcnow() - timedelta(seconds=older_than_s) if older_than_s else None
    rows = store_rows.read(
        engine,
        store_rows.unfinished(
            ids=ids,
            undispatched=True,
            created_before=created_before,
            limit=limit,
        ),
    )
    return _enqueue_all(engine, redis, rows) if rows else 0


def requeue_wait(attempts: int) -> timedelta:
    """How long a failed job waits before the reconciler enqueues it again."""
    wait = REQUEUE_FIRST_WAIT_S * 2 ** max(0, attempts - 1)
    return timedelta(seconds=min(wait, REQUEUE_MAX_WAIT_S))


@dataclass(frozen=True)
class Reconciled:
    """What one reconciler pass did."""

    enqueued: int = 0  # never dispatched, or missing from Redis, or failed: now in RQ again
    done: int = 0  # finished in RQ, marked done here
    waiting: int = 0  # failed, enqueued again once their wait is over

    @property
    def moved(self) -> int:
        """Rows put into RQ by this pass."""
        return self.enqueued


def enqueue_overdue(queue: Queue, redis: Redis) -> int:
    """Move RQ's retries due more than OVERDUE_S ago to their queue; return how many."""
    registry = queue.scheduled_job_registry
    moved = 0
    for job_id in registry.get_jobs_to_schedule(int(time.time() - OVERDUE_S)):
        if not redis.zrem(registry.key, job_id):
            continue  # RQ's scheduler took it meanwhile
        job = Job.fetch_many([job_id], connection=redis)[0]
        if job is not None:
            queue.enqueue_job(job)
            moved += 1
    return moved


def take_lost(redis: Redis, suspects: list[tuple[Pending, Job]], now: datetime) -> list[Pending]:
    """Return the rows whose queued job a worker took off its queue and died before starting:
    dispatched long ago, in no queue, and still so a moment later (a live worker records the
    start within milliseconds of taking it). Their jobs are deleted, to be enqueued again.

    Each queue is read once (one LRANGE), however many rows are looked at."""
    old = [(row, job) for row, job in suspects if row.dispatched_at is not None
           and now - row.dispatched_at >= timedelta(seconds=LOST_AFTER_S)]
    if not old:
        return []
    keys = {job.origin: get_queue(job.origin, redis).key for _, job in old}
    queued = {origin: {i.decode() if isinstance(i, bytes) else i
                       for i in redis.lrange(key, 0, -1)} for origin, key in keys.items()}
    absent = [(row, job) for row, job in old if job.id not in queued[job.origin]]
    if not absent:
        return []
    time.sleep(LOST_RECHECK_S)
    lost = []
    for row, job in absent:
        try:
            still = job.get_status(refresh=True) == JobStatus.QUEUED
        except InvalidJobOperation:  # Redis lost it meanwhile: the next pass enqueues it
            continue
        if still and redis.lpos(keys[job.origin], job.id) is None:
            log.warning("outbox.job_lost", outbox_id=row.id, job=row.job)
            job.delete()
            lost.append(row)
    return lost


def reconcile(engine: Engine, redis: Redis, *, grace_s: float = 5, limit: int = 500) -> Reconciled:
    """Bring every row not yet done to RQ or to done; raise RedisError when Redis is away.

    One pass at a time (a lock in Redis): two schedulers each enqueue this job, and two
    passes at once would each enqueue the same rows, putting a job twice in its queue for
    two workers to run at once. A pass that finds the lock held does nothing; the lock
    lapses on its own should its holder be killed."""
    lock = redis.lock(RECONCILE_LOCK, timeout=RECONCILE_LOCK_S, blocking=False)
    if not lock.acquire():
        log.info("outbox.reconcile_busy")
        return Reconciled()
    try:
        return _reconcile(engine, redis, lock, grace_s=grace_s, limit=limit)
    finally:
        try:
            lock.release()
        except LockError:
            log.warning("outbox.reconcile_lock_lapsed")


def _reconcile(engine: Engine, redis: Redis, lock: Lock, *, grace_s: float, limit: int
               ) -> Reconciled:
    """Reconcile every row not yet done, `limit` at a time, oldest first, until all have
    been looked at: rows that wait (failed jobs in their wait, jobs queued behind a
    backlog) never hide the newer rows behind them, such as a crisis's job whose request
    could not reach Redis. The lock is renewed for each page."""
    overdue = 0
    for name in QUEUE_NAMES:
        queue = get_queue(name, redis)
        # A job whose worker died mid-job (abandoned) is failed, or retried, by RQ here.
        queue.started_job_registry.cleanup()
        overdue += enqueue_overdue(queue, redis)
    if overdue:
        log.warning("outbox.retries_overdue", jobs=overdue)
    now = utcnow()
    query = store_rows.unfinished(
        created_before=now - timedelta(seconds=grace_s), limit=limit
    ).where(func.coalesce(col(Outbox.last_error), "").not_like(f"{GAVE_UP}%"))
    total = Reconciled()
    after = 0
    while True:
        rows = store_rows.read(engine, query.where(col(Outbox.id) > after))
        if rows:
            done = _reconcile_rows(engine, redis, rows, now)
            total = Reconciled(enqueued=total.enqueued + done.enqueued,
                               done=total.done + done.done,
                               waiting=total.waiting + done.waiting)
        if len(rows) < limit:
            return total
        after = rows[-1].id
        try:
            lock.reacquire()
        except LockError:  # lapsed: another pass may run now; leave the rest to it
            return total


def _reconcile_rows(engine: Engine, redis: Redis, rows: list[Pending], now: datetime
                    ) -> Reconciled:
    """Reconcile one page of rows with RQ: enqueue, mark done, or leave waiting."""
    dispatched = [r for r in rows if r.dispatched_at is not None]
    jobs = Job.fetch_many([job_id(r.id) for r in dispatched], connection=redis)
    to_enqueue = [r for r in rows if r.dispatched_at is None]
    finished: list[int] = []
    queued: list[tuple[Pending, Job]] = []
    waiting = 0
    for row, job in zip(dispatched, jobs, strict=True):
        status = job.get_status(refresh=False) if job is not None else None
        if status == JobStatus.FINISHED:
            finished.append(row.id)
        elif job is None:
            log.warning("outbox.job_missing", outbox_id=row.id, job=row.job)
            to_enqueue.append(row)
        elif status == JobStatus.QUEUED:
            queued.append((row, job))
        elif status in FAILED:
            assert row.dispatched_at is not None  # noqa: S101 - filtered above
            if now - row.dispatched_at < requeue_wait(row.attempts):
                waiting += 1
                continue
            if row.attempts >= MAX_ATTEMPTS:  # its failure stays in RQ's failed registry
                give_up(engine, row, f"failed {row.attempts} times")
                continue
            log.warning("outbox.job_failed", outbox_id=row.id, job=row.job, attempts=row.attempts)
            if row.attempts + 1 >= MAX_ATTEMPTS:
                log.error("outbox.last_attempt", outbox_id=row.id, job=row.job)
            job.delete()
            to_enqueue.append(row)
    to_enqueue += take_lost(redis, queued, now)
    for row in [r for r in to_enqueue if r.attempts >= MAX_ATTEMPTS]:
        give_up(engine, row, f"lost after {row.attempts} attempts")
    to_enqueue = [r for r in to_enqueue if r.attempts < MAX_ATTEMPTS]
    for outbox_id in finished:
        store_rows.mark_done(engine, outbox_id)
    to_enqueue.sort(key=lambda r: r.id)
    enqueued = _enqueue_all(engine, redis, to_enqueue) if to_enqueue else 0
    return Reconciled(enqueued=enqueued, done=len(finished), waiting=waiting)
