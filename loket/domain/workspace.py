"""What a counsellor does with a contact: the queue, replies, notes, handing over, closing,
their availability, and unmasking a number. Every step is audited; rights are `access`'s.

The contact functions that change who holds a contact (`claim`, `release`, `transfer`) live
in `contacts`; these build on them and take the session keyword-only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any, Literal, NamedTuple

from sqlalchemy import Integer, and_, bindparam, case, or_, type_coerce, update
from sqlalchemy import exists as sa_exists
from sqlalchemy import select as sa_select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, func, select
from sqlmodel.sql.expression import SelectOfScalar

from loket.domain import (
    access,
    audit,
    break_glass,
    calls,
    contacts,
    conversations,
    escalation,
    logins,
    support,
)
from loket.domain.refusals import Refused, written
from loket.store.models import (
    BreakGlass,
    CallbackRequest,
    CallLeg,
    Contact,
    ContactFlag,
    Draft,
    Escalation,
    HelpRequest,
    Message,
    Note,
    PersonFlag,
    User,
    table_of,
)
from loket.store.types import UTCDateTime, utcnow

OPEN = ("new", "routed", "waiting", "callback", "in_progress")
TEXT_CHANNELS = ("sms", "whatsapp", "webchat")
# Rows a queue page shows at most (crisis first, then priority and wait); any more are
# counted below them, and a counsellor's own open contacts are always shown (`queue_for`).
QUEUE_SHOWN = 1000
PRIORITY_ORDER = {"urgent": 0, "high": 1, "normal": 2, "low": 3}
AVAILABILITY = ("available", "busy", "wrap-up", "away")
CLOSE_OUTCOMES = ("helped", "referred", "no_contact", "wrong_desk", "other")
CONTACT_TYPES = ("conversation", "silent", "hang-up", "abusive", "wrong-number", "test")
MAX_REPLY = 1600
MAX_NOTE = 4000

Availability = Literal["available", "busy", "wrap-up", "away"]


class QueueItem(NamedTuple):
    """One row of a counsellor's queue: no personal data. (A named tuple: a queue of
    hundreds makes one per row on every change, several times faster than a frozen
    dataclass.)"""

    reference: str
    channel: str
    desk: str | None
    queue: str | None
    priority: str | None
    crisis: bool
    flags: tuple[str, ...]
    status: str
    waiting_since: datetime
    waited_s: int
    holder: str | None  # the display name of who works it, when someone does
    offered: bool = False  # offered to this counsellor first (they helped the person last)
    person_flags: tuple[str, ...] = ()  # approved flags on the person (shown, never blocking)
    callback_window: str | None = None  # a due callback: the window the person chose
    late_s: int = 0  # ... and how long past its due time it is
    call_error: str | None = None  # ... and why its last call could not be placed


def holder_name(user: User) -> str:
    """Return how colleagues and the person see a counsellor: first name or pseudonym."""
    return conversations.public_name(user)


def queue_for(*, session: Session, user: User, now: datetime | None = None,
              limit: int | None = None) -> list[QueueItem]:
    """Return the open contacts this user may serve: crisis first, then by priority, then
    longest waiting (the first `limit` of them, then any of the counsellor's own open
    contacts below those).

    Reads the columns a row shows (nothing encrypted), its flags with it, so a queue of
    hundreds answers in milliseconds.
    """
    now = now or utcnow()
    desk = access.counsellor_desk(user)
    if desk is None:
        return []  # they serve no queue
    every, top, below = queue_statements(desk)
    values = {"me": user.id, "now": now, "limit": limit}
    # On the connection, not through the ORM's result machinery: plain tuples, and
    # hundreds of rows in a few milliseconds.
    connection = session.connection()
    rows: list[Any] = list(connection.execute(every if limit is None else top, values).all())
    if limit is not None and len(rows) == limit:
        # Below the top of the queue: the counsellor's own open contacts (a few at most),
        # so what they hold never drops out of sight.
        shown = {row[0] for row in rows}
        rows += [row for row in connection.execute(below, values).all() if row[0] not in shown]
    person = support.flags_shown(session=session, viewer=user,
                                 references=[row[1] for row in rows if row[9]])
    due = due_callbacks(session=session, contact_ids=[
        row[0] for row in rows if row[7] in ("callback", "in_progress")])
    items = []
    for (contact_id, reference, channel, desk, queue, priority, crisis, status, waiting,
         _hashed, offered_here, holder_id, display_name, name, flags) in rows:
        items.append(QueueItem(
            reference=reference, channel=channel, desk=desk, queue=queue, priority=priority,
            crisis=bool(crisis), flags=tuple(sorted(flags.split(","))) if flags else (),
            status=status,
            waiting_since=waiting, waited_s=max(0, int((now - waiting).total_seconds())),
            holder=(conversations.shown_name(display_name, name, holder_id)
                    if holder_id is not None else None),
            offered=bool(offered_here),
            person_flags=person.get(reference, ()),
            **due.get(contact_id, {}),
        ))
    return items


@cache
def queue_statements(desk: str) -> tuple[Any, Any, Any]:
    """Return a desk's queue statements, built once per desk and run with the counsellor's
    id (`me`) and the time (`now`): the queue's rows in order, all of them and the first
    `limit`; and the counsellor's own open contacts, in the same order. Each row carries
    its contact's flags, joined by commas (flags are codes: no comma in them)."""
    me = bindparam("me", type_=Integer)
    now = bindparam("now", type_=UTCDateTime)
    since = type_coerce(func.coalesce(Contact.routed_at, Contact.created_at), UTCDateTime)
    rank = case(*((col(Contact.priority) == name, n) for name, n in PRIORITY_ORDER.items()),
                else_=2)
    offered = case((and_(col(Contact.offered_to_user_id) == me,
                         col(Contact.offered_until) > now), 1), else_=0)
    conditions = queue_conditions(desk, me, now)
    shown = sa_select(
        *(col(c) for c in (Contact.id, Contact.reference, Contact.channel, Contact.desk,
                           Contact.queue, Contact.priority, Contact.crisis, Contact.status)),
        since, col(Contact.phone_hash), offered,
        *(col(c) for c in (User.id, User.display_name, User.name)),
        sa_select(func.aggregate_strings(col(ContactFlag.flag), ","))
        .where(col(ContactFlag.contact_id) == Contact.id).scalar_subquery(),
    ).outerjoin(User, col(User.id) == Contact.assigned_user_id).where(*conditions)
    order = (col(Contact.crisis).desc(), rank, since, col(Contact.id))
    ordered = shown.order_by(*order)
    return (ordered, ordered.limit(bindparam("limit", type_=Integer)),
            ordered.where(col(Contact.assigned_user_id) == me))


def due_callbacks(*, session: Session, contact_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Return, per contact, its due callback's window, lateness and last placing error."""
    if not contact_ids:
        return {}
    now = utcnow()
    found: dict[int, dict[str, Any]] = {}
    for contact_id, window, due_at, error in session.execute(
        sa_select(col(CallbackRequest.contact_id), col(CallbackRequest.window),
                  col(CallbackRequest.due_at), col(CallbackRequest.error))
        .where(col(CallbackRequest.contact_id).in_(contact_ids),
               col(CallbackRequest.status).in_(CALLBACK_IN_QUEUE))
    ).all():
        late = int((now - due_at).total_seconds()) if due_at else 0
        found[contact_id] = {"callback_window": window, "late_s": max(late, 0),
                             "call_error": error}
    return found


# A callback's contact is in the queue only while its callback is due or being called.
CALLBACK_IN_QUEUE = ("due", "calling")


def callback_is_due() -> ColumnElement[bool]:
    """Return the WHERE clause keeping a callback's contact out of the queue until due.

    A contact to answer later without a callback to place (a web form answered by e-mail,
    or one that left no way to reach the person) waits in the queue from the start: nothing
    else would ever bring it there.
    """
    return or_(
        col(Contact.status) != "callback",
        sa_exists().where(col(CallbackRequest.contact_id) == Contact.id,
                          col(CallbackRequest.status).in_(CALLBACK_IN_QUEUE)),
        ~sa_exists().where(col(CallbackRequest.contact_id) == Contact.id),
    )


def queue_size(*, session: Session, user: User, now: datetime | None = None) -> int:
    """Return how many open contacts this user may serve."""
    return int(session.execute(
        select(func.count()).select_from(Contact).where(*open_in_queue(user, now or utcnow()))
    ).scalar_one())


def open_in_queue(user: User, now: datetime) -> list[ColumnElement[bool]]:
    """Return the conditions of a counsellor's queue: open, in a queue, theirs to see, and
    not offered first to another counsellor."""
    desk = access.counsellor_desk(user)
    if desk is None:
        return [access.visible_to(user, now)]  # nothing
    return queue_conditions(desk, user.id, now)


def queue_conditions(desk: str, me: Any, now: Any) -> list[ColumnElement[bool]]:
    """Return the conditions of the queue of a counsellor (`me`) of `desk` at `now` (values
    or bound parameters): open, in a queue, theirs to see, not offered first to another
    counsellor, and a callback only once it is due."""
    return [col(Contact.status).in_(OPEN), col(Contact.queue).is_not(None),
            access.visible_to_desk(desk, me, now), not_offered_to_another(me, now),
            callback_is_due()]


@dataclass(frozen=True)
class QueueVersion:
    """What a queue's rows are now, from aggregates: `tag` changes whenever they would;
    `shared` says the rows are the same for every counsellor of the desk who sees this tag
    (none offered to this one or held by them, no break-glass of their own)."""

    tag: str
    shared: bool


def queue_version(*, session: Session, user: User, now: datetime | None = None) -> QueueVersion:
    """Return the queue's version (a contact joins, leaves or changes, an offer runs out, a
    flag on a person is approved or ends, a help request is opened or answered), from
    aggregates alone: the poll's 304 without reading the rows. One statement per desk,
    built once and run with the counsellor's id and the time as parameters."""
    desk = access.counsellor_desk(user)
    if desk is None:
        return QueueVersion(tag="none", shared=False)
    row = session.execute(version_statement(desk), {"me": user.id, "now": now or utcnow()}).one()
    count, newest, ids, offered, held, flags, approved, helps, newest_help, grants, alarms = row
    raw = (f"{desk}|{count}|{newest}|{ids}|{flags}|{approved}|{helps}|{newest_help}|"
           f"{offered}|{held}|{grants}|{alarms}")
    return QueueVersion(tag=hashlib.sha256(raw.encode()).hexdigest()[:32],
                        shared=not offered and not held and not grants)


@cache
def version_statement(desk: str) -> Any:
    """Return the queue's aggregates for a desk's counsellor (`me`, at `now`) and, as
    scalar subqueries, what else its rows show: one statement, built once per desk."""
    me = bindparam("me", type_=Integer)
    now = bindparam("now", type_=UTCDateTime)
    mine = case((col(Contact.offered_to_user_id) == me, 1), else_=0)
    held = case((col(Contact.assigned_user_id) == me, 1), else_=0)
    # The approved flags the rows can show (`support.flags_shown`): on the person of a
    # contact in this queue, of the contact's desk or this one. A flag another desk sets on
    # someone else changes nothing here (no sign of another desk's work). Read from the
    # flags, few, each probing the contacts of its number.
    in_queue = sa_exists().where(
        col(Contact.phone_hash) == PersonFlag.phone_hash,
        or_(col(PersonFlag.desk) == Contact.desk, col(PersonFlag.desk) == desk),
        *queue_conditions(desk, me, now),
    ).correlate_except(Contact)
    flagged = (col(PersonFlag.approved_at).is_not(None), col(PersonFlag.expires_at) > now,
               in_queue)
    # The help requests the rows show (`support.open_help`): standing, on a case this
    # counsellor may open (not a colleague's emergency access to another desk's case).
    asking = (col(HelpRequest.resolved_at).is_(None), col(HelpRequest.desk) == desk,
              support.standing(now), access.visible_to_desk(desk, me, now))
    granted = (col(BreakGlass.user_id) == me, col(BreakGlass.expires_at) > now)
    return sa_select(
        func.count(), func.max(Contact.updated_at), func.sum(Contact.id), func.sum(mine),
        func.sum(held),
        sa_select(func.count()).select_from(PersonFlag).where(*flagged).correlate(None)
        .scalar_subquery(),
        sa_select(func.max(PersonFlag.approved_at)).where(*flagged).correlate(None)
        .scalar_subquery(),
        sa_select(func.count()).select_from(HelpRequest)
        .join(Contact, col(Contact.id) == HelpRequest.contact_id).where(*asking)
        .correlate(None).scalar_subquery(),
        sa_select(func.max(HelpRequest.id))
        .join(Contact, col(Contact.id) == HelpRequest.contact_id).where(*asking)
        .correlate(None).scalar_subquery(),
        sa_select(func.count()).select_from(BreakGlass).where(*granted).scalar_subquery(),
        # Escalations still alarming (a crisis unclaimed too long): their number and which
        # (a claim takes a banner down at once on every desk, before the sweep resolves it).
        sa_select(func.count() * 100000 + func.coalesce(func.sum(Escalation.id), 0))
        .join(Contact, col(Contact.id) == Escalation.contact_id)
        .where(*escalation.still_alarming()).correlate(None).scalar_subquery(),
    ).select_from(Contact).where(*queue_conditions(desk, me, now))


def not_offered_to_another(user_id: Any, now: Any) -> ColumnElement[bool]:
    """Return the WHERE clause hiding contacts offered first to another counsellor, while
    the offer lasts (continuity: the person's last counsellor); `user_id` and `now` are
    values or bound parameters."""
    return or_(
        col(Contact.offered_to_user_id).is_(None),
        col(Contact.offered_to_user_id) == user_id,
        col(Contact.offered_until) <= now,
    )


def visible_references(*, session: Session, user: User, references: list[str]) -> set[str]:
    """Return which of these references the user may open."""
    return set(session.exec(
        select(Contact.reference).where(col(Contact.reference).in_(references))
        .where(access.visible_to(user))
    ).all())


def visible_contact(*, session: Session, user: User, reference: str) -> Contact | None:
    """Return the contact with this reference when the user may see it, else None."""
    return session.exec(
        select(Contact).where(Contact.reference == reference).where(access.visible_to(user))
    ).first()


def read(*, session: Session, user: User, contact: Contact, source: str, actor: str = "user",
         detail: str = "", listed: Collection[Contact] = ()) -> None:
    """Audit one read of a contact's details, and a search of each earlier contact of the
    person shown with it (`listed`: `earlier_contacts`)."""
    audit.record(session=session, event="read", contact=contact, user_id=user.id, actor=actor,
                 detail=detail, source=source)
    searched(session=session, user=user, listed=listed, source=source, actor=actor)


def searched(*, session: Session, user: User, listed: Collection[Contact], source: str,
             actor: str = "user") -> None:
    """Audit, on each of them, that a person's earlier contacts were listed to this user
    (their reference, channel, day and status): a search of those records."""
    for other in listed:
        audit.record(session=session, event="search", contact=other, user_id=user.id,
                     actor=actor, detail="listed among the person's earlier contacts",
                     source=source)


def earlier_contacts(*, session: Session, user: User, contact: Contact) -> list[Contact]:
    """Return the person's earlier contacts (same keyed phone hash, made before this one)
    this user may see, newest first; never a later one (DESIGN.md's `history`)."""
    if not contact.phone_hash:
        return []
    before = or_(col(Contact.created_at) < contact.created_at,
                 and_(col(Contact.created_at) == contact.created_at,
                      col(Contact.id) < (contact.id or 0)))
    return list(session.exec(
        select(Contact)
        .where(Contact.phone_hash == contact.phone_hash, col(Contact.id) != contact.id, before)
        .where(access.visible_to(user))
        .order_by(col(Contact.created_at).desc(), col(Contact.id).desc())
        .limit(20)
    ).all())


def messages(*, session: Session, contact: Contact, after: int = 0,
             limit: int | None = None) -> list[Message]:
    """Return the conversation, oldest first: all of it, or the messages after one; at most
    `limit` (the first) when given."""
    return conversations.first_after(session=session, query=conversation_query(contact),
                                     after=after, limit=limit)


def messages_page(*, session: Session, contact: Contact,
                  before: int | None = None) -> conversations.Page:
    """Return the newest page of the conversation (of the messages before an id, if given),
    oldest first, and whether earlier ones are left out (`conversations.newest_before`)."""
    return conversations.newest_before(session=session, query=conversation_query(contact),
                                       before=before)


def conversation_query(contact: Contact) -> SelectOfScalar[Message]:
    """Return the SELECT of a contact's messages as a counsellor reads them: all of them."""
    return select(Message).where(Message.contact_id == contact.id)


def unseen_message(*, session: Session, contact: Contact, seen: int | None) -> bool:
    """Tell whether the person wrote after the newest message the counsellor had on screen
    (`seen`: its id; None when the caller does not say: an API client that does not)."""
    if seen is None:
        return False
    return session.exec(
        select(Message.id).where(Message.contact_id == contact.id, Message.direction == "in",
                                 col(Message.id) > seen).limit(1)
    ).first() is not None


def notes_of(*, session: Session, contact: Contact) -> list[Note]:
    """Return the notes on a contact: handover notes first, then the rest, oldest first."""
    notes = session.exec(
        select(Note).where(Note.contact_id == contact.id).order_by(col(Note.id))
    ).all()
    return sorted(notes, key=lambda n: n.kind != "handover")


def held_live(*, session: Session, user: User) -> tuple[int, int]:
    """Return how many open text contacts and phone calls this counsellor holds."""
    rows = session.exec(
        select(Contact.channel, func.count())
        .where(Contact.assigned_user_id == user.id, col(Contact.status).in_(OPEN))
        .group_by(Contact.channel)
    ).all()
    held = {str(channel): int(n) for channel, n in rows}
    return sum(held.get(c, 0) for c in TEXT_CHANNELS), held.get("phone", 0)


def ended_chats(*, session: Session, items: list[QueueItem]) -> frozenset[str]:
    """Return the references of the rows' web chats whose person can no longer read them
    (`conversations.chat_ended`): a counsellor picking from the queue sees it."""
    chats = [item.reference for item in items if item.channel == "webchat"]
    if not chats:
        return frozenset()
    return frozenset(session.exec(
        select(Contact.reference).where(col(Contact.reference).in_(chats),
                                        Contact.channel == "webchat",
                                        Contact.intake_step == conversations.CHAT_ENDED)
    ).all())


def place_in_line(*, session: Session, contact: Contact) -> int:
    """Return a waiting contact's place in its queue (1: next), in the order counsellors
    see it and take from it (`queue_statements`): a crisis first, then by
    priority, then longest waiting (since routed), then the older id. Ahead of it count
    the open contacts of the same queue held by no one that the desk sees now (a callback
    once due). 0 when it is not waiting in a queue."""
    if contact.queue is None or contact.status != "waiting":
        return 0

    def key(crisis: bool, priority: str | None, routed: datetime | None, created: datetime,
            contact_id: int | None) -> tuple[int, int, datetime, int]:
        rank = PRIORITY_ORDER.get(priority or "normal", 2)
        return (0 if crisis else 1, rank, routed or created, contact_id or 0)

    mine = key(contact.crisis, contact.priority, contact.routed_at, contact.created_at,
               contact.id)
    others = session.execute(
        sa_select(col(Contact.crisis), col(Contact.priority), col(Contact.routed_at),
                  col(Contact.created_at), col(Contact.id))
        .where(col(Contact.queue) == contact.queue, col(Contact.id) != contact.id,
               col(Contact.status).in_(("new", "routed", "waiting", "callback")),
               col(Contact.assigned_user_id).is_(None), callback_is_due())
    ).all()
    return 1 + sum(1 for row in others if key(*row) < mine)


def claim(*, session: Session, user: User, contact: Contact, max_live: int,
          source: str = "") -> Contact:
    """Take a contact: within the counsellor's limits (N live texts, a call is everything)."""
    if contact.assigned_user_id not in (None, user.id) or contact.status == "closed":
        raise contacts.Conflict("another counsellor holds this contact",
                                holder=contact.assigned_user_id)
    if contact.assigned_user_id != user.id:
        # One claim of this counsellor at a time (two tabs, a double click): the second
        # counts what the first took (on SQLite the unit of work already holds the lock).
        # An admin's change of the account holds the same row: a claim that waited for one
        # sees it, and an account disabled or moved meanwhile takes nothing more.
        current = session.exec(select(User.active, User.role, User.desk)
                               .where(User.id == user.id).with_for_update()).one()
        if tuple(current) != (True, user.role, user.desk):
            raise Refused("your account was changed: log in again", field="user",
                          key="r_account_changed")
        texts, calls = held_live(session=session, user=user)
        if calls:
            raise Refused("you are on a call", field="busy", key="r_on_call")
        if contact.channel in TEXT_CHANNELS and texts >= max_live:
            raise Refused(f"you already hold {max_live} live conversations", field="busy",
                          key="r_max_live", n=max_live)
    contacts.claim(session=session, contact=contact, user=user, source=source)
    if contact.channel in (*TEXT_CHANNELS, "phone"):
        set_availability(session=session, user=user, status="busy")
    return contact


def release(*, session: Session, user: User, contact: Contact, source: str = "") -> Contact:
    """Let go of a held contact: it waits in its queue again (`contacts.release`); the
    counsellor holding nothing more is available again (`free_again`)."""
    contacts.release(session=session, contact=contact, user=user, source=source)
    forget_drafts(session=session, contact=contact, user=user)
    free_again(session=session, user=user)
    return contact


def free_again(*, session: Session, user: User) -> None:
    """A counsellor made busy by their claims who holds no live contact any more is
    available again: the routing counts only the available, and a busy counsellor holding
    nothing makes the desk look full. Away or wrapping up, as they chose, stays so."""
    stored = session.get(User, user.id)
    if stored is None or stored.availability != "busy":
        return
    if held_live(session=session, user=stored) == (0, 0):
        set_availability(session=session, user=stored, status="available")


def leave(*, session: Session, user_id: int, idle_minutes: int, session_hours: int) -> list[str]:
    """A counsellor logged out: when no other login of theirs is open, they are away (the
    routing no longer counts them available) and what they held goes back to the queues (a
    conversation, a crisis, must not wait on someone who left), but a contact whose call is
    live. Return the references let go."""
    if logins.has_live_login(session=session, user_id=user_id, idle_minutes=idle_minutes,
                             session_hours=session_hours):
        return []
    user = session.get(User, user_id)
    if user is not None and user.role == "counsellor":
        set_availability(session=session, user=user, status="away")
    return contacts.release_all_held(
        session=session, user_id=user_id, by_user_id=user_id,
        reason="the counsellor logged out",
        keep=calls.on_a_live_call(session=session, user_id=user_id))


def release_abandoned(*, session: Session, idle_minutes: int, session_hours: int,
                      now: datetime | None = None) -> list[str]:
    """Put back in its queue every contact held by a counsellor who is not here (the browser
    closed or crashed without logging out: no live login, no API client calling within the
    idle time), where anyone may take it and a crisis's alarms go on; not one whose call is
    live. Return the references."""
    present = logins.present_users(idle_minutes=idle_minutes, session_hours=session_hours,
                                   now=now)
    abandoned = session.exec(
        select(Contact).where(Contact.status == "in_progress",
                              col(Contact.assigned_user_id).is_not(None),
                              col(Contact.assigned_user_id).not_in(present),
                              col(Contact.id).not_in(calls.live_call_contacts()))
        .with_for_update(skip_locked=True).execution_options(populate_existing=True)
    ).all()
    for contact in abandoned:
        contacts.put_back(session=session, contact=contact, by_user_id=None,
                          reason="the counsellor's login ended")
    return [contact.reference for contact in abandoned]


def release_unseen(*, session: Session, now: datetime | None = None) -> list[str]:
    """Put back in its queue every contact held by a counsellor who may no longer see it
    (their emergency access ran out), so that its own desk can take it and a crisis's
    alarms go on; not one whose call is live. The holder's pages answer 404 from then on.
    Return the references."""
    now = now or utcnow()
    held = session.exec(
        select(Contact, User).join(User, col(User.id) == Contact.assigned_user_id)
        .where(Contact.status == "in_progress",
               col(Contact.id).not_in(calls.live_call_contacts()))
    ).all()
    # The running emergency accesses, by the rule of the pages (`break_glass.running`).
    grants: dict[int, set[int]] = {}
    for user_id, contact_id in session.exec(
            select(BreakGlass.user_id, BreakGlass.contact_id)
            .join(Contact, col(Contact.id) == BreakGlass.contact_id)
            .where(*break_glass.running(None, now))).all():
        grants.setdefault(user_id, set()).add(contact_id)
    unseen = [contact.id for contact, user in held
              if not access.sees(user, contact, grants.get(user.id or 0, set()))]
    released = []
    for unseen_id in unseen:
        contact = session.exec(
            select(Contact).where(Contact.id == unseen_id, Contact.status == "in_progress")
            .with_for_update(skip_locked=True).execution_options(populate_existing=True)
        ).first()
        holder = session.get(User, contact.assigned_user_id) if contact else None
        if contact is None or holder is None or break_glass.sees_now(
                session=session, user=holder, contact=contact, now=now):
            continue  # in use meanwhile, or seen again: the next sweep looks again
        contacts.put_back(session=session, contact=contact, by_user_id=None,
                          reason="the holder's access to it ended")
        released.append(contact.reference)
    return released


def mark_absent_away(*, session: Session, idle_minutes: int, session_hours: int,
                     now: datetime | None = None) -> int:
    """Mark away the counsellors counted available (or busy, or wrapping up) who are not
    here: no live login, no API client calling, no call live. The routing counts the
    available ones: a counsellor whose browser closed must not keep a desk from overflowing,
    a crisis above all. Return how many."""
    present = logins.present_users(idle_minutes=idle_minutes, session_hours=session_hours,
                                   now=now)
    on_call = select(CallLeg.user_id).where(col(CallLeg.status).in_(calls.LIVE),
                                            col(CallLeg.user_id).is_not(None))
    table = table_of(User)
    gone = session.execute(
        update(table).where(table.c.role == "counsellor", table.c.availability != "away",
                            table.c.id.not_in(present), table.c.id.not_in(on_call))
        .values(availability="away", available=False, availability_until=None))
    return int(gone.rowcount)  # type: ignore[attr-defined]


def refuse_if_erased(contact: Contact) -> None:
    """Refuse to write personal text (a note, a reply) to a contact whose personal data was
    erased (`loket erase`) or removed after the retention period: nothing of the person is
    to be kept there any more, and neither the erasure nor the retention looks at it again.
    A page opened before the erasure may still post to it. The contact is locked by the
    request (`contacts.lock`), so an erasure running at the same moment comes before (this
    refuses) or after (it takes what was written)."""
    if contact.anonymised_at is not None:
        raise Refused("this contact's personal data was erased: nothing is written to it "
                      "any more", field="erased", key="r_erased")


def reply(*, session: Session, user: User, contact: Contact, text: str,
          source: str = "") -> int:
    """Send a counsellor's reply on the contact's channel; return the message id."""
    refuse_if_erased(contact)
    body = written(text, field="text", limit=MAX_REPLY, short_key="r_empty_reply")
    contacts.require_held(contact, user)
    if contact.channel not in TEXT_CHANNELS:
        raise Refused("this contact has no written conversation", field="text",
                      key="r_not_text")
    if conversations.texts_stopped(contact) and contact.channel == "sms":
        raise Refused("this person asked us to stop texting them: call them. Their number "
                      "gets no texts from us until they send START", field="text",
                      key="r_stopped_sms")
    if conversations.texts_stopped(contact):
        raise Refused("this person asked us to stop texting them: call them", field="text",
                      key="r_stopped")
    if conversations.chat_ended(contact):
        raise Refused("the person's chat has ended (closed, or left unused): they will not "
                      "read a reply; they can start a new chat", field="text",
                      key="r_chat_ended")
    message_id = conversations.add_message(
        session=session, contact=contact, direction="out", body=body, author_user_id=user.id,
        send=contact.channel in ("sms", "whatsapp"),
    )
    audit.record(session=session, event="reply", contact=contact, user_id=user.id,
                 actor="user", detail="reply", source=source)
    return message_id


def chat_quiet(*, session: Session, contact: Contact, idle: timedelta,
               now: datetime | None = None) -> bool:
    """Tell whether an open web chat's person gave no sign for longer than the chat's idle
    limit (no message, not since it began): it may have ended for them, a page closed that
    long ago no longer opens it. Their browser keeps that time, so only their return says
    for sure (`conversations.CHAT_ENDED`)."""
    if contact.channel != "webchat" or contact.status == "closed" or (
            conversations.chat_ended(contact)):
        return False
    written = conversations.last_written_at(session=session, contact=contact)
    last = max(written, contact.created_at) if written else contact.created_at
    return (now or utcnow()) - last > idle


def add_note(*, session: Session, user: User, contact: Contact, text: str,
             kind: str = "note", source: str = "") -> Note:
    """Add a note (encrypted at rest) to a contact the user may see; refused once the
    contact is anonymised (`refuse_if_erased`)."""
    refuse_if_erased(contact)
    body = written(text, field="note", limit=MAX_NOTE, short_key="r_empty_note")
    assert contact.id is not None  # noqa: S101 - a stored contact has an id
    note = Note(contact_id=contact.id, user_id=user.id, kind=kind, body=body)
    session.add(note)
    audit.record(session=session, event="note", contact=contact, user_id=user.id,
                 actor="user", detail=f"note kind={kind}", source=source)
    return note


def transfer(*, session: Session, user: User, contact: Contact, desk: str, note: str,
             source: str = "") -> Contact:
    """Hand a held contact over to another desk with a note; the sender loses access (and,
    holding nothing more, is available again: `free_again`). An emergency access helps now
    and ends with the case where it was: one who sees the contact only by it cannot take
    it to their own desk (they would keep it past the access); its own desk can."""
    if desk not in ("police", "veterans", "debasis"):
        raise Refused("police, veterans or debasis", field="desk", key="r_desk")
    if desk == user.desk and not access.sees(user, contact):
        raise Refused("an emergency access does not make the case your desk's: its own "
                      "desk hands it over", field="desk", key="r_emergency_transfer")
    if desk == contact.desk and contact.queue == desk:
        # A desk's contact in the pool (a colleague of the other desk took it at night) may
        # go back to its own desk's queue.
        raise Refused("the contact is already this desk's", field="desk", key="r_same_desk")
    if not note.strip():
        raise Refused("say what the next desk needs to know", field="note",
                      key="r_handover_note")
    add_note(session=session, user=user, contact=contact, text=note, kind="handover",
             source=source)
    contacts.transfer(session=session, contact=contact, user=user, desk=desk, source=source)
    forget_drafts(session=session, contact=contact, user=user)
    free_again(session=session, user=user)
    return contact


def close(*, session: Session, user: User, contact: Contact, outcome: str,
          contact_type: str = "conversation", categories: Collection[str] = (),
          note: str = "", wrapup: timedelta = timedelta(minutes=5), source: str = "",
          outcomes: Collection[str] = CLOSE_OUTCOMES,
          category_keys: Collection[str] | None = None, seen: int | None = None) -> Contact:
    """Close a held contact with its outcome and contact form; the counsellor wraps up.
    `outcomes` and `category_keys` are the configured lists (`loket.domain.lists`). With
    `seen` (the newest message the counsellor had on screen), a message the person wrote
    since is not closed away unread: Refused."""
    if outcome not in outcomes:
        raise Refused(f"one of {', '.join(outcomes)}", field="outcome", key="r_outcome")
    unknown = sorted(set(categories) - set(category_keys or ()))
    if unknown:
        raise Refused(f"unknown category {unknown[0]}", field="categories", key="r_category")
    if contact_type not in CONTACT_TYPES:
        raise Refused(f"one of {', '.join(CONTACT_TYPES)}", field="contact_type",
                      key="r_contact_type")
    contacts.require_held(contact, user)
    if unseen_message(session=session, contact=contact, seen=seen):
        raise Refused("seen: the person wrote after that message; read it before closing",
                      field="seen", key="r_unseen_message")
    if note.strip():
        add_note(session=session, user=user, contact=contact, text=note, kind="close",
                 source=source)
    contact.contact_type = contact_type
    contact.categories = sorted(set(categories))
    contacts.close(session=session, contact=contact, outcome=outcome, actor="user",
                   detail=f"closed outcome={outcome}", user_id=user.id, source=source)
    forget_drafts(session=session, contact=contact, user=None)
    set_availability(session=session, user=user, status="wrap-up", until=utcnow() + wrapup)
    return contact


def set_availability(*, session: Session, user: User, status: str,
                     until: datetime | None = None) -> User:
    """Set a counsellor's availability; the routing's state counts who is available."""
    if status not in AVAILABILITY:
        raise Refused(f"one of {', '.join(AVAILABILITY)}", field="status",
                      key="r_availability")
    stored = session.get(User, user.id)
    assert stored is not None  # noqa: S101 - the user is logged in
    stored.availability = status
    stored.availability_until = until if status == "wrap-up" else None
    stored.available = status == "available"
    session.add(stored)
    return stored


def set_continuity(*, session: Session, user: User, offered: bool) -> User:
    """Say whether a returning person's new contact may be offered to this counsellor
    first (continuity); opting out sends such contacts to the whole desk at once."""
    stored = session.get(User, user.id)
    assert stored is not None  # noqa: S101 - the user is logged in
    stored.continuity_opt_out = not offered
    session.add(stored)
    return stored


def availability_now(user: User, now: datetime | None = None) -> str:
    """Return a counsellor's availability, a finished wrap-up counting as available."""
    if (user.availability == "wrap-up" and user.availability_until is not None
            and user.availability_until <= (now or utcnow())):
        return "available"
    return user.availability


RISKS = ("none", "concern", "acute")


def set_risk(*, session: Session, user: User, contact: Contact, risk: str,
             decide: contacts.Decide, source: str = "") -> bool:
    """Set the counsellor's view of the risk. Raising it routes the contact again (acute:
    a crisis, priority urgent, never a callback); return whether it was routed again."""
    if risk not in RISKS:
        raise Refused(f"one of {', '.join(RISKS)}", field="risk", key="r_risk")
    before = contact.risk if contact.risk in RISKS else "none"
    if risk == before:
        return False
    raised = RISKS.index(risk) > RISKS.index(before)
    if not raised:  # raising is anyone's (a danger seen is never held back); lowering is
        contacts.require_not_anothers(contact, user)  # the holder's, who is talking with them
    if raised and risk == "acute":
        contacts.escalate(session=session, contact=contact, decide=decide)
    else:
        contacts.update_answers(session=session, contact=contact, risk=risk)
        if raised:
            contacts.route_contact(session=session, contact=contact, decide=decide)
    session.add(contact)
    audit.record(session=session, event="update", contact=contact, user_id=user.id,
                 actor="user", detail=f"risk {before} -> {risk}", source=source)
    return raised


def record_person_wish(*, session: Session, user: User, contact: Contact, opted_out: bool,
                       source: str = "") -> None:
    """Record what the person said about continuity: whether they would rather not be
    offered first to the counsellor who helped them last when they come back. While a
    colleague holds the contact it is theirs to record (they are the one talking with the
    person)."""
    contacts.require_not_anothers(contact, user)
    if not contact.phone_hash:
        raise Refused("this contact has no number to know the person again by",
                      field="continuity", key="r_no_person")
    contact.continuity_opt_out = opted_out
    contact.updated_at = utcnow()
    session.add(contact)
    audit.record(session=session, event="update", contact=contact, user_id=user.id,
                 actor="user", detail=f"person continuity opt-out={opted_out}", source=source)


DRAFT_KINDS = ("reply", "note", "transfer", "close")


def save_draft(*, session: Session, user: User, contact: Contact, kind: str,
               body: str) -> None:
    """Keep what a counsellor is typing (encrypted), so a lost connection loses nothing; a
    page's last save arriving after the contact was closed (in another tab, or the moment
    after) keeps nothing (`forget_drafts`), nor one on a contact anonymised meanwhile."""
    if kind not in DRAFT_KINDS:
        raise Refused(f"one of {', '.join(DRAFT_KINDS)}", field="kind", key="r_draft")
    if len(body) > MAX_NOTE:
        raise Refused(f"at most {MAX_NOTE} characters", field="body", key="r_too_long",
                      n=MAX_NOTE)
    assert user.id is not None and contact.id is not None  # noqa: S101 - stored rows
    if (contact.status == access.CLOSED or contact.anonymised_at is not None) and body.strip():
        return
    draft = session.exec(select(Draft).where(Draft.user_id == user.id,
                                             Draft.contact_id == contact.id,
                                             Draft.kind == kind)).first()
    if not body.strip():
        if draft is not None:
            session.delete(draft)
        return
    draft = draft or Draft(user_id=user.id, contact_id=contact.id, kind=kind, body="")
    draft.body, draft.updated_at = body, utcnow()
    session.add(draft)


def drafts_of(*, session: Session, user: User, contact: Contact) -> dict[str, str]:
    """Return this counsellor's drafts on a contact, by kind."""
    rows = session.exec(select(Draft).where(Draft.user_id == user.id,
                                            Draft.contact_id == contact.id)).all()
    return {row.kind: row.body for row in rows}


def clear_draft(*, session: Session, user: User, contact: Contact, kind: str) -> None:
    """Forget a draft once what it held was sent or saved."""
    save_draft(session=session, user=user, contact=contact, kind=kind, body="")


def forget_drafts(*, session: Session, contact: Contact, user: User | None) -> None:
    """Forget what was typed for a contact once it left the counsellor's hands (released,
    handed over, let go of for them: `contacts.put_back`, a callback planned: `user`'s
    drafts) or was closed (everyone's: nobody replies to it any more). A draft holds
    personal text that would be kept for no one to send."""
    found = select(Draft).where(Draft.contact_id == contact.id)
    if user is not None:
        found = found.where(Draft.user_id == user.id)
    for draft in session.exec(found).all():
        session.delete(draft)


def unmask(*, session: Session, user: User, contact: Contact, source: str = "") -> None:
    """Audit that a counsellor revealed the person's number or e-mail."""
    audit.record(session=session, event="unmask", contact=contact, user_id=user.id,
                 actor="user", detail="number and e-mail shown", source=source)


def masked(value: str | None) -> str | None:
    """Return a number or e-mail with most of it hidden (`+31 6 •••• 12 34`)."""
    if not value:
        return None
    if "@" in value:
        local, _, domain = value.partition("@")
        return f"{local[:1]}•••@{domain}"
    digits = value.removeprefix("whatsapp:")
    if digits.startswith("+31") and len(digits) >= 8:
        return f"+31 {digits[3]} •••• {digits[-4:-2]} {digits[-2:]}"
    return f"{digits[:3]} •••• {digits[-2:]}"
