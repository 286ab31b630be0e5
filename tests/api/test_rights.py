"""Who may do what through the API: every call, for every role and desk, on every kind of
contact, against one table. A contact the caller may not see answers exactly as one that
does not exist, and leaves no trace of the caller in its audit trail.

Kinds of contact, as seen by a counsellor of desk D (`OTHER[D]` is another desk):
own (D's), other (another desk's), overflow (another desk's, served now by D), pool
(police or veterans, served by the pool at night), both (flagged both, another desk's),
break_glass (another desk's, opened by the caller in an emergency), closed (D's, closed),
closed_overflow (overflowed to D, closed), transferred (D's, handed over to another desk).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlmodel import select

from loket.domain import contacts as contact_domain
from loket.store.db import session_scope
from loket.store.models import BreakGlass, Contact, User
from loket.store.types import utcnow
from tests.api.calls import CALLS, Caller, caller
from tests.desk.test_workspace import engine_of, stored, trail, waiting

DESKS = ("police", "veterans", "debasis")
OTHER = {"police": "veterans", "veterans": "police", "debasis": "police"}
KINDS = ("own", "other", "overflow", "pool", "both", "break_glass", "closed",
         "closed_overflow", "transferred")
HOLDER_CALLS = ("release", "reply", "transfer", "close")
ALL, POOLED, NONE = set(DESKS), {"police", "veterans"}, set()

# Which counsellors see a kind of contact (by their desk): the table the matrix follows.
SEEN_BY: dict[str, set[str]] = {
    "own": ALL, "other": NONE, "overflow": ALL, "pool": POOLED, "both": POOLED,
    "break_glass": ALL, "closed": ALL, "closed_overflow": NONE, "transferred": NONE,
}
# What a call answers on a contact the counsellor sees: open, or closed.
# A call on a contact seen: 422 (these counsellors have no phone in their profile to ring).
ANSWER_OPEN = {"read": 200, "claim": 200, "release": 200, "reply": 201, "note": 201,
               "transfer": 200, "close": 200, "break_glass": 200, "call": 422}
ANSWER_CLOSED = {**ANSWER_OPEN, "claim": 409, "release": 409, "reply": 409, "transfer": 409,
                 "close": 409, "call": 409}


def expected(role: str, desk: str | None, kind: str) -> dict[str, int]:
    """Return the table's answer to every call for this caller and kind of contact."""
    if role != "counsellor":
        return {name: 403 for name, *_ in CALLS}
    assert desk is not None
    if desk not in SEEN_BY[kind]:
        # Emergency access is there for exactly these: any counsellor may break the glass.
        return {name: 200 if name == "break_glass" else 404 for name, *_ in CALLS}
    return ANSWER_CLOSED if kind.startswith("closed") else ANSWER_OPEN


def contact_of_kind(app: Flask, kind: str, user: User, *, held: bool) -> str:
    """Store a contact of this kind for this caller (held by them when `held`)."""
    desk = user.desk or "police"
    other = OTHER[desk]
    made: dict[str, dict[str, Any]] = {
        "own": {"desk": desk},
        "other": {"desk": other},
        "overflow": {"desk": other, "queue": desk},
        "pool": {"desk": "veterans" if desk == "police" else "police", "queue": "pool"},
        "both": {"desk": other, "flags": ("both",)},
        "break_glass": {"desk": other},
        "closed": {"desk": desk, "status": "closed"},
        "closed_overflow": {"desk": other, "queue": desk, "status": "closed"},
        "transferred": {"desk": desk},
    }
    reference = waiting(app, **made[kind])
    with session_scope(engine_of(app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        if held or kind == "transferred":
            contact.assigned_user_id = user.id
            contact.status = "closed" if kind.startswith("closed") else "in_progress"
        if kind == "transferred":  # handed over by the caller, through the domain
            contact_domain.transfer(session=session, contact=contact, user=user, desk=other)
            if held:  # even a hold left behind gives no sight of it
                contact.assigned_user_id = user.id
        if kind == "break_glass":
            now = utcnow()
            session.add(BreakGlass(user_id=user.id or 0, contact_id=contact.id or 0,
                                   desk=other, reason="test", created_at=now,
                                   expires_at=now + timedelta(minutes=60)))
        session.add(contact)
    return reference


def handover(app: Flask, user: User, name: str, reference: str) -> dict[str, str] | None:
    """Return a transfer's body to a desk that is neither the caller's nor the contact's."""
    if name != "transfer":
        return None
    owner = stored(app, reference).desk
    desk = next(d for d in DESKS if d not in (user.desk, owner))
    return {"desk": desk, "note": "Wil een collega van deze desk spreken."}


def answers(app: Flask, who: Caller, kind: str) -> dict[str, int]:
    """Make every call, each on a fresh contact of this kind; return the status codes.

    Calls that need the caller's hold get a contact the caller holds (for a counsellor).
    """
    codes: dict[str, int] = {}
    for name, *_ in CALLS:
        held = who.user.role == "counsellor" and name in HOLDER_CALLS
        reference = contact_of_kind(app, kind, who.user, held=held)
        before = trail(app, reference)
        answer = who.do(name, reference, handover(app, who.user, name, reference))
        codes[name] = answer.status_code
        assert answer.is_json and answer.status_code != 500, (name, answer.get_data())
        if answer.status_code in (403, 404):
            assert trail(app, reference) == before, name  # nothing read, nothing logged
        if answer.status_code == 404:  # the same as for a contact that does not exist
            assert answer.get_json() == who.do(name, "NOPE-999").get_json()
    return codes


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("desk", DESKS)
def test_a_counsellor_reaches_what_the_table_says(store_app: Flask, desk: str,
                                                 kind: str) -> None:
    who = caller(store_app, desk=desk)
    assert answers(store_app, who, kind) == expected("counsellor", desk, kind)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("role", "desk"), [("manager", d) for d in DESKS] + [("admin", None)])
def test_managers_and_admins_reach_no_contact(app: Flask, role: str, desk: str | None,
                                              kind: str) -> None:
    who = caller(app, role=role, desk=desk)
    assert answers(app, who, kind) == expected(role, desk, kind)


# Which queues a counsellor of each desk may list (403: not theirs; 404: no such queue).
# Any queue lists what the counsellor may see waiting in it (another desk's: only what they
# may see there, `test_bodies_language_queues_review2.py`); an unknown queue is a 404.
QUEUE_ANSWERS = {"police": 200, "veterans": 200, "debasis": 200, "pool": 200, "night": 404}


@pytest.mark.parametrize("desk", DESKS)
def test_a_counsellor_lists_what_they_may_see_in_any_queue(app: Flask, desk: str) -> None:
    who = caller(app, desk=desk)
    answers = {q: who("GET", f"/api/v1/queue/{q}") for q in QUEUE_ANSWERS}
    assert {q: a.status_code for q, a in answers.items()} == QUEUE_ANSWERS
    assert all(a.get_json()["items"] == [] for q, a in answers.items() if q != "night")


@pytest.mark.parametrize(("role", "desk"), [("manager", "police"), ("admin", None)])
def test_managers_and_admins_list_no_queue(app: Flask, role: str, desk: str | None) -> None:
    who = caller(app, role=role, desk=desk)
    for queue in ("police", "pool"):
        answer = who("GET", f"/api/v1/queue/{queue}")
        assert answer.status_code == 403 and answer.get_json()["error"].startswith("role")
