"""Who sees what (DESIGN.md): deny by default, one module holding the rules.

`can(user, action, contact)` answers for one contact, as a pure function; `visible_to(user)`
is the same rule for reading as a query filter, so a list never shows what `can` refuses.

- counsellor of desk D: contacts owned by D; contacts D serves now (its queue is D, or the
  `pool` for police and veterans) while they are open (what still waits in the pool when
  the pooled hours end is moved to its own desk's queue: `contacts.leave_pool`, run by
  the reconciler); contacts flagged `both` for police
  and veterans while one of them owns it. After a transfer away (owner and queue another
  desk) nothing more: a `both` contact handed to De Basis is De Basis's alone.
  Claiming needs sight of the contact and no other holder; a note needs sight of it, open
  or closed; replying, transferring, closing and releasing need the caller's own claim.
- manager of desk D: counts, waits and outcomes of D and the pool; never a message, name
  or number, so no contact's details.
- admin: users, tokens, rules, retention; no contact's details, but any contact's audit
  trail (who saw and did what), as the owning desk's manager may read their desk's.
- break-glass: any active counsellor may open another desk's contact with a stated
  reason (`break_glass`); while that access lasts (and the contact stays with the desk it
  was opened from) the contact is visible to them, as if their desk served it, and every
  use is audited. It helps now and ends: it never makes the case the holder's desk's
  (`workspace.transfer`).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import and_, false, or_, select, true
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from loket.store.models import BreakGlass, Contact, ContactFlag, User
from loket.store.types import utcnow

Action = Literal[
    "read", "claim", "release", "reply", "note", "transfer", "close", "break_glass", "count",
    "trail", "call",
]
POOLED_DESKS = ("police", "veterans")  # who serve the night and weekend `pool` together
CLOSED = "closed"
HOLDER_ACTIONS = ("release", "reply", "transfer", "close")


def counsellor_desk(user: User) -> str | None:
    """Return the desk of an active counsellor; None for anyone else (they serve no queue
    and read no contact)."""
    if user.role != "counsellor" or not user.active:
        return None
    return user.desk


def sees(user: User, contact: Contact, grants: Collection[int] = ()) -> bool:
    """Tell whether a counsellor may read this contact's details; `grants` are the contact
    ids the counsellor holds an unexpired break-glass access to."""
    desk = counsellor_desk(user)
    if desk is None:
        return False
    if contact.desk == desk or contact.id in grants:
        return True
    if contact.status != CLOSED and (
        contact.queue == desk or (contact.queue == "pool" and desk in POOLED_DESKS)
    ):
        return True
    return desk in POOLED_DESKS and contact.desk in POOLED_DESKS and "both" in contact.flags


def can(user: User, action: Action, contact: Contact | None = None,
        grants: Collection[int] = ()) -> bool:
    """Tell whether this user may do this to this contact (or, for `count`, to its desk)."""
    if not user.active:
        return False
    if action == "trail":  # who saw and did what: the admin, and the owning desk's manager
        if user.role == "admin":
            return True
        return (user.role == "manager" and contact is not None
                and (user.desk is None or contact.desk == user.desk))
    if action == "count":
        if user.role != "manager" or contact is None:
            return False
        return (user.desk is None or contact.desk == user.desk
                or contact.queue in queues_counted(user.desk))
    if contact is None or user.role != "counsellor":
        return False
    if action == "break_glass":
        return not sees(user, contact, grants)
    if not sees(user, contact, grants):
        return False
    if action == "read":
        return True
    if action in ("claim", "call"):  # a call claims the contact first if need be
        return contact.status != CLOSED and contact.assigned_user_id in (None, user.id)
    if action == "note":  # anyone of the desks that see an open contact may add a note
        return contact.status != CLOSED
    if action in HOLDER_ACTIONS:
        return contact.status != CLOSED and contact.assigned_user_id == user.id
    return False


def queues_counted(desk: str) -> tuple[str, ...]:
    """Return the queues whose contacts a desk's manager counts beside those the desk owns
    (DESIGN.md: "D and the pool"): the desk's own queue (another desk's overflow it served)
    and, for police and veterans, the pool they serve together."""
    return (desk, "pool") if desk in POOLED_DESKS else (desk,)


def queues_served(user: User) -> tuple[str, ...]:
    """Return the queues a counsellor serves: their desk's, and the pool for police and
    veterans."""
    desk = counsellor_desk(user)
    if desk is None:
        return ()
    return (desk, "pool") if desk in POOLED_DESKS else (desk,)


def visible_to(user: User, now: datetime | None = None) -> ColumnElement[bool]:
    """Return the WHERE clause of the contacts this user may read (nothing by default)."""
    desk = counsellor_desk(user)
    if desk is None:
        return false()
    return visible_to_desk(desk, user.id, now or utcnow())


def named_to(user: User) -> ColumnElement[bool]:
    """Return the WHERE clause of the contacts whose reference this user may be shown on a
    page about their desk (a flag waiting for approval): a counsellor what they may read, a
    manager their desk's own contacts (those whose trail they may read), anyone else none."""
    if not user.active:
        return false()
    if user.role == "counsellor":
        return visible_to(user)
    if user.role == "manager":
        return true() if user.desk is None else col(Contact.desk) == user.desk
    return false()


def visible_to_desk(desk: str, user_id: Any, now: Any) -> ColumnElement[bool]:
    """Return the WHERE clause of what an active counsellor of `desk` may read; `user_id`
    and `now` are values or bound parameters (a statement built once, run with each
    counsellor's own)."""
    queues = [desk, "pool"] if desk in POOLED_DESKS else [desk]
    rules: list[ColumnElement[bool]] = [
        col(Contact.desk) == desk,
        and_(col(Contact.status) != CLOSED, col(Contact.queue).in_(queues)),
    ]
    if desk in POOLED_DESKS:
        both = select(col(ContactFlag.contact_id)).where(col(ContactFlag.flag) == "both")
        rules.append(and_(col(Contact.desk).in_(POOLED_DESKS), col(Contact.id).in_(both)))
    granted = select(col(BreakGlass.contact_id)).where(
        col(BreakGlass.user_id) == user_id, col(BreakGlass.expires_at) > now,
        granted_desk_owns(),
    )
    rules.append(col(Contact.id).in_(granted))
    return or_(*rules)


def granted_desk_owns() -> ColumnElement[bool]:
    """Return the WHERE clause keeping an emergency access to the desk it was given for:
    once the contact is handed over to another desk it is that desk's, and the access
    (logged to the first desk's manager) ends."""
    return col(BreakGlass.desk).is_not_distinct_from(col(Contact.desk))
