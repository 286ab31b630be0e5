"""The escalation sweep (every few seconds from `loket scheduler`): raise the steps due,
text the on-call counsellor once per step, resolve what was served. Safe to run twice and
beside another scheduler's run; no transaction is held while the text is sent."""

from __future__ import annotations

from datetime import timedelta

import structlog
from flask import current_app
from sqlalchemy import select, update
from sqlmodel import col

from loket.config import Settings
from loket.domain import escalation
from loket.gateway import GatewayError, get_gateway
from loket.store.db import get_engine, session_scope
from loket.store.models import Contact, Escalation, table_of

log = structlog.get_logger(__name__)
SENDING = "sending"  # an on-call text claimed by one run, not yet sent


def timing(settings: Settings) -> escalation.Timing:
    """Return the escalation timing from the settings."""
    return escalation.Timing(after=timedelta(seconds=settings.escalate_after_s),
                             every=timedelta(seconds=settings.escalate_every_s))


def sweep() -> int:
    """Raise the escalation steps due now; text the on-call number; return how many rose."""
    settings: Settings = current_app.config["LOKET"]
    engine = get_engine()
    with session_scope(engine) as session:
        raised = escalation.raise_due(session=session, timing=timing(settings))
        ids = [row.id for row in raised if row.id is not None]
    for row_id in ids:
        log.warning("escalation.raised", escalation_id=row_id)
    if settings.oncall_number:
        text_oncall(settings.oncall_number)
    return len(ids)


def text_oncall(number: str) -> int:
    """Send each open step's on-call text once: claimed with a conditional update, sent,
    then its sid kept; a failed send is tried again by the next sweep. Return how many."""
    engine = get_engine()
    table = table_of(Escalation)
    with session_scope(engine) as session:
        waiting = session.execute(
            select(table.c.id, col(Contact.reference), col(Contact.desk))
            .join(Contact, col(Contact.id) == table.c.contact_id)
            .where(table.c.sms_sid.is_(None), table.c.resolved_at.is_(None))
        ).all()
    sent = 0
    for row_id, reference, desk in waiting:
        with session_scope(engine) as session:
            taken = session.execute(update(table).where(
                table.c.id == row_id, table.c.sms_sid.is_(None)).values(sms_sid=SENDING)
            ).rowcount  # type: ignore[attr-defined]
        if not taken:
            continue  # another run sends this one
        try:
            sid: str | None = get_gateway().send_message(
                to=number, body=escalation.sms_text(reference, desk))
        except GatewayError:
            sid = None
            log.warning("escalation.text_failed", escalation_id=row_id)
        with session_scope(engine) as session:
            session.execute(update(table).where(table.c.id == row_id).values(sms_sid=sid))
        sent += sid is not None
    return sent
