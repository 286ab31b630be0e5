"""How an API call runs: a refusal is an `ApiError` (answered `{"error", "field"}`), the body
is the one spectree validated, and a step on a contact runs in one unit of work on the
contact locked and judged again by `access`, as the pages' views do.
"""

from __future__ import annotations

from typing import Any

from flask import request
from sqlmodel import Session

from loket.channels.common import writing
from loket.desk.workspace import me
from loket.domain import access, break_glass, contacts, workspace
from loket.store.models import Contact, User


class ApiError(Exception):
    """A call refused: its status, and what to tell the caller (`field` names the culprit)."""

    def __init__(self, status: int, error: str, *, field: str | None = None,
                 holder: str | None = None) -> None:
        super().__init__(error)
        self.status, self.error, self.field, self.holder = status, error, field, holder


def not_found() -> ApiError:
    """Return the one answer for a contact that is not there or not the caller's to see."""
    return ApiError(404, "reference: no such contact", field="reference")


def parsed(model: type[Any]) -> Any:
    """Return the body spectree validated against `model`; 400 when none was sent as JSON."""
    body = getattr(getattr(request, "context", None), "json", None)
    if not isinstance(body, model):
        raise ApiError(400, "body: send a JSON object (Content-Type: application/json)",
                       field="body")
    return body


def locked(session: Session, user: User, reference: str, action: access.Action) -> Contact:
    """Load and lock a contact the user may see in this unit of work, else 404; its rights
    are judged again after the lock (a transfer that won the race leaves nothing to act on),
    and a step the user may not take on it now is a 409."""
    found = workspace.visible_contact(session=session, user=user, reference=reference)
    contact = contacts.lock(session=session, contact_id=found.id) if found else None
    grants = break_glass.active_grants(session=session, user=user) if contact else set()
    if contact is None or not access.sees(user, contact, grants):
        raise not_found()
    if action != "note" and not access.can(user, action, contact, grants):
        raise conflict(session, user, contact)  # DESIGN.md: a note needs no claim
    return contact


def conflict(session: Session, user: User, contact: Contact) -> ApiError:
    """Say why a step needing a hold cannot be done: closed, held by someone (named), or
    not claimed by the caller."""
    if contact.status == "closed":
        return ApiError(409, "status: this contact is closed", field="status")
    holder = session.get(User, contact.assigned_user_id) if contact.assigned_user_id else None
    if holder is not None and holder.id != user.id:
        name = workspace.holder_name(holder)
        return ApiError(409, f"claimed: {name} holds this contact", field="claimed",
                        holder=name)
    return ApiError(409, "claimed: claim the contact first", field="claimed")


def step(reference: str, action: access.Action, do: Any, *,
         rename: dict[str, str] | None = None) -> Any:
    """Run `do(session, user, contact)` on a locked contact in one unit of work; a refusal
    becomes 409 (someone else's hold, or a busy counsellor) or 422 naming the field."""
    user = me()
    with writing() as session:
        contact = locked(session, user, reference, action)
        try:
            return do(session, user, contact)
        except contacts.Conflict:
            session.refresh(contact)
            raise conflict(session, user, contact) from None
        except workspace.Refused as exc:
            field = (rename or {}).get(exc.field, exc.field)
            status = 409 if exc.field in ("busy", "seen") else 422
            raise ApiError(status, f"{field}: {str(exc).partition(': ')[2]}",
                           field=field) from None
