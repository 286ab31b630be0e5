"""The managers' figures for a range of Amsterdam days: contacts and callbacks, counted in SQL.

A contact counts on the day it reached Loket (`Contact.created_at`). With a desk, only the
contacts that desk owns (`Contact.desk`) or that its queue served (`Contact.queue`) count.
The counts are exact and unsuppressed: `suppression.suppress_counts` hides small ones on
output. No personal field is read.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, func, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from loket.reports.periods import day_bounds
from loket.routing.values import CHANNELS, DESKS, QUEUES
from loket.store.models import OUTCOMES, CallbackRequest, Contact, ContactFlag

# The key under which contacts not (yet) given a desk or a queue are counted.
NONE_KEY = "none"


def in_range(start: date, end: date, desk: str | None) -> ColumnElement[bool]:
    """Return the condition on `contact` for the Amsterdam days `start`..`end` and a desk."""
    since, until = day_bounds(start, end)
    condition = and_(col(Contact.created_at) >= since, col(Contact.created_at) < until)
    if desk is not None:
        condition = and_(condition, or_(col(Contact.desk) == desk, col(Contact.queue) == desk))
    return condition


def has_flag(flag: str) -> ColumnElement[bool]:
    """Return the condition that a contact carries a routing flag (a `contact_flag` row)."""
    return exists().where(col(ContactFlag.contact_id) == col(Contact.id),
                          col(ContactFlag.flag) == flag)


def zeros(keys: Iterable[str]) -> dict[str, int]:
    """Return a count of 0 for every key, in order."""
    return dict.fromkeys(keys, 0)


def figures(session: Session, start: date, end: date, desk: str | None = None) -> dict[str, Any]:
    """Return the figures of the contacts that reached Loket on Amsterdam days `start` to
    `end` (both included), of one desk or all: DESIGN.md's "Reports" shape, exact counts.

    `contacts`: total, by_channel, by_desk (owner), by_queue (served), by_outcome (closed
    ones; `open` for the rest), crisis, overflow (the `overflow` flag), pooled (the `pooled`
    flag or queue `pool`). `callbacks`: those asked for by these contacts.
    """
    where = in_range(start, end, desk)
    contacts = _contacts(session, where)
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "desk": desk,
        "contacts": contacts,
        "callbacks": _callbacks(session, where),
    }


def _contacts(session: Session, where: ColumnElement[bool]) -> dict[str, Any]:
    """Count the contacts matching `where` by channel, desk, queue, outcome, and flags."""
    by_channel, by_desk = zeros(CHANNELS), zeros(DESKS)
    by_queue, by_outcome = zeros(QUEUES), {**zeros(OUTCOMES), "open": 0}
    total = crisis = 0
    # One grouped query: a row per combination present (a few dozen), never per contact.
    rows = session.execute(
        sa_select(col(Contact.channel), col(Contact.desk), col(Contact.queue),
                  col(Contact.outcome), col(Contact.crisis), func.count())
        .where(where)
        .group_by(col(Contact.channel), col(Contact.desk), col(Contact.queue),
                  col(Contact.outcome), col(Contact.crisis))
    ).all()
    for channel, owner, queue, outcome, is_crisis, n in rows:
        total += n
        crisis += n if is_crisis else 0
        by_channel[channel] = by_channel.get(channel, 0) + n
        by_desk[owner or NONE_KEY] = by_desk.get(owner or NONE_KEY, 0) + n
        by_queue[queue or NONE_KEY] = by_queue.get(queue or NONE_KEY, 0) + n
        by_outcome[outcome or "open"] = by_outcome.get(outcome or "open", 0) + n
    flagged = session.exec(
        select(
            func.coalesce(func.sum(case((has_flag("overflow"), 1), else_=0)), 0),
            func.coalesce(func.sum(case(
                (or_(col(Contact.queue) == "pool", has_flag("pooled")), 1), else_=0)), 0),
        ).where(where)
    ).one()
    return {
        "total": total,
        "by_channel": by_channel,
        "by_desk": by_desk,
        "by_queue": by_queue,
        "by_outcome": by_outcome,
        "crisis": crisis,
        "overflow": int(flagged[0]),
        "pooled": int(flagged[1]),
    }


def _callbacks(session: Session, where: ColumnElement[bool]) -> dict[str, Any]:
    """Count the callbacks of the contacts matching `where`.

    requested: all; reached: the last attempt reached the person; in_window: reached no
    later than the window's end (the attempt's end is the callback's last update);
    unreachable: not reached after every attempt; missed: its window passed unserved;
    attempts: the calls placed in all; reached_by_attempts: the reached ones by the
    attempts they took (1, 2, 3 and more as "3+").
    """
    reached = col(CallbackRequest.last_outcome) == "reached"
    joined = col(CallbackRequest.contact_id) == col(Contact.id)
    row = session.execute(
        sa_select(
            func.count(),
            func.coalesce(func.sum(case((reached, 1), else_=0)), 0),
            func.coalesce(func.sum(case(
                (and_(reached, col(CallbackRequest.updated_at) <= col(CallbackRequest.window_end)),
                 1), else_=0)), 0),
            func.coalesce(func.sum(case((col(CallbackRequest.status) == "unreachable", 1),
                                        else_=0)), 0),
            func.coalesce(func.sum(case((col(CallbackRequest.status) == "missed", 1),
                                        else_=0)), 0),
            func.coalesce(func.sum(CallbackRequest.attempts), 0),
        ).where(joined, where)
    ).one()
    by_attempts = {"1": 0, "2": 0, "3+": 0}
    tries = session.exec(
        select(CallbackRequest.attempts, func.count()).where(joined, where, reached)
        .group_by(col(CallbackRequest.attempts))
    ).all()
    for attempts, n in tries:
        key = "3+" if attempts >= 3 else str(max(attempts, 1))
        by_attempts[key] += n
    return {
        "requested": int(row[0]),
        "reached": int(row[1]),
        "in_window": int(row[2]),
        "unreachable": int(row[3]),
        "missed": int(row[4]),
        "attempts": int(row[5]),
        "reached_by_attempts": by_attempts,
    }
