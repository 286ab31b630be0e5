"""Conversations: the messages of a contact, and a sender's open text conversation."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any, Literal, NamedTuple, cast

from sqlalchemy import BigInteger, Select, and_, bindparam, func, literal, or_, update
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from loket.domain import audit, callbacks, calls, contacts, inbound
from loket.domain.contacts import opened_here, phone_hash
from loket.queue import outbox
from loket.store.crypto import keyring
from loket.store.models import Contact, InboundEvent, Message, User, insert_into, table_of
from loket.store.types import utcnow

# Delivery statuses in the order they happen: a late callback never moves a message back.
DELIVERY_RANK = {
    "accepted": 0,
    "scheduled": 0,
    "queued": 0,
    "sending": 1,
    "sent": 2,
    "delivered": 3,
    "undelivered": 3,
    "undeliverable": 3,
    "failed": 3,
    "canceled": 3,
    "read": 4,
}


def hold_sender(*, session: Session, channel: str, sender: str) -> None:
    """Let one message of this sender on this channel at a time find or open its conversation.

    On SQLite the unit of work already holds the database's write lock; on PostgreSQL a
    transaction-scoped advisory lock on the sender does it (there may be no row to lock yet).
    """
    if session.get_bind().dialect.name == "postgresql":
        digest = keyring(session).keyed_hash(f"{channel}:{sender}")
        key = int.from_bytes(bytes.fromhex(digest[:16]), "big", signed=True)
        session.execute(sender_lock(), {"key": key})


@cache
def sender_lock() -> Select[Any]:
    """Return the advisory lock `hold_sender` takes, its key a bound parameter (built once)."""
    return select_columns(func.pg_advisory_xact_lock(bindparam("key", type_=BigInteger)))


@dataclass(frozen=True)
class TextWebhook:
    """What one read tells a text webhook: its stored answer if it is a replay, the sender's
    open conversation if any, whether a candidate reference is free, and of the number's
    contacts before: the newest's language (any channel) and step (this channel)."""

    answer: tuple[str | None, str] | None
    contact: Contact | None
    reference: str | None  # the candidate, when no contact has it
    earlier_language: str | None = None  # of this number's newest contact, on any channel
    earlier_step: str | None = None  # of its newest contact on this channel (`STOPPED`?)


@cache
def text_webhook_query() -> Select[Any]:
    """Return the SELECT `read_text_webhook` runs, its values as bound parameters.

    Built on first use and kept: building and keying a statement of this size costs more
    than running it. SQLAlchemy compiles it once and finds it in its own cache after.
    """
    table = table_of(InboundEvent)
    # The number's contacts, read once by their index (phone_hash, id): MATERIALIZED keeps
    # the planner from reaching them through the (channel, external_id) key instead, which
    # a plan made while `contact` was small (and kept, a prepared statement's) did,
    # reading the channel's every contact for each returning texter.
    mine = (
        select_columns(*(col(c) for c in (Contact.id, Contact.channel, Contact.status,
                                          Contact.intake_step, Contact.language)))
        .where(col(Contact.phone_hash) == bindparam("phone_hash"))
        .cte("mine")
        .prefix_with("MATERIALIZED")
    )
    on_channel = mine.c.channel == bindparam("channel")
    opened = (
        select(func.max(mine.c.id))
        .where(on_channel, mine.c.status != "closed")
        .scalar_subquery()
    )
    taken = (
        select(Contact.id)
        .where(Contact.reference == bindparam("reference"))
        .correlate(None)
        .exists()
    )
    earlier = (  # a returning sender is answered in the language they chose before
        select(mine.c.language).order_by(mine.c.id.desc()).limit(1).scalar_subquery()
    )
    step_before = (  # an SMS number that said stop gets no texts until START
        select(mine.c.intake_step).where(on_channel).order_by(mine.c.id.desc()).limit(1)
        .scalar_subquery()
    )
    one = select(literal(1).label("one")).subquery("one")
    query: Select[Any] = (
        select_columns(table.c.response, table.c.response_type, taken.label("taken"),
                       earlier.label("earlier_language"), step_before.label("earlier_step"),
                       opened.label("open_id"))
        .select_from(one)
        .outerjoin(table, table.c.idempotency_key == bindparam("key"))
    )
    return query


def read_text_webhook(
    *, session: Session, key: str, channel: str, sender: str, reference: str
) -> TextWebhook:
    """Answer, in one SELECT inside the unit of work, what a text message needs first; a
    sender with an open conversation has it loaded (and on PostgreSQL locked) after.

    Call it after `hold_sender`: what it reads is then what this unit of work may change.
    """
    params = {
        "key": key,
        "channel": channel,
        "phone_hash": phone_hash(sender, session=session),
        "reference": reference,
    }
    response, response_type, reference_taken, language, step, open_id = session.execute(
        text_webhook_query(), params
    ).one()
    return TextWebhook(
        answer=None if response_type is None else (response, response_type),
        contact=None if response_type is not None else open_by_id(session=session,
                                                                   contact_id=open_id),
        reference=None if reference_taken else reference,
        earlier_language=language,
        earlier_step=step,
    )


def open_by_id(*, session: Session, contact_id: int | None) -> Contact | None:
    """Load the conversation the read found open (by its id), locked as `still_open` locks
    it, or None when there is none or it has closed meanwhile.

    The read asks for the id only: on PostgreSQL the lock reads the row again anyway, and
    a first message, the common case, has no conversation to load.
    """
    if contact_id is None:
        return None
    if session.get_bind().dialect.name == "postgresql":
        locked = contacts.lock(session=session, contact_id=contact_id)
        return None if locked is None or locked.status == "closed" else locked
    return session.get(Contact, contact_id)


def still_open(*, session: Session, contact: Contact | None) -> Contact | None:
    """Return the conversation read as open, locked, or None when it has closed meanwhile.

    On PostgreSQL a counsellor's close (which locks the contact) may commit between the read
    and this message's write: the message would land in a closed contact that nobody reads.
    Locking the row waits for such a close and reads what it left. On SQLite the unit of
    work holds the database's write lock already, so nothing can close it in between.
    """
    if contact is None or session.get_bind().dialect.name != "postgresql":
        return contact
    return open_by_id(session=session, contact_id=contact.id)


def open_conversation(*, session: Session, channel: str, sender: str) -> Contact | None:
    """Return the open text conversation with this number on this channel, if any."""
    query = (
        select(Contact)
        .where(
            Contact.channel == channel,
            Contact.phone_hash == phone_hash(sender, session=session),
            Contact.status != "closed",
        )
        .order_by(col(Contact.id).desc())
        .limit(1)
    )
    return still_open(session=session, contact=session.exec(query).first())


def earlier_contact(*, session: Session, sender: str, channel: str | None = None,
                    before: int | None = None) -> Contact | None:
    """Return the newest contact of this number (on this channel, or on any; older than the
    contact `before` if given), found by the keyed hash of the number as every earlier
    contact is (none after an erasure)."""
    query = select(Contact).where(Contact.phone_hash == phone_hash(sender, session=session))
    if channel is not None:
        query = query.where(Contact.channel == channel)
    if before is not None:
        query = query.where(col(Contact.id) < before)
    return session.exec(query.order_by(col(Contact.id).desc()).limit(1)).first()


def add_message(
    *,
    session: Session,
    contact: Contact,
    direction: Literal["in", "out"],
    body: str,
    external_id: str | None = None,
    automatic: bool = False,
    author_user_id: int | None = None,
    send: bool = False,
) -> int:
    """Add a message to a conversation and return its id; `send` promises its delivery."""
    assert contact.id is not None  # noqa: S101 - a stored contact has an id
    values = {
        "contact_id": contact.id,
        "direction": direction,
        "body": body,
        "external_id": external_id,
        "automatic": automatic,
        "author_user_id": author_user_id,
        "created_at": utcnow(),
    }
    # A row, not an object: a message is not read back or changed in the same unit of work.
    message_id: int = session.execute(
        insert_into(Message, returning_id=True), values
    ).scalar_one()
    if send:
        outbox.add(session, "send_message", urgent=contact.crisis, message_id=message_id)
    if not opened_here(session=session, contact=contact):  # a new one carries this moment
        contact.updated_at = cast(datetime, values["created_at"])
        session.add(contact)
    return message_id


def previous_text(*, session: Session, contact: Contact, within: timedelta) -> str | None:
    """Return the person's message before their latest one in this conversation, when it
    came at most `within` before it; None otherwise."""
    query = (
        select(Message.body, Message.created_at)
        .where(
            Message.contact_id == contact.id,
            Message.direction == "in",
            col(Message.automatic).is_(False),
        )
        .order_by(col(Message.id).desc())
        .limit(2)
    )
    found = session.exec(query).all()
    if len(found) < 2:
        return None
    (_, latest_at), (body, at) = found
    return body if latest_at - at <= within else None


def author_names(*, session: Session, messages: list[Message]) -> dict[int, str]:
    """Return how the person sees each counsellor who wrote these messages: their first
    name or the pseudonym they chose, never a surname."""
    ids = {m.author_user_id for m in messages if m.author_user_id is not None}
    if not ids:
        return {}
    users = session.exec(select(User).where(col(User.id).in_(ids))).all()
    return {user.id: public_name(user) for user in users if user.id is not None}


def public_name(user: User) -> str:
    """Return a counsellor's name as colleagues and the person see it."""
    return shown_name(user.display_name, user.name, user.id)


def shown_name(display_name: str | None, name: str | None, user_id: int | None) -> str:
    """Return the pseudonym, else the first name, else the user's number: never a surname."""
    return display_name or (name.split()[0] if name else f"#{user_id}")


# A conversation's messages sent at once: a page shows the newest this many (a link leads to
# the ones before), a poll answers at most this many after the newest it has (it asks on for
# the rest); the API pages by as many (`api.schemas.MESSAGES_PAGE`, `Link: rel="next"`).
MESSAGES_PAGE = 500


class Page(NamedTuple):
    """The newest messages of a conversation, oldest first, and the id the ones before them
    are asked by (`?before=`), None when they are all shown."""

    messages: list[Message]
    earlier: int | None


def first_after(*, session: Session, query: SelectOfScalar[Message], after: int = 0,
                limit: int | None = None) -> list[Message]:
    """Return a conversation's messages (`query` says which) after the id `after`, oldest
    first: the first `limit` of them, cut in the query, or all."""
    return list(session.exec(
        query.where(col(Message.id) > after).order_by(col(Message.id)).limit(limit)).all())


def newest_before(*, session: Session, query: SelectOfScalar[Message],
                  before: int | None = None, limit: int = MESSAGES_PAGE) -> Page:
    """Return the newest `limit` of a conversation's messages (`query` says which; those
    before the id `before`, if given), oldest first, cut in the query; and whether earlier
    ones are left out (one more is read to tell)."""
    if before is not None:
        query = query.where(col(Message.id) < before)
    found = list(reversed(session.exec(
        query.order_by(col(Message.id).desc()).limit(limit + 1)).all()))
    if len(found) <= limit:
        return Page(found, None)
    return Page(found[1:], found[1].id)


def shown_query(contact: Contact) -> SelectOfScalar[Message]:
    """Return the SELECT of what the person sees of their conversation: its messages, not
    the system's own notes (what they answered to the intake's questions)."""
    return select(Message).where(
        Message.contact_id == contact.id,
        ~and_(col(Message.direction) == "in", col(Message.automatic)))


def shown_messages(*, session: Session, contact: Contact, after: int = 0,
                   limit: int | None = None) -> list[Message]:
    """Return the conversation's messages after an id (not the system's own notes), oldest
    first: all, or the first `limit`."""
    return first_after(session=session, query=shown_query(contact), after=after, limit=limit)


def shown_page(*, session: Session, contact: Contact, before: int | None = None) -> Page:
    """Return the newest page of what the person sees of the conversation (before an id)."""
    return newest_before(session=session, query=shown_query(contact), before=before)


def written_under(*, session: Session, contact: Contact, external_id: str) -> list[str]:
    """Return what the person wrote in this conversation under a channel's id for a message
    (a web chat's message key): found by the id, not by reading the conversation."""
    query = select(Message.body).where(
        Message.contact_id == contact.id, Message.external_id == external_id,
        Message.direction == "in", ~col(Message.automatic))
    return list(session.exec(query).all())


def record_delivery(*, session: Session, sid: str, value: str, error: str,
                    decide: contacts.Decide, continuity: timedelta | None) -> Message | None:
    """Take a status callback of an outbound message (`delivery_reported`); None for an
    unknown sid: the callback came before the worker kept the sid, and is kept unmatched
    (with its payload, `answer_once`) for `keep_sid` to take then."""
    hold_sid(session=session, sid=sid)
    message = session.exec(
        select(Message)
        .where(Message.external_id == sid, Message.direction == "out")
        .with_for_update()
    ).first()
    if message is None:
        return None
    delivery_reported(session=session, message=message, value=value, error=error,
                      decide=decide, continuity=continuity)
    return message


def delivery_reported(*, session: Session, message: Message, value: str, error: str,
                      decide: contacts.Decide, continuity: timedelta | None) -> None:
    """Move an outbound message's delivery status forward to what Twilio reported (never
    back: a late callback; an unknown value changes nothing). Twilio's error 21610 (the SMS
    number opted out) stops the texts to its conversation (`opted_out`)."""
    rank = DELIVERY_RANK.get(value)
    if rank is not None and rank > DELIVERY_RANK.get(message.delivery_status or "", -1):
        message.delivery_status = value
        session.add(message)
    if error == OPTED_OUT_ERROR:
        opted_out(session=session, contact_id=message.contact_id, decide=decide,
                  continuity=continuity)


# Where the status callbacks of outbound messages are kept (`channels/messaging.py`).
STATUS_CHANNELS, STATUS_KIND = ("sms", "whatsapp"), "status"


def keep_sid(*, session: Session, message_id: int, sid: str, decide: contacts.Decide,
             continuity: timedelta | None) -> bool:
    """Keep the sid Twilio gave an outbound message: it is sent, or further on when its
    status callbacks came before the sid was kept (they found no message:
    `record_delivery`); those are taken now, in the order they came, so that a text Twilio
    could not deliver says so on the desk. Each is then the message's contact's, matched
    once. Return False when the message is gone or has its sid already."""
    hold_sid(session=session, sid=sid)
    message = session.get(Message, message_id)
    if message is None or message.external_id:
        return False
    message.external_id, message.delivery_status = sid, "sent"
    session.add(message)
    table = table_of(InboundEvent)
    # A status callback's key begins with its sid (`inbound.idempotency_key`): only this
    # sid's are read, not every unmatched one's payload (each decrypted). The key's start
    # narrows, the payload's MessageSid decides (SQLite's LIKE ignores case).
    keyed = or_(*(inbound.of_sid(channel, STATUS_KIND, sid) for channel in STATUS_CHANNELS))
    rows = session.execute(
        select_columns(table.c.id, table.c.payload)
        .where(table.c.channel.in_(STATUS_CHANNELS), table.c.kind == STATUS_KIND,
               table.c.contact_id.is_(None), table.c.created_at >= message.created_at, keyed)
        .order_by(table.c.id)
    ).all()
    posted = [(event_id, json.loads(payload or "{}")) for event_id, payload in rows]
    early = [(event_id, form) for event_id, form in posted
             if str(form.get("MessageSid", "")).strip() == sid]
    for _event_id, form in early:
        delivery_reported(session=session, message=message,
                          value=str(form.get("MessageStatus", "")).strip().lower(),
                          error=str(form.get("ErrorCode", "")).strip()[:16],
                          decide=decide, continuity=continuity)
    if early:
        session.execute(update(table).where(table.c.id.in_([event_id for event_id, _ in early]),
                                            table.c.contact_id.is_(None))
                        .values(contact_id=message.contact_id))
    return True


def hold_sid(*, session: Session, sid: str) -> None:
    """Let a message's status callback and the worker keeping its sid (`keep_sid`) take it
    one at a time: a callback that finds no message is then kept before the worker looks
    for it, or finds the sid kept. `hold_sender`'s lock, on the sid."""
    hold_sender(session=session, channel="message-sid", sender=sid)


# The step of a text conversation whose person said stop: no more texts go to them (on
# WhatsApp until they write again, on SMS until their number sends START: Twilio opted it
# out); a person in crisis who says it stays open, to be called back.
STOPPED = "stopped"
# Twilio's error for a message to an SMS number that opted out (it sent STOP, not START since).
OPTED_OUT_ERROR = "21610"
# A text conversation whose questions are behind it, or that the person ended.
ANSWERED_STEPS = ("routed", "acked", STOPPED)
# The step of a web chat its person can no longer read: they closed it in their browser, or
# left it unused past the idle limit (LOKET_CHAT_IDLE_MINUTES; that time is in their cookie,
# so it is known once their browser comes back). A new chat is theirs to start.
CHAT_ENDED = "ended"


def texts_stopped(contact: Contact) -> bool:
    """Tell whether no text may go to this conversation's person: they said stop (on SMS,
    or Twilio reported their number opted out), and not START since."""
    return contact.channel in ("sms", "whatsapp") and contact.intake_step == STOPPED


def stop_texts(*, session: Session, contact: Contact, phone: str | None,
               decide: contacts.Decide, continuity: timedelta | None, actor: str,
               detail: str) -> bool:
    """Send no more texts to a conversation whose SMS number Twilio opted out (the person
    sent STOP, and not START since): its step becomes `stopped`, so that no automatic answer
    goes out and the counsellor's page says to call and refuses a reply. A conversation still
    at its questions is routed now with the answers so far (a callback asked for is
    promised); a person in crisis is kept to be called at once. Return False when it was so
    already, or is closed."""
    if contact.status == "closed" or contact.intake_step == STOPPED:
        return False
    if contact.status == "new":
        contacts.route_contact(session=session, contact=contact, decide=decide,
                               continuity=continuity)
        if contact.respond == "callback" and not contact.crisis and phone:
            callbacks.request_callback(session=session, contact=contact, phone=phone)
    if contact.crisis and phone:
        calls.keep_crisis_open(session=session, contact=contact,
                               phone=contacts.bare_number(phone), step=STOPPED)
    contacts.set_step(session=session, contact=contact, step=STOPPED)
    audit.record(session=session, event="update", contact=contact, actor=actor, detail=detail)
    return True


def opted_out(*, session: Session, contact_id: int, decide: contacts.Decide,
              continuity: timedelta | None) -> bool:
    """Stop the texts to an SMS conversation for which Twilio reported its number opted out
    (error 21610, `OPTED_OUT_ERROR`); return whether this changed it (`stop_texts`)."""
    contact = contacts.lock(session=session, contact_id=contact_id)
    if contact is None or contact.channel != "sms":
        return False
    return stop_texts(session=session, contact=contact, phone=contact.phone, decide=decide,
                      continuity=continuity, actor="channel:sms",
                      detail=f"twilio error {OPTED_OUT_ERROR}, sms number opted out: no "
                             "texts, to be called")


def written_after_failed_callbacks(*, session: Session, contact: Contact,
                                   decide: contacts.Decide, continuity: timedelta | None,
                                   actor: str = "person") -> bool:
    """Put a contact whose callbacks all failed (unreachable, or their window missed; none
    still to make) back in its queue when its person writes again: nothing else brings it
    there (`workspace.callback_is_due`). It is routed again, answered now, and waits from
    now; the failed callbacks stay as they ended (the manager's list, the reports, and a
    crisis later makes them callable at once, as `contacts.escalate` does). Return whether
    it changed: a callback still to make (tomorrow's, say) keeps the contact as it is."""
    if contact.status != "callback" or contact.crisis:
        return False
    if not callbacks.only_failed(session=session, contact=contact):
        return False
    contacts.update_answers(session=session, contact=contact, preference="now")
    contact.status = "routed"  # as `contacts.escalate` does: routed again, then waiting
    contacts.route_contact(session=session, contact=contact, decide=decide,
                           continuity=continuity)
    audit.record(session=session, event="update", contact=contact, actor=actor,
                 detail="wrote again after the callback failed: back in the queue")
    return True


def chat_ended(contact: Contact) -> bool:
    """Tell whether this is a web chat its person can no longer read."""
    return contact.channel == "webchat" and contact.intake_step == CHAT_ENDED


def chat_by_reference(*, session: Session, reference: str) -> Contact | None:
    """Return the web chat of this reference, if there is one."""
    return session.exec(
        select(Contact).where(Contact.reference == reference, Contact.channel == "webchat")
    ).first()


def last_written_at(*, session: Session, contact: Contact) -> datetime | None:
    """Return when the person last wrote in this conversation (not the system's notes)."""
    return session.exec(
        select(func.max(Message.created_at)).where(
            Message.contact_id == contact.id, Message.direction == "in",
            col(Message.automatic).is_(False))
    ).one()


def route_unanswered(
    *,
    session: Session,
    decide: contacts.Decide,
    idle: timedelta,
    continuity: timedelta | None,
    now: datetime | None = None,
    limit: int = 100,
) -> list[str]:
    """Route the text conversations whose person stopped answering the intake's questions.

    A first text opens a contact and asks who is writing; it joins a queue only once the
    questions are answered. Someone who wrote and did not answer (a question they did not
    want to answer, a phone put away) would then wait in no queue at all. After `idle` with
    no answer, the defaults are taken (what they answered so far, the rest unknown, "now")
    and the contact is routed as any other (audited as every routing is); a counsellor
    writes first. Returns the references routed.
    """
    cutoff = (now or utcnow()) - idle
    stalled = session.exec(
        select(Contact).where(col(Contact.channel).in_(("sms", "whatsapp")),
                              Contact.status == "new",
                              col(Contact.intake_step).not_in(ANSWERED_STEPS),
                              col(Contact.updated_at) < cutoff)
        .order_by(col(Contact.id)).limit(limit)
        .with_for_update(skip_locked=True).execution_options(populate_existing=True)
    ).all()
    for contact in stalled:
        contacts.route_contact(session=session, contact=contact, decide=decide,
                               continuity=continuity)
        contacts.set_step(session=session, contact=contact, step="routed")
    return [contact.reference for contact in stalled]


LEFT_UNSTARTED = "web chat left before its questions were answered"


def close_unstarted_chats(*, session: Session, idle: timedelta, now: datetime | None = None,
                          limit: int = 100) -> list[str]:
    """Close the web chats whose person went away at the first questions (who, serving or
    veteran, chat or callback): nothing was routed and nothing written (a chat takes the
    person's words only once it is routed), and no number left to reach them. Open, they
    would stand in no queue for good, their name kept past every retention (which takes
    closed contacts). After `idle` without a step they are closed as abandoned; a chat that
    is left (`webchat.end_access`) is closed at once. Returns the references closed."""
    cutoff = (now or utcnow()) - idle
    stalled = session.exec(
        select(Contact).where(Contact.channel == "webchat", Contact.status == "new",
                              col(Contact.updated_at) < cutoff)
        .order_by(col(Contact.id)).limit(limit)
        .with_for_update(skip_locked=True).execution_options(populate_existing=True)
    ).all()
    for contact in stalled:
        close_unstarted(session=session, contact=contact)
    return [contact.reference for contact in stalled]


def close_unstarted(*, session: Session, contact: Contact) -> None:
    """Close a web chat left at its first questions (see `close_unstarted_chats`)."""
    if contact.channel == "webchat" and contact.status == "new":
        contacts.mark_abandoned(session=session, contact=contact, waited_s=None,
                                actor="system", detail=LEFT_UNSTARTED)
