"""Break-glass: a counsellor opens another desk's contact in an emergency.

They state a reason; the access lasts a limited time (`break_glass_minutes`), is audited as
an emergency access, and waits on the owning desk's manager's page until it is reviewed.
While it lasts, `access.visible_to` lets the counsellor see and serve the contact.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, func, select

from loket.domain import access, audit
from loket.domain.refusals import written
from loket.store.models import BreakGlass, Contact, User
from loket.store.types import utcnow

MIN_REASON = 10
MAX_REASON = 500


@dataclass(frozen=True)
class Review:
    """One emergency access waiting for the owning desk's manager."""

    id: int
    reference: str
    counsellor: str
    counsellor_desk: str | None
    reason: str | None  # None: not for this reader (`to_review`)
    at: datetime
    expires_at: datetime


def open_case(*, session: Session, user: User, reference: str, reason: str, minutes: int,
              source: str = "") -> Contact | None:
    """Give a counsellor time-limited access to another desk's contact; None when there
    is no such contact. Audited as `break-glass` with the reference, never the reason."""
    why = written(reason, field="reason", limit=MAX_REASON, minimum=MIN_REASON,
                  short_key="r_break_glass_reason")
    if access.counsellor_desk(user) is None:
        return None
    contact = session.exec(select(Contact).where(Contact.reference == reference.strip()
                                                 .upper())).first()
    if contact is None:
        return None
    if access.sees(user, contact):
        return contact  # nothing to break: the desk may see it already
    if contact.anonymised_at is not None:
        return None  # erased: nothing of the person to open, and no reason kept about them
    # A running access is renewed the same way (a reason, a new period, logged to the
    # desk's manager): a crisis conversation is not cut off when the first hour runs out.
    now = utcnow()
    assert user.id is not None and contact.id is not None  # noqa: S101 - stored rows
    session.add(BreakGlass(user_id=user.id, contact_id=contact.id, desk=contact.desk,
                           reason=why, created_at=now,
                           expires_at=now + timedelta(minutes=minutes)))
    audit.record(session=session, event="break-glass", contact=contact, user_id=user.id,
                 actor="user", detail=f"emergency access for {minutes} min", source=source)
    return contact


def active_grants(*, session: Session, user: User, now: datetime | None = None) -> set[int]:
    """Return the contact ids this user holds an unexpired break-glass access to (the
    contact still with the desk it was opened from)."""
    rows = session.exec(
        select(BreakGlass.contact_id)
        .join(Contact, col(Contact.id) == BreakGlass.contact_id).where(*running(user, now))
    ).all()
    return {int(contact_id) for contact_id in rows}


def sees_now(*, session: Session, user: User, contact: Contact,
             now: datetime | None = None) -> bool:
    """Tell whether this counsellor may read this contact now, their running emergency
    accesses counted (`access.sees` with `active_grants`)."""
    return access.sees(user, contact, active_grants(session=session, user=user, now=now))


def end_grants(*, session: Session, user_id: int) -> int:
    """End now every emergency access this user still holds (their account disabled, or
    moved to another role or desk: it was given to them as they were); return how many.
    Each stays on its desk manager's review list, ending at this moment."""
    now = utcnow()
    grants = session.exec(select(BreakGlass).where(BreakGlass.user_id == user_id,
                                                   col(BreakGlass.expires_at) > now)).all()
    for grant in grants:
        grant.expires_at = now
        session.add(grant)
    return len(grants)


def running(user: User | None, now: datetime | None) -> tuple[ColumnElement[bool], ...]:
    """Return the WHERE clauses of this user's running emergency accesses (every user's
    for None), joined with their contacts: unexpired, and the contact still with the desk
    it was opened from."""
    clauses = (col(BreakGlass.expires_at) > (now or utcnow()), access.granted_desk_owns())
    return clauses if user is None else (col(BreakGlass.user_id) == user.id, *clauses)


def access_until(*, session: Session, user: User, contact: Contact,
                 now: datetime | None = None) -> datetime | None:
    """Return when this user's emergency access to the contact ends, when an emergency
    access is how they see it (None when their desk may see it anyway, or none runs)."""
    if access.sees(user, contact):
        return None
    until = session.exec(
        select(func.max(BreakGlass.expires_at))
        .join(Contact, col(Contact.id) == BreakGlass.contact_id)
        .where(BreakGlass.contact_id == contact.id, *running(user, now))
    ).one()
    return cast(datetime | None, until)


def to_review(*, session: Session, desk: str | None) -> list[Review]:
    """Return the emergency accesses to a desk's contacts its manager has not reviewed
    (every desk's for None). The stated reason (free text: it may name the person) is
    shown to that desk's manager only (DESIGN.md 'Who sees what'); for every desk's, None."""
    query = (
        select(BreakGlass, Contact.reference, User)
        .join(Contact, col(Contact.id) == BreakGlass.contact_id)
        .join(User, col(User.id) == BreakGlass.user_id)
        .where(col(BreakGlass.reviewed_at).is_(None))
        .order_by(col(BreakGlass.created_at))
    )
    if desk is not None:
        query = query.where(BreakGlass.desk == desk)
    return [
        Review(id=grant.id or 0, reference=reference, counsellor=user.display_name or user.name,
               counsellor_desk=user.desk, reason=grant.reason if desk is not None else None,
               at=grant.created_at,
               expires_at=grant.expires_at)
        for grant, reference, user in session.exec(query).all()
    ]


def review(*, session: Session, manager: User, grant_id: int, source: str = "") -> bool:
    """Mark one emergency access to the manager's desk as reviewed; False when it is not
    theirs to review (or already reviewed)."""
    grant = session.get(BreakGlass, grant_id, with_for_update=True, populate_existing=True)
    if (grant is None or grant.reviewed_at is not None or manager.role != "manager"
            or (manager.desk is not None and grant.desk != manager.desk)):
        return False
    grant.reviewed_at, grant.reviewed_by = utcnow(), manager.id
    session.add(grant)
    contact = session.get(Contact, grant.contact_id)
    audit.record(session=session, event="review", contact=contact, user_id=manager.id,
                 actor="user", detail=f"break-glass {grant_id} reviewed", source=source)
    return True
