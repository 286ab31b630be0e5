"""What Loket sent, or would have sent: the sandbox gateway's record of each action."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import or_, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from loket.store.db import session_scope
from loket.store.models import OutboundAction


def record_sandbox(
    engine: Engine,
    *,
    sid: str,
    kind: str,
    to: str | None,
    body: str | None,
    params: dict[str, Any],
    contact_id: int | None,
) -> None:
    """Store one action the sandbox gateway would have sent, in a transaction of its own."""
    with session_scope(engine) as session:
        session.add(
            OutboundAction(
                sid=sid, kind=kind, to=to, body=body, params=params, contact_id=contact_id
            )
        )


def forget_sent(*, session: Session, contact_id: int, sids: Collection[str]) -> None:
    """Clear what the sandbox recorded of what was sent to a contact (its number, the text):
    the records naming the contact, and those found by these Twilio sids (one names no
    contact, as the person's leg of a callback). The erasure's, and the worker's for a
    reply or a call placed while its person was being erased (`erasure.sent_after_erasure`,
    `calls.rung_for_nobody`)."""
    session.execute(update(OutboundAction).where(
        or_(col(OutboundAction.contact_id) == contact_id, col(OutboundAction.sid).in_(sids)))
        .values(to=None, body=None))
