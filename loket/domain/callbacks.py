"""Callbacks: a promise to call someone back within a window they chose."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement
from sqlalchemy import exists as sa_exists
from sqlalchemy.orm import Mapped, aliased
from sqlmodel import Session, col, select

from loket.config import E164
from loket.domain import inbound
from loket.queue import outbox
from loket.store.models import CallbackRequest, Contact
from loket.store.types import utcnow

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
CALLBACK_WINDOWS = ("asap", "evening", "tomorrow")
SHORTEST_EVENING = timedelta(minutes=30)  # less of this evening left: tomorrow evening
NIGHT_ENDS = 6  # before 06:00 in Amsterdam "tomorrow morning" is the coming morning
# A callback still to be made: on the clock, due, or being called.
STILL_TO_MAKE = ("pending", "due", "calling")
# A callback that failed: every attempt unanswered, or its window passed (the manager's list).
FAILED = ("unreachable", "missed")


def callback_window(window: str, at: datetime) -> tuple[datetime, datetime]:
    """Return the start and end of a callback window, in UTC, as seen in Amsterdam.

    `evening` is 18:00-21:00, from now on if it has begun; with less than half an hour
    of it left it is tomorrow evening. `tomorrow` is 09:00-12:00 of the next day, but asked
    in the night (before 06:00) it is the coming morning: the day the person wakes up to.
    """
    local = at.astimezone(AMSTERDAM)
    if window == "asap":
        return at, at + timedelta(hours=2)
    if window == "evening":
        start = local.replace(hour=18, minute=0, second=0, microsecond=0)
        end = local.replace(hour=21, minute=0, second=0, microsecond=0)
        if end - max(start, local) < SHORTEST_EVENING:
            start, end = start + timedelta(days=1), end + timedelta(days=1)
        return max(start, local).astimezone(at.tzinfo), end.astimezone(at.tzinfo)
    if window == "tomorrow":
        day = (local + timedelta(days=0 if local.hour < NIGHT_ENDS else 1)).date()
        start = datetime(day.year, day.month, day.day, 9, tzinfo=AMSTERDAM)
        return start.astimezone(at.tzinfo), (start + timedelta(hours=3)).astimezone(at.tzinfo)
    raise ValueError(f"window: unknown value {window!r} (expected one of asap, evening, tomorrow)")


def said_window(window: str, at: datetime | None = None) -> str:
    """Return the window as the person who chose it now is told it: `evening_tomorrow` when
    the evening is tomorrow's (under half an hour of tonight's left: `callback_window`),
    else the window itself. A person who picked "this evening" at 20:45 hears "tomorrow
    evening", as the callback will be."""
    if window == "evening":
        now = at or utcnow()
        start, _end = callback_window(window, now)
        if start.astimezone(AMSTERDAM).date() > now.astimezone(AMSTERDAM).date():
            return "evening_tomorrow"
    return window


def request_callback(
    *,
    session: Session,
    contact: Contact,
    phone: str | None,
    window: str = "asap",
    voicemail_allowed: bool = False,
    at: datetime | None = None,
) -> CallbackRequest:
    """Promise a callback within a window; a crisis is never parked in a callback queue.

    The contact moves to status `callback` and the scheduling job is promised.
    """
    if contact.crisis:
        raise ValueError("a crisis contact is answered now, never only called back")
    start, end = callback_window(window, at or utcnow())
    assert contact.id is not None  # noqa: S101 - a stored contact has an id
    callback = CallbackRequest(
        contact_id=contact.id,
        phone=phone,
        window=window,
        window_start=start,
        window_end=end,
        voicemail_allowed=voicemail_allowed,
        max_attempts=0,  # the configured attempts (a manager may grant one more)
    )
    session.add(callback)
    session.flush()
    assert callback.id is not None  # noqa: S101 - flushed above
    contact.status = "callback"
    contact.preference = "callback"
    contact.updated_at = utcnow()
    session.add(contact)
    outbox.add(session, "schedule_callback", callback_id=callback.id)
    return callback


def keep_crisis_reach(
    *,
    session: Session,
    contact: Contact,
    phone: str | None,
    window: str = "asap",
    voicemail_allowed: bool = False,
    at: datetime | None = None,
    asked: bool = True,
) -> CallbackRequest:
    """Keep how a crisis contact asked to be reached (number, window, voicemail or not).

    A crisis is answered now: the row has status `crisis` and is never scheduled, but the
    counsellor who calls knows whether a voicemail is safe and when they asked to be called.
    `asked` False: the desk keeps the number to call back though nobody asked (a caller who
    hung up, a texter who sent the stop word); the reports count it apart.
    """
    start, end = callback_window(window, at or utcnow())
    assert contact.id is not None  # noqa: S101 - a stored contact has an id
    callback = CallbackRequest(
        contact_id=contact.id, phone=phone, window=window, window_start=start,
        window_end=end, voicemail_allowed=voicemail_allowed, status="crisis", asked=asked,
    )
    session.add(callback)
    return callback


def cancel_callbacks(*, session: Session, contact: Contact) -> int:
    """Cancel a contact's callbacks still to make that nobody is calling (pending, due, or
    callable at once for a crisis): its contact closed, or a callback planned for later
    replaces them, so nobody rings the person outside the window they chose. One being
    called ends with its call: the rows are locked and read as they are now, so one that
    `calls.ring_personal` took meanwhile is not cancelled."""
    pending = session.exec(
        select(CallbackRequest).where(
            CallbackRequest.contact_id == contact.id,
            col(CallbackRequest.status).in_(("pending", "due", "crisis")),
        ).with_for_update().execution_options(populate_existing=True)
    ).all()
    for callback in pending:
        callback.status, callback.updated_at = "cancelled", utcnow()
        session.add(callback)
    return len(pending)


def make_crisis_callbacks(*, session: Session, contact: Contact) -> int:
    """A contact became a crisis: its callback still to come (pending: for a caller who hung
    up it is the only way to reach them), already due, or given up on (unreachable, its
    window missed), is callable at once by anyone on the desk and bound to no window, so no
    window's end takes it from the counsellor serving it and no manager closes it as one
    more unreachable callback. Return how many changed."""
    open_ones = session.exec(
        select(CallbackRequest).where(
            CallbackRequest.contact_id == contact.id,
            col(CallbackRequest.status).in_(("pending", "due", "unreachable", "missed")),
        )
    ).all()
    for callback in open_ones:
        if callback.status in FAILED:  # the reports keep counting how it had failed
            callback.failed_as = callback.status
        callback.status, callback.claimed_by, callback.updated_at = "crisis", None, utcnow()
        session.add(callback)
    return len(open_ones)


def none_still_to_make(contact_id: Mapped[int | None] | Mapped[int] | int
                       ) -> ColumnElement[bool]:
    """Return the SQL clause "no callback of this contact is still to make" (pending, due or
    being called): the one place that says when a failed callback is the contact's last
    word. `contact_id` is a contact's id or the column it correlates with (`Contact.id`, or a
    callback's `contact_id`); the callbacks looked at are an alias of their own, so a query
    over `CallbackRequest` counts its own row as any other of the contact's."""
    other = aliased(CallbackRequest)
    return ~sa_exists().where(col(other.contact_id) == contact_id,
                              col(other.status).in_(STILL_TO_MAKE))


def only_failed(*, session: Session, contact: Contact) -> bool:
    """Tell whether the contact's callbacks all failed: one at least unreachable or missed,
    none still to make (`none_still_to_make`). Nothing brings such a contact back to a queue
    (`workspace.callback_is_due`) but the person writing again."""
    if contact.id is None:
        return False
    return session.exec(
        select(CallbackRequest.id).where(
            CallbackRequest.contact_id == contact.id,
            col(CallbackRequest.status).in_(FAILED),
            none_still_to_make(contact.id),
        ).limit(1)
    ).first() is not None


def latest_callback(*, session: Session, contact: Contact) -> CallbackRequest | None:
    """Return the contact's newest callback request, if any."""
    return session.exec(
        select(CallbackRequest)
        .where(CallbackRequest.contact_id == contact.id)
        .order_by(col(CallbackRequest.id).desc())
    ).first()


def dialled_number(digits: str) -> str | None:
    """Return a keyed-in number in E.164 (0612345678 -> +31612345678), or None."""
    raw = "".join(ch for ch in digits if ch in "0123456789")
    number = None
    if raw.startswith("00") and 10 <= len(raw) <= 17:
        number = "+" + raw[2:]
    elif raw.startswith("0") and len(raw) == 10:
        number = "+31" + raw[1:]
    # No number to call back unless it is one (0000000000 is not: no leading zero in E.164).
    return number if number is not None and re.fullmatch(E164, number) else None


def keyed_number(*, session: Session, contact: Contact) -> str | None:
    """Return the number a caller keyed in to be called back on, or None.

    It lives only in the encrypted payload of its inbound event (`cb_keyed`); the newest
    usable one is the caller's (the menu never returns to that question once answered)."""
    if contact.id is None:
        return None
    for payload in inbound.payloads(session=session, contact_id=contact.id, kind="cb_keyed"):
        number = dialled_number(str(json.loads(payload).get("Digits", "")))
        if number is not None:
            return number
    return None
