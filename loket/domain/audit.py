"""The NEN 7513 audit log: one line for every access to a client record; append-only."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Insert, bindparam, insert
from sqlmodel import Session

from loket.store.models import AuditEvent, Contact, insert_into, table_of
from loket.store.types import utcnow

MAX_DETAIL = 500
LINE = ("at", "event", "contact_reference", "user_id", "actor", "on_behalf_of", "detail",
        "source")  # what `line` gives
PREFIX = "audit_"  # of the line's parameters in a `written_with` statement


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
    values = line(
        event=event, contact_reference=contact.reference if contact else None,
        user_id=user_id, actor=actor, on_behalf_of=on_behalf_of, detail=detail, source=source,
    )
    write(session=session, values=values)


def write(*, session: Session, values: dict[str, Any]) -> None:
    """Write one line made by `line`."""
    # A row, not an object: an audit line is never read back or changed here.
    session.execute(insert_into(AuditEvent), values)


def line(
    *,
    event: str,
    contact_reference: str | None,
    user_id: int | None = None,
    actor: str = "system",
    on_behalf_of: str | None = None,
    detail: str = "",
    source: str = "",
) -> dict[str, Any]:
    """Return one audit line's values, as `record` writes them."""
    return {
        "at": utcnow(),
        "event": event,
        "contact_reference": contact_reference,
        "user_id": user_id,
        "actor": actor,
        "on_behalf_of": on_behalf_of,
        "detail": detail[:MAX_DETAIL],
        "source": source[:64],
    }


@cache
def written_with(statement: Insert) -> Insert:
    """Return an INSERT that also writes one audit line (PostgreSQL only: a data-modifying
    WITH), the line's values bound as `audit_<name>` (`with_line`).

    One statement, not two, where a write and its audit line go together on the busiest path
    (a contact opened). SQLite has no data-modifying WITH: there `record` writes the line.
    """
    table = table_of(AuditEvent)
    values = {name: bindparam(f"{PREFIX}{name}", type_=table.c[name].type) for name in LINE}
    return statement.add_cte(insert(table).values(values).cte("audit_line"))


def with_line(params: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """Return the parameters of a `written_with` statement: its own and the line's."""
    return params | {f"{PREFIX}{name}": value for name, value in values.items()}
