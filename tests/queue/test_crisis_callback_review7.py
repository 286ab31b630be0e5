"""A caller who asked (phone menu) to be called back later and hung up, whose contact a
counsellor then judges in crisis: their callback, the only way to reach them, is callable
at once (it was cancelled: "Bel terug" was refused while the crisis alarms rang)."""

from __future__ import annotations

from flask import Flask
from redis import Redis
from sqlmodel import Session, select

from loket.store.db import session_scope
from loket.store.models import CallbackRequest, Contact
from tests.desk.test_workspace import act, engine_of
from tests.queue.test_callbacks import (
    COUNSELLOR_PHONE,
    callback_for,
    callback_row,
    calls_app,  # noqa: F401 - the fixture
    counsellor_with_phone,
    run_jobs,
)
from tests.twilio_double import TwilioDouble


def test_a_callback_for_tomorrow_raised_to_crisis_is_called_now(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    client, _me = counsellor_with_phone(calls_app)
    reference, _callback_id = callback_for(calls_app, window="tomorrow")
    with session_scope(engine_of(calls_app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        contact.channel, contact.external_id = "phone", "CA" + "9" * 32
        session.add(contact)
    run_jobs(calls_app, redis_conn)
    assert act(client, reference, "claim").status_code == 303
    assert act(client, reference, "risk", risk="acute").status_code == 303
    with Session(engine_of(calls_app)) as session:
        assert [r.status for r in session.exec(select(CallbackRequest)).all()] == ["crisis"]
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        assert (contact.crisis, contact.status) == (True, "in_progress")
    act(client, reference, "call")
    run_jobs(calls_app, redis_conn)
    assert twilio_double.calls_to() == [COUNSELLOR_PHONE]  # the counsellor's phone first


def test_closing_a_contact_cancels_its_due_callback(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    """Closed (the person was helped by text meanwhile), its callback that fell due rings
    nobody and waits in no queue."""
    client, _me = counsellor_with_phone(calls_app)
    reference, callback_id = callback_for(calls_app, window="asap")
    run_jobs(calls_app, redis_conn)
    assert callback_row(calls_app, callback_id).status == "due"
    assert act(client, reference, "claim").status_code == 303
    assert act(client, reference, "close", outcome="helped", note="").status_code == 303
    assert callback_row(calls_app, callback_id).status == "cancelled"
    run_jobs(calls_app, redis_conn)
    assert twilio_double.calls_to() == []
