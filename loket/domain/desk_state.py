"""The live state of a desk for its manager: counts and waits only, never a person's details."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, func, select

from loket.domain import contacts
from loket.domain.callbacks import AMSTERDAM
from loket.domain.workspace import OPEN, availability_now, callback_is_due
from loket.store.models import Contact, User
from loket.store.types import utcnow


@dataclass
class QueueState:
    """One queue right now."""

    queue: str
    waiting: int = 0
    longest_wait_s: int = 0
    crisis_waiting: int = 0
    in_progress: int = 0


@dataclass
class DeskState:
    """A desk and the pool right now, and today's overflow both ways."""

    desk: str
    queues: list[QueueState]
    counsellors: dict[str, int] = field(default_factory=dict)
    overflow_out: int = 0  # this desk's contacts served by another queue today
    overflow_in: int = 0  # other desks' contacts served by this desk's queue today


def start_of_today(now: datetime) -> datetime:
    """Return midnight of today in Amsterdam, as an aware time."""
    local = now.astimezone(AMSTERDAM)
    return datetime.combine(local.date(), time(0), tzinfo=AMSTERDAM)


def live(*, session: Session, desk: str, now: datetime | None = None) -> DeskState:
    """Return the live state of a desk (and the pool, for the police and veterans desks)."""
    now = now or utcnow()
    names = [desk, "pool"] if desk in ("police", "veterans") else [desk]
    queues = {name: QueueState(name) for name in names}
    rows = session.execute(
        sa_select(col(Contact.queue), col(Contact.status), col(Contact.crisis),
                  col(Contact.routed_at), col(Contact.created_at))
        # What the counsellors' queue holds: a callback's contact only once it is due (one
        # planned for later, or on the unreachable list, is waiting for nobody yet).
        .where(col(Contact.queue).in_(names), col(Contact.status).in_(OPEN),
               callback_is_due())
    ).all()
    for row in rows:
        state = queues[str(row.queue)]
        if row.status == "in_progress":
            state.in_progress += 1
            continue
        state.waiting += 1
        state.crisis_waiting += int(bool(row.crisis))
        state.longest_wait_s = max(state.longest_wait_s, contacts.waited_s(row, now))
    counsellors = {"available": 0, "busy": 0, "wrap-up": 0, "away": 0}
    for user in session.exec(
        select(User).where(User.role == "counsellor", User.desk == desk, col(User.active))
    ).all():
        counsellors[availability_now(user, now)] += 1
    today = start_of_today(now)
    # An overflow as its routing decided it (`Contact.overflow_direction`, as the reports
    # count it): a transfer since moved its desk and queue, not its direction. The pool
    # (nights and weekends, served by both pooled desks) is no other desk: no overflow.
    direction = col(Contact.overflow_direction)
    out_count = session.exec(
        select(func.count()).select_from(Contact).where(
            direction.startswith(f"{desk}>", autoescape=True), Contact.created_at >= today,
        )
    ).one()
    in_count = session.exec(
        select(func.count()).select_from(Contact).where(
            direction.endswith(f">{desk}", autoescape=True), Contact.created_at >= today,
        )
    ).one()
    return DeskState(desk=desk, queues=list(queues.values()), counsellors=counsellors,
                     overflow_out=int(out_count), overflow_in=int(in_count))
