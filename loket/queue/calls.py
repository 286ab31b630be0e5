"""RQ jobs of callbacks and live calls: put a callback on the clock, make it due, place a
phone leg, move a waiting caller. Each takes ids, reloads its rows, takes its step with a
conditional update (safe to run twice) and holds no transaction while Twilio is called.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

import structlog
from flask import current_app
from rq import Retry, get_current_job
from sqlmodel import Session

from loket.config import Settings
from loket.domain import calls
from loket.gateway import GatewayError, get_gateway
from loket.queue.connection import get_queue, get_redis
from loket.queue.resilience import keep_after_send
from loket.store.db import get_engine, session_scope
from loket.store.models import CallbackRequest, CallLeg, Contact, User
from loket.store.types import utcnow

log = structlog.get_logger(__name__)
DUE_JOB = "loket.queue.calls.callbacks_due"


def settings() -> Settings:
    """Return the running app's settings."""
    found: Settings = current_app.config["LOKET"]
    return found


def due_job_id(at: datetime) -> str:
    """Return the id of the job that makes due what is due at this second: callbacks due
    at the same time share one job (RQ keeps one job per id)."""
    return f"callbacks-due-{int(at.timestamp())}"


def schedule_callback(callback_id: int) -> str:
    """Put a callback request on the clock: RQ's scheduler runs `callbacks_due` when it is
    due (its window's start, or the next attempt). The database keeps the time; the
    reconciler makes due whatever RQ lost."""
    with session_scope(get_engine()) as session:
        callback = session.get(CallbackRequest, callback_id)
        if callback is None:
            return "gone"
        at = calls.schedule(session=session, callback=callback)
    if at is None:
        return "not pending"
    enqueue_due(at)
    return "scheduled"


def enqueue_due(at: datetime) -> None:
    """Have RQ run `callbacks_due` at this time (at once when it has come), retried on a
    failure; one job per second, whatever the number of callbacks due then."""
    queue = get_queue("callbacks", get_redis())
    retry = Retry(max=3, interval=[1, 5, 15])
    if at <= utcnow():
        queue.enqueue(DUE_JOB, job_id=due_job_id(at), retry=retry)
    else:
        queue.enqueue_at(at, DUE_JOB, job_id=due_job_id(at), retry=retry)


def callbacks_due() -> int:
    """Make due every callback whose time has come: they appear in their desks' queues
    with their windows, and a personal callback rings its counsellor's phone at once (the
    call placed here, not queued behind other jobs). Return how many were made due."""
    moved = 0
    while True:
        with session_scope(get_engine()) as session:
            done = calls.make_due(session=session)
        moved += len(done)
        if len(done) < calls.DUE_BATCH:
            break
    if moved:
        log.info("callback.due", callbacks=moved)
    ring_personal()
    return moved


def reconcile_callbacks() -> int:
    """Make due what RQ did not, mark missed windows; return how many changed."""
    with session_scope(get_engine()) as session:
        done = calls.reconcile(session=session)
    ring_personal()  # those a failed due job made due but did not ring
    changed = done.due + done.missed + done.unstuck
    if changed:
        log.info("callback.reconciled", due=done.due, missed=done.missed, unstuck=done.unstuck)
    return changed


CALL_QUIET_S = 120  # a waiting call's row unchanged this long: ask Twilio how it stands


def reconcile_waiting_calls() -> int:
    """Ask Twilio about phone contacts still waiting whose rows have been quiet a while, and
    close those whose caller hung up (their status callback lost); then about quiet legs
    Loket placed (`reconcile_quiet_legs`). Return how many closed or ended.

    No transaction is held while Twilio answers; the sandbox cannot tell, so nothing changes
    without Twilio. A Twilio error ends this run; the next one asks again."""
    engine = get_engine()
    with session_scope(engine) as session:
        pending = calls.calls_to_check(session=session,
                                       quiet_for=timedelta(seconds=CALL_QUIET_S))

    def gone(contact_id: int, _call_sid: str, status: str) -> bool:
        if status not in calls.ENDED_CALL_STATUSES:
            return False
        with session_scope(engine) as session:
            return calls.call_gone(session=session, contact_id=contact_id, status=status)

    closed = ask_twilio(pending, gone, "contact_id")
    if closed:
        log.info("calls.ended_found", count=closed)
    return closed + reconcile_quiet_legs()


def reconcile_quiet_legs() -> int:
    """Ask Twilio about the legs Loket placed that are not over but have been quiet a while
    (`calls.LEG_QUIET`), and end those whose call ended (their final status callback lost;
    Twilio sends it once); return how many ended. A Twilio error ends this run."""
    engine = get_engine()
    with session_scope(engine) as session:
        pending = calls.legs_to_check(session=session)

    def checked(leg_id: int, call_sid: str, status: str) -> bool:
        with session_scope(engine) as session:
            return calls.leg_checked(session=session, leg_id=leg_id, call_sid=call_sid,
                                     status=status, policy=calls.Policy.of(settings()))

    ended = ask_twilio(pending, checked, "leg_id")
    if ended:
        log.info("calls.leg_ends_found", count=ended)
    return ended


def ask_twilio(pending: list[tuple[int, str]], record: Callable[[int, str, str], bool],
               named: str) -> int:
    """Ask Twilio how each (row id, CallSid) call stands, with no transaction held, and
    `record` what it says (the sandbox cannot tell: skipped); return how many `record` took
    as done. A Twilio error ends the run (logged with the row id as `named`)."""
    gateway = get_gateway()
    done = 0
    for row_id, call_sid in pending:
        try:
            status = gateway.call_status(call_sid=call_sid)
        except GatewayError as exc:
            log.warning("calls.status_unknown", **{named: row_id}, error=str(exc)[:200])
            break
        if status is not None:
            done += record(row_id, call_sid, status)
    return done


def leg_url(leg_id: int, part: str) -> str:
    """Return the public URL of a leg's TwiML (`counsellor`: a counsellor's own phone,
    screened; `person`, `caller`)."""
    return f"{settings().public_url.rstrip('/')}/twilio/calls/{leg_id}/{part}"


def status_url(leg_id: int) -> str:
    """Return the public URL of a leg's status callbacks: it names the leg, so they find it
    before (or without) the answer that gives its call's sid."""
    return f"{settings().public_url.rstrip('/')}/twilio/calls/status?leg={leg_id}"


def final_try() -> bool:
    """Tell whether this run of the job is its last (no RQ retry left)."""
    job = get_current_job()
    return job is None or not job.retries_left


def place_leg(leg_id: int) -> str:
    """Ring the counsellor's phone, or the person called back, from the desk's number."""
    return place(leg_id, final=final_try())


@dataclass(frozen=True)
class Dial:
    """A leg taken to be placed: whom to ring, from which number, into what."""

    leg_id: int
    kind: str
    to: str | None
    caller_id: str
    conference: str


def take(session: Session, leg_id: int) -> Dial | None:
    """Take a leg to place, once (None when another run took it)."""
    leg = calls.take_leg(session=session, leg_id=leg_id)
    if leg is None:
        return None
    contact = session.get(Contact, leg.contact_id)
    assert contact is not None  # noqa: S101 - a leg belongs to a contact
    if leg.kind == "person":
        callback = session.get(CallbackRequest, leg.callback_id) if leg.callback_id else None
        to = callback.phone if callback else None
    else:  # a counsellor's or manager's own phone
        user = session.get(User, leg.user_id) if leg.user_id else None
        to = user.phone if user else None
    return Dial(leg_id=leg_id, kind=leg.kind, to=to, conference=leg.conference,
                caller_id=settings().desk_number(contact.desk))


def dial(leg: Dial) -> str:
    """Ask Twilio for the call (no transaction held); GatewayError when refused."""
    assert leg.to is not None  # noqa: S101 - checked by the caller
    # A counsellor's own phone (and a warm transfer's colleague's, and the manager's who
    # listens in) is screened: its webhook asks for a 1 before anyone is joined, so a
    # voicemail never is, nor ever hears the call.
    part = "counsellor" if leg.kind in calls.SCREENED else leg.kind
    return get_gateway().place_call(
        to=leg.to, url=leg_url(leg.leg_id, part), caller_id=leg.caller_id,
        status_callback=status_url(leg.leg_id), machine_detection=leg.kind == "person",
    )


def place(leg_id: int, *, final: bool) -> str:
    """Place one leg; a refusal is said on the desk, and ends the attempt when `final`
    (else it is raised for the job's retry)."""
    engine = get_engine()
    with session_scope(engine) as session:
        leg = take(session, leg_id)
    if leg is None:
        return "taken"
    sid = dialled(leg, final=final)  # raises for the job's retry when not final
    if sid is None:
        return "failed"
    # Twilio rings now: a database blip must not lose the sid its status callbacks name.
    keep_after_send(engine, partial(keep_sids, [(leg_id, sid)]), within_s=RECORD_SID_WITHIN_S,
                    event="call", leg_id=leg_id)
    log.info("call.placed", leg_id=leg_id, kind=leg.kind)
    return "placed"


def dialled(leg: Dial, *, final: bool) -> str | None:
    """Dial a taken leg; on a refusal say so on the desk and return None when `final`,
    else raise for the job's retry. A call Twilio placed though its answer was lost (its
    status callback named it meanwhile) is not placed again: its sid is returned."""
    error: GatewayError | None = None
    if leg.to:
        try:
            return dial(leg)
        except GatewayError as exc:
            error = exc
    ends = final or error is None  # no number: nothing a retry could change
    with session_scope(get_engine()) as session:
        placed = calls.leg_failed(session=session, leg_id=leg.leg_id,
                                  reason=str(error) if error else "no number", final=ends,
                                  policy=calls.Policy.of(settings()))
    if placed is not None:
        log.warning("call.answer_lost", leg_id=leg.leg_id, kind=leg.kind)
        return placed
    log.warning("call.place_failed", leg_id=leg.leg_id, kind=leg.kind, final=ends)
    if error is not None and not ends:
        raise error
    return None


def ring_personal() -> int:
    """Ring the counsellors of the personal callbacks that are due, a batch at a time: the
    legs made and taken in one transaction, the calls asked of Twilio with none held, the
    sids kept in one more. Return how many were placed."""
    engine = get_engine()
    placed = 0
    while True:
        with session_scope(engine) as session:
            legs = calls.ring_due_personal(session=session, limit=RING_BATCH)
            session.flush()
            taken = [dial for dial in (take(session, leg.id or 0) for leg in legs) if dial]
        sids = [(leg.leg_id, dialled(leg, final=True)) for leg in taken]
        keep_after_send(engine, partial(keep_sids, sids), within_s=RECORD_SID_WITHIN_S,
                        event="call", legs=len(sids))
        placed += sum(sid is not None for _, sid in sids)
        if len(legs) < RING_BATCH:
            break
    if placed:
        log.info("callback.rung", calls=placed)
    return placed


RING_BATCH = 200  # personal callbacks rung per transaction
# How long the sids of calls placed are tried to be kept while the database refuses.
RECORD_SID_WITHIN_S = 30.0


def keep_sids(sids: list[tuple[int, str | None]], *, session: Session) -> None:
    """Keep the sids of the legs placed (a leg not placed: None, skipped)."""
    for leg_id, sid in sids:
        if sid is not None:
            calls.leg_placed(session=session, leg_id=leg_id, call_sid=sid)


def move_caller(leg_id: int) -> str:
    """Move a waiting caller out of their queue into the counsellor's conference."""
    engine = get_engine()
    with session_scope(engine) as session:
        leg = calls.take_leg(session=session, leg_id=leg_id, kind="caller")
        if leg is None or not leg.call_sid:
            return "taken"
        call_sid = leg.call_sid
    try:
        get_gateway().redirect_call(call_sid=call_sid, url=leg_url(leg_id, "caller"))
    except GatewayError as exc:
        final = final_try()
        with session_scope(engine) as session:
            calls.leg_failed(session=session, leg_id=leg_id, reason=str(exc), final=final)
        log.warning("call.move_failed", leg_id=leg_id, final=final)
        if final:
            return "failed"
        raise
    log.info("call.moved", leg_id=leg_id)
    return "moved"


def end_leg(leg_id: int) -> str:
    """Hang up one leg (the person's side, once no counsellor is left on the call); a
    counsellor's phone whose caller could not be moved to it hears why first (when Twilio
    refuses that, it is hung up all the same)."""
    with session_scope(get_engine()) as session:
        leg = session.get(CallLeg, leg_id)
        if leg is None or not leg.call_sid or leg.status in calls.FINAL:
            return "gone"
        call_sid, tell = leg.call_sid, calls.told_before_hang_up(leg)
    if tell:
        try:
            get_gateway().redirect_call(call_sid=call_sid, url=leg_url(leg_id, "not_connected"))
        except GatewayError as exc:
            log.warning("call.tell_failed", leg_id=leg_id, error=str(exc)[:200])
        else:
            log.info("call.told_and_ended", leg_id=leg_id)
            return "told"
    get_gateway().hangup_call(call_sid=call_sid)
    log.info("call.ended", leg_id=leg_id)
    return "ended"


class NotMatchedYet(Exception):
    """A status callback's call has no leg with its sid yet: the job's retry tries again."""


def match_status(call_sid: str) -> str:
    """Record the status callbacks that named no leg (calls placed by an earlier version:
    `status_url`) and came before their leg had the sid (the answer to the request that
    placed it came later), seconds later: RQ's retries try again while none has
    (`NotMatchedYet`), for `calls.STATUS_MATCH_WITHIN` at most; then the quiet legs' sweep
    asks Twilio instead."""
    with session_scope(get_engine()) as session:
        done = calls.match_early_statuses(session=session, call_sid=call_sid,
                                          policy=calls.Policy.of(settings()))
    if done == "not yet":
        raise NotMatchedYet("no leg has this call's sid yet")
    if done == "matched":
        log.info("call.status_matched")
        return "matched"
    return "left to the sweep"
