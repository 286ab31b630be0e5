"""RQ jobs. Each takes ids, reloads its rows and is safe to run twice.

Jobs run inside the app's context, pushed by the worker class (`loket.queue.worker`).
"""

from __future__ import annotations

import json
from datetime import timedelta

import structlog
from flask import current_app
from redis.exceptions import LockError
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from loket.domain import audit_chain
from loket.gateway import GatewayError, get_gateway
from loket.queue import calls, outbox
from loket.queue.connection import get_redis
from loket.queue.resilience import keep_after_send
from loket.store.db import get_engine, session_scope
from loket.store.models import Contact, Message

log = structlog.get_logger(__name__)
QUEUE_EVENTS_CHANNEL = "loket:queue-events"
# How long a sent message's sid is tried to be kept while the database refuses (a restart
# takes seconds); past it the job fails, and its retry may send the message again.
RECORD_SENT_WITHIN_S = 30.0
# A message's send lock lapses after SEND_LOCK_S (its holder killed); a second run waits for
# it at most SEND_WAIT_S. The send (10 s bound) and the record (RECORD_SENT_WITHIN_S, each
# try bounded by the lock timeout) fit in the lock's time.
SEND_LOCK_S = 60.0
SEND_WAIT_S = 20.0
# Twilio's refusals of a message that no retry changes: an invalid or unreachable number
# (21211, 21612, 21614), a country the account may not text (21408), a sender number that
# cannot send it (21606), a text too long (21617), a WhatsApp message outside the 24 hours
# after the person's last message (63016) or an address WhatsApp does not know (63003).
# The message is failed at once, shown "not delivered" on the desk: the counsellor calls.
REFUSED_FOR_GOOD = frozenset({"21211", "21408", "21606", "21612", "21614", "21617", "63003",
                              "63016"})


def contact_routed(contact_id: int) -> str:
    """Tell the live desk views that a contact joined a queue (reference only)."""
    with session_scope(get_engine()) as session:
        contact = session.get(Contact, contact_id)
        if contact is None or contact.queue is None:
            return "gone"
        event = {"queue": contact.queue, "reference": contact.reference, "event": "routed"}
    redis = current_app.extensions.get("loket.redis")
    if redis is not None:
        redis.publish(QUEUE_EVENTS_CHANNEL, json.dumps(event))
    log.info("contact.routed", contact_id=contact_id, queue=event["queue"])
    return "announced"


class SendBusy(Exception):
    """Another run is sending this message still; this run fails and its retry looks again."""


def send_message(message_id: int) -> str:
    """Send an outbound message once; a second run finds it sent and does nothing.

    A conversation's replies reach the person in the order they were written: one written
    before this one and not sent yet (its job behind: the worker was away and this one went
    to the urgent queue because the contact became a crisis meanwhile, or its try failed and
    waits for a retry) is sent first. One that cannot be sent now (Twilio failing, another
    run sending it) does not hold this one back: its own job tries it again.
    """
    for earlier in unsent_before(message_id):
        try:
            send_locked(earlier)
        except (GatewayError, SendBusy):
            log.warning("message.earlier_not_sent_first", message_id=earlier)
    return send_locked(message_id)


def unsent_before(message_id: int) -> list[int]:
    """Return the replies of this message's conversation written before it and not sent yet
    (nor refused), oldest first."""
    with session_scope(get_engine()) as session:
        message = session.get(Message, message_id)
        if message is None or message.direction != "out":
            return []
        return [found for found in session.exec(
            select(Message.id).where(
                Message.contact_id == message.contact_id, Message.direction == "out",
                col(Message.id) < message_id, col(Message.external_id).is_(None),
                col(Message.delivery_status).is_(None))
            .order_by(col(Message.id))
        ).all() if found is not None]


def send_locked(message_id: int) -> str:
    """Send one message once, holding its lock.

    Two runs at once (at-least-once delivery) are ordered by a lock in Redis per message
    (its key names the id only), which lapses on its own should its holder be killed. No
    transaction is held while Twilio is called: read, send, then record the sid.
    """
    lock = get_redis().lock(f"loket:sending:message:{message_id}", timeout=SEND_LOCK_S,
                            blocking_timeout=SEND_WAIT_S)
    if not lock.acquire():
        raise SendBusy(f"message {message_id} is being sent by another run")
    try:
        return _send_once(message_id)
    finally:
        try:
            lock.release()
        except LockError:  # held past its timeout: another run may have it now
            log.warning("message.send_lock_lapsed", message_id=message_id)


def _send_once(message_id: int) -> str:
    """Send a message not yet sent and record its sid (the caller holds its lock)."""
    engine = get_engine()
    with session_scope(engine) as session:
        message = session.get(Message, message_id)
        if message is None or message.direction != "out":
            return "gone"
        if message.external_id:
            return "already sent"
        if message.delivery_status == "failed":
            return "refused before"
        contact = session.get(Contact, message.contact_id)
        if contact is None or not contact.phone:
            message.delivery_status = "undeliverable"
            return "no address"
        to, body, contact_id = contact.phone, message.body, contact.id
    try:
        sid = get_gateway().send_message(to=to, body=body, contact_id=contact_id)
    except GatewayError as exc:
        if record_opted_out(engine, message_id, exc, to=to):
            return "opted out"
        if str(exc.code) not in REFUSED_FOR_GOOD:
            raise
        mark_unsent(engine, message_id, why=f"twilio {exc.code}")
        return "refused"
    record_sent(engine, message_id, sid, contact_id=contact_id)
    log.info("message.sent", message_id=message_id)
    return "sent"


def record_opted_out(engine: Engine, message_id: int, refusal: GatewayError, *,
                     to: str) -> bool:
    """Keep that Twilio refused a message for its SMS number opted out (error 21610: STOP,
    not START since): the message failed, not to be tried again, and its conversation is
    one to call (`conversations.opted_out`). Return False for any other refusal."""
    from loket import rules_runtime
    from loket.domain import conversations

    if str(refusal.code) != conversations.OPTED_OUT_ERROR or to.startswith("whatsapp:"):
        return False
    with session_scope(engine) as session:
        message = session.get(Message, message_id)
        if message is not None:
            message.delivery_status = "failed"
            session.add(message)
            conversations.opted_out(session=session, contact_id=message.contact_id,
                                    decide=rules_runtime.decide,
                                    continuity=current_app.config["LOKET"].continuity)
    log.warning("message.opted_out", message_id=message_id)
    return True


def mark_unsent(engine: Engine, message_id: int, *, why: str) -> None:
    """Keep that a message will not be sent (Twilio refused it for good, or every try
    failed): failed, shown "not delivered" on the desk, never tried again."""
    with session_scope(engine) as session:
        message = session.get(Message, message_id)
        if message is not None and not message.external_id:
            message.delivery_status = "failed"
            session.add(message)
    log.warning("message.not_sent", message_id=message_id, why=why)


def record_sent(engine: Engine, message_id: int, sid: str, *, contact_id: int | None = None,
                within_s: float = RECORD_SENT_WITHIN_S) -> None:
    """Keep a sent message's sid, trying again for `within_s` while the database refuses;
    what Twilio's status callbacks said of it before then is taken now
    (`conversations.keep_sid`): a text it could not deliver is not shown as sent.

    Its person erased while it was being sent (`loket erase` committed after the job read
    the number and the text, before Twilio had them: the message went with the erasure),
    nothing personal of the send is kept: the sandbox's record of it is cleared as the
    erasure cleared the rest (`erasure.sent_after_erasure`).

    Twilio has sent it: failing here would let the job's retry send it a second time, so a
    database blip (a restart, a row held past the lock timeout) is waited out, bounded."""
    from loket import rules_runtime
    from loket.domain import conversations, erasure

    def keep(*, session: Session) -> None:
        kept = conversations.keep_sid(session=session, message_id=message_id, sid=sid,
                                      decide=rules_runtime.decide,
                                      continuity=current_app.config["LOKET"].continuity)
        if not kept and contact_id is not None:
            erasure.sent_after_erasure(session=session, contact_id=contact_id, sid=sid)

    keep_after_send(engine, keep, within_s=within_s, event="message", message_id=message_id)


def reconcile() -> int:
    """Bring the outbox's unfinished rows to RQ or to done, and the callbacks RQ's scheduler
    did not make due, route the unanswered texts, close the web chats left at their first
    questions and move what waits in the pool out of it once the pooled hours are over;
    return how many outbox rows were enqueued. Each part runs whatever another
    raised; the first error then fails the job (so RQ records it), after all of them ran."""
    enqueued = 0
    errors: list[Exception] = []
    for name, part in (("outbox", _reconcile_outbox), ("callbacks", calls.reconcile_callbacks),
                       ("unanswered_texts", route_unanswered_texts),
                       ("unstarted_chats", close_unstarted_chats),
                       ("pool_after_hours", leave_pool)):
        try:
            result = part()
        except Exception as exc:  # noqa: BLE001 - logged here, raised below after the others
            log.error("reconcile.part_failed", part=name, error=type(exc).__name__)
            errors.append(exc)
            continue
        if name == "outbox":
            enqueued = int(result or 0)
    if errors:
        raise errors[0]
    return enqueued


def _reconcile_outbox() -> int:
    """Bring the outbox's unfinished rows to RQ or to done; return how many were enqueued."""
    done = outbox.reconcile(get_engine(), get_redis())
    if done.enqueued or done.done:
        log.info("outbox.reconciled", enqueued=done.enqueued, done=done.done, waiting=done.waiting)
    return done.enqueued


def route_unanswered_texts() -> int:
    """Route the text conversations whose person stopped answering the intake's questions
    (LOKET_TEXT_ANSWER_MINUTES): without it they would wait in no queue. Returns how many."""
    from loket import rules_runtime
    from loket.domain import conversations

    settings = current_app.config["LOKET"]
    with session_scope(get_engine()) as session:
        routed = conversations.route_unanswered(
            session=session, decide=rules_runtime.decide, continuity=settings.continuity,
            idle=timedelta(minutes=settings.text_answer_minutes),
        )
    if routed:
        log.info("texts.routed_unanswered", count=len(routed))
    return len(routed)


def leave_pool() -> int:
    """Move what still waits in the pool when the pooled hours are over to the queue the
    rules give it now (its own desk's): the other desk no longer serves it. Returns how
    many."""
    from loket import rules_runtime
    from loket.domain import contacts

    with session_scope(get_engine()) as session:
        moved = contacts.leave_pool(session=session, decide=rules_runtime.decide)
    if moved:
        log.info("pool.left_after_hours", count=len(moved))
    return len(moved)


def close_unstarted_chats() -> int:
    """Close the web chats left at their first questions for longer than a chat's idle time
    (LOKET_CHAT_IDLE_MINUTES): they hold no words and stand in no queue. Returns how many."""
    from loket.domain import conversations

    settings = current_app.config["LOKET"]
    with session_scope(get_engine()) as session:
        closed = conversations.close_unstarted_chats(
            session=session, idle=timedelta(minutes=settings.chat_idle_minutes))
    if closed:
        log.info("webchat.closed_unstarted", count=len(closed))
    return len(closed)


def refresh_reports() -> int:
    """Recount the report days whose contacts changed into the tallies; return how many.

    Safe beside another scheduler's run: on PostgreSQL one holds the lock and the other
    leaves the days to the next run; on SQLite the write lock orders them.
    """
    from loket.reports import tally

    days = tally.refresh_all(lambda: session_scope(get_engine()))
    if days:
        log.info("reports.refreshed", days=days)
    return days


def apply_retention() -> int:
    """Remove the personal data of every contact past its desk's retention period; return
    how many (the counts the reports need stay). Safe to run twice and beside another."""
    from loket.domain import erasure

    settings = current_app.config["LOKET"]
    retention = erasure.Retention(days=settings.retention_days,
                                  by_desk=settings.retention_by_desk)
    done = erasure.retain(lambda: session_scope(get_engine()), retention)
    log.info("retention.applied", contacts=done)
    return done


def seal_audit() -> int:
    """Seal the audit rows written since the last run onto the hash chain; return how many.

    Safe to run twice and beside another scheduler's run: the chain's lock orders them, and
    a run that finds the lock busy leaves the rows to the next one. The log line names the
    newest link (an id and a hash, no personal data): a copy of the chain's tip outside
    the database.
    """
    engine = get_engine()
    try:
        done = audit_chain.seal_all(lambda: session_scope(engine))
    except audit_chain.SealBusy:
        log.info("audit.seal_busy")
        return 0
    if done.count:
        log.info("audit.sealed", rows=done.count, tip_id=done.tip_id, tip_hash=done.tip_hash)
    return done.count
