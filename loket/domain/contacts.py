"""Contacts: open, find, lock, answer, route, and every status and step transition.

Status lifecycle: new -> routed -> waiting | callback -> in_progress -> closed. A transition
that must not race with another request loads its contact with `lock` first (on PostgreSQL
`SELECT ... FOR UPDATE`; on SQLite the unit of work's `BEGIN IMMEDIATE` already holds the
write lock, and FOR UPDATE is not rendered).
"""

from __future__ import annotations

import secrets
import statistics
from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import datetime, timedelta
from functools import cache
from typing import Any, Literal, Protocol

from pydantic import field_validator
from sqlalchemy import and_, bindparam, case, null, or_, update
from sqlmodel import Session, SQLModel, col, func, select
from sqlmodel.sql.expression import SelectOfScalar

from loket.domain import audit, callbacks
from loket.queue import outbox
from loket.store.crypto import keyring
from loket.store.models import (
    CallbackRequest,
    Contact,
    ContactFlag,
    Note,
    User,
    as_loaded,
    insert_into,
    stored_row,
    table_of,
)
from loket.store.types import utcnow

REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: easy to say aloud
REFERENCE_LENGTH = 6
QUEUES = ("police", "veterans", "debasis", "pool")
# Average handling time used for expected wait until the workspace measures it.
DEFAULT_HANDLE_S = 600  # until a queue has closed enough contacts to know its own
RECENT_HANDLED = 50  # the closed contacts a queue's handle time is the median of
MIN_HANDLE_SAMPLES = 5
# A contact's encrypted fields.
PERSONAL_FIELDS = ("phone", "name", "email", "text")
# How far a contact got: a later event never moves it back.
STATUS_RANK = {"new": 0, "routed": 1, "waiting": 2, "callback": 2, "in_progress": 3, "closed": 4}
OPEN_STATUSES = ("new", "routed", "waiting", "callback", "in_progress")

OPENED = "loket.contacts.opened"  # session.info: ids of the contacts opened in this unit of work

Decide = Callable[[Mapping[str, Any], Mapping[str, Any], datetime], Mapping[str, Any]]


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


# --- opening and finding --------------------------------------------------------------------


def random_reference() -> str:
    """Return a random reference code people can quote, like `K7M-4Q2`."""
    raw = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))
    return f"{raw[:3]}-{raw[3:]}"


def new_reference(*, session: Session) -> str:
    """Return an unused reference code."""
    while True:
        ref = random_reference()
        taken = session.exec(select(Contact.id).where(Contact.reference == ref)).first()
        if taken is None:
            return ref


# How Twilio writes a WhatsApp number; the person behind it is the same as the number's.
WHATSAPP_PREFIX = "whatsapp:"


def bare_number(phone: str) -> str:
    """Return a number without the WhatsApp prefix (`whatsapp:+31…` is +31…)."""
    value = phone.strip()
    return value[len(WHATSAPP_PREFIX):] if value.lower().startswith(WHATSAPP_PREFIX) else value


def phone_hash(phone: str, *, session: Session) -> str:
    """Return the keyed hash a person's number is found by: the same for their calls, texts
    and WhatsApp messages, so that erasure, continuity, flags and earlier contacts find all
    of them (a conversation is still found per channel)."""
    return keyring(session).keyed_hash(bare_number(phone))


# A contact's fields that its later steps fill (routing, a claim, closing, an offer, the
# person's choice, erasure), never its opening: its INSERT leaves them out, and they are
# NULL. That also keeps the INSERT, with its audit line, well under the 50 parameters above
# which psycopg parses a statement anew at every execution instead of once.
FILLED_LATER = frozenset({
    "outcome", "desk", "queue", "overflow_direction", "priority", "respond", "rule",
    "rules_version",
    "assigned_user_id", "routed_at", "answered_at", "closed_at", "wait_seconds", "claimed_at",
    "contact_type", "offered_to_user_id", "offered_until", "continuity_opt_out",
    "anonymised_at",
})


def open_contact(
    *,
    session: Session,
    contact_in: ContactIn,
    actor: str = "intake",
    intake_step: str = "start",
    reference: str | None = None,
) -> Contact:
    """Store a new contact (personal fields encrypted at rest) and its audit line.

    `reference` is one this unit of work already found free (`new_reference` otherwise).
    Raises IntegrityError at the INSERT when the channel's id is taken.
    """
    values = contact_in.model_dump()  # validated once, as ContactIn
    values["preference"] = values["preference"] or (
        "callback" if contact_in.channel == "webform" else "now"
    )
    now = utcnow()
    values.update(
        reference=reference or new_reference(session=session),
        intake_step=intake_step,
        phone_hash=phone_hash(contact_in.phone, session=session) if contact_in.phone else None,
        created_at=now,
        updated_at=now,
    )
    # A row with only its id back, then the object it is, made as a loaded one is: nothing
    # of what was just written travels back from the database (its personal fields
    # decrypted again), and neither the ORM's bulk insert nor the model's constructor runs.
    # Its flags load (lazily) only if it is routed in this unit of work.
    row = stored_row(Contact, values)
    line = audit.line(event="create", contact_reference=row["reference"], actor=actor,
                      detail=f"channel={contact_in.channel}")
    statement = insert_into(Contact, returning_id=True)
    written = {k: v for k, v in row.items() if v is not None or k not in FILLED_LATER}
    if session.get_bind().dialect.name == "postgresql":  # the audit line in the same statement
        row["id"] = session.execute(
            audit.written_with(statement), audit.with_line(written, line)
        ).scalar_one()
    else:
        row["id"] = session.execute(statement, written).scalar_one()
        audit.write(session=session, values=line)
    contact = as_loaded(Contact, row)
    session.add(contact)
    session.info.setdefault(OPENED, set()).add(contact.id)
    return contact


def opened_here(*, session: Session, contact: Contact) -> bool:
    """Tell whether this unit of work opened the contact (its times are this moment)."""
    return contact.id in session.info.get(OPENED, ())


def find_contact(*, session: Session, channel: str, external_id: str) -> Contact | None:
    """Return the contact a channel knows by its own id (a CallSid, a chat id)."""
    query = select(Contact).where(Contact.channel == channel, Contact.external_id == external_id)
    return session.exec(query).first()


def get_contact(*, session: Session, contact_id: int) -> Contact:
    """Return a stored contact; LookupError when there is none."""
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise LookupError(f"contact {contact_id}: no such contact")
    return contact


def lock(
    *,
    session: Session,
    contact_id: int | None = None,
    channel: str | None = None,
    external_id: str | None = None,
) -> Contact | None:
    """Load a contact to change it, by id or by its channel's id, locked until commit.

    Another unit of work that locks it waits, then reads what this one committed.
    """
    if contact_id is not None:
        found = session.exec(lock_query("id"), params={"id": contact_id})
    elif channel is not None and external_id is not None:
        found = session.exec(
            lock_query("external_id"), params={"channel": channel, "external_id": external_id}
        )
    else:
        raise ValueError("lock: give contact_id, or channel and external_id")
    return found.first()


@cache
def lock_query(by: Literal["id", "external_id"]) -> SelectOfScalar[Contact]:
    """Return `lock`'s SELECT ... FOR UPDATE by id or by the channel's id, its values bound
    parameters (built once: a new statement a call costs its cache key again)."""
    query = select(Contact).with_for_update().execution_options(populate_existing=True)
    if by == "id":
        return query.where(Contact.id == bindparam("id"))
    return query.where(
        Contact.channel == bindparam("channel"), Contact.external_id == bindparam("external_id")
    )


# --- answers and steps ----------------------------------------------------------------------


def update_answers(*, session: Session, contact: Contact, **answers: Any) -> Contact:
    """Record what the person answered (validated like new input)."""
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
        contact.phone_hash = phone_hash(checked.phone, session=session)
    contact.updated_at = utcnow()
    session.add(contact)
    return contact


def set_step(*, session: Session, contact: Contact, step: str) -> Contact:
    """Store the channel's step reached (the menu question, the chat step)."""
    if contact.intake_step == step:
        return contact
    contact.intake_step = step
    contact.updated_at = utcnow()
    session.add(contact)
    return contact


# --- routing --------------------------------------------------------------------------------


def live_state(*, session: Session, now: datetime | None = None) -> dict[str, dict[str, int]]:
    """Return waiting, available and expected wait per queue, from the store.

    Available: counsellors marked available, and those whose wrap-up has run out. The
    expected wait comes from the queue's recent handle times (`handle_time_s`), asked for
    only when someone will have to wait.
    """
    now = now or utcnow()
    waiting_rows = session.exec(
        select(Contact.queue, func.count())
        .where(col(Contact.status).in_(("waiting", "routed")), col(Contact.queue).is_not(None))
        .group_by(Contact.queue)
    ).all()
    waiting = {str(q): int(n) for q, n in waiting_rows}
    free = or_(
        col(User.available),
        and_(col(User.availability) == "wrap-up", col(User.availability_until) <= now),
    )
    available_rows = session.exec(
        select(User.desk, func.count())
        .where(User.role == "counsellor", col(User.active), free)
        .group_by(User.desk)
    ).all()
    available = {str(d): int(n) for d, n in available_rows}
    available["pool"] = available.get("police", 0) + available.get("veterans", 0)
    state: dict[str, dict[str, int]] = {}
    for queue in QUEUES:
        w, a = waiting.get(queue, 0), available.get(queue, 0)
        if a and w < a:
            expected = 0
        else:
            expected = (w + 1) * handle_time_s(session=session, queue=queue) // max(a, 1)
        state[queue] = {"waiting": w, "available": a, "expected_wait_s": expected}
    return state


def handle_time_s(*, session: Session, queue: str, default: int = DEFAULT_HANDLE_S) -> int:
    """Return the median handle time (answer to close) of the queue's last closed contacts,
    or `default` while it has fewer than `MIN_HANDLE_SAMPLES` of them."""
    rows = session.exec(
        select(Contact.answered_at, Contact.closed_at)
        .where(Contact.queue == queue, col(Contact.closed_at).is_not(None),
               col(Contact.answered_at).is_not(None))
        .order_by(col(Contact.closed_at).desc())
        .limit(RECENT_HANDLED)
    ).all()
    times = [(closed - answered).total_seconds() for answered, closed in rows
             if answered and closed and closed >= answered]
    return int(statistics.median(times)) if len(times) >= MIN_HANDLE_SAMPLES else default


# The flags that say where a contact is owned and served, not what it is.
PLACE_FLAGS = frozenset({"both", "overflow", "pooled"})


def set_flags(*, contact: Contact, flags: Iterable[str]) -> Contact:
    """Make a contact's flags these (one `contact_flag` row each); stored with the contact."""
    wanted = set(flags)
    for row in [row for row in contact.flag_rows if row.flag not in wanted]:
        contact.flag_rows.remove(row)
    have = {row.flag for row in contact.flag_rows}
    for flag in sorted(wanted - have):
        contact.flag_rows.append(ContactFlag(flag=flag))
    return contact


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
    *,
    session: Session,
    contact: Contact,
    decide: Decide,
    at: datetime | None = None,
    state: Mapping[str, Any] | None = None,
    continuity: timedelta | None = None,
) -> Contact:
    """Decide desk, queue and priority; store the decision and promise the announcement.

    A contact a counsellor holds keeps its desk, queue and the flags that say where it is
    served (both, overflow, pooled): raising its risk or a crisis phrase mid-conversation
    makes it urgent, never takes it from the counsellor serving it. So does a contact a
    counsellor handed over to another desk (`handed_over`): the rules route by who the
    person is, and would give it back to the desk that let it go, which may see nothing
    more of it. Desk, queue and flags decided here give an overflow its direction
    (`overflow_direction`), which no later transfer changes.

    With `continuity`, a returning person's new contact is first offered, that long, to the
    counsellor who last helped them (`offer_to_last_counsellor`)."""
    at = at or utcnow()
    # A crisis routed again (a queue failed, a crisis phrase once more), or a contact that
    # becomes one while it waits (help now pressed in the queue, a crisis phrase written
    # there), has waited since it was first routed: its wait, and its alarms' clock, go on
    # from there.
    waiting_since = contact.routed_at if contact.crisis or contact.status == "waiting" else None
    decision = decide(routing_input(contact), state or live_state(session=session), at)
    flags = set(decision["flags"])
    held = contact.assigned_user_id is not None and contact.status == "in_progress"
    if held or handed_over(session=session, contact=contact):
        placed = {row.flag for row in contact.flag_rows} & PLACE_FLAGS
        flags = (flags - PLACE_FLAGS) | placed
    else:
        contact.desk = decision["desk"]
        contact.queue = decision["queue"]
        contact.overflow_direction = overflow_direction(contact.desk, contact.queue, flags)
    contact.priority = decision["priority"]
    contact.crisis = bool(decision["crisis"])
    contact.respond = decision["respond"]
    set_flags(contact=contact, flags=flags)
    contact.rule = decision["rule"]
    contact.rules_version = decision.get("rules_version")
    contact.trace = list(decision.get("trace", []))
    contact.routed_at = waiting_since if contact.crisis and waiting_since is not None else at
    contact.updated_at = utcnow()
    if contact.status in ("new", "routed"):
        contact.status = "waiting" if contact.respond == "now" else "callback"
    if continuity or contact.crisis:  # a crisis is offered to no one first: to all at once
        offer_to_last_counsellor(session=session, contact=contact,
                                 offer_for=continuity or timedelta(0))
    session.add(contact)
    session.flush()
    assert contact.id is not None  # noqa: S101 - flushed above
    outbox.add(session, "contact_routed", urgent=contact.crisis, contact_id=contact.id)
    audit.record(
        session=session, event="update", contact=contact,
        detail=f"routed desk={contact.desk} queue={contact.queue}",
    )
    return contact


POOL = "pool"


def leave_pool(*, session: Session, decide: Decide, now: datetime | None = None,
               limit: int = 200) -> list[str]:
    """Move what still waits in the `pool` when the pooled hours are over to the queue the
    rules give it now; return the references moved.

    Police and veterans serve the pool together in the pooled hours only (DESIGN.md): a
    veterans contact routed there on Saturday and still waiting on Monday is not the
    police's to read or serve any more. Only unheld contacts move (one a counsellor is
    serving stays with them; released, it is moved at the next sweep). The record stays
    with its owner desk: the queue is the rules' when they keep that desk (its own, or
    another in a crisis nobody of its own can take), else the owner's own. The wait goes on
    from when it was routed; its routing flags (pooled) stay as the routing made them.
    A first offer to a counsellor (`offer_to_last_counsellor`) ends: everyone may take it.
    A live caller stays in their Twilio queue: they are answered by their call, wherever
    Loket lists them."""
    at = now or utcnow()
    waiting = session.exec(
        select(Contact).where(Contact.queue == POOL,
                              col(Contact.status).in_(("routed", "waiting", "callback")))
        .order_by(col(Contact.id)).limit(limit)
        .with_for_update(skip_locked=True).execution_options(populate_existing=True)
    ).all()
    if not waiting:
        return []
    state = live_state(session=session, now=at)
    moved: list[str] = []
    for contact in waiting:
        decision = decide(routing_input(contact), state, at)
        if decision["queue"] == POOL:
            continue
        queue = decision["queue"] if decision["desk"] == contact.desk else contact.desk
        if queue is None or queue == POOL:
            continue
        contact.queue = queue
        contact.offered_to_user_id = contact.offered_until = None
        contact.updated_at = utcnow()
        session.add(contact)
        if contact.id is not None:  # stored: read from the database above
            outbox.add(session, "contact_routed", urgent=contact.crisis, contact_id=contact.id)
        audit.record(session=session, event="update", contact=contact,
                     detail=f"pooled hours over: queue=pool>{queue}")
        moved.append(contact.reference)
    return moved


def overflow_direction(desk: str | None, queue: str | None, flags: Collection[str]
                       ) -> str | None:
    """Return the direction of an overflow as routed, "owner>queue" (`veterans>police`);
    None when the contact is no overflow. A transfer later moves desk and queue, never this:
    the reports count the overflow the routing made (`Contact.overflow_direction`)."""
    if "overflow" not in flags or not desk or not queue or desk == queue:
        return None
    return f"{desk}>{queue}"


def handed_over(*, session: Session, contact: Contact) -> bool:
    """Tell whether a counsellor handed the contact over to the desk it is with now (a
    transfer, which always leaves its handover note: `workspace.transfer`)."""
    if contact.id is None or opened_here(session=session, contact=contact):
        return False
    query = select(Note.id).where(Note.contact_id == contact.id, Note.kind == "handover")
    return session.exec(query.limit(1)).first() is not None


def offer_to_last_counsellor(*, session: Session, contact: Contact,
                             offer_for: timedelta) -> int | None:
    """Offer a returning person's new contact first to the counsellor who last helped them,
    when that counsellor is available, has not opted out, and may serve it; never a crisis
    (it goes to everyone at once). Return whom it is offered to."""
    contact.offered_to_user_id = contact.offered_until = None
    if contact.crisis or not contact.phone_hash or contact.status != "waiting":
        return None
    last = session.exec(
        select(User)
        .join(Contact, col(Contact.assigned_user_id) == User.id)
        .where(Contact.phone_hash == contact.phone_hash, col(Contact.id) != contact.id,
               col(Contact.assigned_user_id).is_not(None))
        .order_by(col(Contact.created_at).desc())
        .limit(1)
    ).first()
    now = utcnow()
    if (last is None or not last.active or last.role != "counsellor"
            or last.continuity_opt_out or not available_now(last, now)
            or last.desk not in (contact.desk, contact.queue)
            or person_opted_out(session=session, phone_hash=contact.phone_hash)):
        return None
    contact.offered_to_user_id, contact.offered_until = last.id, now + offer_for
    return last.id


def person_opted_out(*, session: Session, phone_hash: str) -> bool:
    """Tell whether the person said (their newest recorded wish) they would rather not be
    offered first to the counsellor who helped them last."""
    wish = session.exec(
        select(Contact.continuity_opt_out)
        .where(Contact.phone_hash == phone_hash, col(Contact.continuity_opt_out).is_not(None))
        .order_by(col(Contact.created_at).desc(), col(Contact.id).desc())
        .limit(1)
    ).first()
    return bool(wish)


def available_now(user: User, now: datetime) -> bool:
    """Tell whether a counsellor is available (a finished wrap-up counts)."""
    if user.availability == "wrap-up" and user.availability_until is not None:
        return user.availability_until <= now
    return bool(user.available)


def escalate(*, session: Session, contact: Contact, decide: Decide) -> bool:
    """Make a contact a crisis answered now: risk acute, no callback only, routed again.

    Return False when it already was one (nothing changes).
    """
    if contact.crisis and contact.risk == "acute":
        return False
    update_answers(session=session, contact=contact, risk="acute", preference="now")
    callbacks.make_crisis_callbacks(session=session, contact=contact)  # callable at once
    if contact.status == "callback":
        contact.status = "routed"  # a crisis is never parked in a callback queue
    route_contact(session=session, contact=contact, decide=decide)
    return True


# --- status transitions ---------------------------------------------------------------------


def unanswered(contact: Contact) -> bool:
    """Tell whether no counsellor has (or had) the contact yet: new, routed, waiting or a
    callback still to make."""
    return STATUS_RANK.get(contact.status, 0) < STATUS_RANK["in_progress"]


class Routed(Protocol):
    """A contact, or a row of its `routed_at` and `created_at` columns."""

    @property
    def routed_at(self) -> datetime | None: ...

    @property
    def created_at(self) -> datetime: ...


def waiting_since(contact: Routed) -> datetime:
    """Return when the contact began to wait for a counsellor: when it was routed (a
    crisis keeps its first routing: `route_contact`), or, never routed, when it came in."""
    return contact.routed_at or contact.created_at


def waited_s(contact: Routed, now: datetime | None = None) -> int:
    """Return the whole seconds the contact has waited since `waiting_since` (never below 0)."""
    return max(int(((now or utcnow()) - waiting_since(contact)).total_seconds()), 0)


def wait_now(*, session: Session, contact: Contact) -> Contact:
    """The person waits for a counsellor now (unless one has them already)."""
    if unanswered(contact):
        contact.status = "waiting"
    contact.updated_at = utcnow()
    session.add(contact)
    return contact


def closed_abandoned(contact: Contact) -> bool:
    """Tell whether the contact was closed as an abandoned call: our guess that the person
    left, which a later answer (`mark_answered`, `reopen_abandoned`) may undo."""
    return contact.status == "closed" and contact.outcome == "abandoned"


def mark_answered(
    *, session: Session, contact: Contact, waited_s: int, actor: str, detail: str
) -> Contact:
    """A counsellor answered after `waited_s`; answered beats an earlier abandoned guess."""
    if closed_abandoned(contact):
        contact.status, contact.outcome, contact.closed_at = "in_progress", None, None
    elif unanswered(contact):
        contact.status = "in_progress"
    if contact.answered_at is None:
        start = contact.routed_at or utcnow()
        contact.answered_at = min(start + timedelta(seconds=waited_s), utcnow())
    contact.wait_seconds = waited_s
    contact.updated_at = utcnow()
    session.add(contact)
    audit.record(session=session, event="update", contact=contact, actor=actor, detail=detail)
    return contact


def mark_abandoned(
    *, session: Session, contact: Contact, waited_s: int | None, actor: str, detail: str
) -> Contact:
    """The person left before an answer; nothing changes once they were answered."""
    if closed_abandoned(contact):
        contact.wait_seconds = waited_s if waited_s is not None else contact.wait_seconds
        session.add(contact)
        return contact
    if not unanswered(contact):
        return contact
    contact.status, contact.outcome = "closed", "abandoned"
    contact.closed_at = contact.updated_at = utcnow()
    contact.wait_seconds = waited_s
    session.add(contact)
    audit.record(session=session, event="update", contact=contact, actor=actor, detail=detail)
    return contact


ANSWERED_AS_THE_CALL_ENDED = "reopened: an answer given as the call ended"


def reopen_abandoned(*, session: Session, contact: Contact, status: str) -> bool:
    """Undo our abandoned guess: an answer the caller gave as the line dropped, handled
    after the call's end closed the contact as abandoned, comes first after all (its
    channel then settles the end again, as had it come in that order). The contact goes
    back to `status`, where it stood at that question. Return whether it was reopened."""
    if not closed_abandoned(contact):
        return False
    contact.status, contact.outcome, contact.closed_at = status, None, None
    contact.updated_at = utcnow()
    session.add(contact)
    audit.record(session=session, event="update", contact=contact, actor="voice",
                 detail=ANSWERED_AS_THE_CALL_ENDED)
    return True


def close(
    *,
    session: Session,
    contact: Contact,
    outcome: str,
    actor: str,
    detail: str,
    user_id: int | None = None,
    source: str = "",
) -> Contact:
    """Close a contact with its outcome; its callbacks still to make are cancelled (none
    rings a counsellor, nor waits in a queue, for a contact closed)."""
    now = utcnow()
    contact.status, contact.outcome, contact.closed_at, contact.updated_at = (
        "closed", outcome, now, now,
    )
    callbacks.cancel_callbacks(session=session, contact=contact)
    session.add(contact)
    audit.record(
        session=session, event="close" if user_id is not None else "update", contact=contact,
        actor=actor, user_id=user_id, detail=detail, source=source,
    )
    return contact


# --- a counsellor's hold on a contact (the workspace's claim, release and transfer) --------


class Conflict(Exception):
    """Another user holds the contact, or the caller does not."""

    def __init__(self, message: str, *, holder: int | None = None) -> None:
        super().__init__(message)
        self.holder = holder  # the user who holds it, when someone does


def require_held(contact: Contact, user: User) -> None:
    """Conflict (naming who holds it) unless this counsellor holds this open contact: the
    steps a counsellor takes on a contact they claimed (reply, close, call, …)."""
    if contact.assigned_user_id != user.id or contact.status == "closed":
        raise Conflict("claim the contact first", holder=contact.assigned_user_id)


def require_not_anothers(contact: Contact, user: User) -> None:
    """Conflict (naming who holds it) when another counsellor holds this open contact: what
    they are working on with the person is theirs to change (its risk lowered, the person's
    wish). An unheld or closed contact is anyone's who may see it."""
    if (contact.status != "closed" and contact.assigned_user_id is not None
            and contact.assigned_user_id != user.id):
        raise Conflict("another counsellor holds the contact", holder=contact.assigned_user_id)


# The steps of a caller waiting in a desk's Twilio queue (`loket.channels.voice`).
ON_THE_LINE = ("queued", "requeued")


def claim(*, session: Session, contact: Contact, user: User, source: str = "") -> Contact:
    """Hold a contact for this counsellor in one conditional UPDATE; Conflict when another
    holds it (or it is closed). Two counsellors claiming at once: exactly one wins."""
    now = utcnow()
    table = table_of(Contact)
    result = session.execute(
        update(table)
        .where(
            table.c.id == contact.id,
            table.c.status != "closed",
            or_(table.c.assigned_user_id.is_(None), table.c.assigned_user_id == user.id),
        )
        .values(
            assigned_user_id=user.id,
            claimed_at=func.coalesce(table.c.claimed_at, now),
            # A caller waiting on the line is answered when a counsellor is joined with
            # them (`mark_answered`), not when one claims them on the desk: the claim's
            # call may never reach them, and they may hang up meanwhile (abandoned).
            answered_at=func.coalesce(table.c.answered_at, case(
                (and_(table.c.channel == "phone", table.c.status == "waiting",
                      table.c.intake_step.in_(ON_THE_LINE)), null()),
                else_=now,
            )),
            status=case(
                (table.c.status.in_(("new", "routed", "waiting", "callback")), "in_progress"),
                else_=table.c.status,
            ),
            updated_at=now,
        )
    )
    session.refresh(contact)
    if not result.rowcount:  # type: ignore[attr-defined]
        raise Conflict("another counsellor holds this contact", holder=contact.assigned_user_id)
    audit.record(session=session, event="claim", contact=contact, user_id=user.id,
                 actor="user", detail="claimed", source=source)
    return contact


def release(*, session: Session, contact: Contact, user: User, source: str = "") -> Contact:
    """Let go of a held contact: it waits in its queue again."""
    return _let_go(session=session, contact=contact, user=user, event="release",
                   detail="released", source=source)


def transfer(*, session: Session, contact: Contact, user: User, desk: str,
             source: str = "") -> Contact:
    """Move ownership to another desk; it waits in that desk's queue, held by no one."""
    if contact.assigned_user_id != user.id or contact.status == "closed":
        raise Conflict("this counsellor does not hold this open contact")
    contact.desk = contact.queue = desk
    return _let_go(session=session, contact=contact, user=user, event="transfer",
                   detail=f"transferred desk={desk}", source=source)


def release_all_held(*, session: Session, user_id: int, by_user_id: int | None,
                     reason: str, keep: Collection[int] = ()) -> list[str]:
    """Put every open contact this user holds back in its queue, held by no one (but the
    ids in `keep`); return their references. For an account disabled or moved to another
    role or desk, or a counsellor who left: what they held must not stay out of everyone's
    reach. Each release is audited, by whoever did it.
    """
    query = (select(Contact).where(Contact.assigned_user_id == user_id,
                                   col(Contact.status).in_(OPEN_STATUSES))
             .with_for_update().execution_options(populate_existing=True))
    if keep:
        query = query.where(col(Contact.id).not_in(list(keep)))
    held = session.exec(query).all()
    for contact in held:
        put_back(session=session, contact=contact, by_user_id=by_user_id, reason=reason)
    return [contact.reference for contact in held]


def forget_holders_drafts(*, session: Session, contact: Contact) -> None:
    """Forget what the contact's holder typed for it, as it leaves their hands
    (`workspace.forget_drafts`): let go of, a callback planned or tried."""
    from loket.domain import workspace  # it builds on this module

    holder = session.get(User, contact.assigned_user_id) if contact.assigned_user_id else None
    if holder is not None:
        workspace.forget_drafts(session=session, contact=contact, user=holder)


def put_back(*, session: Session, contact: Contact, by_user_id: int | None,
             reason: str) -> None:
    """Let go of a held contact for its holder (locked by the caller): back in its queue,
    held by no one, the holder's drafts of it forgotten (`workspace.forget_drafts`);
    audited as released, by whoever did it (None: the system)."""
    forget_holders_drafts(session=session, contact=contact)
    _put_back(session=session, contact=contact)
    audit.record(session=session, event="release", contact=contact, user_id=by_user_id,
                 actor="user" if by_user_id is not None else "system",
                 detail=f"released: {reason}")


def _let_go(*, session: Session, contact: Contact, user: User, event: str, detail: str,
            source: str) -> Contact:
    """Put a contact this counsellor holds back in its queue, held by no one; audited."""
    if contact.assigned_user_id != user.id:
        raise Conflict("this counsellor does not hold this contact")
    if contact.status == "closed":
        raise Conflict("the contact is closed")
    _put_back(session=session, contact=contact)
    audit.record(session=session, event=event, contact=contact, user_id=user.id,
                 actor="user", detail=detail, source=source)
    return contact


# A callback not yet made: its contact waits among the desk's callbacks, not on the line.
OPEN_CALLBACK = ("pending", "due")


def _put_back(*, session: Session, contact: Contact) -> None:
    """Let go of a held contact: held by no one, and waiting again if it was being served
    (among the callbacks when one is still to be made; a crisis waits now)."""
    contact.assigned_user_id = None
    if contact.status == "in_progress":
        callback = None if contact.crisis else session.exec(
            select(CallbackRequest.id).where(CallbackRequest.contact_id == contact.id,
                                             col(CallbackRequest.status).in_(OPEN_CALLBACK))
        ).first()
        contact.status = "waiting" if callback is None else "callback"
    contact.updated_at = utcnow()
    session.add(contact)
