"""Who sees what: the rules as pure functions, and the query filter agreeing with them."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlmodel import col, select

from loket.domain.access import can, visible_to
from loket.store.db import read_scope, session_scope
from loket.store.models import Contact, ContactFlag, User


def user(role: str = "counsellor", desk: str | None = "police", **extra: Any) -> User:
    return User(id=extra.pop("id", 7), email="u@example.org", role=role, desk=desk,
                password_hash="-", active=extra.pop("active", True), **extra)


def contact(flags: tuple[str, ...] = (), **fields: Any) -> Contact:
    values: dict[str, Any] = {"reference": "ABC-234", "channel": "sms", "status": "waiting"}
    values.update(fields)
    made = Contact(**values)
    for flag in flags:
        made.flag_rows.append(ContactFlag(flag=flag))
    return made


def test_a_counsellor_reads_what_their_desk_owns_or_serves_now() -> None:
    police = user(desk="police")
    assert can(police, "read", contact(desk="police", queue="police"))
    assert can(police, "read", contact(desk="veterans", queue="police"))  # overflow to police
    assert can(police, "read", contact(desk="veterans", queue="pool"))  # the night pool
    assert not can(police, "read", contact(desk="veterans", queue="veterans"))
    assert not can(user(desk="debasis"), "read", contact(desk="police", queue="pool"))


def test_served_for_a_while_is_not_owned_once_closed_or_transferred_away() -> None:
    police = user(desk="police")
    assert not can(police, "read", contact(desk="veterans", queue="police", status="closed"))
    assert can(police, "read", contact(desk="police", queue="police", status="closed"))
    assert not can(police, "read", contact(desk="debasis", queue="debasis"))


def test_flag_both_shows_a_contact_to_police_and_veterans_only() -> None:
    both = contact(desk="veterans", queue="veterans", flags=("both",))
    assert can(user(desk="police"), "read", both)
    assert can(user(desk="veterans"), "read", both)
    assert not can(user(desk="debasis"), "read", both)


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_managers_and_admins_never_read_a_contact(role: str) -> None:
    assert not can(user(role=role, desk="police"), "read", contact(desk="police"))


def test_a_manager_counts_their_desk_and_the_pool() -> None:
    manager = user(role="manager", desk="police")
    assert can(manager, "count", contact(desk="police"))
    assert can(manager, "count", contact(desk="veterans", queue="pool"))
    assert not can(manager, "count", contact(desk="veterans", queue="veterans"))
    assert not can(user(), "count", contact(desk="police"))


def test_claim_needs_sight_and_no_other_holder_the_rest_needs_ones_own_claim() -> None:
    me, waiting = user(id=7), contact(desk="police", queue="police")
    assert can(me, "claim", waiting)
    assert not can(me, "reply", waiting)
    held = contact(desk="police", queue="police", assigned_user_id=7)
    for action in ("release", "reply", "note", "transfer", "close", "claim"):
        assert can(me, action, held)  # type: ignore[arg-type]
    taken = contact(desk="police", queue="police", assigned_user_id=8)
    for action in ("claim", "release", "reply", "transfer", "close"):
        assert not can(me, action, taken)  # type: ignore[arg-type]
    assert can(me, "note", taken)  # a colleague's case: a note, never a reply
    assert not can(me, "claim", contact(desk="police", status="closed"))
    assert not can(me, "note", contact(desk="police", status="closed"))


def test_the_queues_a_counsellor_serves() -> None:
    from loket.domain.access import queues_served

    assert queues_served(user(desk="police")) == ("police", "pool")
    assert queues_served(user(desk="debasis")) == ("debasis",)
    assert queues_served(user(role="manager", desk="police")) == ()


def test_break_glass_is_for_a_contact_one_cannot_see_and_inactive_users_get_nothing() -> None:
    assert can(user(desk="police"), "break_glass", contact(desk="debasis", queue="debasis"))
    assert not can(user(desk="police"), "break_glass", contact(desk="police"))
    assert not can(user(active=False), "read", contact(desk="police"))
    assert not can(user(role="manager"), "break_glass", contact(desk="debasis"))


def test_the_query_filter_lists_exactly_what_can_read_allows(store_app: Flask) -> None:
    engine = store_app.extensions["loket.engine"]
    shapes = [
        {"desk": "police", "queue": "police"},
        {"desk": "veterans", "queue": "police"},
        {"desk": "veterans", "queue": "pool"},
        {"desk": "veterans", "queue": "veterans"},
        {"desk": "veterans", "queue": "police", "status": "closed"},
        {"desk": "veterans", "queue": "veterans", "flags": ("both",)},
        {"desk": "debasis", "queue": "debasis"},
        {"desk": None, "queue": None, "status": "new"},
    ]
    with session_scope(engine) as session:
        for n, shape in enumerate(shapes):
            session.add(contact(reference=f"REF-{n:03d}", **shape))
    people = [user(desk=d) for d in ("police", "veterans", "debasis")]
    people += [user(role="manager"), user(role="admin", desk=None)]
    with read_scope(engine) as session:
        stored = session.exec(select(Contact).order_by(col(Contact.id))).all()
        for person in people:
            listed = session.exec(
                select(Contact.id).where(visible_to(person)).order_by(col(Contact.id))
            ).all()
            assert listed == [c.id for c in stored if can(person, "read", c)], person.desk
