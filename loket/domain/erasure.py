"""Erasure and retention: a person's data removed, the counts the reports need kept.

`anonymise` removes what identifies a person or what they said from one contact: its
personal fields (number, its keyed hash, name, e-mail, text), the channel's id, the routing
trace (it may quote their words), its messages, notes and drafts, the numbers of its
callbacks (one still to be made is cancelled: no number is left to call), its open crisis
alarms (resolved: no more banner, step or on-call text about it), its place in the queues
(an open one is closed: nothing is left to serve) and the errors of
its calls (a carrier's error may quote the number), the reasons given for a break-glass
access to it, the raw webhook payloads and the answers stored for it, and what the sandbox
recorded for it (a record that names no contact, as the person's leg of a callback, found by
the Twilio sids of its messages and calls). What the reports count stays: channel, desk,
queue, flags, outcome (an open one's is `erased`: it was handled), times, waits. One audit
line says it happened (`delete`); the audit trail itself is kept, as NEN 7513 asks.

`erase` is one person's request (`loket erase --contact REF`): the contact, every other
contact with the same keyed number, and the flags on that number; a call of theirs still
live is hung up through Twilio (`hang_up`), whoever is on it: it must not go on against a
contact that no longer exists. The caller hears nothing more, the line ends: the erasure is
an operator's act on the person's own request, not a conversation. `retain` is the nightly
retention: every contact closed longer ago than its desk's period, in batches (an open one
is never touched, however old, nor its call; it hangs nothing up: a contact closed a day
or more ago has no call left); the flags on a number go once no contact with that number is
left un-anonymised; the webhooks of no contact go after a day (they only answer retries).
Nothing of this is in Redis: jobs carry ids only and the tallies hold counts.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import delete, func, update
from sqlmodel import Session, col, select

from loket.domain import audit, calls, escalation, inbound, outbound, workspace
from loket.domain.contacts import REFERENCE_LENGTH
from loket.queue import outbox
from loket.routing.values import DESKS
from loket.store.models import (
    BreakGlass,
    CallbackRequest,
    CallLeg,
    Contact,
    Draft,
    InboundEvent,
    Message,
    Note,
    PersonFlag,
    User,
)
from loket.store.types import utcnow

log = structlog.get_logger(__name__)

# How long the API's `Idempotency-Key`s and their answers are kept (a retry comes within
# minutes; a day is plenty).
RETRY_KEYS_KEPT = timedelta(days=1)

BATCH = 100
# On SQLite one writer holds the database at a time: between two batches the lock is let
# go long enough for what waits on it (a person's text, a counsellor's reply: SQLite's
# busy handler tries again at most every 100 ms) to get in, rather than the next batch
# taking it back at once until their wait runs out. PostgreSQL locks rows, not the
# database.
SQLITE_PAUSE_S = 0.25
# A callback not yet made (`pending`, `due`, a crisis's callable at once): erased, it is
# cancelled. One being called (`calling`) is a live call: hung up on request (`hang_up`),
# it keeps its status until Twilio says how the call ended.
CALLBACK_TO_MAKE = ("pending", "due", "crisis")
# A leg whose job has not placed (or moved) it yet: called off, its job finds it taken.
NOT_TAKEN = ("placed", "moving")
# The outcome of a contact erased while still open (`OUTCOMES`; the reports count it so).
ERASED = "erased"


def anonymise(*, session: Session, contact: Contact, actor: str, detail: str,
              user_id: int | None = None, source: str = "") -> None:
    """Remove one contact's personal data (see the module); audited as `delete`."""
    assert contact.id is not None  # noqa: S101 - a stored contact
    sids = twilio_sids(session, contact)
    contact.phone = contact.phone_hash = contact.name = contact.email = contact.text = None
    contact.external_id = None
    contact.trace = []
    contact.anonymised_at = contact.updated_at = utcnow()
    session.add(contact)
    for model in (Message, Note, Draft):
        session.execute(delete(model).where(col(model.contact_id) == contact.id))
    session.execute(update(CallbackRequest).where(col(CallbackRequest.contact_id) == contact.id)
                    .values(phone=None, error=None))
    # A callback still to be made has no number left to call: nobody's phone rings for it
    # and "call back" is refused. One already ended keeps its status for the figures.
    cancelled = session.execute(
        update(CallbackRequest).where(col(CallbackRequest.contact_id) == contact.id,
                                      col(CallbackRequest.status).in_(CALLBACK_TO_MAKE))
        .values(status="cancelled", claimed_by=None, updated_at=utcnow())
    ).rowcount  # type: ignore[attr-defined]
    if cancelled:
        detail = f"{detail}; {cancelled} callback(s) still to make cancelled"
    # A crisis nobody served yet alarms no more: the person asked for their data to go and
    # nothing is left to act on (the banner goes, no further on-call text).
    resolved = escalation.resolve_erased(session=session, contact_id=contact.id)
    if resolved:
        detail = f"{detail}; {resolved} alarm(s) resolved"
    if out_of_the_queues(session=session, contact=contact):
        detail = f"{detail}; taken out of the queues (it was open)"
    session.execute(update(CallLeg).where(col(CallLeg.contact_id) == contact.id)
                    .values(error=None))
    session.execute(update(BreakGlass).where(col(BreakGlass.contact_id) == contact.id)
                    .values(reason=""))
    session.execute(update(InboundEvent).where(col(InboundEvent.contact_id) == contact.id)
                    .values(payload=None))
    # A webhook's answer may say back what was sent; the API's kept answers (ids, a status)
    # stay for their retries until the retention forgets them a day on.
    session.execute(update(InboundEvent).where(col(InboundEvent.contact_id) == contact.id,
                                               col(InboundEvent.channel) != "api")
                    .values(response=None))
    outbound.forget_sent(session=session, contact_id=contact.id, sids=sids)
    audit.record(session=session, event="delete", contact=contact, user_id=user_id,
                 actor=actor, detail=detail, source=source)


def sent_after_erasure(*, session: Session, contact_id: int, sid: str) -> bool:
    """Keep nothing of a message sent to a contact anonymised since its job read what to
    send (`loket erase` committed between the read and the send): what the sandbox recorded
    of the send is cleared, as the erasure cleared the rest. Return whether it was so (its
    message went with the erasure: there is nothing else to keep the sid on)."""
    contact = session.get(Contact, contact_id)
    if contact is None or contact.anonymised_at is None:
        return False
    outbound.forget_sent(session=session, contact_id=contact_id, sids=(sid,))
    log.warning("erasure.sent_after_erasure", contact_id=contact_id)
    return True


def out_of_the_queues(*, session: Session, contact: Contact) -> bool:
    """Close an open contact being erased: nothing is left to serve, so no desk's queue
    shows an empty row for it, the routing counts no wait for it, nobody is offered it, and
    the counsellor who held it, holding nothing else, is available again. It was handled:
    its outcome is `erased`, the reports' own place for it (a manager counts it no more as
    still open). Its times stay as they were: no close time is made up, so no handle time
    is counted for it. Return whether it was open."""
    if contact.status == "closed":
        return False
    contact.status, contact.outcome, contact.updated_at = "closed", ERASED, utcnow()
    contact.offered_to_user_id = contact.offered_until = None
    session.add(contact)
    holder = session.get(User, contact.assigned_user_id) if contact.assigned_user_id else None
    if holder is not None:
        session.flush()
        workspace.free_again(session=session, user=holder)
    return True


def hang_up(*, session: Session, contact: Contact) -> int:
    """End the calls of a contact being erased that are still live, through Twilio (the
    outbox's `end_leg`, after the commit): every leg with a call (the person's, the
    counsellor's phone, a listener's, a colleague's), and the caller's own call while they
    are still on the line in the phone menu or their queue (a leg is stored for it to end
    by: no other holds its sid once the contact is erased). A leg its job has not placed or
    moved yet is called off instead (nobody's phone rings for the erased contact). A leg
    being placed this very moment has no call to end yet: its person's side has no number
    left, nor a caller to move. Nothing is said before: the line ends. Return how many
    calls are ended."""
    assert contact.id is not None  # noqa: S101 - a stored contact
    now = utcnow()
    ended = 0
    for leg in session.exec(select(CallLeg).where(CallLeg.contact_id == contact.id,
                                                  col(CallLeg.status).in_(calls.LIVE))).all():
        if leg.status in NOT_TAKEN:
            # A caller's leg not moved yet frees their call's sid: ended below.
            leg.status, leg.call_sid, leg.updated_at = "canceled", None, now
            session.add(leg)
        elif leg.call_sid:
            outbox.add(session, "end_leg", urgent=True, leg_id=leg.id or 0)
            ended += 1
    session.flush()
    if on_the_line(session=session, contact=contact):
        own = calls.new_leg(session=session, contact=contact, user=None, kind="caller",
                            call_sid=contact.external_id, status="in-progress")
        outbox.add(session, "end_leg", urgent=True, leg_id=own.id or 0)
        ended += 1
    if ended:
        log.info("erasure.calls_ended", contact_id=contact.id, calls=ended)
    return ended


def on_the_line(*, session: Session, contact: Contact) -> bool:
    """Tell whether an open phone contact's caller is still on their own call, held by no
    leg: in the phone menu, or waiting in their queue (Twilio has not said it ended)."""
    if contact.channel != "phone" or not contact.external_id or contact.status == "closed":
        return False
    held = session.exec(select(CallLeg.id).where(CallLeg.call_sid == contact.external_id)
                        ).first()
    return held is None and not calls.caller_left(session=session, contact=contact)


def twilio_sids(session: Session, contact: Contact) -> list[str]:
    """Return the Twilio sids of a contact's messages and call legs: what finds the sandbox
    records about it that name no contact (the person's leg of a callback)."""
    found = set(session.exec(select(Message.external_id)
                             .where(Message.contact_id == contact.id)).all())
    found.update(session.exec(select(CallLeg.call_sid)
                              .where(CallLeg.contact_id == contact.id)).all())
    return sorted(sid for sid in found if sid)


def forget_flags(session: Session, hashes: set[str]) -> None:
    """Delete the flags on these keyed numbers that no contact still holds (every contact
    with the number anonymised: nobody is left to recognise by it)."""
    if not hashes:
        return
    still = select(Contact.phone_hash).where(col(Contact.phone_hash).in_(hashes))
    session.execute(delete(PersonFlag).where(col(PersonFlag.phone_hash).in_(hashes),
                                             col(PersonFlag.phone_hash).not_in(still)))


def as_reference(typed: str) -> str:
    """Return a reference as it is stored from how a person wrote it down: capitals, and
    the intake's six characters split by one dash whatever spaces or dashes were typed
    ("k7m 4q2", "K7M4Q2" and "k7m - 4q2" are "K7M-4Q2"). Anything else is only trimmed and
    put in capitals."""
    compact = "".join(typed.split()).replace("-", "").upper()
    if len(compact) == REFERENCE_LENGTH and compact.isalnum() and compact.isascii():
        return f"{compact[:3]}-{compact[3:]}"
    return typed.strip().upper()


ERASED_WITH_ANOTHER = "personal data erased at the person's request"


class NoSuchContact(LookupError):
    """No contact has this reference."""


def erase(*, session: Session, reference: str, actor: str, user_id: int | None = None,
          source: str = "") -> list[str]:
    """Erase one person: the contact with this reference, the other contacts with the same
    keyed number, and the flags on that number; return the references erased."""
    contact = session.exec(select(Contact).where(Contact.reference == reference)).first()
    if contact is None:
        raise NoSuchContact(reference)
    found = [contact]
    if contact.phone_hash:
        session.execute(delete(PersonFlag).where(col(PersonFlag.phone_hash) == contact.phone_hash))
        found += session.exec(select(Contact).where(Contact.phone_hash == contact.phone_hash,
                                                    Contact.id != contact.id)).all()
    for each in found:
        hang_up(session=session, contact=each)  # before its call's sid and webhooks go
        # The reference asked with is named on its own contact only: the person's other
        # contacts may be another desk's, whose trail would then name this one's case.
        detail = (f"personal data erased on request (with {reference})" if each is contact
                  else ERASED_WITH_ANOTHER)
        anonymise(session=session, contact=each, actor=actor, user_id=user_id, source=source,
                  detail=detail)
    return [each.reference for each in found]


@dataclass(frozen=True)
class Retention:
    """How long each desk keeps a contact's personal data, in days (and a default)."""

    days: int = 730
    by_desk: Mapping[str, int] | None = None

    def cutoff(self, desk: str | None, now: datetime) -> datetime:
        """Return the moment before which a desk's contacts are anonymised."""
        days = (self.by_desk or {}).get(desk or "", self.days)
        return now - timedelta(days=days)


def due(session: Session, retention: Retention, now: datetime, limit: int) -> list[Contact]:
    """Return up to `limit` closed contacts past their desk's period, not anonymised yet.

    The period runs from the contact's close: an open contact (a long conversation, a
    callback still to place) is never anonymised, however long ago it began.
    """
    found: list[Contact] = []
    for desk in (*DESKS, None):
        found += session.exec(
            select(Contact).where(*past_period(retention, desk, now))
            .order_by(col(Contact.created_at)).limit(limit - len(found))
        ).all()
        if len(found) >= limit:
            break
    return found


def past_period(retention: Retention, desk: str | None, now: datetime) -> tuple[Any, ...]:
    """Return the conditions of a desk's contacts that its retention anonymises now: closed
    before its cutoff and not anonymised yet."""
    owner = col(Contact.desk).is_(None) if desk is None else col(Contact.desk) == desk
    cutoff = retention.cutoff(desk, now)
    return (owner, col(Contact.anonymised_at).is_(None), col(Contact.status) == "closed",
            col(Contact.created_at) < cutoff,  # its index narrows
            func.coalesce(col(Contact.closed_at), col(Contact.created_at)) < cutoff)


def due_by_desk(session: Session, retention: Retention, now: datetime | None = None
                ) -> dict[str | None, int]:
    """Return how many contacts each desk's retention would anonymise now (None: no desk),
    every desk named; reads only (`loket purge --dry-run`)."""
    now = now or utcnow()
    return {desk: int(session.exec(select(func.count()).select_from(Contact)
                                   .where(*past_period(retention, desk, now))).one())
            for desk in (*DESKS, None)}


def retain(unit_of_work: Callable[[], AbstractContextManager[Session]], retention: Retention,
           *, now: datetime | None = None, batch: int = BATCH) -> int:
    """Anonymise every contact past its desk's period, `batch` per unit of work; return how
    many. Safe to run twice and beside another run: an anonymised contact is skipped. On
    SQLite each next batch waits `SQLITE_PAUSE_S` first, for the writers waiting on it."""
    now = now or utcnow()
    total = 0
    pause_s = 0.0
    while True:
        time.sleep(pause_s)
        with unit_of_work() as session:
            if session.get_bind().dialect.name == "sqlite":
                pause_s = SQLITE_PAUSE_S  # before each next batch (`SQLITE_PAUSE_S`)
            found = due(session, retention, now, batch)
            hashes = {contact.phone_hash for contact in found if contact.phone_hash}
            for contact in found:
                anonymise(session=session, contact=contact, actor="retention",
                          detail=f"personal data removed after the retention period "
                                 f"({retention.cutoff(contact.desk, now).date().isoformat()})")
            forget_flags(session, hashes)
        total += len(found)
        if len(found) < batch:
            break
    with unit_of_work() as session:  # the API's retry keys, and the webhooks of no contact
        inbound.forget(session=session, before=now - RETRY_KEYS_KEPT)
        inbound.forget_after_erasure(session=session)
    return total
