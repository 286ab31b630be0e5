"""The shared intake: store a contact, route it, promise the follow-up work, in one transaction.

Channels are thin adapters around these functions. Everything here takes the session
explicitly and commits nothing: the caller commits once, before it answers, and then
moves the outbox into RQ (`loket.queue.outbox.dispatch`).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from functools import cache
from typing import Any, Literal, NamedTuple
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from pydantic import field_validator
from pydantic_core import PydanticUndefined
from sqlalchemy import Connection, Table, bindparam, func
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import defer
from sqlmodel import Session, SQLModel, col, select

from loket.queue import outbox
from loket.store import direct
from loket.store.crypto import keyring
from loket.store.models import (
    AuditEvent,
    CallbackRequest,
    Contact,
    InboundEvent,
    Message,
    User,
)
from loket.store.types import UTCDateTime, utcnow

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: easy to say aloud
REFERENCE_LENGTH = 6
QUEUES = ("police", "veterans", "debasis", "pool")
# Average handling time used for expected wait until the workspace measures it.
DEFAULT_HANDLE_S = 600
CALLBACK_WINDOWS = ("asap", "evening", "tomorrow")
# A contact's encrypted fields: loaded and decrypted only when read.
PERSONAL_FIELDS = ("phone", "name", "email", "text")

Decide = Callable[[Mapping[str, Any], Mapping[str, Any], datetime], Mapping[str, Any]]
# Where plain statements run: a session (in its transaction) or a bare connection.
Db = Session | Connection


# Statements of the request path, built once on first use on the tables themselves (plain
# SQLAlchemy Core, no ORM) and run on the session's connection with bound values: building
# a statement, or running it through the ORM, costs more than running it on SQLite.
def _table(model: type[SQLModel]) -> Table:
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


@cache
def _reference_taken() -> Any:
    contact = _table(Contact).c
    return select(contact.id).where(contact.reference == bindparam("ref")).limit(1)


@cache
def _open_conversation() -> Any:
    contact = _table(Contact).c
    return (
        sa.select(
            contact.id,
            contact.intake_step,
            contact.language,
            contact.status,
            contact.reference,
            contact.updated_at,
        )
        .where(
            contact.channel == bindparam("channel"),
            contact.phone_hash == bindparam("digest"),
            contact.status != "closed",  # open: waiting, being helped or still asking
        )
        .order_by(contact.id.desc())
        .limit(1)
    )


@cache
def _advance_conversation() -> Any:
    contact = _table(Contact).c
    return (
        sa.update(_table(Contact))
        .where(
            contact.id == bindparam("seen_id"),
            contact.intake_step == bindparam("seen_step"),
            contact.status == bindparam("seen_status"),
            contact.updated_at == bindparam("seen_updated_at", type_=UTCDateTime()),
        )
    )


@cache
def _inbound_answer() -> Any:
    inbound = _table(InboundEvent).c
    return select(inbound.response, inbound.response_type).where(
        inbound.idempotency_key == bindparam("key")
    )


def connection_of(db: Db) -> Connection:
    """Return the connection to run plain statements on (a session's own, in its transaction)."""
    return db.connection() if isinstance(db, Session) else db


@cache
def _load_contact() -> Any:
    return (
        select(Contact)
        .where(col(Contact.id) == bindparam("id"))
        .options(*(defer(getattr(Contact, name)) for name in PERSONAL_FIELDS))
    )


@cache
def _insert(model: type[SQLModel]) -> Any:
    """Return the plain insert statement of a table (no ORM bookkeeping)."""
    return _table(model).insert()


class ContactIn(SQLModel):
    """What a channel learned about a contact; validated before it is stored."""

    channel: Literal["phone", "sms", "whatsapp", "webchat", "webform"]
    organisation: Literal["police", "defence", "both", "unknown"] = "unknown"
    serving_status: Literal["serving", "former", "unknown"] = "unknown"
    relation: Literal["self", "family", "colleague", "professional"] = "self"
    need: Literal["psychological", "practical", "peer_support", "information", "unknown"] = (
        "unknown"
    )
    risk: Literal["none", "concern", "acute"] = "none"
    language: Literal["nl", "en"] = "nl"
    region: str | None = None
    preference: Literal["callback", "now", "chat"] | None = None
    anonymous: bool = False
    consent: bool = False
    external_id: str | None = None
    phone: str | None = None
    name: str | None = None
    email: str | None = None
    text: str | None = None

    @field_validator("text", "name", "email", "phone")
    @classmethod
    def _trim(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        return value or None


def new_reference(db: Db) -> str:
    """Return an unused short reference code people can quote, like `K7M-4Q2`."""
    conn = connection_of(db)
    while True:
        ref = random_reference()
        if direct.first(conn, _reference_taken(), {"ref": ref}) is None:
            return ref


def random_reference() -> str:
    """Return a random reference code, not checked against the store.

    Its unique index checks it when it is stored (one in 887 million codes per contact
    already stored collides); a caller that gets IntegrityError tries again the long way.
    """
    raw = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))
    return f"{raw[:3]}-{raw[3:]}"


def audit(
    session: Session,
    event: str,
    contact: Contact | None,
    *,
    user_id: int | None = None,
    actor: str = "system",
    on_behalf_of: str | None = None,
    detail: str = "",
) -> None:
    """Write one NEN 7513 line: event, time, client record, user, on whose behalf."""
    # A plain insert: audit lines are never read back or changed in the same request.
    conn = session.connection()
    line = _bind_audit(
        conn.dialect,
        event,
        contact.reference if contact else None,
        user_id=user_id,
        actor=actor,
        on_behalf_of=on_behalf_of,
        detail=detail,
    )
    direct.insert_bound(conn, line)


def _bind_audit(
    dialect: Dialect,
    event: str,
    reference: str | None,
    *,
    user_id: int | None = None,
    actor: str = "system",
    on_behalf_of: str | None = None,
    detail: str = "",
) -> direct.Bound:
    values = {
        "at": utcnow(),
        "event": event,
        "contact_reference": reference,
        "user_id": user_id,
        "actor": actor,
        "on_behalf_of": on_behalf_of,
        "detail": detail[:500],
    }
    return direct.bind(dialect, _insert(AuditEvent), values)


def open_contact(session: Session, contact_in: ContactIn, *, actor: str = "intake") -> Contact:
    """Store a new contact from validated input; personal fields are encrypted at rest."""
    contact_id, _ = insert_contact(session, contact_in, actor=actor)
    return load_contact(session, contact_id)


def insert_contact(
    db: Db, contact_in: ContactIn, *, actor: str = "intake", intake_step: str = "start"
) -> tuple[int, str]:
    """Store a new contact without building an ORM object; return its id and reference.

    The hot path of every channel: one plain insert (and its audit line) instead of a
    model object and a flush. Raises IntegrityError when the channel's id is taken.
    """
    conn = connection_of(db)
    new = bind_contact(
        conn.dialect,
        contact_in,
        reference=new_reference(conn),
        actor=actor,
        intake_step=intake_step,
    )
    return store_contact(conn, new), new.reference


class NewContact(NamedTuple):
    """A new contact's rows, bound (encrypted) before the write transaction."""

    reference: str
    contact: direct.Bound
    audit: direct.Bound
    messages: tuple[direct.Bound, ...]


def bind_contact(
    dialect: Dialect,
    contact_in: ContactIn,
    *,
    reference: str,
    actor: str = "intake",
    intake_step: str = "start",
    first_message: str | None = None,
) -> NewContact:
    """Bind a new contact, its audit line and its first inbound message, if any.

    The reference comes from `new_reference`; the contact's own insert is the last check.
    """
    data = contact_in.model_dump()
    preference = data.pop("preference") or (
        "callback" if contact_in.channel == "webform" else "now"
    )
    now = utcnow()
    values = {
        **_column_defaults(Contact),
        **data,
        "preference": preference,
        "reference": reference,
        "intake_step": intake_step,
        "phone_hash": keyring().keyed_hash(contact_in.phone) if contact_in.phone else None,
        "flags": [],
        "trace": [],
        "created_at": now,
        "updated_at": now,
    }
    messages: tuple[direct.Bound, ...] = ()
    if first_message is not None:
        messages = (
            bind_message(
                dialect, direction="in", body=first_message, external_id=contact_in.external_id
            ),
        )
    return NewContact(
        reference,
        direct.bind(dialect, _insert(Contact), values),
        _bind_audit(
            dialect, "create", reference, actor=actor, detail=f"channel={contact_in.channel}"
        ),
        messages,
    )


def store_contact(conn: Connection, new: NewContact) -> int:
    """Insert a bound contact, its audit line and messages; return its id.

    Raises IntegrityError when the channel's id (or, rarely, the reference) is taken.
    """
    contact_id = direct.insert_bound(conn, new.contact)
    direct.insert_bound(conn, new.audit)
    for message in new.messages:
        store_message(conn, message, contact_id)
    return contact_id


@cache
def _column_defaults(model: type[SQLModel]) -> dict[str, Any]:
    """Return a table model's constant field defaults (factories are the caller's to fill).

    The primary key is left out: the database numbers new rows.
    """
    return {
        name: field.default
        for name, field in model.model_fields.items()
        if name != "id" and field.default_factory is None and field.default is not PydanticUndefined
    }


def find_contact(session: Session, channel: str, external_id: str) -> Contact | None:
    """Return the contact a channel knows by its own id (a CallSid, a first MessageSid)."""
    query = select(Contact).where(Contact.channel == channel, Contact.external_id == external_id)
    return session.exec(query).first()


def load_contact(session: Session, contact_id: int) -> Contact:
    """Load a stored contact; its personal fields are decrypted when first read."""
    found = session.execute(_load_contact(), {"id": contact_id}).scalars().one_or_none()
    if found is None:
        raise LookupError(f"contact {contact_id}: no such contact")
    contact: Contact = found
    return contact


def hold_conversation(db: Db, channel: str, phone: str) -> None:
    """Let one message of this sender on this channel at a time find or open its conversation.

    On SQLite the write transaction already holds the database's single write lock; on
    PostgreSQL a transaction-scoped advisory lock on the sender does it.
    """
    conn = connection_of(db)
    if conn.dialect.name == "postgresql":
        digest = keyring().keyed_hash(f"{channel}:{phone}")
        key = int.from_bytes(bytes.fromhex(digest[:16]), "big", signed=True)
        conn.execute(_advisory_lock(), {"key": key})


@cache
def _advisory_lock() -> Any:
    return select(func.pg_advisory_xact_lock(bindparam("key")))


class OpenConversation(NamedTuple):
    """A sender's open text conversation, as far as its steps need it."""

    id: int
    intake_step: str
    language: str
    status: str
    reference: str
    updated_at: datetime


def open_conversation(
    db: Db, channel: str, phone: str, *, digest: str | None = None
) -> OpenConversation | None:
    """Return the open text conversation with this number on this channel, if any.

    `digest` is the number's keyed hash (`sender_digest`) when the caller has it already.
    """
    params = {"channel": channel, "digest": digest or sender_digest(phone)}
    found = direct.first(connection_of(db), _open_conversation(), params)
    return None if found is None else OpenConversation(*found)


def open_conversation_id(
    db: Db, channel: str, phone: str, *, digest: str | None = None
) -> int | None:
    """Return the id of the open text conversation with this number on this channel."""
    found = open_conversation(db, channel, phone, digest=digest)
    return None if found is None else found.id


def advance_conversation(
    conn: Connection, seen: OpenConversation, changes: Mapping[str, Any]
) -> bool:
    """Store a conversation's answers and step if it is still as it was seen; else False.

    `changes` are contact columns (answers from the menu's own options, the step reached).
    """
    values = {
        **changes,
        "updated_at": utcnow(),
        "seen_id": seen.id,
        "seen_step": seen.intake_step,
        "seen_status": seen.status,
        "seen_updated_at": seen.updated_at,
    }
    return direct.update(conn, _advance_conversation(), values) == 1


def sender_digest(phone: str) -> str:
    """Return the keyed hash a contact's number is found by."""
    return keyring().keyed_hash(phone)


def update_answers(session: Session, contact: Contact, **answers: Any) -> Contact:
    """Record what the person answered (validated like new input).

    Personal fields are read (and decrypted) only when they are answered: they are loaded
    on first use and no other answer depends on them.
    """
    current = {
        name: getattr(contact, name)
        for name in ContactIn.model_fields
        if name not in PERSONAL_FIELDS or name in answers
    }
    current.update(answers)
    checked = ContactIn(**current)
    for name in answers:
        setattr(contact, name, getattr(checked, name))
    if "phone" in answers and checked.phone:
        contact.phone_hash = keyring().keyed_hash(checked.phone)
    contact.updated_at = utcnow()
    session.add(contact)
    return contact


def live_state(session: Session) -> dict[str, dict[str, int]]:
    """Return waiting, available and expected wait per queue, from the store."""
    waiting_rows = session.exec(
        select(Contact.queue, func.count())
        .where(col(Contact.status).in_(("waiting", "routed")), col(Contact.queue).is_not(None))
        .group_by(Contact.queue)
    ).all()
    waiting = {str(q): int(n) for q, n in waiting_rows}
    available_rows = session.exec(
        select(User.desk, func.count())
        .where(User.role == "counsellor", User.available == True, User.active == True)  # noqa: E712
        .group_by(User.desk)
    ).all()
    available = {str(d): int(n) for d, n in available_rows}
    available["pool"] = available.get("police", 0) + available.get("veterans", 0)
    state: dict[str, dict[str, int]] = {}
    for queue in QUEUES:
        w, a = waiting.get(queue, 0), available.get(queue, 0)
        expected = 0 if a and w < a else (w + 1) * DEFAULT_HANDLE_S // max(a, 1)
        state[queue] = {"waiting": w, "available": a, "expected_wait_s": expected}
    return state


def routing_input(contact: Contact) -> dict[str, Any]:
    """Return the contact as the routing contract's `contact` object."""
    data: dict[str, Any] = {
        "channel": contact.channel,
        "organisation": contact.organisation,
        "status": contact.serving_status,
        "relation": contact.relation,
        "need": contact.need,
        "risk": contact.risk,
        "language": contact.language,
        "preference": contact.preference,
        "anonymous": contact.anonymous,
    }
    if contact.region:
        data["region"] = contact.region
    if contact.text:
        data["text"] = contact.text
    return data


def route_contact(
    session: Session,
    contact: Contact,
    decide: Decide,
    *,
    at: datetime | None = None,
    state: Mapping[str, Any] | None = None,
) -> Contact:
    """Decide desk, queue and priority; store the decision and promise the announcement."""
    at = at or utcnow()
    decision = decide(routing_input(contact), state or live_state(session), at)
    contact.desk = decision["desk"]
    contact.queue = decision["queue"]
    contact.priority = decision["priority"]
    contact.crisis = bool(decision["crisis"])
    contact.respond = decision["respond"]
    contact.flags = list(decision["flags"])
    contact.rule = decision["rule"]
    contact.rules_version = decision.get("rules_version")
    contact.trace = list(decision.get("trace", []))
    contact.routed_at = at
    contact.updated_at = utcnow()
    if contact.status in ("new", "routed"):
        contact.status = "waiting" if contact.respond == "now" else "callback"
    session.add(contact)
    session.flush()
    assert contact.id is not None  # noqa: S101 - flushed above
    outbox.add(session, "contact_routed", urgent=contact.crisis, contact_id=contact.id)
    audit(session, "update", contact, detail=f"routed desk={contact.desk} queue={contact.queue}")
    return contact


def cancel_callbacks(session: Session, contact: Contact) -> int:
    """Cancel the callbacks still pending for a contact (answered now, or stopped)."""
    pending = session.exec(
        select(CallbackRequest).where(
            CallbackRequest.contact_id == contact.id, CallbackRequest.status == "pending"
        )
    ).all()
    for callback in pending:
        callback.status, callback.updated_at = "cancelled", utcnow()
        session.add(callback)
    return len(pending)


def escalate(session: Session, contact: Contact, decide: Decide) -> bool:
    """Make a contact a crisis answered now: risk acute, no callback only, routed again.

    Return False when it already was one (nothing changes).
    """
    if contact.crisis and contact.risk == "acute":
        return False
    update_answers(session, contact, risk="acute", preference="now")
    cancel_callbacks(session, contact)
    if contact.status == "callback":
        contact.status = "routed"  # a crisis is never parked in a callback queue
    route_contact(session, contact, decide)
    return True


def callback_window(window: str, at: datetime) -> tuple[datetime, datetime]:
    """Return the start and end of a callback window, in UTC, as seen in Amsterdam."""
    local = at.astimezone(AMSTERDAM)
    if window == "asap":
        return at, at + timedelta(hours=2)
    if window == "evening":
        start = local.replace(hour=18, minute=0, second=0, microsecond=0)
        end = local.replace(hour=21, minute=0, second=0, microsecond=0)
        if local >= end:
            start, end = start + timedelta(days=1), end + timedelta(days=1)
        return max(start, local).astimezone(at.tzinfo), end.astimezone(at.tzinfo)
    if window == "tomorrow":
        day = (local + timedelta(days=1)).date()
        start = datetime(day.year, day.month, day.day, 9, tzinfo=AMSTERDAM)
        return start.astimezone(at.tzinfo), (start + timedelta(hours=3)).astimezone(at.tzinfo)
    raise ValueError(f"window: unknown value {window!r} (expected one of asap, evening, tomorrow)")


def request_callback(
    session: Session,
    contact: Contact,
    *,
    phone: str | None,
    window: str = "asap",
    voicemail_allowed: bool = False,
    at: datetime | None = None,
) -> CallbackRequest:
    """Promise a callback within a window; a crisis is never parked in a callback queue."""
    if contact.crisis:
        raise ValueError("a crisis contact is answered now, never only called back")
    start, end = callback_window(window, at or utcnow())
    assert contact.id is not None  # noqa: S101 - a stored contact has an id
    callback = CallbackRequest(
        contact_id=contact.id,
        phone=phone,
        window=window,
        window_start=start,
        window_end=end,
        voicemail_allowed=voicemail_allowed,
    )
    session.add(callback)
    session.flush()
    assert callback.id is not None  # noqa: S101 - flushed above
    contact.status = "callback"
    contact.preference = "callback"
    session.add(contact)
    outbox.add(session, "schedule_callback", callback_id=callback.id)
    return callback


def add_message(
    session: Session,
    contact: Contact,
    *,
    direction: Literal["in", "out"],
    body: str,
    external_id: str | None = None,
    automatic: bool = False,
    author_user_id: int | None = None,
    send: bool = False,
) -> int:
    """Add a message to a conversation and return its id; `send` promises its delivery."""
    assert contact.id is not None  # noqa: S101 - a stored contact has an id
    message_id = insert_message(
        session,
        contact.id,
        direction=direction,
        body=body,
        external_id=external_id,
        automatic=automatic,
        author_user_id=author_user_id,
    )
    if send:
        outbox.add(session, "send_message", urgent=contact.crisis, message_id=message_id)
    contact.updated_at = utcnow()
    session.add(contact)
    return message_id


def insert_message(
    db: Db,
    contact_id: int,
    *,
    direction: Literal["in", "out"],
    body: str,
    external_id: str | None = None,
    automatic: bool = False,
    author_user_id: int | None = None,
) -> int:
    """Store one message of a conversation with a plain insert; return its id."""
    conn = connection_of(db)
    bound = bind_message(
        conn.dialect,
        direction=direction,
        body=body,
        external_id=external_id,
        automatic=automatic,
        author_user_id=author_user_id,
    )
    return store_message(conn, bound, contact_id)


def bind_message(
    dialect: Dialect,
    *,
    direction: Literal["in", "out"],
    body: str,
    external_id: str | None = None,
    automatic: bool = False,
    author_user_id: int | None = None,
) -> direct.Bound:
    """Bind one message (its body encrypted) for a contact whose id comes later."""
    values = {
        **_column_defaults(Message),
        "direction": direction,
        "body": body,
        "external_id": external_id,
        "automatic": automatic,
        "author_user_id": author_user_id,
        "created_at": utcnow(),
    }
    return direct.bind(dialect, _insert(Message), values, late=("contact_id",))


def store_message(conn: Connection, bound: direct.Bound, contact_id: int) -> int:
    """Insert a bound message for its contact; return its id."""
    return direct.insert_bound(conn, bound, contact_id=contact_id)


def find_inbound(db: Db, key: str) -> tuple[str | None, str] | None:
    """Return the answer (body, content type) stored for an idempotency key, if any."""
    found = direct.first(connection_of(db), _inbound_answer(), {"key": key})
    return None if found is None else (found[0], found[1])


def record_inbound(session: Session, bound: direct.Bound, contact_id: int | None) -> None:
    """Keep the raw payload and the answer given (`bind_inbound`) in the session's work."""
    if session.new:
        session.flush()  # objects this row may refer to
    store_inbound(session.connection(), bound, contact_id)


def bind_inbound(
    dialect: Dialect,
    *,
    key: str,
    channel: str,
    kind: str,
    payload: str,
    response: str,
    response_type: str,
) -> direct.Bound:
    """Bind a webhook's raw payload and answer (both encrypted); its contact comes later."""
    values = {
        "idempotency_key": key,
        "channel": channel,
        "kind": kind,
        "payload": payload,
        "response": response,
        "response_type": response_type,
        "created_at": utcnow(),
    }
    return direct.bind(dialect, _insert(InboundEvent), values, late=("contact_id",))


def store_inbound(conn: Connection, bound: direct.Bound, contact_id: int | None) -> None:
    """Insert a bound payload for its contact; IntegrityError when its key is taken."""
    direct.insert_bound(conn, bound, contact_id=contact_id)


def queue_position(session: Session, contact: Contact) -> int:
    """Return how many contacts wait before this one in its queue (1 = next)."""
    if contact.queue is None:
        return 0
    rank = {"urgent": 0, "high": 1, "normal": 2, "low": 3}
    mine = rank.get(contact.priority or "normal", 2)
    ahead = session.exec(
        select(Contact.priority, Contact.created_at).where(
            Contact.queue == contact.queue,
            Contact.status == "waiting",
            Contact.id != contact.id,
        )
    ).all()
    count = sum(
        1
        for prio, created in ahead
        if rank.get(prio or "normal", 2) < mine
        or (rank.get(prio or "normal", 2) == mine and created <= contact.created_at)
    )
    return count + 1
