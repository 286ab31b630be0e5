"""RQ jobs of callbacks and live calls: put a callback on the clock, make it due, place a
phone leg, move a waiting caller. Each takes ids, reloads its rows, takes its step with a
conditional update (safe to run twice) and holds no transaction while Twilio is called.
"""

from __future__ import annotations

from datetime import datetime

import structlog
from flask import current_app
from rq import Retry, get_current_job

from loket.config import Settings
from loket.domain import calls
from loket.gateway import GatewayError, get_gateway
from loket.queue.connection import get_queue, get_redis
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
        ring_personal(done)
        if len(done) < calls.DUE_BATCH:
            break
    if moved:
        log.info("callback.due", callbacks=moved)
    return moved


def ring_personal(callback_ids: list[int]) -> int:
    """Ring the counsellors of the personal callbacks just made due; return how many."""
    engine = get_engine()
    rung = 0
    for callback_id in callback_ids:
        with session_scope(engine) as session:
            leg = calls.ring_personal(session=session, callback_id=callback_id)
            leg_id = leg.id if leg else None
        if leg_id is not None:
            rung += place(leg_id, final=True) == "placed"
    return rung


def reconcile_callbacks() -> int:
    """Make due what RQ did not, mark missed windows; return how many changed."""
    with session_scope(get_engine()) as session:
        done = calls.reconcile(session=session)
    changed = done.due + done.missed + done.unstuck
    if changed:
        log.info("callback.reconciled", due=done.due, missed=done.missed, unstuck=done.unstuck)
    return changed


def leg_url(leg_id: int, part: str) -> str:
    """Return the public URL of a leg's TwiML (`counsellor`, `person`, `caller`)."""
    return f"{settings().public_url.rstrip('/')}/twilio/calls/{leg_id}/{part}"


def status_url() -> str:
    """Return the public URL of the legs' status callbacks."""
    return f"{settings().public_url.rstrip('/')}/twilio/calls/status"


def final_try() -> bool:
    """Tell whether this run of the job is its last (no RQ retry left)."""
    job = get_current_job()
    return job is None or not job.retries_left


def place_leg(leg_id: int) -> str:
    """Ring the counsellor's phone, or the person called back, from the desk's number."""
    return place(leg_id, final=final_try())


def place(leg_id: int, *, final: bool) -> str:
    """Place one leg; a refusal is said on the desk, and ends the attempt when `final`
    (else it is raised for the job's retry)."""
    engine = get_engine()
    with session_scope(engine) as session:
        leg = calls.take_leg(session=session, leg_id=leg_id)
        if leg is None:
            return "taken"
        contact = session.get(Contact, leg.contact_id)
        assert contact is not None  # noqa: S101 - a leg belongs to a contact
        if leg.kind == "person":
            callback = session.get(CallbackRequest, leg.callback_id) if leg.callback_id else None
            to = callback.phone if callback else None
        else:  # a counsellor's or manager's own phone
            user = session.get(User, leg.user_id) if leg.user_id else None
            to = user.phone if user else None
        coached = (calls.live_counsellor_leg(session=session, contact=contact)
                   if leg.kind == "coach" else None)
        kind, conference = leg.kind, leg.conference
        caller_id = settings().desk_number(contact.desk)
        coach_sid = coached.call_sid if coached else None
    if not to:
        with session_scope(engine) as session:
            calls.leg_failed(session=session, leg_id=leg_id, reason="no number", final=True,
                             policy=calls.Policy.of(settings()))
        return "no number"
    try:
        if kind in ("coach", "transfer"):  # joins the live call's conference directly
            sid = get_gateway().add_participant(
                conference=conference, to=to, caller_id=caller_id,
                status_callback=status_url(), coaching=kind == "coach",
                call_sid_to_coach=coach_sid,
            )
        else:
            sid = get_gateway().place_call(
                to=to, url=leg_url(leg_id, kind), caller_id=caller_id,
                status_callback=status_url(), machine_detection=kind == "person",
            )
    except GatewayError as exc:
        with session_scope(engine) as session:
            calls.leg_failed(session=session, leg_id=leg_id, reason=str(exc), final=final,
                             policy=calls.Policy.of(settings()))
        log.warning("call.place_failed", leg_id=leg_id, kind=kind, final=final)
        if final:
            return "failed"
        raise
    with session_scope(engine) as session:
        calls.leg_placed(session=session, leg_id=leg_id, call_sid=sid)
    log.info("call.placed", leg_id=leg_id, kind=kind)
    return "placed"


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
            if not final:
                stored = session.get(CallLeg, leg_id)
                if stored is not None:
                    stored.status = "moving"  # the retry takes it again
        log.warning("call.move_failed", leg_id=leg_id, final=final)
        if final:
            return "failed"
        raise
    log.info("call.moved", leg_id=leg_id)
    return "moved"


def end_leg(leg_id: int) -> str:
    """Hang up one leg (the person's side, once no counsellor is left on the call)."""
    with session_scope(get_engine()) as session:
        leg = session.get(CallLeg, leg_id)
        if leg is None or not leg.call_sid or leg.status in calls.FINAL:
            return "gone"
        call_sid = leg.call_sid
    get_gateway().hangup_call(call_sid=call_sid)
    log.info("call.ended", leg_id=leg_id)
    return "ended"
