"""The outbox: jobs promised in the data's own transaction, moved into RQ after commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import structlog
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from loket.queue.connection import get_queue
from loket.store.db import session_scope
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


def _enqueue(redis: Redis, row: Outbox) -> None:
    args = dict(row.args)
    queue = str(args.pop("_queue", JOBS[row.job].queue))
    get_queue(queue, redis).enqueue(
        JOBS[row.job].func,
        kwargs=args,
        job_id=f"outbox-{row.id}",
        result_ttl=3600,
        failure_ttl=7 * 24 * 3600,
    )


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
    moved = 0
    with session_scope(engine) as session:
        query = select(Outbox).where(col(Outbox.dispatched_at).is_(None))
        if ids is not None:
            query = query.where(col(Outbox.id).in_(ids))
        if older_than_s:
            query = query.where(Outbox.created_at <= utcnow() - timedelta(seconds=older_than_s))
        for row in session.exec(query.order_by(col(Outbox.id)).limit(limit)):
            try:
                _enqueue(redis, row)
            except RedisError as exc:
                row.attempts += 1
                row.last_error = type(exc).__name__
                log.warning("outbox.redis_unavailable", outbox_id=row.id, error=type(exc).__name__)
                break
            row.dispatched_at = utcnow()
            moved += 1
    return moved


def pending(session: Session) -> int:
    """Count rows not yet moved into RQ."""
    return len(session.exec(select(Outbox.id).where(col(Outbox.dispatched_at).is_(None))).all())
