"""The NEN 7513 audit log: one line for every access to a client record; append-only."""

from __future__ import annotations

from sqlalchemy import insert
from sqlmodel import Session

from loket.store.models import AuditEvent, Contact, table_of
from loket.store.types import utcnow

MAX_DETAIL = 500


def record(
    *,
    session: Session,
    event: str,
    contact: Contact | None,
    user_id: int | None = None,
    actor: str = "system",
    on_behalf_of: str | None = None,
    detail: str = "",
    source: str = "",
) -> None:
    """Write one line: event, time, client record, user, on whose behalf, from where."""
    line = {
        "at": utcnow(),
        "event": event,
        "contact_reference": contact.reference if contact else None,
        "user_id": user_id,
        "actor": actor,
        "on_behalf_of": on_behalf_of,
        "detail": detail[:MAX_DETAIL],
        "source": source[:64],
    }
    # A row, not an object: an audit line is never read back or changed here.
    session.execute(insert(table_of(AuditEvent)), [line])
