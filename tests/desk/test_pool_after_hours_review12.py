"""Police and veterans serve the `pool` together in the pooled hours only. A veterans
contact routed into the pool on Saturday and still waiting on Monday was in the police
queue, readable by police, until someone took it. When the pooled hours are over, what still
waits in the pool moves to the queue the rules give it now (its own desk's), its wait going
on from when it was routed; one a counsellor is serving stays with them until they let it
go. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask
from redis import Redis
from sqlmodel import Session

from loket import rules_runtime
from loket.domain import contacts
from loket.queue import jobs
from loket.store.db import session_scope
from loket.store.models import Contact
from tests.desk.test_workspace import act, counsellor, engine_of, stored, waiting

SATURDAY_NOON = datetime(2026, 12, 5, 11, 0, tzinfo=UTC)   # 12:00 in Amsterdam
MONDAY_NOON = datetime(2026, 12, 7, 11, 0, tzinfo=UTC)
MONDAY_NIGHT = datetime(2026, 12, 7, 22, 30, tzinfo=UTC)   # 23:30: pooled again


def pooled_veteran(app: Flask, **extra: object) -> str:
    """A veteran's contact routed into the pool in the pooled hours, waiting an hour."""
    reference = waiting(app, desk="veterans", queue="pool", flags=("pooled",),
                        seconds_ago=3600, **extra)  # type: ignore[arg-type]
    with session_scope(engine_of(app)) as session:
        contact = session.get(Contact, stored(app, reference).id)
        assert contact is not None
        contact.organisation, contact.serving_status = "defence", "former"
    return reference


def sweep(app: Flask, at: datetime) -> list[str]:
    with app.app_context(), session_scope(engine_of(app)) as session:
        return contacts.leave_pool(session=session, decide=rules_runtime.decide, now=at)


def test_what_waits_in_the_pool_goes_to_its_own_desk_when_the_pooled_hours_end(
    store_app: Flask,
) -> None:
    reference = pooled_veteran(store_app)
    routed_at = stored(store_app, reference).routed_at
    police, _ = counsellor(store_app, desk="police")
    veterans, _ = counsellor(store_app, desk="veterans")
    assert reference in police.get("/desk").get_data(as_text=True)

    assert sweep(store_app, SATURDAY_NOON) == [] == sweep(store_app, MONDAY_NIGHT)
    assert stored(store_app, reference).queue == "pool"

    assert sweep(store_app, MONDAY_NOON) == [reference]
    contact = stored(store_app, reference)
    assert (contact.desk, contact.queue, contact.status) == ("veterans", "veterans", "waiting")
    assert contact.routed_at == routed_at and "pooled" in contact.flags
    assert reference not in police.get("/desk").get_data(as_text=True)
    assert police.get(f"/desk/contacts/{reference}").status_code == 404
    assert reference in veterans.get("/desk").get_data(as_text=True)
    assert sweep(store_app, MONDAY_NOON) == []


def test_a_pool_contact_being_served_stays_until_it_is_let_go(store_app: Flask) -> None:
    reference = pooled_veteran(store_app)
    police, _ = counsellor(store_app, desk="police")
    assert act(police, reference, "claim").status_code == 303
    assert sweep(store_app, MONDAY_NOON) == []
    assert police.get(f"/desk/contacts/{reference}").status_code == 200
    assert act(police, reference, "release").status_code == 303
    assert sweep(store_app, MONDAY_NOON) == [reference]
    assert stored(store_app, reference).queue == "veterans"


def test_the_reconciler_moves_what_the_rules_no_longer_pool(
    store_app: Flask, redis_conn: Redis
) -> None:
    # A De Basis contact is never pooled by the rules, at any hour: one in the pool (rules
    # changed meanwhile) is moved by the reconciler's next run.
    reference = waiting(store_app, desk="debasis", queue="pool")
    with session_scope(engine_of(store_app)) as session:
        contact = session.get(Contact, stored(store_app, reference).id)
        assert contact is not None
        contact.organisation, contact.need = "police", "peer_support"
    with store_app.app_context():
        jobs.reconcile()
    with Session(engine_of(store_app)) as session:
        assert session.get(Contact, stored(store_app, reference).id).queue == "debasis"  # type: ignore[union-attr]
