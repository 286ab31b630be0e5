"""Callbacks and live calls: a callback's life from due to reached or unreachable, and the
phone legs that join a counsellor to a person without showing the counsellor's number.

A call is two legs in one conference: Loket first rings the counsellor's own phone; when they
answer and press 1 (a voicemail never does), it rings the person (a callback) from the desk's
number, or moves the waiting caller out of their queue (answering a waiting call), into the
same conference. Each leg is a `CallLeg` row found again by its Twilio sid when a status
callback arrives. Every step that may run twice (a job, a webhook) takes it with a
conditional update. No Flask here.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, Literal

import structlog
from sqlalchemy import ColumnElement, and_, or_, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from loket.domain import audit, break_glass, callbacks, contacts, inbound, outbound
from loket.domain.refusals import Refused
from loket.queue import outbox
from loket.store.models import (
    CallbackRequest,
    CallLeg,
    Contact,
    InboundEvent,
    Outbox,
    User,
    table_of,
)
from loket.store.types import utcnow

log = structlog.get_logger(__name__)

# How an attempt to reach the person ended, from Twilio's status callbacks or the counsellor.
OUTCOMES = ("reached", "no_answer", "busy", "voicemail", "wrong_number")
NOT_REACHED = ("no_answer", "busy", "voicemail", "failed")
# Twilio's final call statuses, and the outcome each means for the person's leg.
FINAL = {"completed", "busy", "no-answer", "failed", "canceled"}
LEG_OUTCOME = {"busy": "busy", "no-answer": "no_answer", "failed": "failed",
               "canceled": "no_answer"}
# A callback in the desk's queue: due now, or being called.
IN_QUEUE = ("due", "calling")
# A crisis contact's way to be reached (kept by the intake): callable at once, always.
CALLABLE = ("due", "crisis")
# For the manager: not reached after every attempt, or its window passed unserved.
FOR_MANAGER = ("unreachable", "missed")
# An attempt whose legs never reported back is given up after this long.
STUCK_AFTER = timedelta(minutes=15)


@dataclass(frozen=True)
class Policy:
    """How often and how far apart a callback is tried (config)."""

    attempts: int = 3
    delays_min: tuple[int, ...] = (15, 60)

    @classmethod
    def of(cls, settings: Any) -> Policy:
        """Return the policy the settings give (`callback_attempts`, `callback_delays`)."""
        return cls(attempts=settings.callback_attempts,
                   delays_min=tuple(settings.callback_delays))

    def delay(self, attempts_made: int) -> timedelta:
        """Return the wait after `attempts_made` failed attempts (the last delay repeats)."""
        index = min(max(attempts_made - 1, 0), len(self.delays_min) - 1)
        return timedelta(minutes=self.delays_min[index])


def conference_name() -> str:
    """Return a new conference's name: random, naming nobody."""
    return "loket-" + secrets.token_hex(8)


# --- due ----------------------------------------------------------------------------------


def schedule(*, session: Session, callback: CallbackRequest, now: datetime | None = None
             ) -> datetime | None:
    """Put a pending callback on the clock (its window's start, or now); return when it is
    due, None when it is not pending."""
    if callback.status != "pending":
        return None
    if callback.next_attempt_at is None:
        callback.next_attempt_at = max(callback.window_start, now or utcnow())
        callback.updated_at = utcnow()
        session.add(callback)
    return callback.next_attempt_at


def make_due(*, session: Session, callback_id: int | None = None,
             now: datetime | None = None) -> list[int]:
    """Move the pending callbacks whose time has come (one, or all) into their desk's
    queue, each once: a second run, or the reconciler beside RQ's scheduler, finds them
    moved. Return the ids moved."""
    now = now or utcnow()
    table = table_of(CallbackRequest)
    # Rows another run is moving are skipped, not waited for (PostgreSQL; SQLite has one
    # writer at a time): two workers split a busy minute instead of deadlocking on it.
    found = (sa_select(table.c.id).where(table.c.status == "pending",
                                         table.c.next_attempt_at <= now)
             .order_by(table.c.id).limit(DUE_BATCH).with_for_update(skip_locked=True))
    if callback_id is not None:
        found = found.where(table.c.id == callback_id)
    ids = [row[0] for row in session.execute(found).all()]
    if not ids:
        return []
    moved = session.execute(
        update(table).where(table.c.id.in_(ids), table.c.status == "pending")
        .values(status="due", due_at=now, updated_at=now)
        .returning(table.c.id, table.c.contact_id, table.c.attempts)
    ).all()
    by_contact = {contact_id: attempts for _, contact_id, attempts in moved}
    for contact in session.exec(select(Contact).where(col(Contact.id).in_(list(by_contact)))):
        contact.updated_at = now  # the queue's version changes: the desk sees it
        session.add(contact)
        audit.record(session=session, event="update", contact=contact,
                     detail=f"callback due attempt={by_contact[contact.id or 0] + 1}")
    return [row[0] for row in moved]


# Callbacks made due in one statement at most (the next run takes the rest at once).
DUE_BATCH = 5000


@dataclass(frozen=True)
class Reconciled:
    """What one pass over the callbacks did."""

    due: int = 0
    missed: int = 0
    unstuck: int = 0


def reconcile(*, session: Session, now: datetime | None = None, limit: int = 1000
              ) -> Reconciled:
    """Make due what RQ did not (Redis flushed, a worker killed); mark the windows that
    passed unserved (not one a counsellor holds); give up attempts whose legs never
    reported back."""
    now = now or utcnow()
    due = len(make_due(session=session, now=now))
    missed = 0
    # A callback a counsellor holds is being served: its window's end leaves it to them (to
    # call now, a little late, or let go: then the next pass finds it missed). Its contact
    # is locked as held by no one (PostgreSQL); one a counsellor is claiming is skipped.
    for callback in session.exec(
        select(CallbackRequest).join(Contact, col(Contact.id) == CallbackRequest.contact_id)
        .where(col(CallbackRequest.status).in_(("pending", "due")),
               CallbackRequest.window != "asap", col(CallbackRequest.window_end) < now,
               col(Contact.assigned_user_id).is_(None)).limit(limit)
        .with_for_update(skip_locked=True).execution_options(populate_existing=True)
    ).all():
        callback.status, callback.window_missed_at, callback.updated_at = "missed", now, now
        session.add(callback)
        release_callback_contact(session=session, callback=callback, now=now)
        missed += 1
    unstuck = 0
    for callback in session.exec(
        select(CallbackRequest).where(CallbackRequest.status == "calling",
                                      col(CallbackRequest.attempt_started_at) < now - STUCK_AFTER)
    ).all():
        callback.status, callback.updated_at = again_status(session, callback), now
        callback.error = "the call did not report back"
        session.add(callback)
        unstuck += 1
    return Reconciled(due=due, missed=missed, unstuck=unstuck)


# --- placing a call -----------------------------------------------------------------------


def active_callback(*, session: Session, contact: Contact) -> CallbackRequest | None:
    """Return the contact's callback that is due or being called, if any."""
    return session.exec(
        select(CallbackRequest)
        .where(CallbackRequest.contact_id == contact.id,
               col(CallbackRequest.status).in_((*IN_QUEUE, "crisis")))
        .order_by(col(CallbackRequest.id).desc())
    ).first()


def again_status(session: Session, callback: CallbackRequest) -> str:
    """Return the status a callback goes back to when an attempt never reached the person:
    due again, or, for a crisis, callable at once (`crisis`)."""
    if not callback.phone:
        return ERASED  # no number left (the person was erased): nobody is rung again
    contact = session.get(Contact, callback.contact_id)
    return "crisis" if contact is not None and contact.crisis else "due"


# A callback whose number is gone (`loket erase` while it was being called): cancelled, as the
# erasure cancels one still to make; nothing rings anyone for it again.
ERASED = "cancelled"
NO_NUMBER_LEFT = "no number left to call"


def counsellor_phone(user: User) -> str:
    """Return the phone a call rings first; Refused when the profile has none."""
    if not user.phone:
        raise Refused("your profile has no phone number to ring", field="phone",
                      key="r_no_phone")
    return user.phone


def start_callback(*, session: Session, user: User, contact: Contact, source: str = ""
                   ) -> CallLeg:
    """Call the person back: ring the counsellor's phone first (a job), then the person.
    The counsellor must hold the contact and a callback must be due."""
    contacts.require_held(contact, user)
    counsellor_phone(user)
    callback = active_callback(session=session, contact=contact)
    if callback is None and dropped_in_crisis(session=session, contact=contact):
        # A person in crisis whose answered call dropped (a lost signal): rung back at once,
        # as a crisis caller who hung up before an answer is (a crisis is never only planned
        # as a callback: `plan_callback`).
        callback = callbacks.keep_crisis_reach(session=session, contact=contact,
                                               phone=contact.phone, asked=False)
        session.flush()
    if callback is None or callback.status not in CALLABLE:
        raise Refused("no callback of this contact is due", field="callback",
                      key="r_no_callback")
    now = utcnow()
    table = table_of(CallbackRequest)
    taken = session.execute(
        update(table).where(table.c.id == callback.id, table.c.status.in_(CALLABLE))
        .values(status="calling", attempt_started_at=now, error=None, updated_at=now)
    ).rowcount  # type: ignore[attr-defined]
    if not taken:
        raise contacts.Conflict("this callback is being called already")
    session.refresh(callback)
    leg = new_leg(session=session, contact=contact, user=user, kind="counsellor",
                  callback=callback)
    audit.record(session=session, event="call", contact=contact, user_id=user.id,
                 actor="user", detail="callback call started", source=source)
    return leg


def call(*, session: Session, user: User, contact: Contact, source: str = "") -> CallLeg:
    """Ring the counsellor's phone for this contact: to call a due callback, or to take a
    caller waiting in a queue."""
    callback = active_callback(session=session, contact=contact)
    if callback is not None or dropped_in_crisis(session=session, contact=contact):
        return start_callback(session=session, user=user, contact=contact, source=source)
    return answer_waiting_call(session=session, user=user, contact=contact, source=source)


def dropped_in_crisis(*, session: Session, contact: Contact) -> bool:
    """Tell whether this is a crisis caller, answered, whose call is over while the contact
    is still open: nobody on the line, a number to ring back."""
    if not (contact.crisis and contact.channel == "phone" and contact.phone
            and contact.answered_at is not None and contact.status != "closed"):
        return False
    live = session.exec(select(CallLeg.id).where(CallLeg.contact_id == contact.id,
                                                 col(CallLeg.status).in_(LIVE))).first()
    return live is None


def plan_callback(*, session: Session, user: User, contact: Contact, window: str,
                  voicemail_allowed: bool, personal: bool, source: str = "") -> CallbackRequest:
    """A counsellor promises to call the person back in a window (from the number the
    contact came from); `personal`: they call themselves, and their phone rings when it is
    due (else the desk calls). The contact waits as a callback, held by no one."""
    from loket.domain import callbacks

    contacts.require_held(contact, user)
    if contact.crisis:
        raise Refused("a crisis is answered now, never only called back", field="window",
                      key="r_crisis_callback")
    if not contact.phone:
        raise Refused("this contact has no number to call back", field="window",
                      key="r_no_number")
    if window not in callbacks.CALLBACK_WINDOWS:
        raise Refused(f"one of {', '.join(callbacks.CALLBACK_WINDOWS)}", field="window",
                      key="r_window")
    if personal:
        counsellor_phone(user)
    callbacks.cancel_callbacks(session=session, contact=contact)  # replaced by this one
    callback = callbacks.request_callback(session=session, contact=contact, phone=contact.phone,
                                          window=window, voicemail_allowed=voicemail_allowed)
    callback.claimed_by = user.id if personal else None
    session.add(callback)
    contacts.forget_holders_drafts(session=session, contact=contact)
    contact.assigned_user_id = None
    session.add(contact)
    audit.record(session=session, event="update", contact=contact, user_id=user.id,
                 actor="user", detail=f"callback planned window={window} personal={personal}",
                 source=source)
    return callback


def ring_due_personal(*, session: Session, limit: int) -> list[CallLeg]:
    """Ring the counsellors of due personal callbacks (up to `limit`; rows another run is
    ringing are skipped); those who cannot be rung now are left to the desk's queue."""
    table, contact_table = table_of(CallbackRequest), table_of(Contact)
    # Each callback is locked with its contact, as a claim locks it (PostgreSQL): a contact
    # a colleague is claiming is left to the next run, which reads who holds it then.
    ids = [row[0] for row in session.execute(
        sa_select(table.c.id).join(contact_table, contact_table.c.id == table.c.contact_id)
        .where(table.c.status == "due", table.c.claimed_by.is_not(None))
        .order_by(table.c.id).limit(limit).with_for_update(skip_locked=True)
    ).all()]
    legs = []
    for callback_id in ids:
        leg = ring_personal(session=session, callback_id=callback_id)
        if leg is None:  # not now: the desk calls it, not its counsellor's phone
            callback = session.get(CallbackRequest, callback_id)
            if callback is not None:
                callback.claimed_by = None
                session.add(callback)
        else:
            legs.append(leg)
    return legs


def ring_personal(*, session: Session, callback_id: int) -> CallLeg | None:
    """When a personal callback is due, ring its counsellor (Loket places the call, as if
    they pressed "call"), when they are active, not away, have a phone and no live call,
    and may still see the contact (their desk or role changed, their emergency access
    ended: not theirs to call any more); otherwise it stays due in the desk's queue.
    Return the counsellor's leg to place."""
    callback = session.get(CallbackRequest, callback_id)
    if callback is None or callback.status != "due" or callback.claimed_by is None:
        return None
    user = session.get(User, callback.claimed_by)
    contact = session.get(Contact, callback.contact_id)
    if (user is None or contact is None or not user.active or not user.phone
            or user.availability == "away" or contact.assigned_user_id not in (None, user.id)
            or not break_glass.sees_now(session=session, user=user, contact=contact)):
        return None
    on_a_call = session.exec(
        select(CallLeg.id).where(CallLeg.user_id == user.id, CallLeg.kind == "counsellor",
                                 col(CallLeg.status).in_(LIVE))
    ).first()
    if on_a_call is not None:
        return None
    now = utcnow()
    callback.status, callback.attempt_started_at, callback.updated_at = "calling", now, now
    contact.assigned_user_id, contact.status, contact.updated_at = user.id, "in_progress", now
    session.add_all([callback, contact])
    leg = new_leg(session=session, contact=contact, user=user, kind="counsellor",
                  callback=callback, place=False, status="placed")
    audit.record(session=session, event="call", contact=contact, user_id=user.id,
                 detail="personal callback due: ringing its counsellor")
    return leg


def answer_waiting_call(*, session: Session, user: User, contact: Contact, source: str = ""
                        ) -> CallLeg:
    """Answer a caller waiting in a queue, in any order: ring the counsellor's phone (a
    job); when they answer, the caller is moved out of the queue into their conference."""
    if contact.channel == "phone" and contact.outcome == "abandoned":
        # Claimed, then the caller hung up before anyone was joined: nobody to answer.
        raise Refused("the caller hung up before anyone answered", field="call",
                      key="r_caller_left")
    contacts.require_held(contact, user)
    if contact.channel != "phone" or not contact.external_id:
        raise Refused("this contact is not a waiting call", field="call", key="r_not_call")
    counsellor_phone(user)
    # A move Twilio refused, or one called off (`move_called_off`), left the caller in
    # their queue: they may be taken again.
    busy = session.exec(
        select(CallLeg.id).where(CallLeg.contact_id == contact.id, CallLeg.kind == "caller",
                                 col(CallLeg.status).not_in(("failed", "canceled")))
    ).first()
    if busy is not None:
        raise contacts.Conflict("this call is answered already")
    if caller_left(session=session, contact=contact):
        raise Refused("the caller hung up: call them back instead", field="call",
                      key="r_not_call")
    leg = new_leg(session=session, contact=contact, user=user, kind="counsellor")
    audit.record(session=session, event="call", contact=contact, user_id=user.id,
                 actor="user", detail="waiting call answered", source=source)
    return leg


def caller_left(*, session: Session, contact: Contact) -> bool:
    """Tell whether a waiting caller hung up: Twilio said so of their own call (it left its
    queue hung up, or it ended). Nobody can take that call any more; a counsellor who holds
    the contact may call them back."""
    if contact.id is None or not contact.external_id:
        return False
    for kind, field, ended in (("queued", "QueueResult", ("hangup",)),
                               ("status", "CallStatus", ENDED_CALL_STATUSES)):
        for payload in inbound.payloads(session=session, contact_id=contact.id, kind=kind):
            posted = json.loads(payload)
            if posted.get("CallSid") == contact.external_id and posted.get(field) in ended:
                return True
    return False


# Said on the desk of a counsellor's phone rung to take a waiting caller who hung up first
# (`caller_gone_first`, `ringing_for_nobody`); it also marks that leg as hung up for it.
CALLER_GONE_FIRST = "the caller hung up before the call was answered"


def caller_gone_first(*, session: Session, leg: CallLeg, contact: Contact) -> bool:
    """The counsellor answered to take a waiting caller who hung up meanwhile: there is
    nobody to move into the call, which the desk is told. Return whether that is so."""
    if leg.callback_id is not None or not caller_left(session=session, contact=contact):
        return False
    leg.error, leg.updated_at = CALLER_GONE_FIRST, utcnow()
    session.add(leg)
    return True


def callback_attempt_over(*, session: Session, leg: CallLeg) -> bool:
    """The counsellor answered the ring of a callback attempt that is over meanwhile (given
    up for not reporting back, `STUCK_AFTER`; called again since; cancelled): a 1 pressed
    would ring the person outside the attempt under way, perhaps twice at once. The leg is
    to hang up (its status callback then ends it); the desk is told. Return whether so."""
    if leg.callback_id is None:
        return False
    callback = attempt_of(session=session, leg=leg)
    if callback is not None and callback.status == "calling":
        return False
    leg.error, leg.updated_at = "this call attempt was over", utcnow()
    session.add(leg)
    return True


def new_leg(*, session: Session, contact: Contact, user: User | None, kind: str,
            callback: CallbackRequest | None = None, conference: str | None = None,
            call_sid: str | None = None, place: bool = True, status: str | None = None
            ) -> CallLeg:
    """Store a leg and promise the job that places it (or moves the waiting caller); with
    a `status` given, the caller places it itself."""
    assert contact.id is not None  # noqa: S101 - a stored contact has an id
    leg = CallLeg(contact_id=contact.id, callback_id=callback.id if callback else None,
                  user_id=user.id if user else None, kind=kind, call_sid=call_sid,
                  conference=conference or conference_name(),
                  status=status or ("placed" if place else "moving"))
    session.add(leg)
    session.flush()
    assert leg.id is not None  # noqa: S101 - flushed above
    if status is None:
        outbox.add(session, "place_leg" if place else "move_caller", urgent=True,
                   leg_id=leg.id)
    return leg


def take_leg(*, session: Session, leg_id: int, kind: str | None = None) -> CallLeg | None:
    """Take a leg to place or move, once: `placed` or `moving` becomes `dialing` in one
    conditional update; None when another run took it (or it is gone)."""
    table = table_of(CallLeg)
    taken = session.execute(
        update(table).where(table.c.id == leg_id, table.c.status.in_(("placed", "moving")))
        .values(status="dialing", updated_at=utcnow())
    ).rowcount  # type: ignore[attr-defined]
    if not taken:
        return None
    # As the update left it, not as this session may have loaded it before.
    leg = session.get(CallLeg, leg_id, populate_existing=True)
    if leg is None or (kind is not None and leg.kind != kind):
        return None
    return leg


def leg_placed(*, session: Session, leg_id: int, call_sid: str) -> None:
    """Keep the sid Twilio gave a leg, unless its status callback told it first
    (`placed_leg_status`): one conditional update, never undoing what that recorded. A
    call that rings for nobody any more is then hung up at once (`rung_for_nobody`)."""
    table = table_of(CallLeg)
    session.execute(
        update(table).where(table.c.id == leg_id, table.c.call_sid.is_(None))
        .values(call_sid=call_sid, status="queued", error=None, updated_at=utcnow()))
    rung_for_nobody(session=session, leg_id=leg_id, call_sid=call_sid)


def rung_for_nobody(*, session: Session, leg_id: int, call_sid: str) -> bool:
    """A leg Twilio placed (its sid just kept) may ring for nobody any more, changed while
    its job placed it (taken by `take_leg`, the number read, no sid yet): its contact was
    erased meanwhile (`erasure.hang_up` found no call to end, and the person's number, read
    before, was dialled all the same), or the waiting caller the counsellor's phone was
    rung to take hung up meanwhile (`ringing_for_nobody` found no call to end either; the
    desk says why). Its call is then hung up at once (the outbox's `end_leg`), once: not
    when its end is promised already (the erasure, or `ringing_for_nobody`, found its sid
    first: its status callback kept it before this job could). Of an erased contact's
    call, the gateway's record that holds the number dialled is forgotten too, as the
    erasure forgets the others (the sandbox's row names no contact: found by its sid).
    Return whether the call is to be hung up now."""
    leg = session.get(CallLeg, leg_id, populate_existing=True)
    if leg is None:
        return False
    contact = session.get(Contact, leg.contact_id, populate_existing=True)
    erased = contact is None or contact.anonymised_at is not None
    if erased:
        outbound.forget_sent(session=session, contact_id=leg.contact_id, sids=(call_sid,))
    if leg.call_sid != call_sid or leg.status in FINAL:
        return False  # another call's sid kept (not this one's to end here), or over
    caller_gone = (not erased and contact is not None and leg.kind == "counsellor"
                   and leg.callback_id is None and not counsellor_confirmed(leg=leg)
                   and (leg.error == CALLER_GONE_FIRST
                        or caller_left(session=session, contact=contact)))
    if not (erased or caller_gone) or end_promised(session=session, leg=leg):
        return False
    if caller_gone:
        leg.error, leg.updated_at = CALLER_GONE_FIRST, utcnow()
        session.add(leg)
    outbox.add(session, "end_leg", urgent=True, leg_id=leg_id)
    log.info("call.placed_for_nobody", leg_id=leg_id, kind=leg.kind,
             why="erased" if erased else "caller gone")
    return True


def end_promised(*, session: Session, leg: CallLeg) -> bool:
    """Tell whether the end of this leg's call is promised already (an `end_leg` job since
    the leg was made, done or not)."""
    promised = session.exec(
        select(Outbox.args).where(Outbox.job == "end_leg",
                                  col(Outbox.created_at) >= leg.created_at)
    ).all()
    return any(args.get("leg_id") == leg.id for args in promised)


def leg_failed(*, session: Session, leg_id: int, reason: str, final: bool,
               policy: Policy | None = None) -> str | None:
    """Say on the desk why a leg could not be placed; a final failure ends the attempt (the
    callback is due again, the waiting caller stays in their queue).

    A leg placed after all (Twilio took the request, its answer was lost: a timeout) is
    left as it is, and the sid its status callback named is returned: placing it again
    would ring the phone twice. (A waiting caller's leg carries their own call's sid from
    the start: not a sign of anything.)"""
    leg = locked_leg(session, CallLeg.id == leg_id)
    if leg is None or leg.status in FINAL:
        return None  # called off meanwhile (`move_called_off`): nothing to place again
    if leg.kind != "caller" and leg.call_sid is not None:
        return leg.call_sid
    leg.error = f"could not place the call: {reason}"[:200]
    # Not final: back to where the job's retry takes it again (a caller to move, or a leg
    # to place).
    leg.status = "failed" if final else ("moving" if leg.kind == "caller" else "placed")
    if final and leg.kind == "caller":
        # The caller was never moved and waits on in their queue: their call's sid is free
        # for the next counsellor's leg that takes them (`answer_waiting_call`).
        leg.call_sid = None
        move_refused(session=session, caller=leg)
    leg.updated_at = utcnow()
    session.add(leg)
    callback = attempt_of(session=session, leg=leg)
    if callback is not None:
        callback.error = leg.error
        if final and callback.status == "calling":
            if leg.kind == "person":
                attempt_ended(session=session, callback=callback, outcome="failed",
                              policy=policy)
            else:  # the counsellor's phone could not be rung: back to the desk's queue
                callback.status, callback.claimed_by = again_status(session, callback), None
                release_callback_contact(session=session, callback=callback, now=utcnow())
        session.add(callback)
    return None


MOVE_REFUSED = "not moved: Twilio refused to move the caller"


def move_refused(*, session: Session, caller: CallLeg) -> None:
    """Twilio refused for good to move the waiting caller into the counsellor's conference:
    the counsellor's phone, silent in it, is told why and hung up (`told_before_hang_up`;
    the desk says the same), and the caller, still waiting in their queue, is let go of, so
    that anyone of the desk may take them (a crisis's alarms go on). A caller who was to be
    moved back out of an empty conference (`never_met`) is in no queue: called back
    (`stranded`)."""
    waiting_in_it = session.exec(
        select(CallLeg).where(CallLeg.conference == caller.conference,
                              CallLeg.kind == "counsellor", col(CallLeg.status).in_(LIVE))
    ).all()
    contact = session.get(Contact, caller.contact_id)
    if contact is not None and moving_back(session=session, caller=caller):
        stranded(session=session, contact=contact)
    for counsellor in waiting_in_it:
        counsellor.error, counsellor.updated_at = MOVE_REFUSED, utcnow()
        session.add(counsellor)
        if counsellor.call_sid:
            outbox.add(session, "end_leg", urgent=True, leg_id=counsellor.id or 0)
        if (contact is not None and contact.status == "in_progress"
                and contact.answered_at is None
                and contact.assigned_user_id in (None, counsellor.user_id)):
            contacts.put_back(session=session, contact=contact, by_user_id=None,
                              reason=MOVE_REFUSED)


def told_before_hang_up(leg: CallLeg) -> bool:
    """Tell whether a counsellor's phone about to be hung up hears why first: the waiting
    caller they pressed 1 for could not be moved to them (`move_refused`)."""
    return leg.kind == "counsellor" and leg.error == MOVE_REFUSED


def moving_back(*, session: Session, caller: CallLeg) -> bool:
    """Tell whether this caller's leg moves them back out of an empty conference into their
    queue (`never_met` left the leg that joined it, in the same conference)."""
    found = session.exec(
        select(CallLeg.id).where(CallLeg.conference == caller.conference,
                                 CallLeg.kind == "caller", CallLeg.id != caller.id,
                                 CallLeg.error == NEVER_MET)
    ).first()
    return found is not None


STRANDED = "not moved back into the queue: a callback instead"


def stranded(*, session: Session, contact: Contact) -> None:
    """A waiting caller left in an empty conference could not be moved back into their
    queue: reached later (`reach_later`), as when their queue failed twice. A caller with
    no number to call waits on, for anyone of the desk (taking them moves their call)."""
    if (contact.channel != "phone" or contact.status != "waiting"
            or contact.answered_at is not None):
        return
    if reach_later(session=session, contact=contact) not in (KEPT_OPEN, CALLED_BACK):
        return
    audit.record(session=session, event="update", contact=contact, detail=STRANDED)
    log.warning("calls.caller_stranded", contact_id=contact.id, crisis=contact.crisis)


# What `reach_later` did: a crisis kept open now, or kept so before (nothing changed); an
# as-soon-as-possible callback filed.
Reached = Literal["kept_open", "open_already", "callback"]
KEPT_OPEN: Reached = "kept_open"
OPEN_ALREADY: Reached = "open_already"
CALLED_BACK: Reached = "callback"
QUEUE_FAILED_TWICE = "the phone queue failed twice: a callback filed"


def reach_later(*, session: Session, contact: Contact) -> Reached | None:
    """A waiting caller we cannot keep on the line (their queue failed twice, or they could
    not be moved back into it): a crisis with a number stays open, waiting now, to be
    called back at once (`keep_crisis_open`; its alarms go on); another caller with a
    number gets an as-soon-as-possible callback (step "callback"), let go of first when a
    counsellor claimed them on the desk but never joined them (`claimed_on_the_line`: only
    a caller whose queue failed; the desk calls them back, held by no one). Both record
    their wait so far: the figures count the call not answered. Return what happened;
    None, changing nothing, for a caller no longer waiting or with no number to call."""
    held = claimed_on_the_line(session=session, contact=contact)
    if not (contacts.unanswered(contact) or held):
        return None
    phone = number_to_reach(session=session, contact=contact)
    if not phone:
        return None
    waited = contacts.waited_s(contact)
    if contact.crisis:
        if not keep_crisis_open(session=session, contact=contact, phone=phone):
            return OPEN_ALREADY
        reached = KEPT_OPEN
    else:
        if held:
            contacts.put_back(session=session, contact=contact, by_user_id=None,
                              reason=QUEUE_FAILED_TWICE)
        callbacks.request_callback(session=session, contact=contact, phone=phone,
                                   window="asap")
        contacts.set_step(session=session, contact=contact, step="callback")
        reached = CALLED_BACK
    contact.wait_seconds = waited
    session.add(contact)
    return reached


# --- the counsellor answers; the person answers ------------------------------------------

# Said on the desk when the counsellor's phone answered but nobody pressed 1 (a voicemail).
NOT_CONFIRMED = "your phone did not confirm"
HUMAN = "human"  # a leg of a counsellor's own phone on which they pressed 1


def counsellor_confirmed(*, leg: CallLeg) -> bool:
    """Tell whether the counsellor (or the colleague of a warm transfer) took this call
    already: pressed 1 on their phone, so a human answered it."""
    return leg.answered_by == HUMAN


def counsellor_not_confirmed(*, session: Session, leg: CallLeg,
                             reason: str = NOT_CONFIRMED) -> None:
    """The counsellor's phone answered but nobody pressed 1 (a voicemail, a wrong key
    twice): as if it did not answer, and nobody else was rung (nor, on a warm transfer,
    joined to the call). The leg ends; a callback goes back to the desk (due again, a
    crisis callable at once), not counted as an attempt at the person; a waiting caller
    stays in their queue, held by no one, so that anyone of the desk may take them (and a
    crisis's alarms go on)."""
    now = utcnow()
    leg.status, leg.error, leg.updated_at = "no-answer", reason, now
    session.add(leg)
    contact = session.get(Contact, leg.contact_id)
    if leg.callback_id is not None:
        callback = attempt_of(session=session, leg=leg)
        if callback is not None and callback.status == "calling":
            back_to_desk(session=session, callback=callback, reason=NOT_CONFIRMED)
            if contact is not None:
                audit.record(session=session, event="update", contact=contact,
                             user_id=leg.user_id, detail=f"callback back to the desk: "
                                                         f"{reason}")
    elif leg.kind == "counsellor":
        caller_back_in_queue(session=session, leg=leg, reason=reason)
    # A colleague's voicemail on a warm transfer: when the counsellor left meanwhile, the
    # person is not left alone in a silent conference.
    end_if_no_one_left(session=session, leg=leg)


def caller_back_in_queue(*, session: Session, leg: CallLeg, reason: str) -> None:
    """The counsellor's phone, rung to take a waiting caller, did not answer or confirm: the
    caller was never moved and waits on in their queue; the counsellor lets go of them, so
    that anyone of the desk may take them (and a crisis's alarms go on)."""
    contact = session.get(Contact, leg.contact_id)
    if (contact is None or leg.callback_id is not None or contact.status != "in_progress"
            or contact.assigned_user_id != leg.user_id
            or counsellor_confirmed(leg=leg)):
        return
    contacts.put_back(session=session, contact=contact, by_user_id=None, reason=reason)


def counsellor_answered(*, session: Session, leg: CallLeg) -> CallLeg | None:
    """The counsellor pressed 1 on their phone: bring in the other side, once. Return the
    new leg."""
    leg.status, leg.answered_by, leg.updated_at = "in-progress", HUMAN, utcnow()
    session.add(leg)
    other = session.exec(
        select(CallLeg).where(CallLeg.conference == leg.conference, CallLeg.id != leg.id)
    ).first()
    if other is not None:
        return None
    contact = session.get(Contact, leg.contact_id)
    assert contact is not None  # noqa: S101 - a leg belongs to a contact
    if leg.callback_id is not None:
        callback = session.get(CallbackRequest, leg.callback_id)
        assert callback is not None  # noqa: S101 - the leg names it
        callback.attempts += 1
        callback.updated_at = utcnow()
        session.add(callback)
        return new_leg(session=session, contact=contact, user=None, kind="person",
                       callback=callback, conference=leg.conference)
    return new_leg(session=session, contact=contact, user=None, kind="caller",
                   conference=leg.conference, call_sid=contact.external_id, place=False)


def person_answered(*, session: Session, leg: CallLeg, answered_by: str,
                    policy: Policy | None = None) -> str:
    """The person's phone answered: `join` a human (or an unknown answer) to the counsellor,
    or say `sorry` (we call again) when no counsellor is left on the call; to a machine,
    leave the neutral `message` when the person said a voicemail is safe, else `hangup`
    without a word."""
    leg.answered_by = answered_by[:32] or None
    leg.updated_at = utcnow()
    session.add(leg)
    callback = session.get(CallbackRequest, leg.callback_id) if leg.callback_id else None
    machine = answered_by.startswith("machine") or answered_by == "fax"
    if callback is None:
        return "hangup"
    if attempt_of(session=session, leg=leg) is None:
        # A leg of an earlier attempt (given up on meanwhile): the attempt under way is not
        # this one's to end. Nobody is left alone in a silent conference nor on a voicemail.
        if machine:
            return "message" if callback.voicemail_allowed else "hangup"
        return "join" if counsellor_on_call(session=session, conference=leg.conference) \
            else "sorry"
    if not machine and not counsellor_on_call(session=session, conference=leg.conference):
        # Nobody to join: never leave the person in a silent conference, nor count them
        # reached. The callback is due again at once, this ring not counted as an attempt.
        if callback.status == "calling":
            callback.attempts = max(callback.attempts - 1, 0)
            back_to_desk(session=session, callback=callback,
                         reason="the counsellor left before the person answered")
        return "sorry"
    if not machine:
        attempt_ended(session=session, callback=callback, outcome="reached")
        return "join"
    allowed = callback.voicemail_allowed
    attempt_ended(session=session, callback=callback,
                  outcome="voicemail" if allowed else "no_answer", policy=policy)
    return "message" if allowed else "hangup"


def caller_joined(*, session: Session, leg: CallLeg, waited_s: int) -> None:
    """The waiting caller left their queue for the counsellor's conference: answered."""
    leg.status, leg.updated_at = "in-progress", utcnow()
    session.add(leg)
    contact = session.get(Contact, leg.contact_id)
    if contact is not None:
        contacts.mark_answered(session=session, contact=contact, waited_s=waited_s,
                               actor="voice", detail="call answered by a counsellor")


def leg_status(*, session: Session, call_sid: str, status: str, answered_by: str = "",
               policy: Policy | None = None, at: datetime | None = None) -> CallLeg | None:
    """Record a leg's status from Twilio's signed callback (one that arrives late, behind
    where the leg is, changes nothing); a final status of the person's leg that nobody
    answered ends the attempt (once). Return the leg, None if unknown."""
    leg = locked_leg(session, CallLeg.call_sid == call_sid)
    if leg is None:
        return None
    record_status(session=session, leg=leg, status=status, answered_by=answered_by,
                  policy=policy, at=at)
    return leg


def placed_leg_status(*, session: Session, leg_id: int, call_sid: str, status: str,
                      answered_by: str = "", policy: Policy | None = None,
                      at: datetime | None = None) -> CallLeg | None:
    """Record a status Twilio posted to the leg's own status callback (its URL names the
    leg): a leg without a sid yet takes the one posted, whether Twilio's word came before
    the answer to the request that placed the call or instead of it (the job stopped before
    storing it: else the leg would stay live for good, and the sweep that asks Twilio about
    quiet legs knows no call to ask about). A status of another call (an earlier try that
    Twilio placed after all) changes nothing. Return the leg, None when not this call's."""
    leg = locked_leg(session, CallLeg.id == leg_id)
    if leg is None:
        return None
    if leg.call_sid is None and leg.status not in FINAL:
        leg.call_sid, leg.error, leg.updated_at = call_sid, None, utcnow()
        session.add(leg)
    elif leg.call_sid != call_sid:
        return None
    record_status(session=session, leg=leg, status=status, answered_by=answered_by,
                  policy=policy, at=at)
    return leg


# Where the legs' status callbacks are kept (`channels/calls.py`: its channel, and kind).
STATUS_CHANNEL, STATUS_KIND = "call", "status"
# A status callback that names no leg (a call placed by an earlier version:
# `placed_leg_status`) whose call's sid is not stored yet (Twilio's word came before
# the answer to the request that placed the call) is matched again this long; then the
# quiet legs' sweep (`legs_to_check`) asks Twilio instead.
STATUS_MATCH_WITHIN = timedelta(seconds=90)


def status_unmatched(*, session: Session, call_sid: str) -> None:
    """A leg's status callback names a call no leg has yet: promise to match it again in
    seconds (`match_early_statuses`), once its sid is stored."""
    outbox.add(session, "match_status", urgent=True, call_sid=call_sid)


def match_early_statuses(*, session: Session, call_sid: str, policy: Policy | None = None,
                         now: datetime | None = None) -> str:
    """Record the status callbacks of this call that came before its leg had the sid, kept
    unmatched (`STATUS_MATCH_WITHIN`), in the order they came, as if they had come now; each
    is then its leg's contact's, matched once. Return "matched", "not yet" (no leg has the
    sid yet: to try again) or "none" (nothing left to match: matched already, or too old)."""
    since = (now or utcnow()) - STATUS_MATCH_WITHIN
    # The leg first: a run beside this one (or the leg's next status callback) waits, then
    # sees what this one matched.
    leg = locked_leg(session, CallLeg.call_sid == call_sid)
    table = table_of(InboundEvent)
    # A status callback's key begins with its CallSid (`channels.calls`: the key's sid is
    # `CallSid:state`): only this call's are read, not every unmatched one's payload (each
    # decrypted). The key's start narrows, the payload's CallSid decides.
    rows = session.execute(
        sa_select(table.c.id, table.c.payload)
        .where(table.c.channel == STATUS_CHANNEL, table.c.kind == STATUS_KIND,
               table.c.contact_id.is_(None), table.c.created_at >= since,
               inbound.of_sid(STATUS_CHANNEL, STATUS_KIND, call_sid))
        .order_by(table.c.id)
    ).all()
    posted = [(event_id, json.loads(payload or "{}")) for event_id, payload in rows]
    early = [(event_id, form) for event_id, form in posted if form.get("CallSid") == call_sid]
    if not early:
        return "none"
    if leg is None:
        return "not yet"
    for _event_id, form in early:
        record_status(session=session, leg=leg, status=str(form.get("CallStatus", ""))[:16],
                      answered_by=str(form.get("AnsweredBy", ""))[:32], policy=policy,
                      at=posted_time(str(form.get("Timestamp", ""))))
    session.execute(update(table).where(table.c.id.in_([event_id for event_id, _ in early]),
                                        table.c.contact_id.is_(None))
                    .values(contact_id=leg.contact_id))
    return "matched"


MAX_POSTED_TIME = 64  # "Tue, 03 Dec 2026 02:15:09 +0000" is 31 characters


def posted_time(raw: str) -> datetime | None:
    """Return a time Twilio posted (RFC 2822, a status callback's Timestamp), aware; None
    when absent or unreadable."""
    if not raw or len(raw) > MAX_POSTED_TIME:
        return None
    try:
        moment = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def locked_leg(session: Session, where: Any) -> CallLeg | None:
    """Return the leg found by `where`, locked: two of its status callbacks posted side by
    side ("ringing" late beside "busy"), or one beside the reconciler, are taken one after
    the other, the second seeing what the first left."""
    leg: CallLeg | None = session.exec(select(CallLeg).where(where).with_for_update()
                                       .execution_options(populate_existing=True)).first()
    return leg


def record_status(*, session: Session, leg: CallLeg, status: str, answered_by: str = "",
                  policy: Policy | None = None, at: datetime | None = None) -> CallLeg:
    """Record a status of a leg the caller locked (`leg_status`); `at`: when Twilio says it
    happened (its callback's Timestamp), when known."""
    if leg.status in FINAL:
        return leg  # a repeated callback changes nothing
    if status not in FINAL and PROGRESS.get(status, 0) < PROGRESS.get(leg.status, 0):
        return leg  # a late one, out of order: a leg in progress is never ringing again
    leg.status, leg.updated_at = status[:16], utcnow()
    if answered_by:
        leg.answered_by = answered_by[:32]
    session.add(leg)
    if status not in FINAL:
        return leg  # answered is not taken: a colleague takes a transfer by pressing 1
    callback = attempt_of(session=session, leg=leg)
    if callback is not None and callback.status == "calling":
        if leg.kind == "person":
            attempt_ended(session=session, callback=callback,
                          outcome=LEG_OUTCOME.get(status, "no_answer"), policy=policy)
        elif leg.kind == "counsellor" and status != "completed":
            # The counsellor's own phone did not answer: the person was never rung.
            back_to_desk(session=session, callback=callback,
                         reason="the counsellor's phone did not answer")
        elif leg.kind == "counsellor" and not person_rung(session=session, leg=leg):
            back_to_desk(session=session, callback=callback,
                         reason="the counsellor hung up before the person was called")
    elif leg.kind == "counsellor":
        # Not answered, or answered and hung up before the 1 (a voicemail that stops
        # recording): the caller was never moved (`caller_back_in_queue` leaves a taken one).
        caller_back_in_queue(session=session, leg=leg,
                             reason="the counsellor's phone did not answer"
                             if status != "completed" else NOT_CONFIRMED)
    if leg.kind in ("counsellor", "transfer"):
        end_if_no_one_left(session=session, leg=leg, ended_at=at)
    return leg


# Twilio's `initiated` is a leg's first moment, before `ringing`: live already.
LIVE = ("initiated", "queued", "ringing", "in-progress", "dialing", "placed", "moving")
# How far a live leg has come; Twilio's status callbacks may arrive out of order.
PROGRESS = {"initiated": 1, "queued": 1, "ringing": 2, "in-progress": 3}


def back_to_desk(*, session: Session, callback: CallbackRequest, reason: str) -> None:
    """An attempt ended before the person was called: the callback is due again (a crisis:
    callable at once) in the desk's queue, held by no one, the reason said on the desk."""
    now = utcnow()
    callback.status, callback.claimed_by = again_status(session, callback), None
    callback.error, callback.updated_at = reason, now
    release_callback_contact(session=session, callback=callback, now=now)
    session.add(callback)


def attempt_of(*, session: Session, leg: CallLeg) -> CallbackRequest | None:
    """Return the callback whose attempt under way this leg is part of; None for a leg of no
    callback, or of an earlier attempt. Each attempt rings the counsellor first, in a
    conference of its own that the person's leg joins; the attempt under way is that of the
    callback's newest counsellor leg. So a late status of an earlier attempt's leg (the
    person's "completed" after a voicemail was hung up on and the callback called again)
    records that leg's own status only, and never ends the attempt now ringing. Told by the
    legs' ids, not by clocks: the web and the workers may not agree to the microsecond."""
    if leg.callback_id is None:
        return None
    newest = session.exec(
        select(CallLeg.conference).where(CallLeg.callback_id == leg.callback_id,
                                         CallLeg.kind == "counsellor")
        .order_by(col(CallLeg.id).desc())
    ).first()
    if newest is not None and newest != leg.conference:
        return None
    return session.get(CallbackRequest, leg.callback_id)


def person_rung(*, session: Session, leg: CallLeg) -> bool:
    """The counsellor's side of a callback ended: cancel the person's leg its job has not
    taken yet (the job then finds it taken, and rings no one), uncounting the attempt.
    Return whether the person's phone was, or is being, rung."""
    people = session.exec(
        select(CallLeg).where(CallLeg.conference == leg.conference, CallLeg.kind == "person")
    ).all()
    rung = False
    for person in people:
        if person.status != "placed" or person.call_sid is not None:
            rung = True
            continue
        person.status, person.updated_at = "canceled", utcnow()
        person.error = "not placed: the counsellor hung up first"
        session.add(person)
        callback = session.get(CallbackRequest, person.callback_id) if person.callback_id \
            else None
        if callback is not None:
            callback.attempts = max(callback.attempts - 1, 0)
            session.add(callback)
    return rung


def counsellor_on_call(*, session: Session, conference: str) -> bool:
    """Tell whether a counsellor (or a colleague joining) is still on this conference."""
    found = session.exec(
        select(CallLeg.id).where(CallLeg.conference == conference,
                                 col(CallLeg.kind).in_(("counsellor", "transfer")),
                                 col(CallLeg.status).in_(LIVE))
    ).first()
    return found is not None


def end_if_no_one_left(*, session: Session, leg: CallLeg,
                       ended_at: datetime | None = None) -> None:
    """A counsellor hung up: when no other counsellor is on (or joining) the call, end the
    person's side too, so nobody is left alone in a silent conference. A waiting caller who
    joined only after the counsellor's call had ended (`ended_at`, Twilio's word of it, came
    in after the caller's webhook) never met anyone: back in their queue, not answered."""
    others = session.exec(
        select(CallLeg).where(CallLeg.conference == leg.conference, CallLeg.id != leg.id,
                              col(CallLeg.status).in_(LIVE))
    ).all()
    if any(o.kind in ("counsellor", "transfer") for o in others):
        return
    for other in others:
        if (other.kind == "caller" and other.status in NOT_YET_JOINED
                and move_called_off(session=session, caller=other, counsellor=leg)):
            continue
        if (other.kind == "caller" and other.status == "in-progress" and ended_at is not None
                and leg.kind == "counsellor" and ended_at <= other.updated_at
                and never_met(session=session, caller=other, counsellor=leg)):
            continue
        if other.kind in ("person", "caller") and other.call_sid:
            outbox.add(session, "end_leg", urgent=True, leg_id=other.id or 0)


# A waiting caller's leg whose move out of the queue is promised or under way.
NOT_YET_JOINED = ("moving", "dialing")
CALLED_OFF = "not moved: the counsellor's phone hung up first"


def move_called_off(*, session: Session, caller: CallLeg, counsellor: CallLeg) -> bool:
    """The counsellor's phone hung up after the 1 but before the waiting caller was moved
    to them: never end the caller's call for that. The move is called off (its job finds it
    taken; a caller Twilio is moving already is put back in their queue by its TwiML), and
    the caller waits on, held by no one, so that anyone of the desk may take them (a
    crisis's alarms go on). One conditional update: a caller who joined meanwhile (their
    webhook beside this one) is not called off. Return whether it was."""
    table = table_of(CallLeg)
    # call_sid freed for the next counsellor's leg that takes them.
    called_off = session.execute(
        update(table).where(table.c.id == caller.id, table.c.status.in_(NOT_YET_JOINED))
        .values(status="canceled", error=CALLED_OFF, call_sid=None, updated_at=utcnow())
    ).rowcount  # type: ignore[attr-defined]
    session.refresh(caller)
    if not called_off:
        return False
    contact = session.get(Contact, caller.contact_id)
    if (contact is not None and contact.status == "in_progress" and contact.answered_at is None
            and contact.assigned_user_id in (None, counsellor.user_id)):
        contacts.put_back(session=session, contact=contact, by_user_id=None, reason=CALLED_OFF)
    return True


NEVER_MET = "not joined: the counsellor had left"


def never_met(*, session: Session, caller: CallLeg, counsellor: CallLeg) -> bool:
    """The waiting caller joined the counsellor's conference after the counsellor's call had
    ended (their webhook beat Twilio's word of that end): nobody was there. They were not
    answered: let go of, waiting again for anyone of the desk (a crisis's alarms go on), and
    moved out of the empty conference back into their queue (`caller_back` answers the
    move). Return whether it was so (a caller not joined to this counsellor's call: no)."""
    contact = session.get(Contact, caller.contact_id)
    if (contact is None or contact.status != "in_progress" or caller.call_sid is None
            or contact.assigned_user_id not in (None, counsellor.user_id)):
        return False
    call_sid = caller.call_sid
    now = utcnow()
    caller.status, caller.error, caller.call_sid, caller.updated_at = (
        "canceled", NEVER_MET, None, now)
    session.add(caller)
    session.flush()  # the call's sid is free for the leg that moves it back
    contact.answered_at = contact.wait_seconds = None
    contacts.put_back(session=session, contact=contact, by_user_id=None, reason=NEVER_MET)
    new_leg(session=session, contact=contact, user=None, kind="caller",
            conference=caller.conference, call_sid=call_sid, place=False)
    return True


def caller_back(*, session: Session, leg: CallLeg) -> bool:
    """A waiting caller is moved into a conference with no counsellor left on it (Twilio's
    word that the counsellor's call ended came first, or `never_met` moves them out of an
    empty one): they are not joined, the move called off, and they go back in their queue.
    Return whether it was so. A colleague who claimed the caller in the moment between keeps
    them: the caller is enqueued again all the same, and the colleague's phone moves them."""
    if counsellor_on_call(session=session, conference=leg.conference):
        return False
    leg.status, leg.error, leg.call_sid, leg.updated_at = ("canceled", NEVER_MET, None,
                                                          utcnow())
    session.add(leg)
    contact = session.get(Contact, leg.contact_id)
    left = session.exec(select(CallLeg.user_id).where(
        CallLeg.conference == leg.conference, CallLeg.kind == "counsellor")).all()
    if (contact is not None and contact.status == "in_progress"
            and contact.answered_at is None
            and (contact.assigned_user_id is None or contact.assigned_user_id in left)):
        contacts.put_back(session=session, contact=contact, by_user_id=None, reason=NEVER_MET)
    return True


# --- an attempt's end ---------------------------------------------------------------------


def attempt_ended(*, session: Session, callback: CallbackRequest, outcome: str,
                  policy: Policy | None = None, now: datetime | None = None) -> str:
    """Record how an attempt ended; return the callback's new status. Reached or a wrong
    number ends it; otherwise it is tried again after the configured wait, within its window
    (any time for "as soon as possible"), and after the last attempt it goes to the desk
    manager's unreachable list. A crisis escalates after its first failed attempt."""
    policy = policy or Policy()
    now = now or utcnow()
    callback.last_outcome = outcome
    callback.updated_at = now
    contact = session.get(Contact, callback.contact_id)
    assert contact is not None  # noqa: S101 - a callback belongs to a contact
    if outcome in ("reached", "wrong_number"):
        callback.status = "done"
    elif not callback.phone:
        # Erased while it was being called: no number left, never due again (nor a
        # crisis's alarm for it); the contact is let go of.
        callback.status, callback.claimed_by = ERASED, None
        callback.error = NO_NUMBER_LEFT
        release_callback_contact(session=session, callback=callback, now=now)
    elif contact.crisis:
        # A crisis is never parked: callable again at once, and the desk is alerted now.
        callback.status = "crisis"
        release_callback_contact(session=session, callback=callback, now=now)
        from loket.domain import escalation

        escalation.raise_now(session=session, contact=contact, now=now)
    else:
        attempts = max(callback.attempts, 1)
        later = now + policy.delay(attempts)
        if attempts >= max(policy.attempts, callback.max_attempts):
            callback.status = "unreachable"
        elif callback.window != "asap" and later >= callback.window_end:
            callback.status, callback.window_missed_at = "missed", now
        else:
            callback.status, callback.next_attempt_at = "pending", later
            outbox.add(session, "schedule_callback", callback_id=callback.id or 0)
        release_callback_contact(session=session, callback=callback, now=now)
    session.add(callback)
    audit.record(session=session, event="update", contact=contact,
                 detail=f"callback attempt={callback.attempts} outcome={outcome} "
                        f"status={callback.status}")
    return callback.status


def release_callback_contact(*, session: Session, callback: CallbackRequest,
                             now: datetime) -> None:
    """Put a callback's contact back in its queue's callbacks, held by no one."""
    contact = session.get(Contact, callback.contact_id)
    if contact is None or contact.status == "closed":
        return
    contacts.forget_holders_drafts(session=session, contact=contact)
    contact.assigned_user_id = None
    if callback.status == ERASED:  # nothing left to call: not back among the callbacks
        contact.updated_at = now
        session.add(contact)
        return
    contact.status = "waiting" if contact.crisis else "callback"  # a crisis waits: now
    contact.updated_at = now
    session.add(contact)


def record_outcome(*, session: Session, user: User, contact: Contact, outcome: str,
                   policy: Policy | None = None, source: str = "") -> str:
    """The counsellor says how the call went (e.g. a wrong number); return the status."""
    if outcome not in OUTCOMES:
        raise Refused(f"one of {', '.join(OUTCOMES)}", field="outcome", key="r_call_outcome")
    callback = active_callback(session=session, contact=contact)
    if callback is None:
        raise Refused("no callback of this contact is due", field="callback",
                      key="r_no_callback")
    if callback.status in CALLABLE:  # said without a call placed through Loket: one attempt
        callback.attempts += 1
    status = attempt_ended(session=session, callback=callback, outcome=outcome, policy=policy)
    audit.record(session=session, event="update", contact=contact, user_id=user.id,
                 actor="user", detail=f"callback outcome={outcome}", source=source)
    return status


# --- the manager's list -------------------------------------------------------------------


@dataclass(frozen=True)
class Unreachable:
    """A callback for the manager: reference, channel, attempts, why; nothing personal."""

    callback_id: int
    reference: str
    channel: str
    attempts: int
    status: str
    last_outcome: str | None
    since: datetime


def for_manager(*, session: Session, desk: str | None) -> list[Unreachable]:
    """Return the desk's callbacks that were never reached or whose window passed, of
    contacts still waiting for a call (not back in a queue: their person wrote again) with
    no other callback still to make (a counsellor promised a new one since)."""
    rows = session.execute(
        sa_select(col(CallbackRequest.id), col(Contact.reference), col(Contact.channel),
                  col(CallbackRequest.attempts), col(CallbackRequest.status),
                  col(CallbackRequest.last_outcome), col(CallbackRequest.updated_at))
        .join(Contact, col(Contact.id) == CallbackRequest.contact_id)
        .where(col(CallbackRequest.status).in_(FOR_MANAGER), col(Contact.desk) == desk,
               col(Contact.status) == "callback",
               callbacks.none_still_to_make(col(Contact.id)))
        .order_by(col(CallbackRequest.updated_at))
    ).all()
    return [Unreachable(callback_id=r[0] or 0, reference=r[1], channel=r[2], attempts=r[3],
                        status=r[4], last_outcome=r[5], since=r[6]) for r in rows]


def manager_callback(*, session: Session, user: User, callback_id: int) -> CallbackRequest:
    """Return one of the manager's desk's unreachable callbacks, its contact and it locked
    (in the intake's order: contact, then callback) and read again; Refused otherwise. A
    person who writes crisis words meanwhile is seen: a crisis is not on the list, nor a
    contact back in a queue because its person wrote again, nor one a counsellor promised a
    new callback since (closing the old one would cancel the promise; trying it again would
    ring outside the window the person chose)."""
    found = session.get(CallbackRequest, callback_id)
    contact = contacts.lock(session=session, contact_id=found.contact_id) if found else None
    callback = session.get(CallbackRequest, callback_id, with_for_update=True,
                           populate_existing=True) if contact else None
    if (callback is None or contact is None or callback.status not in FOR_MANAGER
            or contact.crisis or contact.status != "callback"
            or not callbacks.only_failed(session=session, contact=contact)
            or user.desk not in (None, contact.desk)  # a manager of every desk: any
            or user.role != "manager"):
        raise Refused("no such callback on your list", field="callback", key="r_no_callback")
    return callback


def try_once_more(*, session: Session, user: User, callback_id: int, source: str = "") -> None:
    """The manager sends an unreachable callback back to the desk for one more attempt,
    now (they decide the window no longer binds it)."""
    callback = manager_callback(session=session, user=user, callback_id=callback_id)
    now = utcnow()
    callback.status, callback.due_at, callback.next_attempt_at = "due", now, now
    callback.max_attempts = max(callback.max_attempts, callback.attempts + 1)
    callback.window, callback.window_end = "asap", now + timedelta(hours=2)
    callback.updated_at = now
    session.add(callback)
    contact = session.get(Contact, callback.contact_id)
    assert contact is not None  # noqa: S101 - checked in manager_callback
    contact.status, contact.updated_at = "callback", now
    session.add(contact)
    audit.record(session=session, event="update", contact=contact, user_id=user.id,
                 actor="user", detail="callback tried once more", source=source)


def close_unreachable(*, session: Session, user: User, callback_id: int, source: str = ""
                      ) -> None:
    """The manager closes an unreachable callback's contact (outcome: no contact)."""
    callback = manager_callback(session=session, user=user, callback_id=callback_id)
    callback.status, callback.updated_at = "closed", utcnow()
    session.add(callback)
    contact = session.get(Contact, callback.contact_id)
    assert contact is not None  # noqa: S101 - checked in manager_callback
    contacts.close(session=session, contact=contact, outcome="no_contact", actor="user",
                   detail="unreachable callback closed", user_id=user.id, source=source)


def legs_of(*, session: Session, contact: Contact, limit: int = 6) -> list[CallLeg]:
    """Return a contact's newest phone legs (their kind, status and any error)."""
    return list(session.exec(
        select(CallLeg).where(CallLeg.contact_id == contact.id)
        .order_by(col(CallLeg.id).desc()).limit(limit)
    ).all())



# --- on a live call: a listener for the counsellor, a warm transfer ---------------------


def live_counsellor_leg(*, session: Session, contact: Contact) -> CallLeg | None:
    """Return the counsellor's leg of the contact's live call, if one is in progress."""
    return session.exec(
        select(CallLeg).where(CallLeg.contact_id == contact.id, CallLeg.kind == "counsellor",
                              CallLeg.status == "in-progress")
        .order_by(col(CallLeg.id).desc())
    ).first()


def live_call_contacts() -> SelectOfScalar[int]:
    """Return a query of the contacts whose call is live (a leg still ringing or connected):
    a counsellor on the phone is there, browser or not."""
    return select(CallLeg.contact_id).where(col(CallLeg.status).in_(LIVE))


def on_a_live_call(*, session: Session, user_id: int) -> set[int]:
    """Return the ids of the contacts this counsellor holds whose call is live."""
    rows = session.exec(
        select(Contact.id).where(Contact.assigned_user_id == user_id,
                                 col(Contact.id).in_(live_call_contacts()))
    ).all()
    return {int(contact_id) for contact_id in rows if contact_id is not None}


# Twilio's statuses of a call that is over.
ENDED_CALL_STATUSES = ("completed", "canceled", "failed", "busy", "no-answer")
STILL_WAITING = ("new", "routed", "waiting")


def calls_to_check(*, session: Session, quiet_for: timedelta, limit: int = 50,
                   now: datetime | None = None) -> list[tuple[int, str]]:
    """Return (contact id, CallSid) of phone contacts still waiting or in the intake whose
    row has not changed for `quiet_for`: if Twilio's word that the caller hung up was lost
    (the database away at that moment), only asking Twilio tells. Oldest first."""
    since = (now or utcnow()) - quiet_for
    rows = session.exec(
        select(Contact.id, Contact.external_id)
        .where(Contact.channel == "phone",
               or_(col(Contact.status).in_(STILL_WAITING), and_(*claimed_not_joined())),
               col(Contact.external_id).is_not(None), col(Contact.updated_at) < since,
               *awaiting_its_call())
        .order_by(col(Contact.updated_at)).limit(limit)
    ).all()
    return [(contact_id, sid) for contact_id, sid in rows if contact_id and sid]


def awaiting_its_call() -> tuple[ColumnElement[bool], ...]:
    """Return the conditions of a phone contact whose first call is still all it has: no
    callback filed (by the menu, a kept place or a counsellor; a crisis's way to reach
    them) and no counsellor took the caller into a call. Only then does that call's end
    say the person left: a contact served otherwise is waiting for a counsellor, not on
    that line (a callback let go of, a crisis put back in the queue)."""
    callback = select(CallbackRequest.id).where(CallbackRequest.contact_id == Contact.id)
    joined = select(CallLeg.id).where(CallLeg.contact_id == Contact.id,
                                      CallLeg.kind == "caller",
                                      col(CallLeg.status).in_(JOINED))
    return ~callback.exists(), ~joined.exists()


def still_awaiting_its_call(*, session: Session, contact_id: int) -> bool:
    """Tell whether a phone contact's first call is still all it has (`awaiting_its_call`):
    only then does the end of that call mean the person left unanswered."""
    found = session.exec(
        select(Contact.id).where(Contact.id == contact_id, *awaiting_its_call())).first()
    return found is not None


# A waiting caller's leg once they were in a counsellor's conference (in it, or ended).
JOINED = ("in-progress", "completed")


def erased_caller(*, session: Session, call_sid: str) -> int | None:
    """Return the erased contact whose caller's call this is, if any: an erasure while the
    caller was on the line forgets the call's sid on the contact and keeps it only on the
    leg it ends the call by (`erasure.hang_up`)."""
    return session.exec(
        select(CallLeg.contact_id).join(Contact, col(Contact.id) == CallLeg.contact_id)
        .where(CallLeg.call_sid == call_sid, CallLeg.kind == "caller",
               col(Contact.anonymised_at).is_not(None))
        .limit(1)
    ).first()


def caller_call_ended(*, session: Session, call_sid: str) -> int:
    """A caller's own call ended (Twilio's status callback of the incoming call; the move
    into a counsellor's conference sets none of its own): their leg is over too, so the
    call no longer counts as live. A leg not yet joined is cancelled (the move job finds it
    taken), and the counsellor waiting for them in a silent conference is hung up, as is a
    counsellor's phone still ringing to take them (`ringing_for_nobody`). Return how many
    legs ended."""
    legs = session.exec(
        select(CallLeg).where(CallLeg.call_sid == call_sid, CallLeg.kind == "caller",
                              col(CallLeg.status).not_in(FINAL))
    ).all()
    for leg in legs:
        joined = leg.status == "in-progress"
        leg.status = "completed" if joined else "canceled"
        leg.error = None if joined else "the caller hung up before joining"
        leg.updated_at = utcnow()
        session.add(leg)
        if not joined:
            waiting_for_them = session.exec(
                select(CallLeg).where(CallLeg.conference == leg.conference,
                                      CallLeg.kind == "counsellor",
                                      col(CallLeg.status).in_(LIVE),
                                      col(CallLeg.call_sid).is_not(None))
            ).all()
            for counsellor in waiting_for_them:
                outbox.add(session, "end_leg", urgent=True, leg_id=counsellor.id or 0)
    # A counsellor's phone rung to take them, no 1 pressed yet (no leg of theirs to move).
    contact = session.exec(select(Contact).where(Contact.channel == "phone",
                                                 Contact.external_id == call_sid)).first()
    rung = ringing_for_nobody(session=session, contact=contact) if contact else 0
    return len(legs) + rung


def left_unanswered(*, session: Session, contact: Contact, waited_s: int | None,
                    actor: str, detail: str) -> None:
    """A caller left before a counsellor answered: an abandoned call. But a crisis with a
    number to call is never lost: it stays open, waiting now, its alarms going on, with
    the number kept (`keep_crisis_reach`: never scheduled) for whoever takes it to call
    back at once (their own, or the one they keyed in: `number_to_reach`). A hidden number
    and none keyed in leaves nothing to call: abandoned, as any other. Either way a
    counsellor's phone still ringing to take them is hung up (`ringing_for_nobody`)."""
    ringing_for_nobody(session=session, contact=contact)
    held = claimed_on_the_line(session=session, contact=contact)
    phone = number_to_reach(session=session, contact=contact) if contact.crisis else None
    if phone and (contacts.unanswered(contact) or held):  # a crisis with a number to call
        # Once, whichever of Twilio's words about the call's end comes first. A counsellor
        # who claimed them on the desk keeps them, to call back at once.
        if keep_crisis_open(session=session, contact=contact, phone=phone):
            if waited_s is not None:  # the reports count this call abandoned (not answered)
                contact.wait_seconds = waited_s
            audit.record(session=session, event="update", contact=contact, actor=actor,
                         detail=f"{detail}: a crisis, kept open to be called back at once")
            log.warning("calls.crisis_caller_left", contact_id=contact.id)
        return
    if held:  # claimed on the desk, never joined: as abandoned as any caller who left
        contacts.put_back(session=session, contact=contact, by_user_id=None,
                          reason=f"{detail} before being joined")
    contacts.mark_abandoned(session=session, contact=contact, waited_s=waited_s, actor=actor,
                            detail=detail)


def ringing_for_nobody(*, session: Session, contact: Contact) -> int:
    """The waiting caller hung up while a counsellor's own phone was rung to take them
    ("answer" pressed on the desk, no 1 pressed yet: no leg of theirs to move exists, so
    `caller_call_ended` finds none): that phone would ring for nobody, and its counsellor
    pick up to hear the call is over. Each such leg is ended once, whichever of Twilio's
    words of the caller's end comes first (their queue's result, their call's status, the
    reconciler asking): one not placed yet is called off (its job finds it taken); one
    ringing (or at the 1's prompt) is hung up through Twilio (the outbox's `end_leg`),
    unless that is promised already; one being placed this very moment is hung up as soon
    as its sid is kept (`leg_placed`). The desk says why (`CALLER_GONE_FIRST`, which also
    marks it as seen to); the leg's status callback then ends it, and its counsellor, on no
    call, takes the next caller. Return how many legs were ended or called off."""
    if contact.id is None or contact.channel != "phone":
        return 0
    rung = session.exec(
        select(CallLeg).where(CallLeg.contact_id == contact.id, CallLeg.kind == "counsellor",
                              col(CallLeg.callback_id).is_(None),
                              col(CallLeg.status).in_(LIVE),
                              or_(col(CallLeg.answered_by).is_(None),
                                  col(CallLeg.answered_by) != HUMAN),
                              or_(col(CallLeg.error).is_(None),
                                  col(CallLeg.error) != CALLER_GONE_FIRST))
        .with_for_update().execution_options(populate_existing=True)
    ).all()
    now = utcnow()
    for leg in rung:
        leg.error, leg.updated_at = CALLER_GONE_FIRST, now
        if leg.status == "placed":  # its job has not taken it: nobody's phone rings
            leg.status = "canceled"
        elif leg.call_sid and not end_promised(session=session, leg=leg):
            outbox.add(session, "end_leg", urgent=True, leg_id=leg.id or 0)
        session.add(leg)
    if rung:
        log.info("calls.ringing_for_nobody", contact_id=contact.id, legs=len(rung))
    return len(rung)


def number_to_reach(*, session: Session, contact: Contact) -> str | None:
    """Return the number a caller can be called back on: their own, or, for a hidden
    number, the one they keyed in at the callback question (`callbacks.keyed_number`)."""
    if contact.phone:
        return contact.phone
    if contact.channel != "phone":
        return None
    return callbacks.keyed_number(session=session, contact=contact)


def claimed_on_the_line(*, session: Session, contact: Contact) -> bool:
    """Tell whether a caller waiting on the line was claimed by a counsellor on the desk but
    never joined with them (claimed is not answered: `contacts.claim`), their first call
    still all they have: when they hang up, their call is abandoned."""
    if contact.channel != "phone" or contact.id is None:
        return False
    found = session.exec(select(Contact.id).where(
        Contact.id == contact.id, *claimed_not_joined(), *awaiting_its_call())).first()
    return found is not None


def claimed_not_joined() -> tuple[ColumnElement[bool], ...]:
    """Return the conditions of a caller on the line (in their queue) whom a counsellor
    claimed on the desk but who was never answered (`claimed_on_the_line`)."""
    return (col(Contact.status) == "in_progress", col(Contact.answered_at).is_(None),
            col(Contact.intake_step).in_(contacts.ON_THE_LINE))


def keep_crisis_open(*, session: Session, contact: Contact, phone: str,
                     step: str = "callback") -> bool:
    """Keep a crisis caller who is no longer on the line (hung up, or their queue failed),
    or a person in crisis who asked to stop the texts (`step` "stopped"), waiting now with
    the number to call back at once (`keep_crisis_reach`: never scheduled among the
    callbacks, and not a callback they asked for: the reports count it apart); return False
    when it was kept so already."""
    kept = session.exec(select(CallbackRequest.id).where(
        CallbackRequest.contact_id == contact.id, CallbackRequest.status == "crisis")).first()
    if kept is not None:
        return False
    callbacks.keep_crisis_reach(session=session, contact=contact, phone=phone, asked=False)
    contacts.wait_now(session=session, contact=contact)
    contacts.set_step(session=session, contact=contact, step=step)
    return True


def call_gone(*, session: Session, contact_id: int, status: str) -> bool:
    """Close a waiting phone contact whose call Twilio says is over (abandoned), as its
    status callback would have (a crisis with a number stays open: `left_unanswered`); return
    whether it closed it."""
    contact = contacts.lock(session=session, contact_id=contact_id)
    if contact is None:
        return False
    held = claimed_on_the_line(session=session, contact=contact)
    if contact.status not in STILL_WAITING and not held:
        return False
    if not still_awaiting_its_call(session=session, contact_id=contact_id):
        return False  # a callback or a counsellor's call took it on meanwhile
    waited = None
    if (contact.status == "waiting" or held) and contact.routed_at is not None:
        waited = max(int((utcnow() - contact.routed_at).total_seconds()), 0)
    left_unanswered(session=session, contact=contact, waited_s=waited, actor="reconciler",
                    detail=f"call ended ({status}): found by asking Twilio")
    return contact.status == "closed"


# Legs that ring a counsellor's own phone (a colleague's for a warm transfer, the manager's
# who listens in): screened, a 1 pressed before anyone is joined.
SCREENED = ("counsellor", "transfer", "coach")
# Legs Loket placed whose end only their status callback tells (a waiting caller's own
# call is asked about by `calls_to_check`); one quiet this long is asked about of Twilio.
CHECKED_LEGS = ("counsellor", "coach", "transfer", "person")
LEG_QUIET = STUCK_AFTER


def legs_to_check(*, session: Session, quiet_for: timedelta = LEG_QUIET, limit: int = 50,
                  now: datetime | None = None) -> list[tuple[int, str]]:
    """Return (leg id, CallSid) of placed legs not over whose row has not changed for
    `quiet_for`: Twilio sends a status callback once, and if that word of the call's end
    was lost, only asking Twilio tells (else the leg stays live for ever: the counsellor on
    a call for good). Quietest first."""
    since = (now or utcnow()) - quiet_for
    rows = session.exec(
        select(CallLeg.id, CallLeg.call_sid)
        .where(col(CallLeg.kind).in_(CHECKED_LEGS), col(CallLeg.status).not_in(FINAL),
               col(CallLeg.call_sid).is_not(None), col(CallLeg.updated_at) < since)
        .order_by(col(CallLeg.updated_at)).limit(limit)
    ).all()
    return [(leg_id, sid) for leg_id, sid in rows if leg_id and sid]


def leg_checked(*, session: Session, leg_id: int, call_sid: str, status: str,
                policy: Policy | None = None) -> bool:
    """Record what Twilio says of a quiet leg's call: over, as its lost status callback
    would have (`leg_status`); still going, asked again only after another quiet while.
    Return whether the leg ended now."""
    leg = locked_leg(session, CallLeg.id == leg_id)
    if leg is None or leg.call_sid != call_sid or leg.status in FINAL:
        return False
    if status in FINAL:
        record_status(session=session, leg=leg, status=status, policy=policy)
        return True
    leg.updated_at = utcnow()
    session.add(leg)
    return False


def help_asked(*, session: Session, manager: User, contact: Contact, leg: CallLeg | None
               ) -> int | None:
    """Return the help request that lets this manager listen in on a contact's call, None
    when none does. It must stand (`support.standing`), be asked of the manager's desk and,
    on a live call, be the one of the counsellor on it: never a call another counsellor (of
    another desk, after a release) took over. A manager of every desk answers any desk's."""
    from loket.domain import support
    from loket.store.models import HelpRequest

    if manager.role != "manager":
        return None
    on_the_call = [] if leg is None else [HelpRequest.user_id == leg.user_id]
    # A manager of every desk (no desk of their own) answers any desk's request.
    asked = [] if manager.desk is None else [HelpRequest.desk == manager.desk]
    return session.exec(
        select(HelpRequest.id).join(Contact, col(Contact.id) == HelpRequest.contact_id)
        .where(HelpRequest.contact_id == contact.id, col(HelpRequest.resolved_at).is_(None),
               *asked, support.standing(), *on_the_call)
    ).first()


def listen_in(*, session: Session, manager: User, contact: Contact, source: str = ""
              ) -> CallLeg:
    """The desk's manager listens to a live call and speaks to the counsellor only (Twilio's
    coaching), when the counsellor asked for help on this contact; their phone rings, and
    is screened as a counsellor's: only a 1 pressed joins it (`manager_joined`), so a
    voicemail never hears the call."""
    leg = live_counsellor_leg(session=session, contact=contact)
    if help_asked(session=session, manager=manager, contact=contact, leg=leg) is None:
        raise Refused("only on a call whose counsellor asked your desk for help",
                      field="call", key="r_no_help_asked")
    if leg is None:
        raise Refused("no call of this contact is live", field="call", key="r_no_live_call")
    counsellor_phone(manager)
    coach = new_leg(session=session, contact=contact, user=manager, kind="coach",
                    conference=leg.conference)
    audit.record(session=session, event="call", contact=contact, user_id=manager.id,
                 actor="user", detail="listening in (coaching the counsellor)", source=source)
    return coach


def warm_transfer(*, session: Session, user: User, contact: Contact, desk: str, note: str,
                  source: str = "") -> CallLeg:
    """Add an available counsellor of another desk (or De Basis) to the live call: the
    counsellor talks to them first, then hangs up; the handover note and the ownership
    move as in the workspace, and the new counsellor holds the contact once they join."""
    from loket.domain import workspace

    contacts.require_held(contact, user)
    leg = live_counsellor_leg(session=session, contact=contact)
    if leg is None or leg.user_id != user.id:
        raise Refused("no call of yours on this contact is live", field="call",
                      key="r_no_live_call")
    on_a_call = (select(CallLeg.user_id)
                 .where(col(CallLeg.kind).in_(SCREENED), col(CallLeg.status).in_(LIVE),
                        col(CallLeg.user_id).is_not(None)))
    colleague = session.exec(
        select(User).where(User.desk == desk, User.role == "counsellor",
                           col(User.active).is_(True), col(User.available).is_(True),
                           col(User.phone).is_not(None), User.id != user.id,
                           col(User.id).not_in(on_a_call))
        .order_by(col(User.id))
    ).first()
    if colleague is None and desk in ("police", "veterans", "debasis"):
        raise Refused("nobody of that desk is available to take the call now", field="desk",
                      key="r_nobody_available")
    workspace.transfer(session=session, user=user, contact=contact, desk=desk, note=note,
                       source=source)
    assert colleague is not None  # noqa: S101 - the desk was checked by transfer above
    joined = new_leg(session=session, contact=contact, user=colleague, kind="transfer",
                     conference=leg.conference)
    audit.record(session=session, event="transfer", contact=contact, user_id=user.id,
                 actor="user", detail=f"warm transfer desk={desk} on the live call",
                 source=source)
    return joined


# Said on the desk when the colleague of a warm transfer may no longer take the call.
NOT_THEIRS = "the colleague may no longer see the contact"
# Said on the desk when a counsellor or manager pressed 1 on a call no longer theirs.
NO_LONGER_THEIRS = "no longer theirs to take when they pressed 1"


def still_sees(*, session: Session, leg: CallLeg) -> tuple[Contact, User] | None:
    """Return the leg's contact and counsellor when the counsellor, their account active,
    may still see the contact (not erased) as their phone is answered; None otherwise. It
    rang a while: an admin may have disabled them or moved them to another desk, or the
    contact been handed on, meanwhile (they would hear a desk's call they no longer see)."""
    contact = session.get(Contact, leg.contact_id)
    user = session.get(User, leg.user_id) if leg.user_id is not None else None
    if (contact is None or user is None or not user.active or contact.anonymised_at is not None
            or not break_glass.sees_now(session=session, user=user, contact=contact)):
        return None
    return contact, user


def may_put_through(*, session: Session, leg: CallLeg) -> bool:
    """Tell whether the counsellor who pressed 1 may still be put through: they still see
    the contact (`still_sees`), and it is nobody else's. When not, the leg ends as one not
    confirmed (a callback back to the desk, a waiting caller back in their queue for anyone
    of it) and False is returned."""
    seen = still_sees(session=session, leg=leg)
    if seen is not None and seen[0].assigned_user_id in (None, seen[1].id):
        return True
    counsellor_not_confirmed(session=session, leg=leg, reason=NO_LONGER_THEIRS)
    return False


def colleague_joined(*, session: Session, leg: CallLeg) -> bool:
    """A counsellor added to a live call (a warm transfer) pressed 1 on their phone: they
    join it, and hold it now. Not when they may no longer see the contact (their account
    disabled or moved to another desk, the contact handed on to a third desk while their
    phone rang: they would hear another desk's call): the leg ends as one not confirmed,
    and False is returned."""
    seen = still_sees(session=session, leg=leg)
    if seen is None:
        counsellor_not_confirmed(session=session, leg=leg, reason=NOT_THEIRS)
        return False
    contact = seen[0]
    leg.status, leg.answered_by, leg.updated_at = "in-progress", HUMAN, utcnow()
    session.add(leg)
    if contact.status == "closed":
        return True
    if contact.assigned_user_id is None:
        contact.assigned_user_id = leg.user_id
        contact.status, contact.updated_at = "in_progress", utcnow()
        session.add(contact)
        audit.record(session=session, event="claim", contact=contact, user_id=leg.user_id,
                     actor="user", detail="joined the call (warm transfer)")
    return True


def manager_joined(*, session: Session, leg: CallLeg) -> str | None:
    """The manager who listens in pressed 1 on their phone: return the sid of the
    counsellor's leg they coach (heard by it only), None when the call ended meanwhile."""
    contact = session.get(Contact, leg.contact_id)
    coached = live_counsellor_leg(session=session, contact=contact) if contact else None
    if coached is None or not coached.call_sid:
        leg.error, leg.updated_at = "the call had ended", utcnow()
        session.add(leg)
        return None
    manager = session.get(User, leg.user_id) if leg.user_id is not None else None
    # Asked again as the phone is answered: the manager may have been disabled or moved,
    # or the help request answered or let go, while it rang (as `listen_in` asks).
    if (contact is None or manager is None or not manager.active
            or help_asked(session=session, manager=manager, contact=contact,
                          leg=coached) is None):
        counsellor_not_confirmed(session=session, leg=leg, reason=NO_LONGER_THEIRS)
        return None
    leg.status, leg.answered_by, leg.updated_at = "in-progress", HUMAN, utcnow()
    session.add(leg)
    return coached.call_sid
