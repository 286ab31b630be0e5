"""Support around a contact: a counsellor asking their desk for help, and flags on a person.

A help request alerts the desk's manager and colleagues on their pages until someone
resolves it. A flag on a person (by the keyed phone hash: abusive, or a frequent caller)
is set with a reason, needs a second counsellor of the desk or its manager to approve it,
expires, and is only shown: it never blocks, delays or re-routes a contact, so a crisis
phrase or acute risk is served as any other (the routing never reads flags).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, false, or_, true
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from loket.domain import access, audit, calls
from loket.domain.conversations import public_name as holder_name
from loket.domain.refusals import Refused, written
from loket.store.models import DESKS, Contact, HelpRequest, PersonFlag, User
from loket.store.types import utcnow

PERSON_FLAGS = ("abusive", "frequent")
MIN_REASON = 10
MAX_REASON = 500


@dataclass(frozen=True)
class Help:
    """An open help request, as the desk sees it: no personal data."""

    id: int
    reference: str
    counsellor: str
    since: datetime
    call: bool  # a phone contact, or one with a call live now: a manager may listen in


@dataclass(frozen=True)
class WaitingFlag:
    """A flag on a person waiting for a second counsellor or the manager."""

    id: int
    reference: str | None
    flag: str
    reason: str | None
    set_by: str
    set_by_id: int
    expires_at: datetime


def ask_help(*, session: Session, user: User, contact: Contact, source: str = "") -> bool:
    """Ask the desk's manager and colleagues for support on a contact; False when this
    counsellor already asked and nobody answered yet. Refused on a closed case: a request
    stands only while its case is open (`standing`), so nobody would see it."""
    assert user.id is not None and contact.id is not None  # noqa: S101 - stored rows
    if contact.status == access.CLOSED:
        raise Refused("the contact is closed: support is no longer asked on it",
                      field="contact", key="s_help_closed")
    open_one = session.exec(select(HelpRequest).where(
        HelpRequest.user_id == user.id, HelpRequest.contact_id == contact.id,
        col(HelpRequest.resolved_at).is_(None))).first()
    if open_one is not None:
        return False
    session.add(HelpRequest(user_id=user.id, contact_id=contact.id, desk=user.desk))
    audit.record(session=session, event="help", contact=contact, user_id=user.id,
                 actor="user", detail="asked the desk for support", source=source)
    return True


def standing(now: datetime | ColumnElement[Any] | None = None) -> ColumnElement[bool]:
    """Return the WHERE clause of the help requests that still stand (joined to their
    contact): the contact is open and the counsellor who asked may still read it. A case
    closed, or transferred to another desk, asks nothing more of this desk: its manager is
    not shown it, nor may listen in on its call (DESIGN.md 'Who sees what')."""
    moment = utcnow() if now is None else now
    return and_(
        col(Contact.status) != access.CLOSED,
        # Another counsellor took the case on: it is theirs now, and asks nothing of the desk
        # of the one who asked (a pooled case served by its own desk after a release).
        or_(col(Contact.assigned_user_id).is_(None),
            col(Contact.assigned_user_id) == HelpRequest.user_id),
        or_(*(and_(col(HelpRequest.desk) == desk,
                   access.visible_to_desk(desk, HelpRequest.user_id, moment))
              for desk in DESKS)),
    )


def help_stands(*, session: Session, contact_id: int, desk: str | None) -> bool:
    """Tell whether a counsellor asked this desk (None: any desk, for a manager of every
    desk) for help on this contact and the request still stands (`standing`): the only way
    a manager learns of another desk's contact (listening in on a case opened in an
    emergency); for any other it is not there."""
    asked = [] if desk is None else [HelpRequest.desk == desk]
    return session.exec(
        select(HelpRequest.id)
        .join(Contact, col(Contact.id) == HelpRequest.contact_id)
        .where(HelpRequest.contact_id == contact_id, *asked,
               col(HelpRequest.resolved_at).is_(None), standing())
    ).first() is not None


def open_help(*, session: Session, desk: str | None, viewer: User | None = None
              ) -> list[Help]:
    """Return the desk's open help requests, oldest first (every desk's for None). A
    counsellor `viewer` is shown only those on contacts they may open: a colleague's
    emergency access to another desk's case is not theirs to learn of. Only requests that
    still stand (`standing`): not on a case closed or transferred away since. Each says
    whether a call can carry the contact (`Help.call`): a chat or text has none to listen in
    on, unless a call of it (a callback) is live."""
    call = or_(col(Contact.channel) == "phone",
               col(Contact.id).in_(calls.live_call_contacts()))
    query = (
        select(HelpRequest, Contact.reference, User, call)
        .join(Contact, col(Contact.id) == HelpRequest.contact_id)
        .join(User, col(User.id) == HelpRequest.user_id)
        .where(col(HelpRequest.resolved_at).is_(None), standing())
        .order_by(col(HelpRequest.created_at))
    )
    if desk is not None:
        query = query.where(HelpRequest.desk == desk)
    if viewer is not None and viewer.role == "counsellor":
        query = query.where(access.visible_to(viewer))
    return [Help(id=row.id or 0, reference=reference, counsellor=holder_name(asker),
                 since=row.created_at, call=bool(by_call))
            for row, reference, asker, by_call in session.exec(query).all()]


def resolve_help(*, session: Session, user: User, help_id: int, source: str = "") -> bool:
    """Mark a help request as answered; False, and nothing changed, when it is not one this
    user is shown (`shown_help`) or it is answered already."""
    row = session.get(HelpRequest, help_id, with_for_update=True, populate_existing=True)
    if (row is None or row.resolved_at is not None
            or not shown_help(session=session, user=user, help_id=help_id)):
        return False
    row.resolved_at, row.resolved_by = utcnow(), user.id
    session.add(row)
    audit.record(session=session, event="help-done", contact=session.get(Contact, row.contact_id),
                 user_id=user.id, actor="user", detail=f"help request {help_id} answered",
                 source=source)
    return True


def answered_already(*, session: Session, user: User, help_id: int) -> bool:
    """Tell whether a help request this user is shown (`shown_help`) was answered already
    (by a colleague a moment before): said so, rather than a page that is not there."""
    row = session.get(HelpRequest, help_id)
    return (row is not None and row.resolved_at is not None
            and shown_help(session=session, user=user, help_id=help_id))


def shown_help(*, session: Session, user: User, help_id: int) -> bool:
    """Tell whether this user is shown this help request (answered or not), by the rule of
    `open_help`: it still stands (`standing`), and it asked the user's desk (a manager of no
    desk: any desk); a counsellor must moreover be one who may open its contact. For anyone
    else it is not there, as a help request that does not exist."""
    return session.exec(
        select(HelpRequest.id)
        .join(Contact, col(Contact.id) == HelpRequest.contact_id)
        .where(HelpRequest.id == help_id, standing(), help_shown_to(user))
    ).first() is not None


def help_shown_to(user: User) -> ColumnElement[bool]:
    """Return the WHERE clause (on help requests joined to their contact) of those shown to
    this user beside `standing`: an active manager those of their desk (of no desk: all), an
    active counsellor those of their desk on contacts they may open; nobody else any."""
    if not user.active:
        return false()
    if user.role == "manager":
        return true() if user.desk is None else col(HelpRequest.desk) == user.desk
    desk = access.counsellor_desk(user)
    if desk is None:
        return false()
    return and_(col(HelpRequest.desk) == desk, access.visible_to(user))


def set_flag(*, session: Session, user: User, contact: Contact, flag: str, reason: str,
             days: int, source: str = "") -> PersonFlag:
    """Propose a flag on the person behind a contact; it shows once a second counsellor of
    the desk or its manager approves it, and expires after `days`."""
    if flag not in PERSON_FLAGS:
        raise Refused(f"one of {', '.join(PERSON_FLAGS)}", field="flag", key="s_flag")
    why = written(reason, field="reason", limit=MAX_REASON, minimum=MIN_REASON,
                  short_key="s_reason")
    if not contact.phone_hash:
        raise Refused("this contact has no number to recognise the person by",
                      field="flag", key="s_no_number")
    assert user.id is not None  # noqa: S101 - a logged-in user is stored
    now = utcnow()
    row = PersonFlag(phone_hash=contact.phone_hash, flag=flag, desk=user.desk, reason=why,
                     set_by=user.id, created_at=now, expires_at=now + timedelta(days=days))
    session.add(row)
    shown_on = contact if contact.desk == row.desk else flag_contact(session, row, user)
    audit.record(session=session, event="flag", contact=shown_on, user_id=user.id,
                 actor="user", detail=f"flag {flag} proposed for {days} days", source=source)
    return row


def flag_contact(session: Session, row: PersonFlag, user: User) -> Contact | None:
    """Return the contact whose trail tells of a flag: the person's newest contact of the
    flag's own desk that the user may be shown. Never another desk's (a veterans contact a
    police counsellor served in the pool), whose trail would tell that desk of this desk's
    flag, which its counsellors are never shown (`flags_shown`); None when there is none (the
    line is kept without a contact)."""
    return session.exec(select(Contact).where(Contact.phone_hash == row.phone_hash,
                                              Contact.desk == row.desk)
                        .where(access.named_to(user))
                        .order_by(col(Contact.created_at).desc())).first()


def approve_flag(*, session: Session, approver: User, flag_id: int, source: str = "") -> bool:
    """Approve a proposed flag: a different counsellor of the same desk, or that desk's
    manager. False when this user may not, or it is approved or expired already."""
    # Locked and read again: of two approvals at once, the second finds it approved.
    row = session.get(PersonFlag, flag_id, with_for_update=True, populate_existing=True)
    now = utcnow()
    if (row is None or row.approved_at is not None or row.expires_at <= now
            or row.set_by == approver.id or not _may_approve(approver, row)):
        return False
    row.approved_by, row.approved_at = approver.id, now
    session.add(row)
    audit.record(session=session, event="flag-approve",
                 contact=flag_contact(session, row, approver), user_id=approver.id,
                 actor="user", detail=f"flag {row.flag} approved", source=source)
    return True


def approved_already(*, session: Session, approver: User, flag_id: int) -> bool:
    """Tell whether a flag this user could approve was approved already (by a colleague a
    moment before): said so, rather than a page that is not there."""
    row = session.get(PersonFlag, flag_id)
    return (row is not None and row.approved_at is not None and row.set_by != approver.id
            and _may_approve(approver, row))


def _may_approve(approver: User, row: PersonFlag) -> bool:
    """Tell whether this user may approve a flag of this desk: an active counsellor of the
    same desk, or its manager (a manager of no desk: any)."""
    same_desk = approver.desk == row.desk
    return approver.active and (
        (approver.role == "counsellor" and same_desk)
        or (approver.role == "manager" and (approver.desk is None or same_desk)))


def flags_waiting(*, session: Session, viewer: User) -> list[WaitingFlag]:
    """Return the proposed flags of the viewer's desk that wait for approval (not expired),
    each naming the person's newest contact this viewer may be shown (`access.named_to`),
    or none: never another desk's contact, which would tell that the person went there.
    The counsellor's reason (free text: it may hold a name, a number, what the person said)
    is for counsellors only; a manager is shown None (DESIGN.md 'Who sees what')."""
    desk = viewer.desk
    query = (
        select(PersonFlag, User)
        .join(User, col(User.id) == PersonFlag.set_by)
        .where(col(PersonFlag.approved_at).is_(None), col(PersonFlag.expires_at) > utcnow())
        .order_by(col(PersonFlag.created_at))
    )
    if desk is not None:
        query = query.where(PersonFlag.desk == desk)
    waiting = []
    may_read_reason = viewer.role == "counsellor"
    for row, setter in session.exec(query).all():
        reference = session.exec(
            select(Contact.reference).where(Contact.phone_hash == row.phone_hash)
            .where(access.named_to(viewer)).order_by(col(Contact.created_at).desc())
        ).first()
        waiting.append(WaitingFlag(id=row.id or 0, reference=reference, flag=row.flag,
                                   reason=row.reason if may_read_reason else None,
                                   set_by=holder_name(setter),
                                   set_by_id=row.set_by, expires_at=row.expires_at))
    return waiting


def flags_shown(*, session: Session, viewer: User, references: list[str]
                ) -> dict[str, tuple[str, ...]]:
    """Return, by contact reference, the approved and unexpired flags on the person behind
    each of these contacts, as `viewer` is shown them (codes, sorted, each once).

    A flag is on a person (by phone hash), but it is shown on a contact only when it was
    set by the desk that owns that contact or by the viewer's own desk: desks that know of
    the person's contact anyway. A flag of any other desk would tell the viewer that the
    person went to that desk and how it judged them (as `flags_waiting` never names another
    desk's contact). So De Basis, reading its own contact of a person the police flagged,
    is shown nothing of it; a police counsellor serving a veterans' contact in the pool is
    shown the veterans' flags and the police's own. A flag of no desk is shown nowhere.
    Only contacts the viewer may read (`access.visible_to`) get any: a manager, an admin or
    anyone else is shown none.
    """
    wanted = sorted({r for r in references if r})
    desk = access.counsellor_desk(viewer)
    if not wanted or desk is None:
        return {}
    rows = session.exec(
        select(Contact.reference, PersonFlag.flag)
        .join(PersonFlag, col(PersonFlag.phone_hash) == Contact.phone_hash)
        .where(col(Contact.reference).in_(wanted), access.visible_to(viewer),
               col(PersonFlag.approved_at).is_not(None), col(PersonFlag.expires_at) > utcnow(),
               or_(col(PersonFlag.desk) == Contact.desk, col(PersonFlag.desk) == desk))
        .order_by(col(PersonFlag.flag))
    ).all()
    found: dict[str, list[str]] = {}
    for reference, flag in rows:
        if flag not in found.setdefault(reference, []):
            found[reference].append(flag)
    return {reference: tuple(flags) for reference, flags in found.items()}

