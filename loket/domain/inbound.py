"""Inbound webhooks: their raw payloads, the answers given, and idempotent replays."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from datetime import datetime

from sqlalchemy import ColumnElement, delete, func, or_, update
from sqlmodel import Session, col, select

from loket.store.models import Contact, InboundEvent, insert_into, table_of
from loket.store.types import utcnow

MAX_KEY = 160


def idempotency_key(
    *,
    channel: str,
    kind: str,
    sid: str | None,
    path: str,
    params: Mapping[str, str],
    keyed: Callable[[str], str],
) -> str:
    """Return the key that makes a retried or duplicated webhook the same request.

    Only what Twilio signs counts (the path and the posted parameters, its CallSid or
    MessageSid among them): a captured request sent again with another
    `I-Twilio-Idempotency-Token`, or without one, is the same request.

    The digest is `keyed` (the keyring's `keyed_hash`, under LOKET_HASH_KEY, which no
    rotation changes) over the SHA-256 of that: the key is kept after an erasure, and an
    unkeyed hash of a webhook whose only unknown is the caller's number gives the number
    back to whoever tries every one. The key begins `channel:kind:sid:` as before (status
    callbacks are found by that prefix).
    """
    content = hashlib.sha256(
        json.dumps({"path": path, "p": dict(params)}, sort_keys=True).encode()
    ).hexdigest()
    digest = keyed(f"webhook:{content}")[:32]
    return (key_prefix(channel, kind, sid) + digest)[:MAX_KEY]


def key_prefix(channel: str, kind: str, sid: str | None) -> str:
    """Return how the idempotency key of a webhook of this channel, kind and sid begins."""
    return f"{channel}:{kind}:{sid or '-'}:"


def of_sid(channel: str, kind: str, sid: str) -> ColumnElement[bool]:
    """Return the clause "a webhook of this channel and kind about this sid", by its key's
    start (`key_prefix`): found without reading (or decrypting) any payload. A sid that
    is a prefix of another's finds only its own (the key's `:` after it)."""
    return col(InboundEvent.idempotency_key).startswith(
        key_prefix(channel, kind, sid)[:MAX_KEY], autoescape=True)


def find_answer(*, session: Session, key: str) -> tuple[str | None, str] | None:
    """Return the answer (body, content type) stored for an idempotency key, if any."""
    found = session.exec(
        select(InboundEvent.response, InboundEvent.response_type).where(
            InboundEvent.idempotency_key == key
        )
    ).first()
    return None if found is None else (found[0], found[1])


def record(
    *,
    session: Session,
    key: str,
    channel: str,
    kind: str,
    payload: str,
    response: str,
    response_type: str,
    contact_id: int | None,
) -> None:
    """Keep a webhook's raw payload and the answer given (both encrypted at rest).

    IntegrityError when its key is taken (a concurrent duplicate).
    """
    event = {
        "idempotency_key": key,
        "channel": channel,
        "kind": kind,
        "payload": payload,
        "response": response,
        "response_type": response_type,
        "contact_id": contact_id,
        "created_at": utcnow(),
    }
    # A row, not an object: a payload is read back only by a later request.
    session.execute(insert_into(InboundEvent), event)


def payloads(*, session: Session, contact_id: int, kind: str) -> list[str]:
    """Return the raw payloads of one kind of webhook for a contact, newest first."""
    rows = session.exec(
        select(InboundEvent.payload)
        .where(InboundEvent.contact_id == contact_id, InboundEvent.kind == kind)
        .order_by(col(InboundEvent.id).desc())
    ).all()
    return [row or "{}" for row in rows]


def count(*, session: Session, contact_id: int, kind: str) -> int:
    """Count the webhooks of one kind a contact received."""
    query = select(func.count()).select_from(InboundEvent).where(
        InboundEvent.contact_id == contact_id, InboundEvent.kind == kind
    )
    return int(session.exec(query).one())


def forget(*, session: Session, before: datetime) -> int:
    """Delete the webhooks and API calls received before `before` that only answer retries;
    return how many. The API's retry keys keep their call's answer, and the desk's reply
    forms theirs (a retry comes within minutes, a day is plenty); a webhook of no contact
    answers Twilio's retries of it only, and its payload holds a number (a delivery report
    of a message already erased, a status of a call that is no person's, a webhook refused
    by the steps). A contact's webhooks stay with it."""
    table = table_of(InboundEvent)
    result = session.execute(delete(table).where(
        or_(table.c.channel.in_(("api", "desk")), table.c.contact_id.is_(None)),
        table.c.created_at < before))
    return int(result.rowcount)  # type: ignore[attr-defined]


def forget_after_erasure(*, session: Session) -> int:
    """Clear what the webhooks that came for a contact after it was anonymised keep of the
    person, as its erasure cleared the ones before (a call's last status, sent when the
    erasure hung it up, names their number); return how many rows changed."""
    table = table_of(InboundEvent)
    erased = table.c.contact_id.in_(
        select(col(Contact.id)).where(col(Contact.anonymised_at).is_not(None)))
    payloads = session.execute(update(table).where(erased, table.c.payload.is_not(None))
                               .values(payload=None))
    # A webhook's answer may say back what was sent; the API's (ids, a status) stay.
    answers = session.execute(update(table).where(
        erased, table.c.channel != "api", table.c.response.is_not(None)).values(response=None))
    return int(payloads.rowcount) + int(answers.rowcount)  # type: ignore[attr-defined]
