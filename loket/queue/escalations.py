"""The escalation sweep (every 2 s from `loket scheduler`): raise the steps due, text the
on-call counsellor once per step, resolve what was served. Safe to run twice and beside
another scheduler's run; no transaction is held while the text is sent."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial

import structlog
from flask import current_app
from sqlalchemy.exc import DBAPIError

from loket.config import Settings
from loket.domain import escalation, workspace
from loket.gateway import GatewayError, get_gateway
from loket.i18n import normalise_language
from loket.queue.resilience import keep_after_send
from loket.store.db import get_engine, read_scope, session_scope

log = structlog.get_logger(__name__)
# How long a sent on-call text's sid is tried to be kept while the database refuses: well
# inside the claim's two minutes (`escalation.STALE_CLAIM`), after which it would be sent
# again.
RECORD_TEXT_WITHIN_S = 30.0


def timing(settings: Settings) -> escalation.Timing:
    """Return the escalation timing from the settings."""
    return escalation.Timing(after=timedelta(seconds=settings.escalate_after_s),
                             every=timedelta(seconds=settings.escalate_every_s))


def sweep(now: datetime | None = None) -> int:
    """Raise the escalation steps due now (or at `now`: a test's clock); text the on-call
    number; return how many rose."""
    settings: Settings = current_app.config["LOKET"]
    idle, hours = settings.staff_idle_minutes, settings.staff_session_hours
    released, unseen = let_go_of_unserved(idle, hours, now)
    with session_scope(get_engine()) as session:
        raised = escalation.raise_due(session=session, timing=timing(settings), now=now)
        ids = [row.id for row in raised if row.id is not None]
    for row_id in ids:
        log.warning("escalation.raised", escalation_id=row_id)
    if unseen:
        log.warning("contacts.access_ended", contacts_released=len(unseen))
    if settings.oncall_number:
        text_oncall(settings.oncall_number, normalise_language(settings.default_language))
    # Who is not here is away (the routing counts the available): in a unit of work of its
    # own, after the alarms, which a counsellor's row held by a claim must never delay.
    with session_scope(get_engine()) as session:
        away = workspace.mark_absent_away(session=session, idle_minutes=idle,
                                          session_hours=hours, now=now)
    if away or released:
        log.warning("counsellors.absent", marked_away=away, contacts_released=len(released))
    return len(ids)


def let_go_of_unserved(idle: int, hours: int, now: datetime | None
                       ) -> tuple[list[str], list[str]]:
    """Put back in the queue what a counsellor who is not here held, and what is held by
    someone who may no longer see it (an emergency access ended), so that a crisis's alarm
    goes on (held counts as served); rows in use are skipped. Its own unit of work, before
    the alarms: should it fail, it is logged and the alarms rise all the same."""
    try:
        with session_scope(get_engine()) as session:
            released = workspace.release_abandoned(session=session, idle_minutes=idle,
                                                   session_hours=hours, now=now)
            unseen = workspace.release_unseen(session=session, now=now)
    except Exception as exc:  # noqa: BLE001 - the alarms must not wait on this
        log.error("escalation.release_failed", error=type(exc).__name__)
        return [], []
    return released, unseen


def text_oncall(number: str, language: str = "nl") -> int:
    """Send each open step's on-call text once: claimed in a short transaction, sent with
    none open, then its sid kept; a failed send is tried again by the next sweep. Return
    how many were sent."""
    engine = get_engine()
    with session_scope(engine) as session:
        escalation.release_stale_claims(session=session)
    with read_scope(engine) as session:
        waiting = escalation.texts_to_send(session=session)
    sent = 0
    for text in waiting:
        with session_scope(engine) as session:
            if not escalation.claim_text(session=session, escalation_id=text.escalation_id):
                continue  # another run sends this one, or its crisis was served since
        sid: str | None
        try:
            sid = get_gateway().send_message(
                to=number, body=escalation.sms_text(text.reference, language),
                contact_id=text.contact_id)
        except GatewayError:
            sid = None
            log.warning("escalation.text_failed", escalation_id=text.escalation_id)
        try:
            keep_after_send(engine, partial(escalation.record_text,
                                            escalation_id=text.escalation_id, sid=sid),
                            within_s=RECORD_TEXT_WITHIN_S, event="escalation.text",
                            escalation_id=text.escalation_id)
        except DBAPIError:
            # Logged; the claim goes stale and the text is sent again (twice beats never).
            # The other steps' texts are not held up by this one.
            pass
        sent += sid is not None
    return sent

