"""The outbox: jobs promised in the data's own transaction, moved into RQ after commit.

A row's life: promised (`add`, in the transaction that stores the data), dispatched (its
job is in RQ), done (its job finished; `mark_done`, called by the worker). Rows are read and
marked in short transactions; Redis is called outside any transaction.

The reconciler (`reconcile`, every few seconds from `loket scheduler`) looks at every row not
yet done: it enqueues what was never dispatched, marks done what finished, and enqueues again
what failed, was abandoned (a worker killed mid-job) or is missing from Redis (lost in a
restart). Jobs are safe to run twice, so "again" is always safe.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from redis import Redis
from redis.exceptions import RedisError
from rq import Retry
from rq.job import Job, JobStatus
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select, update

from loket.queue.connection import QUEUE_NAMES, get_queue
from loket.store.db import read_scope, session_scope
from loket.store.models import Outbox
from loket.store.types import utcnow

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class JobSpec:
    """Where a job's function lives and the queue it runs on by default."""

    func: str
    queue: str = "default"


PROMISED = "loket.outbox.promised"
JOBS: dict[str, JobSpec] = {
    "contact_routed": JobSpec("loket.queue.jobs.contact_routed"),
    "send_message": JobSpec("loket.queue.jobs.send_message"),
    "schedule_callback": JobSpec("loket.queue.jobs.schedule_callback", "callbacks"),
}
# RQ retries a failing job itself first; after that the reconciler enqueues it again,
# waiting longer each time, up to MAX_ATTEMPTS enqueues.
RETRY_INTERVALS_S = [2, 15, 60]
MAX_ATTEMPTS = 10
REQUEUE_FIRST_WAIT_S = 30
REQUEUE_MAX_WAIT_S = 3600
FAILED = {JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED}
RESULT_TTL_S = 3600
FAILURE_TTL_S = 7 * 24 * 3600


def add(session: Session, job: str, *, urgent: bool = False, **ids: int | str) -> Outbox:
    """Promise a job in the current transaction; ids only, never personal data."""
    if job not in JOBS:
        raise ValueError(f"unknown job {job!r}")
    row = Outbox(job=job, args={**ids, "_queue": "urgent" if urgent else JOBS[job].queue})
    session.add(row)
    # Keep a strong reference: the identity map holds rows weakly, and the request drains
    # exactly the rows it promised once it has committed.
    session.info.setdefault(PROMISED, []).append(row)
    return row


def promised_ids(session: Session) -> list[int]:
    """Flush, then return and forget the ids of the rows this session promised."""
    rows: list[Outbox] = session.info.pop(PROMISED, [])
    if rows:
        session.flush()
    return sorted({row.id for row in rows if row.id is not None and row.dispatched_at is None})


def forget_promises(session: Session) -> None:
    """Forget the promised rows (after a rollback they were never stored)."""
    session.info.pop(PROMISED, None)


def job_id(outbox_id: int) -> str:
    """Return the RQ job id of an outbox row (one per row, whatever the attempt)."""
    return f"outbox-{outbox_id}"


@dataclass(frozen=True)
class Pending:
    """What the drain needs of a row, read in a short transaction."""

    id: int
    job: str
    args: dict[str, int | str]
    dispatched_at: datetime | None
    attempts: int


def _read(engine: Engine, query: object) -> list[Pending]:
    with read_scope(engine) as session:
        return [
            Pending(r.id, r.job, dict(r.args), r.dispatched_at, r.attempts)
            for r in session.exec(query)  # type: ignore[call-overload]
            if r.id is not None
        ]


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


def _enqueue_all(engine: Engine, redis: Redis, rows: list[Pending]) -> int:
    """Enqueue rows outside any transaction, then mark them; stop at the first Redis error."""
    moved: list[int] = []
    error: RedisError | None = None
    for row in rows:
        try:
            _enqueue(redis, row)
        except RedisError as exc:
            error = exc
            log.warning("outbox.redis_unavailable", outbox_id=row.id, error=type(exc).__name__)
            break
        moved.append(row.id)
    with session_scope(engine) as session:
        if moved:
            session.exec(  # type: ignore[call-overload]
                update(Outbox)
                .where(col(Outbox.id).in_(moved))
                .values(dispatched_at=utcnow(), attempts=Outbox.attempts + 1, last_error=None)
            )
        if error is not None:
            session.exec(  # type: ignore[call-overload]
                update(Outbox)
                .where(col(Outbox.id) == rows[len(moved)].id)
                .values(last_error=type(error).__name__)
            )
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
    query = select(Outbox).where(col(Outbox.dispatched_at).is_(None))
    if ids is not None:
        query = query.where(col(Outbox.id).in_(ids))
    if older_than_s:
        query = query.where(Outbox.created_at <= utcnow() - timedelta(seconds=older_than_s))
    rows = _read(engine, query.order_by(col(Outbox.id)).limit(limit))
    return _enqueue_all(engine, redis, rows) if rows else 0


def mark_done(engine: Engine, outbox_id: int) -> bool:
    """Record that a row's job finished; True the first time, False when it was already done."""
    with session_scope(engine) as session:
        result = session.exec(  # type: ignore[call-overload]
            update(Outbox)
            .where(col(Outbox.id) == outbox_id, col(Outbox.done_at).is_(None))
            .values(done_at=utcnow())
        )
        return bool(result.rowcount)


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


def reconcile(engine: Engine, redis: Redis, *, grace_s: float = 5, limit: int = 500) -> Reconciled:
    """Bring every row not yet done to RQ or to done; raise RedisError when Redis is away."""
    for name in QUEUE_NAMES:
        # A job whose worker died mid-job (abandoned) is failed, or retried, by RQ here.
        get_queue(name, redis).started_job_registry.cleanup()
    now = utcnow()
    rows = _read(
        engine,
        select(Outbox)
        .where(col(Outbox.done_at).is_(None), Outbox.attempts < MAX_ATTEMPTS)
        .where(Outbox.created_at <= now - timedelta(seconds=grace_s))
        .order_by(col(Outbox.id))
        .limit(limit),
    )
    dispatched = [r for r in rows if r.dispatched_at is not None]
    jobs = Job.fetch_many([job_id(r.id) for r in dispatched], connection=redis)
    to_enqueue = [r for r in rows if r.dispatched_at is None]
    finished: list[int] = []
    waiting = 0
    for row, job in zip(dispatched, jobs, strict=True):
        status = job.get_status(refresh=False) if job is not None else None
        if status == JobStatus.FINISHED:
            finished.append(row.id)
        elif job is None:
            log.warning("outbox.job_missing", outbox_id=row.id, job=row.job)
            to_enqueue.append(row)
        elif status in FAILED:
            assert row.dispatched_at is not None  # noqa: S101 - filtered above
            if now - row.dispatched_at < requeue_wait(row.attempts):
                waiting += 1
                continue
            log.warning("outbox.job_failed", outbox_id=row.id, job=row.job, attempts=row.attempts)
            if row.attempts + 1 >= MAX_ATTEMPTS:
                log.error("outbox.last_attempt", outbox_id=row.id, job=row.job)
            job.delete()
            to_enqueue.append(row)
    for outbox_id in finished:
        mark_done(engine, outbox_id)
    to_enqueue.sort(key=lambda r: r.id)
    enqueued = _enqueue_all(engine, redis, to_enqueue) if to_enqueue else 0
    return Reconciled(enqueued=enqueued, done=len(finished), waiting=waiting)


def pending(session: Session) -> int:
    """Count rows whose job has not finished yet."""
    return len(session.exec(select(Outbox.id).where(col(Outbox.done_at).is_(None))).all())
