"""An erased crisis no longer alarms (review 4): the person asked for their data to go, and
nothing is left to act on (no number, no words). Erasing it resolves its open alarms (the
banner goes, an on-call text not yet sent is never sent) and the sweep raises no further
step for it; the on-call manager gets no more texts about it. The audit trail says the
alarms were resolved with the erasure. Store tests run on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlmodel import Session, select

from loket.domain import erasure, escalation
from loket.store.db import session_scope
from loket.store.models import AuditEvent, Contact
from tests.desk.test_workspace import engine_of, waiting
from tests.queue.test_escalation import rows, since, sweep


def erase(app: Flask, reference: str) -> None:
    with session_scope(engine_of(app)) as session:
        erasure.erase(session=session, reference=reference, actor="cli")


def test_an_erased_crisis_raises_no_more_alarms_and_its_open_ones_are_resolved(
    store_app: Flask,
) -> None:
    crisis = waiting(store_app, crisis=True, seconds_ago=0)
    start = since(store_app, crisis)
    assert sweep(store_app, start + timedelta(minutes=2)) == [1]
    erase(store_app, crisis)
    assert [r.resolved_at is not None for r in rows(store_app, crisis)] == [True]
    with Session(engine_of(store_app)) as session:
        assert escalation.open_banners(session=session, now=start) == []
        assert escalation.texts_to_send(session=session) == []
    assert sweep(store_app, start + timedelta(minutes=7)) == []
    assert sweep(store_app, start + timedelta(hours=3)) == []
    assert [r.step for r in rows(store_app, crisis)] == [1]
    with Session(engine_of(store_app)) as session:
        deleted = session.exec(select(AuditEvent.detail).where(
            AuditEvent.contact_reference == crisis, AuditEvent.event == "delete")).all()
    assert len(deleted) == 1 and "1 alarm(s) resolved" in (deleted[0] or "")


def test_a_crisis_erased_before_its_first_alarm_never_alarms(store_app: Flask) -> None:
    crisis = waiting(store_app, crisis=True, seconds_ago=0)
    start = since(store_app, crisis)
    erase(store_app, crisis)
    assert sweep(store_app, start + timedelta(minutes=2)) == []
    assert sweep(store_app, start + timedelta(minutes=30)) == []
    assert rows(store_app, crisis) == []


def test_an_erased_crisis_s_step_raised_but_not_texted_is_never_texted(
    store_app: Flask,
) -> None:
    # Erased by an operator straight to the database's rows (an old run, a restore): the
    # sweep itself resolves what belongs to an anonymised contact, and sends nothing for it.
    crisis = waiting(store_app, crisis=True, seconds_ago=0)
    start = since(store_app, crisis)
    assert sweep(store_app, start + timedelta(minutes=2)) == [1]
    with session_scope(engine_of(store_app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == crisis)).one()
        contact.anonymised_at = start + timedelta(minutes=3)
        session.add(contact)
    assert sweep(store_app, start + timedelta(minutes=7)) == []
    assert [r.resolved_at is not None for r in rows(store_app, crisis)] == [True]
    with Session(engine_of(store_app)) as session:
        assert escalation.texts_to_send(session=session) == []


def test_a_crisis_that_was_not_erased_still_alarms(store_app: Flask) -> None:
    # Erasing one person leaves another's alarms alone.
    kept = waiting(store_app, crisis=True, seconds_ago=0, phone="+31611111111")
    gone = waiting(store_app, crisis=True, seconds_ago=0, phone="+31622222222")
    start = since(store_app, kept)
    assert sorted(sweep(store_app, start + timedelta(minutes=2))) == [1, 1]
    erase(store_app, gone)
    assert [r.resolved_at is None for r in rows(store_app, kept)] == [True]
    assert sweep(store_app, start + timedelta(minutes=7)) == [2]
