"""Escalation: a crisis contact nobody claimed in time raises an alarm, again and again.

A crisis contact (any channel) still unclaimed `after` its routing raises step 1: a banner
for every desk (the reference, the desk and the minutes; the link only for those who may
see it) and, with an on-call number, one text to the on-call counsellor naming the
reference only, sent once per step (`texts_to_send`, `claim_text`, `record_text`). Every
`every` more while unclaimed, the next step. One row per contact and step (a unique key),
so a sweep run twice, or two at once, raises each step once; each step is audited. A
claimed, closed or no longer critical contact's escalations are resolved, and so are an
erased one's (the person asked for their data to go: nothing is left to act on, so no banner,
no further step, no further on-call text; `erasure.anonymise` resolves them at once and the
sweep never raises one for it); one let go again
unserved after an alarm (released, transferred) rises to the next step at the next sweep.
A crisis callback whose attempt failed escalates at once (`raise_now`); the next step
comes `every` after that one, never a second text moments later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, not_, or_, update
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, func, select

from loket.domain import audit, contacts
from loket.i18n import Catalog
from loket.store.models import Contact, Escalation, table_of
from loket.store.types import utcnow

# The statuses of a contact still waiting for a counsellor.
# (`in_progress` is served: a counsellor answered, in Loket or on the desk's phone.)
UNSERVED = ("new", "routed", "waiting", "callback")
# An on-call text claimed by one run and not yet sent (`claim_text`).
SENDING = "sending"


@dataclass(frozen=True)
class Timing:
    """When the first step comes after routing, and how often the next ones."""

    after: timedelta = timedelta(minutes=2)
    every: timedelta = timedelta(minutes=5)

    def step_at(self, since: datetime, now: datetime) -> int:
        """Return the step due at `now` for a contact waiting since `since` (0: none)."""
        waited = now - since
        if waited < self.after:
            return 0
        return 1 + int((waited - self.after) / self.every)

    def deadline(self, since: datetime, step: int) -> datetime:
        """Return when a step falls due."""
        return since + self.after + (step - 1) * self.every


def unserved_crisis() -> tuple[ColumnElement[bool], ...]:
    """Return the WHERE clauses of a contact that is still an unserved crisis: a crisis,
    held by nobody, waiting (`UNSERVED`), not erased. What the alarms rise for, what the
    banners show (`still_alarming`), and what is resolved once no longer so
    (`resolve_served`)."""
    return (col(Contact.crisis).is_(True), col(Contact.assigned_user_id).is_(None),
            col(Contact.status).in_(UNSERVED), col(Contact.anonymised_at).is_(None))


def unserved_crises(*, session: Session, before: datetime
                    ) -> list[tuple[Contact, int, datetime | None]]:
    """Return the crisis contacts nobody holds that were routed before `before`, or that
    were alarmed already, each with the highest step raised so far (0: none) and when the
    newest step rose (None: none)."""
    raised = (select(Escalation.contact_id, func.max(Escalation.step).label("step"),
                     func.max(Escalation.created_at).label("last"))
              .group_by(col(Escalation.contact_id)).subquery())
    rows = session.exec(
        select(Contact, func.coalesce(raised.c.step, 0), raised.c.last)
        .outerjoin(raised, raised.c.contact_id == Contact.id)
        .where(*unserved_crisis(),
               or_(col(Contact.routed_at) <= before, raised.c.step.is_not(None)))
        .order_by(col(Contact.id))  # locked in this order (`raise_step`): two sweeps queue
    ).all()
    return [(contact, int(step), last) for contact, step, last in rows]


def raise_step(*, session: Session, contact: Contact, step: int, now: datetime
               ) -> Escalation | None:
    """Raise one step once (a concurrent run that raised it first wins: None here), only
    while the contact is still an unserved crisis: asked again with it locked, so a claim
    that landed since the crises were read raises nothing (None)."""
    assert contact.id is not None  # noqa: S101 - a stored contact has an id
    contacts.lock(session=session, contact_id=contact.id)
    if session.exec(select(Contact.id).where(Contact.id == contact.id, *unserved_crisis())
                    ).first() is None:
        return None
    row = Escalation(contact_id=contact.id, step=step, desk=contact.desk,
                     queue=contact.queue, created_at=now)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return None
    audit.record(session=session, event="escalate", contact=contact,
                 detail=f"escalation step={step} (crisis unclaimed)")
    return row


def raise_due(*, session: Session, timing: Timing, now: datetime | None = None
              ) -> list[Escalation]:
    """Raise the step now due of every unclaimed crisis (only the current one: a sweep
    that was away does not send a burst), and resolve what was served. Return what rose."""
    now = now or utcnow()
    resolve_served(session=session, now=now)
    raised = []
    for contact, highest, last in unserved_crises(session=session, before=now - timing.after):
        since = contacts.waiting_since(contact)
        step = timing.step_at(since, now)
        if 0 < highest >= step:
            if not has_open(session=session, contact=contact):
                # Claimed after an alarm (which resolved it), then let go unserved (released,
                # transferred): it is overdue already, so the next step rises now, not when
                # the clock since routing reaches it.
                step = highest + 1
            elif last is not None and now >= last + timing.every:
                # Routed again while alarmed (the person wrote a crisis phrase): routing's
                # new time never starts the alarms over; the next step is due `every` after
                # the last one.
                step = highest + 1
        if (step > highest > 0 and last is not None and now < last + timing.every
                and timing.step_at(since, last) != highest
                and has_open(session=session, contact=contact)):
            # The newest alarm rose off the clock moments ago (a crisis callback not reached
            # raises one at once): the next comes `every` after it, not a second text now.
            continue
        if step > highest:
            row = raise_step(session=session, contact=contact, step=step, now=now)
            if row is not None:
                raised.append(row)
    return raised


def resolve_erased(*, session: Session, contact_id: int, now: datetime | None = None) -> int:
    """Resolve an erased contact's open escalations at once; return how many."""
    table = table_of(Escalation)
    result = session.execute(update(table).where(
        table.c.contact_id == contact_id, table.c.resolved_at.is_(None),
    ).values(resolved_at=now or utcnow()))
    return int(result.rowcount)  # type: ignore[attr-defined]


def has_open(*, session: Session, contact: Contact) -> bool:
    """Tell whether a contact has an escalation not yet resolved."""
    return session.exec(
        select(Escalation.id).where(Escalation.contact_id == contact.id,
                                    col(Escalation.resolved_at).is_(None)).limit(1)
    ).first() is not None


def raise_now(*, session: Session, contact: Contact, now: datetime | None = None
              ) -> Escalation | None:
    """Escalate a crisis at once, one step past the last (a crisis callback not reached)."""
    highest = session.exec(
        select(func.max(Escalation.step)).where(Escalation.contact_id == contact.id)
    ).one()
    return raise_step(session=session, contact=contact, step=int(highest or 0) + 1,
                      now=now or utcnow())


def resolve_served(*, session: Session, now: datetime) -> int:
    """Resolve the open escalations of contacts that are claimed, closed, not a crisis or
    erased."""
    served = session.exec(
        select(Escalation).join(Contact, col(Contact.id) == Escalation.contact_id)
        .where(col(Escalation.resolved_at).is_(None), not_(and_(*unserved_crisis())))
    ).all()
    for row in served:
        row.resolved_at = now
        session.add(row)
    return len(served)


@dataclass(frozen=True)
class Banner:
    """An open escalation as a desk sees it: the reference, the desk, how long; no more."""

    reference: str
    desk: str | None
    queue: str | None
    step: int
    waited_s: int
    # Whether every open step's on-call text went out (False: not sent, or not yet).
    texted: bool = False

    @property
    def waited_min(self) -> int:
        """Return the whole minutes waited."""
        return self.waited_s // 60


def still_alarming() -> tuple[ColumnElement[bool], ...]:
    """Return the WHERE clauses of an escalation still alarming (joined to its contact): open,
    and its contact still an unserved crisis nobody holds, not erased. What the sweep will
    resolve (`resolve_served`) is gone from the banners the moment it is served, not at the
    next sweep (which waits while Redis is away)."""
    return (col(Escalation.resolved_at).is_(None), *unserved_crisis())


def open_banners(*, session: Session, now: datetime | None = None) -> list[Banner]:
    """Return the open escalations (the newest step of each contact), longest waiting first.
    Every desk sees them (a crisis is everyone's); whether a reference opens is the access
    rules' business."""
    now = now or utcnow()
    rows = session.execute(
        sa_select(col(Contact.reference), col(Contact.desk), col(Contact.queue),
                  func.max(Escalation.step),
                  func.min(func.coalesce(Contact.routed_at, Contact.created_at)),
                  func.min(Escalation.created_at),
                  func.min(case((and_(col(Escalation.sms_sid).is_not(None),
                                      col(Escalation.sms_sid) != SENDING), 1), else_=0)))
        .join(Contact, col(Contact.id) == Escalation.contact_id)
        .where(*still_alarming())
        .group_by(col(Contact.reference), col(Contact.desk), col(Contact.queue))
    ).all()
    # Routed again while alarmed (a crisis phrase), a contact has waited at least since its
    # first open alarm: the banner never shows it as just arrived.
    banners = [Banner(reference=ref, desk=desk, queue=queue, step=int(step),
                      waited_s=max(int((now - min(routed, alarmed)).total_seconds()), 0),
                      texted=bool(texted))
               for ref, desk, queue, step, routed, alarmed, texted in rows]
    return sorted(banners, key=lambda b: -b.waited_s)


@dataclass(frozen=True)
class Text:
    """An on-call text still to send: the step it is for and the reference it names."""

    escalation_id: int
    contact_id: int
    reference: str


# A text claimed this long ago and never recorded (its worker killed between claiming and
# recording) is claimed again: an alert sent twice beats an alert lost.
STALE_CLAIM = timedelta(minutes=2)


def release_stale_claims(*, session: Session, now: datetime | None = None) -> int:
    """Hand back the text claims a killed worker left behind (claimed over two minutes
    ago); return how many. A claim of a send still under way is younger: it stays."""
    table = table_of(Escalation)
    stale = (now or utcnow()) - STALE_CLAIM
    claimed = func.coalesce(table.c.sms_claimed_at, table.c.created_at)  # older claims: none
    result = session.execute(update(table).where(
        table.c.sms_sid == SENDING, table.c.resolved_at.is_(None), claimed < stale,
    ).values(sms_sid=None, sms_claimed_at=None))
    return int(result.rowcount)  # type: ignore[attr-defined]


def texts_to_send(*, session: Session) -> list[Text]:
    """Return the open steps whose on-call text was not sent (nor claimed), oldest first,
    while their crisis still alarms: one claimed (or closed, erased) since its step rose is
    not texted, and its step is resolved by the next sweep (`resolve_served`)."""
    rows = session.execute(
        sa_select(col(Escalation.id), col(Escalation.contact_id), col(Contact.reference))
        .join(Contact, col(Contact.id) == Escalation.contact_id)
        .where(col(Escalation.sms_sid).is_(None), *still_alarming())
        .order_by(col(Escalation.id))
    ).all()
    return [Text(escalation_id=row_id, contact_id=contact_id, reference=reference)
            for row_id, contact_id, reference in rows]


def claim_text(*, session: Session, escalation_id: int, now: datetime | None = None) -> bool:
    """Claim a step's text for this run (a conditional update); False: another run has it,
    or its crisis no longer alarms (claimed since `texts_to_send` read it: not texted)."""
    table = table_of(Escalation)
    alarming = (sa_select(col(Contact.id))
                .where(col(Contact.id) == Escalation.contact_id, *still_alarming()).exists())
    result = session.execute(
        update(table).where(table.c.id == escalation_id, table.c.sms_sid.is_(None), alarming)
        .values(sms_sid=SENDING, sms_claimed_at=now or utcnow()))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def record_text(*, session: Session, escalation_id: int, sid: str | None) -> None:
    """Keep the sent text's sid, or give the claim back (None) for the next sweep to retry."""
    table = table_of(Escalation)
    session.execute(update(table).where(table.c.id == escalation_id)
                    .values(sms_sid=sid, sms_claimed_at=None))


ONCALL_TEXT = Catalog("oncall", {
    "crisis_waits": {
        "nl": "Loket: crisis {reference} wacht zonder hulpverlener. Kijk in Loket.",
        "en": "Loket: crisis {reference} is waiting without a counsellor. Look in Loket.",
    },
})


def sms_text(reference: str, language: str = "nl") -> str:
    """Return the on-call text: the reference, nothing about the person, in the desks'
    default language (the on-call number has no language of its own)."""
    return ONCALL_TEXT.get("crisis_waits", language, reference=reference)
