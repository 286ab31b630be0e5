"""An overflow keeps the direction its routing gave it: a veterans contact that overflowed
to the police queue and that a police counsellor hands back to veterans, or on to De Basis,
is still "veterans>police" in the report. The directions add up to the overflow total,
counted from the contacts (a changed day) or from the tallies, on SQLite and PostgreSQL.

Before the fix a transfer set desk = queue and the contact left every direction: overflow 3
with directions summing to 1."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Flask
from sqlmodel import col, func, select

from loket import rules_runtime
from loket.domain import contacts, workspace
from loket.reports import tally
from loket.reports.periods import AMSTERDAM
from loket.reports.volumes import figures
from loket.store.db import read_scope, session_scope
from loket.store.migrate import downgrade, upgrade
from loket.store.models import Contact, ReportDirty, User
from tests.desk.helpers import make_user
from tests.reports.seed import local, seed

# A Wednesday afternoon (no pooled hours): the veterans' queue waits long and the police
# have someone free, so the rules overflow a veterans contact to police (long-wait-overflow).
ROUTED_AT = local("2026-11-11 14:00")
STATE = {
    "police": {"waiting": 0, "available": 2, "expected_wait_s": 0},
    "veterans": {"waiting": 9, "available": 0, "expected_wait_s": 1800},
    "debasis": {"waiting": 0, "available": 1, "expected_wait_s": 0},
    "pool": {"waiting": 0, "available": 2, "expected_wait_s": 0},
}
# The directions the report always gives (DESIGN.md's shape): none added, none lost.
DIRECTIONS = {"police>veterans", "police>debasis", "veterans>police", "veterans>debasis",
              "debasis>police", "debasis>veterans"}


def overflowed(app: Flask, count: int) -> list[int]:
    """Open and route `count` veterans webchats that overflow to the police queue."""
    ids = []
    with app.app_context(), session_scope(app.extensions["loket.engine"]) as session:
        for _ in range(count):
            contact = contacts.open_contact(
                session=session, actor="test",
                contact_in=contacts.ContactIn(channel="webchat", organisation="defence",
                                              serving_status="former"),
            )
            contacts.route_contact(session=session, contact=contact,
                                   decide=rules_runtime.decide, at=ROUTED_AT, state=STATE)
            assert (contact.desk, contact.queue) == ("veterans", "police")
            assert "overflow" in contact.flags
            assert contact.id is not None
            ids.append(contact.id)
    return ids


def hand_over(app: Flask, contact_id: int, desk: str, by: User) -> None:
    """The counsellor `by` takes the contact and hands it over to `desk` with a note."""
    with session_scope(app.extensions["loket.engine"]) as session:
        contact = contacts.lock(session=session, contact_id=contact_id)
        assert contact is not None
        contacts.claim(session=session, contact=contact, user=by)
        workspace.transfer(session=session, user=by, contact=contact, desk=desk,
                           note="Wil verder met iemand van de eigen desk.")


def report(app: Flask) -> dict[str, Any]:
    today = datetime.now(AMSTERDAM).date()
    with read_scope(app.extensions["loket.engine"]) as session:
        contacts_: dict[str, Any] = figures(session, today, today)["contacts"]
    return contacts_


def refresh(app: Flask) -> None:
    tally.refresh_all(lambda: session_scope(app.extensions["loket.engine"]))


def test_an_overflow_handed_back_or_on_keeps_its_direction(store_app: Flask) -> None:
    back, onward, later = overflowed(store_app, 3)
    police = make_user(store_app, role="counsellor", desk="police")
    hand_over(store_app, back, "veterans", police)  # back to its own desk
    hand_over(store_app, onward, "debasis", police)  # on to a third desk

    got = report(store_app)  # today's contacts changed: counted from the contacts
    assert got["by_desk"]["veterans"] == 2 and got["by_desk"]["debasis"] == 1
    assert got["by_queue"]["police"] == 1  # only `later` is still in the police queue
    assert got["overflow"] == 3
    assert set(got["overflow_by_direction"]) == DIRECTIONS
    assert sum(got["overflow_by_direction"].values()) == 3
    assert got["overflow_by_direction"]["veterans>police"] == 3

    refresh(store_app)
    assert report(store_app) == got  # the tallies give the same figures

    # A transfer after the day was tallied marks it, and changes no direction either.
    debasis = make_user(store_app, role="counsellor", desk="debasis")
    hand_over(store_app, onward, "police", debasis)
    hand_over(store_app, later, "debasis", police)
    changed = report(store_app)
    assert changed["by_queue"]["police"] == 1 and changed["by_queue"]["debasis"] == 1
    assert changed["overflow"] == 3
    assert sum(changed["overflow_by_direction"].values()) == 3
    assert changed["overflow_by_direction"]["veterans>police"] == 3
    refresh(store_app)
    assert report(store_app) == changed


def test_a_veterans_manager_sees_the_directions_of_what_came_back(store_app: Flask) -> None:
    back, _ = overflowed(store_app, 2)
    police = make_user(store_app, role="counsellor", desk="police")
    hand_over(store_app, back, "veterans", police)
    today = datetime.now(AMSTERDAM).date()
    for _ in range(2):  # counted from the contacts, then from the tallies
        with read_scope(store_app.extensions["loket.engine"]) as session:
            veterans = figures(session, today, today, "veterans")["contacts"]
        assert veterans["overflow"] == 2
        assert veterans["overflow_by_direction"]["veterans>police"] == 2
        refresh(store_app)


def test_overflows_stored_before_0018_take_their_direction_from_desk_and_queue(
    store_app: Flask,
) -> None:
    engine = store_app.extensions["loket.engine"]
    at = local("2026-11-11 14:00")
    seed(store_app, at, channel="webchat", desk="veterans", queue="police", flags=("overflow",),
         count=2)
    seed(store_app, at, desk="police")
    refresh(store_app)
    before = november(store_app)
    downgrade(engine, "0017")
    upgrade(engine)
    with read_scope(engine) as session:
        found = session.exec(select(Contact.overflow_direction)
                             .order_by(col(Contact.id))).all()
        assert found == ["veterans>police", "veterans>police", None]
        assert session.exec(select(func.count()).select_from(ReportDirty)).one() == 0
    assert november(store_app) == before  # the tallied rows got their direction too

    # A changed direction marks its day, as a changed desk or queue does.
    with session_scope(engine) as session:
        contact = session.exec(select(Contact).order_by(col(Contact.id))).first()
        assert contact is not None
        contact.overflow_direction = "veterans>debasis"
    changed = november(store_app)
    assert changed["overflow_by_direction"]["veterans>debasis"] == 1
    assert changed["overflow_by_direction"]["veterans>police"] == 1


def november(app: Flask) -> dict[str, Any]:
    with read_scope(app.extensions["loket.engine"]) as session:
        found: dict[str, Any] = figures(session, date(2026, 11, 1), date(2026, 11, 30))["contacts"]
    return found
