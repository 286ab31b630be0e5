"""The shared intake, as callers before the domain layer knew it: a thin façade.

The work is done in `loket.domain` (contacts, conversations, callbacks, audit); these
functions keep the older positional signatures for the jobs, the demo and their tests.
New code calls the domain modules.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from sqlmodel import Session

from loket.domain import audit as audit_log
from loket.domain import callbacks, contacts, conversations
from loket.domain.callbacks import AMSTERDAM, CALLBACK_WINDOWS, callback_window
from loket.domain.contacts import (
    DEFAULT_HANDLE_S,
    QUEUES,
    REFERENCE_ALPHABET,
    REFERENCE_LENGTH,
    ContactIn,
    Decide,
    random_reference,
    routing_input,
)
from loket.store.models import CallbackRequest, Contact

__all__ = [
    "AMSTERDAM", "CALLBACK_WINDOWS", "DEFAULT_HANDLE_S", "QUEUES", "REFERENCE_ALPHABET",
    "REFERENCE_LENGTH", "ContactIn", "Decide", "add_message", "audit", "callback_window",
    "cancel_callbacks", "escalate", "find_contact", "live_state", "open_contact",
    "random_reference", "request_callback", "route_contact", "routing_input",
    "update_answers",
]


def open_contact(session: Session, contact_in: ContactIn, *, actor: str = "intake") -> Contact:
    """Store a new contact from validated input (`contacts.open_contact`)."""
    return contacts.open_contact(session=session, contact_in=contact_in, actor=actor)


def find_contact(session: Session, channel: str, external_id: str) -> Contact | None:
    """Return the contact a channel knows by its own id (`contacts.find_contact`)."""
    return contacts.find_contact(session=session, channel=channel, external_id=external_id)


def audit(session: Session, event: str, contact: Contact | None, **details: Any) -> None:
    """Write one NEN 7513 line (`audit.record`)."""
    audit_log.record(session=session, event=event, contact=contact, **details)


def update_answers(session: Session, contact: Contact, **answers: Any) -> Contact:
    """Record what the person answered (`contacts.update_answers`)."""
    return contacts.update_answers(session=session, contact=contact, **answers)


def live_state(session: Session) -> dict[str, dict[str, int]]:
    """Return waiting, available and expected wait per queue (`contacts.live_state`)."""
    return contacts.live_state(session=session)


def route_contact(
    session: Session, contact: Contact, decide: Decide, *, at: datetime | None = None,
    state: Any = None,
) -> Contact:
    """Route a contact and store the decision (`contacts.route_contact`)."""
    return contacts.route_contact(
        session=session, contact=contact, decide=decide, at=at, state=state
    )


def escalate(session: Session, contact: Contact, decide: Decide) -> bool:
    """Make a contact a crisis answered now (`contacts.escalate`)."""
    return contacts.escalate(session=session, contact=contact, decide=decide)


def request_callback(session: Session, contact: Contact, **details: Any) -> CallbackRequest:
    """Promise a callback within a window (`callbacks.request_callback`)."""
    return callbacks.request_callback(session=session, contact=contact, **details)


def cancel_callbacks(session: Session, contact: Contact) -> int:
    """Cancel a contact's callbacks still to make (`callbacks.cancel_callbacks`)."""
    return callbacks.cancel_callbacks(session=session, contact=contact)


def add_message(
    session: Session,
    contact: Contact,
    *,
    direction: Literal["in", "out"],
    body: str,
    **details: Any,
) -> int:
    """Add a message to a conversation and return its id (`conversations.add_message`)."""
    return conversations.add_message(
        session=session, contact=contact, direction=direction, body=body, **details
    )
