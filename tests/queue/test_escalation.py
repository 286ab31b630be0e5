"""Escalation of a crisis nobody claimed: the steps on time (an injected clock), once each
however often the sweep runs, the banner for every desk (the link only where the contact may
be opened), the on-call text naming the reference only, and resolution once claimed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from flask import Flask
from redis import Redis
from sqlmodel import Session, col, select

from loket.domain import escalation
from loket.queue import escalations
from loket.store.db import session_scope
from loket.store.models import AuditEvent, Contact, Escalation, OutboundAction
from loket.store.types import utcnow
from tests.desk.test_workspace import act, counsellor, engine_of, waiting

TIMING = escalation.Timing()


def routed_at(app: Flask, reference: str):  # type: ignore[no-untyped-def]
    with Session(engine_of(app)) as session:
        return session.exec(select(Contact.routed_at).where(Contact.reference == reference)).one()


def sweep(app: Flask, at) -> list[Escalation]:  # type: ignore[no-untyped-def]
    with session_scope(engine_of(app)) as session:
        raised = escalation.raise_due(session=session, timing=TIMING, now=at)
        session.flush()
        return [Escalation(**row.model_dump()) for row in raised]


def steps(app: Flask, reference: str) -> list[int]:
    with Session(engine_of(app)) as session:
        return list(session.exec(
            select(Escalation.step).join(Contact, col(Contact.id) == Escalation.contact_id)
            .where(Contact.reference == reference).order_by(col(Escalation.step))).all())


def test_an_unclaimed_crisis_escalates_at_two_minutes_then_every_five(store_app: Flask) -> None:
    crisis = waiting(store_app, crisis=True, seconds_ago=0)
    calm = waiting(store_app, seconds_ago=0)
    since = routed_at(store_app, crisis)
    assert sweep(store_app, since + timedelta(seconds=119)) == []
    assert len(sweep(store_app, since + timedelta(seconds=120))) == 1
    assert sweep(store_app, since + timedelta(seconds=121)) == []  # once per step
    assert sweep(store_app, since + timedelta(minutes=6, seconds=59)) == []
    assert len(sweep(store_app, since + timedelta(minutes=7))) == 1
    assert steps(store_app, crisis) == [1, 2] and steps(store_app, calm) == []
    with Session(engine_of(store_app)) as session:
        audited = session.exec(select(AuditEvent.detail).where(
            AuditEvent.contact_reference == crisis, AuditEvent.event == "escalate")).all()
    assert len(audited) == 2


def test_every_desk_sees_the_banner_but_only_the_owning_desk_the_link(store_app: Flask) -> None:
    crisis = waiting(store_app, crisis=True, seconds_ago=200)
    sweep(store_app, utcnow())
    police, _ = counsellor(store_app, desk="police")
    debasis, _ = counsellor(store_app, desk="debasis")
    own = police.get("/desk/queue/rows").get_data(as_text=True)
    other = debasis.get("/desk/queue/rows").get_data(as_text=True)
    for rows in (own, other):
        assert f"Escalatie: crisis {crisis}" in rows and 'role="alert"' in rows
    assert f'href="/desk/contacts/{crisis}"' in own
    assert f'href="/desk/contacts/{crisis}"' not in other


def test_a_claimed_crisis_stops_escalating_and_its_banner_goes(store_app: Flask) -> None:
    crisis = waiting(store_app, crisis=True, seconds_ago=200)
    sweep(store_app, utcnow())
    client, _ = counsellor(store_app, desk="police")
    first = client.get("/desk/queue/rows")
    act(client, crisis, "claim")
    sweep(store_app, utcnow() + timedelta(minutes=10))
    assert steps(store_app, crisis) == [1]
    rows = client.get("/desk/queue/rows", headers={"If-None-Match": first.headers["ETag"]})
    assert rows.status_code == 200 and "Escalatie" not in rows.get_data(as_text=True)


def test_the_on_call_number_gets_one_text_per_step_with_the_reference_only(
    make_app: Callable[..., Flask], redis_conn: Redis,
) -> None:
    app = make_app(oncall_number="+31699990000", escalate_after_s=1)
    crisis = waiting(app, crisis=True, seconds_ago=30)
    with app.app_context():
        assert escalations.sweep() == 1
        assert escalations.sweep() == 0  # run twice: one step, one text
    with Session(engine_of(app)) as session:
        texts = session.exec(select(OutboundAction).where(OutboundAction.kind == "message")).all()
        sent = session.exec(select(Escalation.sms_sid)).all()
    assert len(texts) == 1 and texts[0].to == "+31699990000"
    assert crisis in (texts[0].body or "") and "+316" not in (texts[0].body or "")
    assert sent and sent[0] and sent[0].startswith("SM")


def test_without_an_on_call_number_nothing_is_texted(make_app: Callable[..., Flask]) -> None:
    app = make_app(escalate_after_s=1)
    waiting(app, crisis=True, seconds_ago=30)
    with app.app_context():
        assert escalations.sweep() == 1
    with Session(engine_of(app)) as session:
        assert session.exec(select(OutboundAction)).all() == []
