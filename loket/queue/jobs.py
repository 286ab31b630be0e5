"""RQ jobs. Each takes ids, reloads its rows and is safe to run twice.

Jobs run inside the app's context, pushed by the worker class (`loket.queue.worker`).
"""

from __future__ import annotations

import json
from datetime import timedelta

import structlog
from flask import current_app

from loket.domain import audit_chain
from loket.gateway import get_gateway
from loket.queue import calls, outbox
from loket.queue.connection import get_redis
from loket.store.db import get_engine, session_scope
from loket.store.models import Contact, Message

log = structlog.get_logger(__name__)
QUEUE_EVENTS_CHANNEL = "loket:queue-events"


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


def send_message(message_id: int) -> str:
    """Send an outbound message once; a second run finds it sent and does nothing.

    No transaction is held while Twilio is called: read, send, then record the sid.
    """
    engine = get_engine()
    with session_scope(engine) as session:
        message = session.get(Message, message_id)
        if message is None or message.direction != "out":
            return "gone"
        if message.external_id:
            return "already sent"
        contact = session.get(Contact, message.contact_id)
        if contact is None or not contact.phone:
            message.delivery_status = "undeliverable"
            return "no address"
        to, body, contact_id = contact.phone, message.body, contact.id
    sid = get_gateway().send_message(to=to, body=body, contact_id=contact_id)
    with session_scope(engine) as session:
        message = session.get(Message, message_id)
        if message is not None and not message.external_id:
            message.external_id = sid
            message.delivery_status = "sent"
    log.info("message.sent", message_id=message_id)
    return "sent"


def reconcile() -> int:
    """Bring the outbox's unfinished rows to RQ or to done, and the callbacks RQ's scheduler
    did not make due; return how many outbox rows were enqueued."""
    done = outbox.reconcile(get_engine(), get_redis())
    if done.enqueued or done.done:
        log.info("outbox.reconciled", enqueued=done.enqueued, done=done.done, waiting=done.waiting)
    calls.reconcile_callbacks()
    route_unanswered_texts()
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
