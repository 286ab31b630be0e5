"""The outbox table: jobs promised in the data's own transaction, and their state.

Rows only; moving them into RQ and reconciling them with it is `loket.queue.outbox`.
A row's life: promised (in the transaction that stores the data), dispatched (its job is in
RQ), done (its job finished). Rows are read and marked in short transactions of their own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select, update

from loket.store.db import read_scope, session_scope
from loket.store.models import Outbox
from loket.store.types import utcnow

PROMISED = "loket.outbox.promised"


def promise(session: Session, job: str, args: dict[str, int | str]) -> Outbox:
    """Store a promised job in the current transaction (ids only, never personal data)."""
    row = Outbox(job=job, args=args)
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


@dataclass(frozen=True)
class Pending:
    """What the drain needs of a row, read in a short transaction."""

    id: int
    job: str
    args: dict[str, int | str]
    dispatched_at: datetime | None
    attempts: int


def read(engine: Engine, query: Any) -> list[Pending]:
    """Run a SELECT of outbox rows in a short read-only transaction."""
    with read_scope(engine) as session:
        return [
            Pending(r.id, r.job, dict(r.args), r.dispatched_at, r.attempts)
            for r in session.exec(query)
            if r.id is not None
        ]


def unfinished(
    *,
    ids: Sequence[int] | None = None,
    undispatched: bool = False,
    created_before: datetime | None = None,
    max_attempts: int | None = None,
    limit: int = 500,
) -> Any:
    """Return the SELECT of rows not done yet (optionally: these ids, never dispatched,
    created before a time, fewer attempts than a maximum), oldest first."""
    query = select(Outbox).where(col(Outbox.done_at).is_(None))
    if undispatched:
        query = query.where(col(Outbox.dispatched_at).is_(None))
    if ids is not None:
        query = query.where(col(Outbox.id).in_(ids))
    if created_before is not None:
        query = query.where(Outbox.created_at <= created_before)
    if max_attempts is not None:
        query = query.where(Outbox.attempts < max_attempts)
    return query.order_by(col(Outbox.id)).limit(limit)


def mark_dispatched(
    engine: Engine, moved: Sequence[int], *, refused: tuple[int, str] | None = None
) -> None:
    """Record that these rows' jobs are in RQ, and why the next one (`refused`) is not."""
    with session_scope(engine) as session:
        if moved:
            session.exec(  # type: ignore[call-overload]
                update(Outbox)
                .where(col(Outbox.id).in_(moved))
                .values(dispatched_at=utcnow(), attempts=Outbox.attempts + 1, last_error=None)
            )
        if refused is not None:
            outbox_id, error = refused
            session.exec(  # type: ignore[call-overload]
                update(Outbox).where(col(Outbox.id) == outbox_id).values(last_error=error)
            )


def mark_done(engine: Engine, outbox_id: int) -> bool:
    """Record that a row's job finished; True the first time, False when it was already done."""
    with session_scope(engine) as session:
        result = session.exec(  # type: ignore[call-overload]
            update(Outbox)
            .where(col(Outbox.id) == outbox_id, col(Outbox.done_at).is_(None))
            .values(done_at=utcnow())
        )
        return bool(result.rowcount)


def pending(session: Session) -> int:
    """Count rows whose job has not finished yet."""
    return len(session.exec(select(Outbox.id).where(col(Outbox.done_at).is_(None))).all())
