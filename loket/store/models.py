"""The tables of Loket. Validate input with the non-table models in `loket.store.schemas`."""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Index, Insert, Table, UniqueConstraint, insert, text, true
from sqlalchemy.orm import make_transient_to_detached, relationship
from sqlmodel import Field, SQLModel

from loket.store.types import EncryptedText, JSONText, UTCDateTime, empty_dict, empty_list, utcnow

# Contact status lifecycle: new -> routed -> waiting | callback -> in_progress -> closed.
CONTACT_STATUSES = ("new", "routed", "waiting", "callback", "in_progress", "closed")
# Every outcome a contact closes with: the counsellors' default list (`config/workspace.toml`,
# `workspace.CLOSE_OUTCOMES`) and those Loket sets itself. The reports count each, 0 or not.
OUTCOMES = (
    "helped",
    "referred",
    "no_contact",
    "wrong_desk",
    "handed_over",
    "callback_failed",
    "abandoned",
    "no_answer",
    "wrong_number",
    "erased",
    "other",
)
# A callback's life: pending (on the clock), due (in the desk's queue), calling, then done,
# or back to pending for a retry, or unreachable / missed (the manager's list), closed by
# the manager, or cancelled; a crisis contact's way to be reached is `crisis` (never queued
# as a callback, callable at once).
CALLBACK_STATUSES = ("pending", "due", "calling", "done", "unreachable", "missed", "closed",
                     "cancelled", "crisis")
ROLES = ("counsellor", "manager", "admin")
DESKS = ("police", "veterans", "debasis")
AUDIT_EVENTS = ("create", "read", "update", "delete", "search", "export", "emergency")


def table_of(model: type[SQLModel]) -> Table:
    """Return a model's table, to insert rows through the session that are never loaded
    back as objects in the same unit of work (audit lines, payloads, messages)."""
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


@cache
def insert_into(model: type[SQLModel], *, returning_id: bool = False) -> Insert:
    """Return the Core INSERT into a model's table (with `RETURNING id` when asked).

    Built on first use and kept: SQLAlchemy finds a kept statement's compiled form by the
    cache key it worked out once, where a new statement every write costs that key again.
    """
    table = table_of(model)
    statement = insert(table)
    return statement.returning(table.c.id) if returning_id else statement


_Model = TypeVar("_Model", bound=SQLModel)


def stored_row(model: type[SQLModel], values: dict[str, Any]) -> dict[str, Any]:
    """Return a new row of a table model to insert: its fields' defaults (each factory called
    once, as the model's constructor would), then `values`; the primary key the database
    gives."""
    row: dict[str, Any] = {}
    keys = {column.key for column in table_of(model).primary_key.columns}
    for name, field in model.model_fields.items():
        if name in keys:
            continue
        if field.default_factory is not None:
            row[name] = field.default_factory()  # type: ignore[call-arg]
        elif not field.is_required():
            row[name] = field.default
    row.update(values)
    return row


def as_loaded(model: type[_Model], row: dict[str, Any]) -> _Model:
    """Return the object of a row just written, as if the session had read it back: made
    the way SQLAlchemy makes a loaded object (no constructor, no change history), with its
    primary key as identity, ready for `session.add`. Relationships load when first used."""
    obj: _Model = model.__mapper__.class_manager.new_instance()  # type: ignore[attr-defined]
    obj.__dict__.update(row)
    make_transient_to_detached(obj)
    return obj


def partial_index(name: str, *columns: str, where: str) -> Index:
    """Return an index of only the rows `where` holds for, on SQLite and PostgreSQL.

    Every index a new row enters costs a page written at its commit, inside the write
    lock; columns still empty when a contact arrives are indexed once they are filled.
    """
    return Index(name, *columns, sqlite_where=text(where), postgresql_where=text(where))


class Contact(SQLModel, table=True):
    """One person reaching Loket once, on one channel; the record a desk owns."""

    __tablename__ = "contact"
    __table_args__ = (
        UniqueConstraint("channel", "external_id"),  # also finds a contact by channel
        partial_index("ix_contact_queue_status", "queue", "status", where="queue IS NOT NULL"),
        partial_index("ix_contact_desk", "desk", where="desk IS NOT NULL"),
        partial_index(
            "ix_contact_assigned_user_id", "assigned_user_id",
            where="assigned_user_id IS NOT NULL",
        ),
        # The queue's recent handle times (its expected wait): the last closed, per queue.
        partial_index(
            "ix_contact_queue_closed_at", "queue", "closed_at",
            where="closed_at IS NOT NULL AND answered_at IS NOT NULL",
        ),
        # The contacts still in their intake (the reconciler routes the unanswered texts).
        partial_index("ix_contact_new_updated_at", "updated_at", where="status = 'new'"),
        # A number's contacts, newest first (the text webhook's read: its open conversation,
        # its step before, the language it chose before).
        Index("ix_contact_phone_hash", "phone_hash", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=16, unique=True, index=True)
    channel: str = Field(max_length=16)
    status: str = Field(default="new", max_length=16)
    outcome: str | None = Field(default=None, max_length=32)
    # What the person told us (the routing contract's contact fields).
    organisation: str = Field(default="unknown", max_length=16)
    serving_status: str = Field(default="unknown", max_length=16)
    relation: str = Field(default="self", max_length=16)
    need: str = Field(default="unknown", max_length=16)
    risk: str = Field(default="none", max_length=16)
    language: str = Field(default="nl", max_length=2)
    region: str | None = Field(default=None, max_length=8)
    preference: str = Field(default="now", max_length=16)
    anonymous: bool = Field(default=False)
    consent: bool = Field(default=False)
    # The decision.
    desk: str | None = Field(default=None, max_length=16)
    queue: str | None = Field(default=None, max_length=16)
    priority: str | None = Field(default=None, max_length=8)
    crisis: bool = Field(default=False)
    respond: str | None = Field(default=None, max_length=16)
    rule: str | None = Field(default=None, max_length=64)
    rules_version: str | None = Field(default=None, max_length=64)
    trace: list[str] = Field(default_factory=empty_list, sa_type=JSONText)
    # An overflow's direction as its routing decided it, "owner>queue" (`veterans>police`),
    # kept whatever transfer follows: the reports count it (None: no overflow).
    overflow_direction: str | None = Field(default=None, max_length=33)
    # Channel state: the IVR step or chat step reached, and the channel's own id.
    intake_step: str = Field(default="start", max_length=32)
    external_id: str | None = Field(default=None, max_length=64)
    # Personal data: encrypted at rest; the phone also as a keyed hash.
    phone: str | None = Field(default=None, sa_type=EncryptedText)
    phone_hash: str | None = Field(default=None, max_length=64)  # indexed: __table_args__
    name: str | None = Field(default=None, sa_type=EncryptedText)
    email: str | None = Field(default=None, sa_type=EncryptedText)
    text: str | None = Field(default=None, sa_type=EncryptedText)
    assigned_user_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    routed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    wait_seconds: int | None = Field(default=None)
    # The workspace: who holds it since when, what the counsellor recorded on closing, and a
    # returning person's offer to the counsellor who helped them last (continuity).
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    contact_type: str | None = Field(default=None, max_length=16)
    categories: list[str] = Field(default_factory=empty_list, sa_type=JSONText)
    offered_to_user_id: int | None = Field(default=None)
    offered_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The person's own wish about continuity, recorded by their counsellor on this contact
    # (None: not said; True: rather not offered first to the same counsellor again). The
    # newest recorded wish of a person counts.
    continuity_opt_out: bool | None = Field(default=None)
    # When its personal data was removed (erased on request, or past the retention period).
    anonymised_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    if TYPE_CHECKING:  # mapped below, once ContactFlag exists (SQLModel cannot with postponed
        # annotations): the decision's flags, loaded with the contact, one row each; none
        # to give when a contact is made (set_flags writes them)
        flag_rows: list[ContactFlag] = Field(default_factory=list)

    @property
    def flags(self) -> list[str]:
        """Return the decision's flags (rows of `contact_flag`), in alphabetical order.

        Written with `loket.domain.contacts.set_flags`.
        """
        return [row.flag for row in self.flag_rows]


class ContactFlag(SQLModel, table=True):
    """One flag of a contact's routing decision: one row each, so the reports can count them."""

    __tablename__ = "contact_flag"
    __table_args__ = (Index("ix_contact_flag_flag", "flag"),)

    # set by the relationship when the row is stored with its contact
    contact_id: int | None = Field(
        default=None, foreign_key="contact.id", primary_key=True, ondelete="CASCADE")
    flag: str = Field(max_length=32, primary_key=True)


Contact.flag_rows = relationship(  # type: ignore[assignment]
    ContactFlag, lazy="selectin", cascade="all, delete-orphan", order_by=ContactFlag.flag
)


class InboundEvent(SQLModel, table=True):
    """A raw channel payload as it arrived, with the answer given, for idempotent replays."""

    __tablename__ = "inbound_event"

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(max_length=160, unique=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id", index=True)
    channel: str = Field(max_length=16)
    kind: str = Field(max_length=32)
    payload: str | None = Field(default=None, sa_type=EncryptedText)
    response: str | None = Field(default=None, sa_type=EncryptedText)
    response_type: str = Field(default="text/xml", max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Message(SQLModel, table=True):
    """One message of a text conversation (SMS, WhatsApp, web chat)."""

    __tablename__ = "message"
    # A conversation's messages in id order: a long one's newest page
    # (`conversations.newest_before`) reads its rows and stops, no sort. Its first column
    # serves every read of a contact's messages (no index on contact_id alone: 0021).
    __table_args__ = (Index("ix_message_contact_id_id", "contact_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id")  # indexed: __table_args__
    direction: str = Field(max_length=8)  # in | out
    author_user_id: int | None = Field(default=None, foreign_key="user.id")
    body: str = Field(sa_type=EncryptedText)
    automatic: bool = Field(default=False)
    external_id: str | None = Field(default=None, max_length=64, index=True)
    delivery_status: str | None = Field(default=None, max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CallbackRequest(SQLModel, table=True):
    """A promise to call someone back within a window they chose."""

    __tablename__ = "callback_request"

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    phone: str | None = Field(default=None, sa_type=EncryptedText)
    window: str = Field(default="asap", max_length=16)  # asap | evening | tomorrow
    window_start: datetime = Field(sa_type=UTCDateTime)
    window_end: datetime = Field(sa_type=UTCDateTime)
    voicemail_allowed: bool = Field(default=False)
    # Whether the person asked to be called back. Not so for a crisis contact's number kept
    # for the desk to call back at once (a caller who hung up in the queue, a texter who sent
    # the stop word): the reports count those apart from the callbacks requested.
    asked: bool = Field(default=True, sa_column_kwargs={"server_default": true()})
    attempts: int = Field(default=0)
    max_attempts: int = Field(default=3)  # 0: as configured; more when a manager grants one
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    status: str = Field(default="pending", max_length=16, index=True)
    # A personal callback's counsellor: their own phone rings when it is due.
    claimed_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Issue 13: when it became due (the job ran), the attempt under way, how the last one
    # ended (reached, no_answer, busy, voicemail, wrong_number, failed), why a call could
    # not be placed, and when its window passed unserved. `waiting_since` orders it in the
    # queue (a caller who kept their place brings their wait along).
    due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    attempt_started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_outcome: str | None = Field(default=None, max_length=16)
    error: str | None = Field(default=None, max_length=200)
    window_missed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    waiting_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # How it had failed (unreachable, missed) before its contact became a crisis and it was
    # made callable at once (`callbacks.make_crisis_callbacks`): the reports keep counting
    # that failure, so a past month's figures do not change with what came after.
    failed_as: str | None = Field(default=None, max_length=16)


class User(SQLModel, table=True):
    """A member of staff: counsellor, manager or administrator."""

    __tablename__ = "user"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)
    name: str = Field(default="", max_length=120)
    role: str = Field(max_length=16)
    desk: str | None = Field(default=None, max_length=16)
    password_hash: str = Field(max_length=255)
    totp_secret: str | None = Field(default=None, sa_type=EncryptedText)
    available: bool = Field(default=False)  # availability == "available" (routing state)
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_login_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # What a person reads as the counsellor's name: a first name or a chosen pseudonym.
    display_name: str = Field(default="", max_length=40)
    # The phone a callback rings first (issue 13); never shown to the person called.
    phone: str | None = Field(default=None, sa_type=EncryptedText)
    # available | busy | wrap-up | away; wrap-up ends by itself at `availability_until`.
    availability: str = Field(default="away", max_length=16)
    availability_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    continuity_opt_out: bool = Field(default=False)
    # Logging in: failures in a row, the lockout they earned, the second factor's state.
    failed_logins: int = Field(default=0)
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    totp_enrolled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    totp_last_step: int | None = Field(default=None)  # a used code is never accepted again
    # A temporary password (set by an admin or `loket user password --temporary`): every
    # staff page leads to the password page until the user has chosen their own.
    must_change_password: bool = Field(default=False)


class CallLeg(SQLModel, table=True):
    """One phone leg Loket placed or moved: the counsellor's phone, the person called back,
    a waiting caller taken from the queue, a listener, a desk added to a call. Its Twilio
    sid finds it when a status callback arrives; the conference joins the legs."""

    __tablename__ = "call_leg"

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    callback_id: int | None = Field(default=None, foreign_key="callback_request.id")
    user_id: int | None = Field(default=None, foreign_key="user.id")
    # counsellor | person | caller | coach | transfer
    kind: str = Field(max_length=16)
    call_sid: str | None = Field(default=None, max_length=64, unique=True)
    conference: str = Field(max_length=64)
    # placed | ringing | in-progress | completed | busy | no-answer | failed | canceled
    status: str = Field(default="placed", max_length=16)
    answered_by: str | None = Field(default=None, max_length=32)  # human | machine_… (AMD)
    error: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Escalation(SQLModel, table=True):
    """One step of a crisis contact's escalation (unclaimed too long): one row per contact
    and step, so a job run twice raises it once."""

    __tablename__ = "escalation"
    __table_args__ = (UniqueConstraint("contact_id", "step"),)

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    step: int
    desk: str | None = Field(default=None, max_length=16)
    queue: str | None = Field(default=None, max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sms_sid: str | None = Field(default=None, max_length=64)  # the on-call text, once sent
    # When a sweep claimed the text to send it (sms_sid "sending"); None when not claimed.
    sms_claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ApiToken(SQLModel, table=True):
    """An API token: only its hash is kept; it has exactly its user's rights."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked: bool = Field(default=False)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class LoginSession(SQLModel, table=True):
    """A staff login, kept on the server: the cookie holds only its random id.

    `second_factor_at` is empty until the TOTP code (or a recovery code) was given: until
    then the session opens no staff page. Ended by logout, by disabling the user or
    resetting their factor, or by the idle and absolute timeouts.
    """

    __tablename__ = "login_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    second_factor_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    source: str = Field(default="", max_length=64)  # the address it logged in from


class RecoveryCode(SQLModel, table=True):
    """One code of a user's recovery sheet: only its hash is kept; each works once."""

    __tablename__ = "recovery_code"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    code_hash: str = Field(max_length=64)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Note(SQLModel, table=True):
    """A counsellor's note on a contact (encrypted): a note, a handover or a closing note."""

    __tablename__ = "note"

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="user.id")
    kind: str = Field(default="note", max_length=16)  # note | handover | close
    body: str = Field(sa_type=EncryptedText)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Draft(SQLModel, table=True):
    """What a counsellor is typing (a reply, a note, the contact form), saved as they type."""

    __tablename__ = "draft"
    __table_args__ = (UniqueConstraint("user_id", "contact_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id")
    contact_id: int = Field(foreign_key="contact.id", index=True)
    kind: str = Field(max_length=16)
    body: str = Field(sa_type=EncryptedText)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class BreakGlass(SQLModel, table=True):
    """An emergency access to another desk's contact: a stated reason, a time limit, and
    a review by the owning desk's manager."""

    __tablename__ = "break_glass"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    desk: str | None = Field(default=None, max_length=16)  # the desk that owns the contact
    reason: str = Field(sa_type=EncryptedText)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    reviewed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reviewed_by: int | None = Field(default=None, foreign_key="user.id")


class HelpRequest(SQLModel, table=True):
    """A counsellor asking their desk's manager and colleagues for support on a contact."""

    __tablename__ = "help_request"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id")
    contact_id: int = Field(foreign_key="contact.id")
    desk: str | None = Field(default=None, max_length=16, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolved_by: int | None = Field(default=None, foreign_key="user.id")


class PersonFlag(SQLModel, table=True):
    """A flag on a person (e.g. abusive), by keyed phone hash: set with a reason, approved
    by a second counsellor or a manager, expiring. Never blocks a crisis."""

    __tablename__ = "person_flag"

    id: int | None = Field(default=None, primary_key=True)
    phone_hash: str = Field(max_length=64, index=True)
    flag: str = Field(max_length=32)
    desk: str | None = Field(default=None, max_length=16)
    reason: str = Field(sa_type=EncryptedText)
    set_by: int = Field(foreign_key="user.id")
    approved_by: int | None = Field(default=None, foreign_key="user.id")
    approved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)


class AuditEvent(SQLModel, table=True):
    """NEN 7513: one line for every access to a client record. Append-only."""

    __tablename__ = "audit_event"
    __table_args__ = (
        partial_index("ix_audit_event_user_id", "user_id", where="user_id IS NOT NULL"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    event: str = Field(max_length=16)
    contact_reference: str | None = Field(default=None, max_length=16, index=True)
    user_id: int | None = Field(default=None)
    on_behalf_of: str | None = Field(default=None, max_length=120)
    actor: str = Field(default="system", max_length=64)
    detail: str = Field(default="", max_length=500)
    source: str = Field(default="", max_length=64)  # from where: a staff member's address


class AuditSeal(SQLModel, table=True):
    """The tamper-evident chain over the audit trail, one link per audit row in id order:
    `hash` = SHA-256 over the previous link's hash and the row's fields. Rows are sealed
    shortly after they commit; `loket audit verify` recomputes the chain."""

    __tablename__ = "audit_seal"

    audit_id: int = Field(primary_key=True, foreign_key="audit_event.id")
    hash: str = Field(max_length=64)
    sealed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Outbox(SQLModel, table=True):
    """Work promised in the same transaction as the data; drained into RQ after commit."""

    __tablename__ = "outbox"
    __table_args__ = (partial_index("ix_outbox_not_done", "created_at", where="done_at IS NULL"),)

    id: int | None = Field(default=None, primary_key=True)
    job: str = Field(max_length=64)
    args: dict[str, Any] = Field(default_factory=empty_dict, sa_type=JSONText)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    dispatched_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # its job finished
    attempts: int = Field(default=0)
    last_error: str | None = Field(default=None, max_length=200)


class OutboundAction(SQLModel, table=True):
    """What the sandbox Twilio gateway would have sent (calls, messages, queue actions)."""

    __tablename__ = "outbound_action"
    __table_args__ = (UniqueConstraint("sid"),)

    id: int | None = Field(default=None, primary_key=True)
    sid: str = Field(max_length=64)
    kind: str = Field(max_length=32)
    to: str | None = Field(default=None, sa_type=EncryptedText)
    body: str | None = Field(default=None, sa_type=EncryptedText)
    params: dict[str, Any] = Field(default_factory=empty_dict, sa_type=JSONText)
    contact_id: int | None = Field(default=None, foreign_key="contact.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


# The managers' figures, kept per Amsterdam day (`loket.reports.tally`): counts only, never a
# person's data. A trigger on every write that changes a counted field of a contact, its
# flags or its callback marks the contact's UTC hour in `report_dirty`; a report counts a
# marked day from the contacts themselves and the tallies for the rest, and the scheduler's
# refresh recounts the marked days into the tallies. Desk, queue and outcome are '' for none.


class ReportDirty(SQLModel, table=True):
    """A UTC hour (hours since 1970) whose contacts changed since their day was tallied."""

    __tablename__ = "report_dirty"

    id: int | None = Field(default=None, primary_key=True)
    hour: int = Field(index=True)


class TallyContact(SQLModel, table=True):
    """Contacts of one Amsterdam day by channel, desk, queue, outcome and flags."""

    __tablename__ = "tally_contact"

    id: int | None = Field(default=None, primary_key=True)
    day: date = Field(index=True)
    channel: str = Field(max_length=16)
    desk: str = Field(max_length=16)
    queue: str = Field(max_length=16)
    outcome: str = Field(max_length=32)
    crisis: bool
    overflow: bool
    pooled: bool
    overflow_direction: str = Field(max_length=33)  # '' for none (`Contact.overflow_direction`)
    n: int


class TallyHour(SQLModel, table=True):
    """Contacts of one UTC hour by channel, desk and queue, with their handle times."""

    __tablename__ = "tally_hour"

    id: int | None = Field(default=None, primary_key=True)
    day: date = Field(index=True)
    hour: int
    channel: str = Field(max_length=16)
    desk: str = Field(max_length=16)
    queue: str = Field(max_length=16)
    n: int
    handled: int
    work_s: float


class TallyWait(SQLModel, table=True):
    """Phone contacts of one Amsterdam day that waited in a queue, by how the wait ended
    (`answered`, `abandoned`) and its length in seconds (in steps past ten minutes)."""

    __tablename__ = "tally_wait"

    id: int | None = Field(default=None, primary_key=True)
    day: date = Field(index=True)
    channel: str = Field(max_length=16)
    desk: str = Field(max_length=16)
    queue: str = Field(max_length=16)
    crisis: bool
    result: str = Field(max_length=16)
    wait_s: int
    n: int


class TallyCallback(SQLModel, table=True):
    """Callbacks asked for by the contacts of one Amsterdam day, by status and outcome."""

    __tablename__ = "tally_callback"

    id: int | None = Field(default=None, primary_key=True)
    day: date = Field(index=True)
    channel: str = Field(max_length=16)
    desk: str = Field(max_length=16)
    queue: str = Field(max_length=16)
    status: str = Field(max_length=16)
    reached: bool
    in_window: bool
    attempts: int
    n: int
