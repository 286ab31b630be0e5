"""Escalation of a crisis nobody claimed: the steps on time (an injected clock), once each
however often the sweep runs (twice in a row or two at once), the banner for every desk (the
link only where the contact may be opened), the on-call text naming the reference only and
sent once per step, resolution once claimed or closed, and the scheduler's wiring. Store
tests run on SQLite and on PostgreSQL."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from redis import Redis
from sqlmodel import Session, col, select

from loket.domain import escalation
from loket.queue import escalations
from loket.queue.scheduler import ESCALATE_EVERY_S, build_cron
from loket.queue.worker import SimpleAppWorker, queues
from loket.store.db import session_scope
from loket.store.models import AuditEvent, Contact, Escalation, OutboundAction
from loket.store.types import utcnow
from tests.conftest import POSTGRES_URL
from tests.desk.helpers import log_in, make_user
from tests.desk.test_workspace import PHONE, act, counsellor, engine_of, waiting
from tests.twilio_double import TwilioDouble

TIMING = escalation.Timing()
ONCALL = "+31699990000"


@pytest.fixture(params=["sqlite", "postgres"])
def build(request: pytest.FixtureRequest, make_app: Callable[..., Flask]) -> Callable[..., Flask]:
    """Build an app with overrides on each engine in turn (PostgreSQL emptied first)."""
    if request.param == "sqlite":
        return make_app
    request.getfixturevalue("postgres_app")  # empties the PostgreSQL test database

    def on_postgres(**overrides: Any) -> Flask:
        return make_app(database_url=POSTGRES_URL, **overrides)

    return on_postgres


def contact_of(app: Flask, reference: str) -> Contact:
    with Session(engine_of(app)) as session:
        return session.exec(select(Contact).where(Contact.reference == reference)).one()


def since(app: Flask, reference: str) -> datetime:
    routed = contact_of(app, reference).routed_at
    assert routed is not None
    return routed


def sweep(app: Flask, at: datetime) -> list[int]:
    """Run the domain's sweep at `at`; return the steps it raised."""
    with session_scope(engine_of(app)) as session:
        return [row.step for row in escalation.raise_due(session=session, timing=TIMING, now=at)]


def rows(app: Flask, reference: str) -> list[Escalation]:
    with Session(engine_of(app)) as session:
        return list(session.exec(
            select(Escalation).join(Contact, col(Contact.id) == Escalation.contact_id)
            .where(Contact.reference == reference).order_by(col(Escalation.step))).all())


def audited(app: Flask, reference: str) -> list[str]:
    with Session(engine_of(app)) as session:
        return [d or "" for d in session.exec(select(AuditEvent.detail).where(
            AuditEvent.contact_reference == reference, AuditEvent.event == "escalate")).all()]


def texts(app: Flask) -> list[OutboundAction]:
    with Session(engine_of(app)) as session:
        return list(session.exec(
            select(OutboundAction).where(OutboundAction.kind == "message")
            .order_by(col(OutboundAction.id))).all())


# --- the steps --------------------------------------------------------------------------------


def test_an_unclaimed_crisis_escalates_at_two_minutes_then_every_five(store_app: Flask) -> None:
    crisis = waiting(store_app, crisis=True, seconds_ago=0)
    calm = waiting(store_app, seconds_ago=0)
    start = since(store_app, crisis)
    assert sweep(store_app, start + timedelta(seconds=119)) == []
    assert sweep(store_app, start + timedelta(seconds=120)) == [1]
    assert sweep(store_app, start + timedelta(seconds=121)) == []  # once per step
    assert sweep(store_app, start + timedelta(minutes=6, seconds=59)) == []
    assert sweep(store_app, start + timedelta(minutes=7)) == [2]
    assert sweep(store_app, start + timedelta(minutes=7, seconds=1)) == []
    assert [r.step for r in rows(store_app, crisis)] == [1, 2]
    first = rows(store_app, crisis)[0]
    assert (first.desk, first.queue, first.created_at) == (
        "police", "police", start + timedelta(seconds=120))
    assert len(audited(store_app, crisis)) == 2
    assert all(PHONE not in d and "+31" not in d for d in audited(store_app, crisis))
    assert sweep(store_app, start + timedelta(hours=2)) == [24]  # only the step now due
    assert rows(store_app, calm) == [] and audited(store_app, calm) == []


def test_a_non_crisis_contact_never_escalates(store_app: Flask) -> None:
    calm = waiting(store_app, seconds_ago=0)
    start = since(store_app, calm)
    for minutes in (2, 7, 60, 24 * 60):
        assert sweep(store_app, start + timedelta(minutes=minutes)) == []
    assert rows(store_app, calm) == []


def test_a_step_another_run_raised_first_is_tolerated(store_app: Flask) -> None:
    crisis = waiting(store_app, crisis=True, seconds_ago=200)
    contact = contact_of(store_app, crisis)
    now = utcnow()
    with session_scope(engine_of(store_app)) as session:
        assert escalation.raise_step(session=session, contact=contact, step=1, now=now)
    with session_scope(engine_of(store_app)) as session:
        # This run read "no step yet" before the other committed: the unique key answers.
        assert escalation.raise_step(session=session, contact=contact, step=1, now=now) is None
        assert escalation.raise_step(session=session, contact=contact, step=2, now=now)
    assert [r.step for r in rows(store_app, crisis)] == [1, 2]
    assert len(audited(store_app, crisis)) == 2


def test_two_sweeps_at_once_raise_each_step_once(store_app: Flask) -> None:
    crises = [waiting(store_app, crisis=True, seconds_ago=200) for _ in range(5)]
    start = threading.Barrier(2)
    raised: list[list[int]] = []
    failed: list[BaseException] = []

    def run() -> None:
        start.wait()
        try:
            raised.append(sweep(store_app, utcnow()))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            failed.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert failed == [] and sum(len(r) for r in raised) == len(crises)
    for crisis in crises:
        assert [r.step for r in rows(store_app, crisis)] == [1]
        assert len(audited(store_app, crisis)) == 1


# --- claimed, closed ------------------------------------------------------------------------


def test_a_crisis_claimed_in_time_never_escalates(store_app: Flask) -> None:
    crisis = waiting(store_app, crisis=True, seconds_ago=60)
    client, _ = counsellor(store_app, desk="police")
    act(client, crisis, "claim")
    assert sweep(store_app, utcnow() + timedelta(minutes=30)) == []
    assert rows(store_app, crisis) == []


def test_a_claimed_crisis_stops_escalating_its_step_resolves_and_its_banner_goes(
    store_app: Flask,
) -> None:
    crisis = waiting(store_app, crisis=True, seconds_ago=200)
    assert sweep(store_app, utcnow()) == [1]
    client, _ = counsellor(store_app, desk="police")
    first = client.get("/desk/queue/rows")
    assert "Escalatie" in first.get_data(as_text=True)
    act(client, crisis, "claim")
    later = utcnow() + timedelta(minutes=10)
    assert sweep(store_app, later) == []
    [step] = rows(store_app, crisis)
    assert step.step == 1 and step.resolved_at == later
    again = client.get("/desk/queue/rows", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200 and "Escalatie" not in again.get_data(as_text=True)


def test_a_closed_crisis_s_step_resolves(store_app: Flask) -> None:
    crisis = waiting(store_app, crisis=True, seconds_ago=200)
    assert sweep(store_app, utcnow()) == [1]
    with session_scope(engine_of(store_app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == crisis)).one()
        contact.status = "closed"
        session.add(contact)
    assert sweep(store_app, utcnow() + timedelta(minutes=10)) == []
    assert [r.resolved_at is not None for r in rows(store_app, crisis)] == [True]


# --- who sees the banner --------------------------------------------------------------------


def test_every_desk_sees_the_banner_but_only_the_owning_desk_the_link(store_app: Flask) -> None:
    crisis = waiting(store_app, crisis=True, seconds_ago=200)
    sweep(store_app, utcnow())
    police, _ = counsellor(store_app, desk="police")
    debasis, _ = counsellor(store_app, desk="debasis")
    own = police.get("/desk/queue/rows").get_data(as_text=True)
    other = debasis.get("/desk/queue/rows").get_data(as_text=True)
    for page in (own, other):
        assert f"Escalatie: crisis {crisis}" in page and "wacht zonder hulpverlener" in page
        assert re.search(r'data-waited="20\d" data-crisis="1">20\d s<', page)  # counts on
        assert PHONE not in page
    assert f'href="/desk/contacts/{crisis}"' in own
    assert f'href="/desk/contacts/{crisis}"' not in other
    english = debasis.get("/desk/queue/rows?lang=en").get_data(as_text=True)
    assert f"Escalation: crisis {crisis}" in english


def test_a_pool_crisis_links_for_both_pooled_desks_and_the_manager_sees_the_reference(
    store_app: Flask,
) -> None:
    crisis = waiting(store_app, desk="police", queue="pool", crisis=True, seconds_ago=200)
    sweep(store_app, utcnow())
    link = f'href="/desk/contacts/{crisis}"'
    for desk, linked in (("police", True), ("veterans", True), ("debasis", False)):
        client, _ = counsellor(store_app, desk=desk)
        page = client.get("/desk").get_data(as_text=True)  # the page itself: no JavaScript needed
        assert f"Escalatie: crisis {crisis}" in page
        assert (link in page) is linked
    manager = store_app.test_client()
    log_in(manager, store_app, make_user(store_app, role="manager", desk="veterans"))
    page = manager.get("/desk/manager").get_data(as_text=True)
    assert f"Escalatie: crisis {crisis}" in page and PHONE not in page


# --- the on-call text -----------------------------------------------------------------------


def test_the_on_call_number_gets_one_text_per_step_with_the_reference_only(
    build: Callable[..., Flask],
) -> None:
    app = build(oncall_number=ONCALL)
    crisis = waiting(app, crisis=True, seconds_ago=0)
    start = since(app, crisis)
    with app.app_context():
        assert escalations.sweep(start + timedelta(seconds=120)) == 1
        assert escalations.sweep(start + timedelta(seconds=122)) == 0  # run twice: one text
    [text] = texts(app)
    assert text.to == ONCALL and text.contact_id == contact_of(app, crisis).id
    assert text.body == escalation.sms_text(crisis)
    assert crisis in text.body and PHONE not in text.body and "police" not in text.body
    [step] = rows(app, crisis)
    assert step.sms_sid == text.sid and step.sms_sid.startswith("SM")
    with app.app_context():
        assert escalations.sweep(start + timedelta(minutes=7)) == 1
        assert escalations.sweep(start + timedelta(minutes=7, seconds=2)) == 0
    assert [t.body for t in texts(app)] == [escalation.sms_text(crisis)] * 2
    assert all(r.sms_sid and r.sms_sid.startswith("SM") for r in rows(app, crisis))


def test_without_an_on_call_number_nothing_is_texted(build: Callable[..., Flask]) -> None:
    app = build()
    crisis = waiting(app, crisis=True, seconds_ago=200)
    with app.app_context():
        assert escalations.sweep() == 1
    assert texts(app) == []
    assert [r.sms_sid for r in rows(app, crisis)] == [None]


def test_a_text_claimed_by_another_run_is_not_sent_again(store_app: Flask) -> None:
    crisis = waiting(store_app, crisis=True, seconds_ago=200)
    sweep(store_app, utcnow())
    [step] = rows(store_app, crisis)
    assert step.id is not None
    with session_scope(engine_of(store_app)) as session:
        [due] = escalation.texts_to_send(session=session)
        assert due.reference == crisis and due.escalation_id == step.id
        assert escalation.claim_text(session=session, escalation_id=step.id)
    with session_scope(engine_of(store_app)) as session:
        assert not escalation.claim_text(session=session, escalation_id=step.id)
        assert escalation.texts_to_send(session=session) == []


def test_a_text_claimed_by_a_killed_worker_is_sent_after_two_minutes(
    store_app: Flask,
) -> None:
    crisis = waiting(store_app, crisis=True, seconds_ago=200)
    sweep(store_app, utcnow())
    [step] = rows(store_app, crisis)
    assert step.id is not None
    with session_scope(engine_of(store_app)) as session:  # claimed, then the worker died
        assert escalation.claim_text(session=session, escalation_id=step.id)
    with session_scope(engine_of(store_app)) as session:
        assert escalation.release_stale_claims(session=session) == 0  # not yet stale
        assert escalation.texts_to_send(session=session) == []
    with session_scope(engine_of(store_app)) as session:
        later = utcnow() + escalation.STALE_CLAIM + timedelta(seconds=1)
        assert escalation.release_stale_claims(session=session, now=later) == 1
    with session_scope(engine_of(store_app)) as session:
        [again] = escalation.texts_to_send(session=session)
    assert again.escalation_id == step.id  # an alert sent twice beats an alert lost


def test_a_retry_claimed_long_after_its_step_rose_is_not_sent_twice(
    store_app: Flask,
) -> None:
    # The step rose ten minutes ago and its text failed until now; one scheduler's sweep
    # claims it to send again while the other scheduler's sweep runs: the fresh claim is
    # not taken for a dead worker's, so the text is not sent a second time.
    crisis = waiting(store_app, crisis=True, seconds_ago=800)
    sweep(store_app, utcnow() - timedelta(minutes=10))
    [step] = rows(store_app, crisis)
    assert step.id is not None
    with session_scope(engine_of(store_app)) as session:  # the retry, sending now
        assert escalation.claim_text(session=session, escalation_id=step.id)
    with session_scope(engine_of(store_app)) as session:  # the other sweep
        assert escalation.release_stale_claims(session=session) == 0
        assert escalation.texts_to_send(session=session) == []
    with session_scope(engine_of(store_app)) as session:  # its worker killed: freed later
        later = utcnow() + escalation.STALE_CLAIM + timedelta(seconds=1)
        assert escalation.release_stale_claims(session=session, now=later) == 1
        [again] = escalation.texts_to_send(session=session)
    assert again.escalation_id == step.id


def test_a_refused_text_is_sent_by_the_next_sweep(
    rest_app: Callable[..., Flask], twilio_double: TwilioDouble,
) -> None:
    app = rest_app(oncall_number=ONCALL)
    crisis = waiting(app, crisis=True, seconds_ago=200)
    twilio_double.fail_next(status=500)
    with app.app_context():
        assert escalations.sweep() == 1
        assert [r.sms_sid for r in rows(app, crisis)] == [None]  # given back for a retry
        assert escalations.sweep() == 0
        assert escalations.sweep() == 0
    sent = twilio_double.received("/Messages.json")
    assert [r.status for r in sent] == [500, 201]
    assert sent[1].params["To"] == ONCALL and sent[1].params["Body"] == escalation.sms_text(crisis)
    [step] = rows(app, crisis)
    assert step.sms_sid and step.sms_sid.startswith("SM")


# --- the scheduler --------------------------------------------------------------------------


def test_the_scheduler_sweeps_every_two_seconds_on_the_urgent_queue(
    store_app: Flask, redis_conn: Redis,
) -> None:
    cron = build_cron(redis_conn, 1)
    [job] = [j for j in cron.get_jobs() if j.func_name == "loket.queue.escalations.sweep"]
    assert (job.queue_name, job.interval) == ("urgent", ESCALATE_EVERY_S)
    crisis = waiting(store_app, crisis=True, seconds_ago=200)
    assert job in cron.enqueue_jobs()
    SimpleAppWorker(queues(redis_conn), connection=redis_conn, app=store_app).work(burst=True)
    assert [r.step for r in rows(store_app, crisis)] == [1]


def test_a_crisis_is_alarmed_even_when_putting_back_what_absent_counsellors_held_fails(
    postgres_app: Flask, make_app: Callable[..., Flask],
) -> None:
    # The sweep first puts back what counsellors who left still hold; that reads the logins,
    # here locked away by another transaction (a migration, a stuck session) past the lock
    # bound. The alarm of an unclaimed crisis rises all the same.
    app = make_app(database_url=POSTGRES_URL, database_lock_timeout_s=0.5)
    crisis = waiting(app, crisis=True, seconds_ago=600)
    blocker = engine_of(app).connect()
    try:
        blocker.exec_driver_sql("BEGIN")
        blocker.exec_driver_sql("LOCK TABLE login_session IN ACCESS EXCLUSIVE MODE")
        with app.app_context(), pytest.raises(Exception, match="lock"):
            escalations.sweep()  # marking the absent away after the alarms fails too
        assert [row.step for row in rows(app, crisis)] == [2]
    finally:
        blocker.exec_driver_sql("ROLLBACK")
        blocker.close()


def test_the_on_call_text_is_in_the_desks_default_language(build: Callable[..., Flask]) -> None:
    app = build(oncall_number=ONCALL, default_language="en")
    crisis = waiting(app, crisis=True, seconds_ago=0)
    with app.app_context():
        assert escalations.sweep(since(app, crisis) + timedelta(seconds=120)) == 1
    [text] = texts(app)
    assert text.body == f"Loket: crisis {crisis} is waiting without a counsellor. Look in Loket."


def test_a_crisis_routed_again_before_its_first_alarm_keeps_its_clock(
    build: Callable[..., Flask],
) -> None:
    # A crisis caller's queue failed and the call was put in a queue again (routed again)
    # 100 s after the first routing: the first alarm still comes 120 s after that first
    # routing, not 120 s after the second.
    from loket import rules_runtime
    from loket.domain import contacts

    app = build()
    crisis = waiting(app, crisis=True, seconds_ago=0)
    start = since(app, crisis)
    with app.app_context(), session_scope(engine_of(app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == crisis)).one()
        contact.risk = "acute"  # what made it a crisis, routed again as such
        contacts.route_contact(session=session, contact=contact, decide=rules_runtime.decide,
                               at=start + timedelta(seconds=100))
        assert contact.crisis
    assert since(app, crisis) == start  # the person has waited since the first routing
    with app.app_context():
        assert escalations.sweep(start + timedelta(seconds=121)) == 1
