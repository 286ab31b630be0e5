"""Erasure and retention on SQLite and PostgreSQL: a person's data removed everywhere it
is kept, their other contacts too, the counts the reports need unchanged, audited."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from click.testing import CliRunner
from flask import Flask
from redis import Redis
from sqlmodel import col, select

from loket.cli import main
from loket.domain import erasure
from loket.queue import jobs
from loket.queue.worker import SimpleAppWorker, queues
from loket.reports.volumes import figures
from loket.store.db import read_scope, session_scope
from loket.store.models import (
    AuditEvent,
    CallbackRequest,
    Contact,
    Draft,
    InboundEvent,
    Message,
    Note,
    OutboundAction,
    PersonFlag,
    User,
)
from loket.store.types import utcnow
from tests.reports.seed import PHONE, local, seed


def the_person_everywhere(app: Flask, reference_of: str) -> None:
    """Give the newest contact what a conversation leaves: messages both ways, a note, a
    draft, a callback, a webhook payload, a sandbox record and a flag on the number."""
    with session_scope(app.extensions["loket.engine"]) as session:
        contact = session.exec(select(Contact).order_by(col(Contact.id).desc())).first()
        assert contact is not None and contact.id is not None
        contact.reference = reference_of
        contact.external_id = "SM" + "1" * 32
        user = User(email="c@example.org", role="counsellor", desk="police", password_hash="-")
        session.add(user)
        session.flush()
        assert user.id is not None
        session.add_all([
            Message(contact_id=contact.id, direction="in", body="Ik slaap slecht, Jan"),
            Message(contact_id=contact.id, direction="out", body="Dag Jan, wat speelt er?"),
            Note(contact_id=contact.id, user_id=user.id, body="Jan woont in Utrecht"),
            Draft(contact_id=contact.id, user_id=user.id, kind="reply", body="Jan, ik bel"),
            CallbackRequest(contact_id=contact.id, phone=PHONE, window_start=utcnow(),
                            window_end=utcnow()),
            InboundEvent(idempotency_key=f"sms:{reference_of}", contact_id=contact.id,
                         channel="sms", kind="message", payload=f"From={PHONE}&Body=Jan"),
            OutboundAction(sid=f"SB{reference_of}", kind="message", to=PHONE, body="Dag Jan",
                           contact_id=contact.id),
            PersonFlag(phone_hash=contact.phone_hash or "", flag="abusive", reason="Jan scheldt",
                       set_by=user.id, expires_at=utcnow() + timedelta(days=30)),
        ])


def as_erased(before: dict[str, Any], n: int) -> dict[str, Any]:
    """Return report figures with `n` open contacts erased: the same counts, but those `n`
    moved from "still open" to the outcome `erased` (review 6: they were handled)."""
    after = copy.deepcopy(before)
    by_outcome = after["contacts"]["by_outcome"]
    by_outcome["open"] -= n
    by_outcome["erased"] += n
    return after


def test_erase_removes_the_person_everywhere_and_keeps_the_counts(store_app: Flask) -> None:
    day = local("2026-11-10 14:00")
    seed(store_app, day, channel="sms", desk="police", outcome="helped")
    the_person_everywhere(store_app, "ERA-SE001")
    seed(store_app, day + timedelta(days=2), channel="phone", desk="police")  # same number
    seed(store_app, day, channel="webchat", desk="veterans")
    engine = store_app.extensions["loket.engine"]
    with session_scope(engine) as session:
        other = session.exec(select(Contact).where(Contact.channel == "webchat")).one()
        other.phone = other.phone_hash = None  # someone else, without a number
        other.name = "Piet"
    with read_scope(engine) as session:
        before = figures(session, date(2026, 11, 1), date(2026, 11, 30))
        still_open = len(session.exec(select(Contact).where(
            Contact.channel != "webchat", Contact.status != "closed")).all())
    assert still_open == 1  # the phone contact with the same number

    with session_scope(engine) as session:
        erased = erasure.erase(session=session, reference="ERA-SE001", actor="test")
    assert len(erased) == 2 and "ERA-SE001" in erased

    with read_scope(engine) as session:
        for contact in session.exec(select(Contact).where(Contact.channel != "webchat")):
            assert (contact.phone, contact.phone_hash, contact.name, contact.email,
                    contact.text, contact.external_id) == (None,) * 6
            assert contact.trace == [] and contact.anonymised_at is not None
        for model in (Message, Note, Draft, PersonFlag):
            assert session.exec(select(model)).all() == []
        assert session.exec(select(CallbackRequest.phone)).all() == [None]
        assert session.exec(select(InboundEvent.payload)).all() == [None]
        assert session.exec(select(OutboundAction.to, OutboundAction.body)).all() == [
            (None, None)]
        kept = session.exec(select(Contact).where(Contact.channel == "webchat")).one()
        assert kept.name == "Piet" and kept.anonymised_at is None
        lines = session.exec(select(AuditEvent).where(AuditEvent.event == "delete")).all()
        assert sorted(line.contact_reference or "" for line in lines) == sorted(erased)
        # The reports' figures unchanged, but the open one counts as erased, not open.
        assert figures(session, date(2026, 11, 1), date(2026, 11, 30)) == as_erased(
            before, still_open)



def test_erasing_a_person_who_texted_by_sms_and_by_whatsapp_removes_both(
    store_app: Flask,
) -> None:
    # One person, one number: a text by SMS, a message by WhatsApp (Twilio writes it
    # `whatsapp:+31…`). Erasing the SMS contact removes the WhatsApp one too.
    from tests.channels import test_messaging as sms

    person = store_app.test_client()
    sms.text(person, "Hallo", sender="+31611122233")
    sms.text(person, "Hallo", sender="whatsapp:+31611122233")
    sms.text(person, "Hallo", sender="+31699988877")  # someone else
    engine = store_app.extensions["loket.engine"]
    with read_scope(engine) as session:
        by_channel = {c.channel: c for c in session.exec(select(Contact)).all()
                      if c.phone and c.phone.endswith("11122233")}
        assert by_channel["sms"].phone_hash == by_channel["whatsapp"].phone_hash
        reference = by_channel["sms"].reference
        both = sorted(c.reference for c in by_channel.values())
    with session_scope(engine) as session:
        erased = erasure.erase(session=session, reference=reference, actor="test")
    assert sorted(erased) == both
    with read_scope(engine) as session:
        left = [c.phone for c in session.exec(select(Contact)).all() if c.phone]
    assert left == ["+31699988877"]

def test_retention_anonymises_what_is_past_each_desk_s_period(store_app: Flask) -> None:
    now = utcnow()
    old = now - timedelta(days=800)
    seed(store_app, old, channel="phone", desk="police", count=3, outcome="helped",
         handle_s=300)
    seed(store_app, old, channel="sms", desk="veterans", count=2, flags=("overflow",),
         queue="police", outcome="referred")
    seed(store_app, old, channel="sms", desk="debasis", count=2, outcome="helped")  # 3 years
    seed(store_app, now - timedelta(days=10), channel="sms", desk="police", count=2,
         outcome="helped")
    seed(store_app, old, channel="sms", desk="police")  # still open: kept, however old
    engine = store_app.extensions["loket.engine"]
    first, last = old.date() - timedelta(days=1), now.date()
    with read_scope(engine) as session:
        before = figures(session, first, last)
    retention = erasure.Retention(days=730, by_desk={"debasis": 1095})

    done = erasure.retain(lambda: session_scope(engine), retention, batch=2)
    assert done == 5
    assert erasure.retain(lambda: session_scope(engine), retention) == 0  # twice: nothing
    with read_scope(engine) as session:
        gone = session.exec(select(Contact).where(col(Contact.anonymised_at).is_not(None))).all()
        assert sorted(c.desk or "" for c in gone) == ["police"] * 3 + ["veterans"] * 2
        assert all(c.phone is None and c.name is None for c in gone)
        still_open = session.exec(select(Contact).where(Contact.status != "closed")).all()
        assert [(c.anonymised_at, c.phone is not None) for c in still_open] == [(None, True)]
        assert figures(session, first, last) == before  # the reports' figures unchanged



def test_retention_forgets_the_api_s_retry_keys_after_a_day(store_app: Flask) -> None:
    # An API client's Idempotency-Key keeps its call's answer (a reply's text among it):
    # kept a day for the retries, then the nightly retention forgets it. A webhook of a
    # contact stays with it; one of no contact (its payload holds a number) goes too.
    engine = store_app.extensions["loket.engine"]
    now = utcnow()
    with session_scope(engine) as session:
        contact = Contact(reference="K7M-4Q2", channel="sms", status="closed")
        session.add(contact)
        session.flush()
        for age_h, channel, contact_id in ((30, "api", None), (2, "api", None),
                                           (30, "sms", contact.id), (30, "sms", None),
                                           (2, "sms", None)):
            session.add(InboundEvent(idempotency_key=f"{channel}:{age_h}:{bool(contact_id)}",
                                     channel=channel, contact_id=contact_id,
                                     kind="api.reply" if channel == "api" else "message",
                                     payload="{}", response="{}",
                                     response_type="application/json",
                                     created_at=now - timedelta(hours=age_h)))
    erasure.retain(lambda: session_scope(engine), erasure.Retention(days=730), now=now)
    with read_scope(engine) as session:
        kept = sorted(e.idempotency_key for e in session.exec(select(InboundEvent)).all())
    assert kept == ["api:2:False", "sms:2:False", "sms:30:True"]

def test_the_cli_erases_purges_and_refuses_an_unknown_reference(
    app: Flask, cli_env: dict[str, str]
) -> None:
    seed(app, local("2026-11-10 14:00"), channel="sms", desk="police")
    the_person_everywhere(app, "CLI-ERASE")
    seed(app, utcnow() - timedelta(days=900), channel="sms", desk="veterans", outcome="helped")
    unknown = CliRunner().invoke(main, ["erase", "--contact", "NOP-E0000"])
    assert unknown.exit_code == 2 and "--contact: geen contact heeft de referentie NOP-E0000" in \
        unknown.output
    purged = CliRunner().invoke(main, ["purge"])  # the old one (the same number, too)
    assert purged.exit_code == 0 and "verwijderd uit 1 contact(en)" in purged.output
    erased = CliRunner().invoke(main, ["erase", "--contact", "cli-erase"])
    assert erased.exit_code == 0, erased.output
    assert "verwijderd uit 1 contact(en): CLI-ERASE" in erased.output


def test_the_nightly_job_runs_the_retention(app: Flask, redis_conn: Redis) -> None:
    seed(app, utcnow() - timedelta(days=900), channel="sms", desk="police", count=2,
         outcome="helped")
    queue = queues(redis_conn)[0]
    for q in queues(redis_conn):
        if q.name == "maintenance":
            queue = q
    queue.enqueue(jobs.apply_retention)  # what the scheduler enqueues at 03:30
    SimpleAppWorker(queues(redis_conn), connection=redis_conn, app=app).work(burst=True)
    with read_scope(app.extensions["loket.engine"]) as session:
        assert all(c.anonymised_at is not None for c in session.exec(select(Contact)))


def test_the_public_pages_say_when_the_data_is_erased(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(retention_desk_days="debasis=1095")
    form = app.test_client().get("/contact").get_data(as_text=True)
    # The longest any desk keeps it, counted from the contact's close.
    assert "Hooguit 3 jaar nadat je contact met ons is afgesloten, wissen we het" in form
    chat = app.test_client().get("/chat?lang=en").get_data(as_text=True)
    assert "erase it at most 3 years after it is closed" in chat


def test_a_delivery_report_of_an_erased_message_is_forgotten_a_day_on(
    store_app: Flask,
) -> None:
    # Twilio reports a reply's delivery after the person was erased: nothing is left to
    # attach it to, so it is kept (for Twilio's retries) without a contact, its payload
    # holding the person's number; the nightly retention a day on removes it.
    from tests.twilio_double import signed_post

    engine = store_app.extensions["loket.engine"]
    answer = signed_post(store_app.test_client(), "/twilio/messaging/status", {
        "MessageSid": "SM" + "e" * 32, "MessageStatus": "delivered",
        "To": PHONE, "From": "+3197010000000"})
    assert answer.status_code == 200
    with read_scope(engine) as session:
        [event] = session.exec(select(InboundEvent)).all()
        assert event.contact_id is None and PHONE in (event.payload or "")

    erasure.retain(lambda: session_scope(engine), erasure.Retention(days=730),
                   now=utcnow() + timedelta(hours=2))
    with read_scope(engine) as session:
        assert len(session.exec(select(InboundEvent)).all()) == 1  # Twilio may still retry
    erasure.retain(lambda: session_scope(engine), erasure.Retention(days=730),
                   now=utcnow() + timedelta(days=2))
    with read_scope(engine) as session:
        assert session.exec(select(InboundEvent)).all() == []
