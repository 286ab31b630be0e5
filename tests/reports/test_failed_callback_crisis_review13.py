"""A failed callback keeps counting as failed when its contact becomes a crisis later: the
crisis makes it callable at once (`callbacks.make_crisis_callbacks`), and a month's
unreachable and missed callbacks stay what the manager read; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlmodel import col, select

from loket import rules_runtime
from loket.domain import contacts
from loket.reports import tally
from loket.store.db import session_scope
from loket.store.models import CallbackRequest, Contact
from tests.reports.seed import local, seed_callback
from tests.reports.test_volumes import NOV_1, NOV_30, report

DAY = local("2026-11-10 18:00")


def failed(callbacks: dict[str, object]) -> tuple[object, ...]:
    return (callbacks["requested"], callbacks["unreachable"], callbacks["missed"],
            callbacks["reached"], callbacks["crisis_kept"])


def test_failed_callbacks_still_count_as_failed_after_their_contacts_became_a_crisis(
    store_app: Flask,
) -> None:
    seed_callback(store_app, DAY, status="unreachable", attempts=3, last_outcome="no_answer")
    seed_callback(store_app, DAY, status="missed", attempts=1, last_outcome="busy")
    engine = store_app.extensions["loket.engine"]
    with session_scope(engine) as session:
        rows = session.exec(select(CallbackRequest).order_by(col(CallbackRequest.id))).all()
        rows[1].window_missed_at = DAY + timedelta(hours=2)
    before = failed(report(store_app, NOV_1, NOV_30)["callbacks"])
    assert before == (2, 1, 1, 0, 0)

    # Weeks later both people write that they see no way out: crisis, callable at once.
    with store_app.app_context(), session_scope(engine) as session:
        for contact in session.exec(select(Contact)).all():
            assert contacts.escalate(session=session, contact=contact,
                                     decide=rules_runtime.decide)
    with session_scope(engine) as session:
        statuses = session.exec(select(CallbackRequest.status)).all()
    assert statuses == ["crisis", "crisis"]  # the desk calls them now
    for _ in range(2):  # as counted now, and as the nightly recount counts it again
        assert failed(report(store_app, NOV_1, NOV_30)["callbacks"]) == before
        tally.refresh_all(lambda: session_scope(engine))


def test_a_failed_callback_reached_in_the_crisis_counts_failed_and_reached(
    store_app: Flask,
) -> None:
    """The crisis call reaches the person: reached too, and still the failure it was."""
    seed_callback(store_app, DAY, status="unreachable", attempts=3, last_outcome="no_answer")
    engine = store_app.extensions["loket.engine"]
    with store_app.app_context(), session_scope(engine) as session:
        contact = session.exec(select(Contact)).one()
        contacts.escalate(session=session, contact=contact, decide=rules_runtime.decide)
    with session_scope(engine) as session:
        row = session.exec(select(CallbackRequest)).one()
        row.status, row.attempts, row.last_outcome = "done", 4, "reached"
    assert failed(report(store_app, NOV_1, NOV_30)["callbacks"]) == (1, 1, 0, 1, 0)
