"""How an API call runs: a refusal is an `ApiError` (answered `{"error", "field"}`), the body
is the one spectree validated, and a step on a contact runs in one unit of work on the
contact locked and judged again by `access`, as the pages' views do.

A step sent with an `Idempotency-Key` header runs once: its answer is kept in that same unit
of work (an `InboundEvent` of channel `api`, as the webhooks keep theirs, keyed by the
token's hash and the key's), and the same call sent again with that key is answered the
kept answer, changing nothing (a reply is not sent twice). The key with another call or
body is refused (422). A refused call is not kept: nothing was done, so a retry is judged
again. Two copies sent at once: the second waits for the contact's lock and answers what
the first answered.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, TypeVar

from flask import Response, after_this_request, request
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from loket.api.language import said, say
from loket.channels.common import writing
from loket.desk.workspace import me
from loket.domain import access, accounts, break_glass, contacts, inbound, workspace
from loket.store.db import get_engine, read_scope
from loket.store.models import Contact, User

M = TypeVar("M", bound=BaseModel)
KEY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
CHANNEL = "api"
JSON = "application/json"


class ApiError(Exception):
    """A call refused: its status, and what to tell the caller (`field` names the culprit)."""

    def __init__(self, status: int, error: str, *, field: str | None = None,
                 holder: str | None = None) -> None:
        super().__init__(error)
        self.status, self.error, self.field, self.holder = status, error, field, holder


def refusal(exc: workspace.Refused, field: str) -> str:
    """Return a broken rule as the API says it: the field, then why."""
    return f"{field}: {said(exc.message, exc.key, **exc.values)}"


def not_found() -> ApiError:
    """Return the one answer for a contact that is not there or not the caller's to see."""
    return ApiError(404, f"reference: {say('no_contact')}", field="reference")


def parsed(model: type[Any]) -> Any:
    """Return the body spectree validated against `model`; 400 when none was sent as JSON."""
    body = getattr(getattr(request, "context", None), "json", None)
    if not isinstance(body, model):
        raise ApiError(400, f"body: {say('not_json')}", field="body")
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
        return ApiError(409, "status: " + said("this contact is closed", "r_contact_closed"),
                        field="status")
    holder = session.get(User, contact.assigned_user_id) if contact.assigned_user_id else None
    if holder is not None and holder.id != user.id:
        name = workspace.holder_name(holder)
        return ApiError(409, "claimed: " + said(f"{name} holds this contact", "r_held",
                                                 name=name),
                        field="claimed", holder=name)
    return ApiError(409, "claimed: " + said("claim the contact first", "r_not_held"),
                    field="claimed")


def step(reference: str, action: access.Action, do: Any, *, answer: type[M],
         status: int = 200, rename: dict[str, str] | None = None) -> tuple[M, int]:
    """Run `do(session, user, contact)` (which returns the `answer`) on a locked contact in
    one unit of work; a refusal becomes 409 (someone else's hold, or a busy counsellor) or
    422 naming the field. With an `Idempotency-Key`, a call answered before is answered
    again from what was kept, and nothing runs."""
    user = me()
    key = retry_key()
    try:
        with writing() as session:
            if key is not None:
                kept = replay(session, key, answer)
                if kept is not None:
                    return kept
            contact = locked(session, user, reference, action)
            try:
                out: M = do(session, user, contact)
            except contacts.Conflict:
                session.refresh(contact)
                raise conflict(session, user, contact) from None
            except workspace.Refused as exc:
                field = (rename or {}).get(exc.field, exc.field)
                code = 409 if exc.field in ("busy", "seen") else 422
                raise ApiError(code, refusal(exc, field), field=field) from None
            if key is not None:
                keep(session, key, action, out, status, contact.id)
            return out, status
    except (ApiError, IntegrityError) as exc:
        # A copy of this call sent at the same time may have done it first (it took the
        # lock, or the key): answer what it answered.
        if key is not None and getattr(exc, "field", None) != KEY_HEADER:
            with read_scope(get_engine()) as reader:
                kept = replay(reader, key, answer)
            if kept is not None:
                return kept
        raise


def retry_key() -> str | None:
    """Return where this call's `Idempotency-Key` is kept: per token (its hash, as stored)
    and per key (hashed: a client's key is not ours to keep); None without one."""
    given = request.headers.get(KEY_HEADER)
    if given is None:
        return None
    token = request.headers.get("Authorization", "").partition(" ")[2].strip()
    by_token = accounts.token_hash(token)[:32]
    return f"{CHANNEL}:{by_token}:{hashlib.sha256(given.encode()).hexdigest()}"


def fingerprint() -> str:
    """Return what makes two calls the same call: the method, the path and the body."""
    call = json.dumps([request.method, request.path, request.get_json(silent=True)],
                      sort_keys=True)
    return hashlib.sha256(call.encode()).hexdigest()


def keep(session: Session, key: str, action: str, out: BaseModel, status: int,
         contact_id: int | None) -> None:
    """Keep this call's answer under its key, in the unit of work that did the call."""
    call = fingerprint()
    kept = json.dumps({"call": call, "status": status, "body": out.model_dump(mode="json")})
    inbound.record(session=session, key=key, channel=CHANNEL, kind=f"api.{action}",
                   payload=call, response=kept, response_type=JSON, contact_id=contact_id)


def replay(session: Session, key: str, answer: type[M]) -> tuple[M, int] | None:
    """Return the answer kept under this key (marked as a replay), if any; 422 when the key
    was used for another call or body."""
    kept = kept_answer(session, key)
    if kept is None:
        return None
    return answer.model_validate(kept["body"]), int(kept["status"])


def kept_answer(session: Session, key: str) -> dict[str, Any] | None:
    """Return what was kept under this key (`status`, `body`) and mark this answer as a
    replay, if anything was; 422 when the key was used for another call or body."""
    found = inbound.find_answer(session=session, key=key)
    if found is None or found[0] is None:
        return None
    kept: dict[str, Any] = json.loads(found[0])
    if kept["call"] != fingerprint():
        raise ApiError(422, f"{KEY_HEADER}: {say('key_reused')}", field=KEY_HEADER)

    @after_this_request
    def _mark(response: Response) -> Response:
        response.headers[REPLAYED_HEADER] = "true"
        return response

    return kept
