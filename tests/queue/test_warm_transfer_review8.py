"""The warm transfer, reviewed an eighth time; each test failed before its fix.

- A colleague who may no longer see the contact when they press 1 (moved to another desk
  while their phone rang, or the contact handed on to a third desk meanwhile) hears why and
  is not joined: they would have heard another desk's call, and held its contact.
- The colleague rung is one not on a live call already (the first available by id was
  rung even while on another call, and the transfer hung on a phone that could not
  answer).

Through the real routes, RQ jobs on a real Redis and the real `twilio` client talking to
the local Twilio REST double, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET  # noqa: S405 - Loket's own answers

from flask import Flask
from flask.testing import FlaskClient
from redis import Redis
from sqlmodel import Session, select

from loket.domain import calls
from loket.store.db import session_scope
from loket.store.models import AuditEvent, CallLeg, Contact, User
from tests.desk.helpers import log_in, make_user
from tests.desk.test_workspace import act, engine_of, waiting
from tests.queue.test_call_screening import COLLEAGUE_PHONE
from tests.queue.test_callbacks import (
    DESK_NUMBER,
    calls_app,  # noqa: F401 - the fixture, on SQLite and PostgreSQL
    counsellor_with_phone,
    legs,
    live_call,
    run_jobs,
)
from tests.twilio_double import TwilioDouble, answer_counsellor_leg

NOT_YOURS = "U kunt dit gesprek niet meer overnemen"


def available_colleague(app: Flask, phone: str = COLLEAGUE_PHONE) -> User:
    """A veterans counsellor, available, with a phone."""
    colleague = make_user(app, role="counsellor", desk="veterans")
    with session_scope(engine_of(app)) as session:
        stored = session.get(User, colleague.id)
        assert stored is not None
        stored.phone, stored.available, stored.availability = phone, True, "available"
    return colleague


def transferred(app: Flask, redis: Redis, double: TwilioDouble
                ) -> tuple[FlaskClient, str, User, CallLeg]:
    """A live callback warm-transferred to veterans: its colleague's phone rings. Return
    the counsellor's browser, the reference, the colleague and their leg."""
    client, _ = counsellor_with_phone(app)
    reference, _mine = live_call(app, redis, double, client)
    colleague = available_colleague(app)
    act(client, reference, "warm_transfer", desk="veterans", note="Veteraan")
    run_jobs(app, redis)
    transfer = [leg for leg in legs(app, reference) if leg.kind == "transfer"][-1]
    assert double.calls_to()[-1] == COLLEAGUE_PHONE and transfer.call_sid
    return client, reference, colleague, transfer


def press_one(app: Flask, leg: CallLeg, to: str = COLLEAGUE_PHONE) -> str:
    """The colleague's phone answers and they press 1; return the TwiML it is answered."""
    answer = answer_counsellor_leg(app.test_client(), leg.id or 0,
                                   {"CallSid": leg.call_sid or "", "From": DESK_NUMBER,
                                    "To": to})
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


def twiml_of(body: str) -> ET.Element:
    return ET.fromstring(body)  # noqa: S314 - Loket's own


def contact_of(app: Flask, reference: str) -> Contact:
    with Session(engine_of(app)) as session:
        return session.exec(select(Contact).where(Contact.reference == reference)).one()


def test_a_colleague_moved_to_another_desk_while_rung_is_not_joined_to_the_call(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    _client, reference, colleague, transfer = transferred(calls_app, redis_conn, twilio_double)
    with session_scope(engine_of(calls_app)) as session:  # the admin moves them meanwhile
        stored = session.get(User, colleague.id)
        assert stored is not None
        stored.desk = "debasis"

    answer = press_one(calls_app, transfer)

    assert NOT_YOURS in answer
    assert not twiml_of(answer).findall(".//Conference")  # never hears the call
    contact = contact_of(calls_app, reference)
    assert (contact.desk, contact.assigned_user_id) == ("veterans", None)  # still the desk's
    [leg] = [leg for leg in legs(calls_app, reference) if leg.kind == "transfer"]
    assert (leg.status, leg.error) == ("no-answer", calls.NOT_THEIRS)
    with Session(engine_of(calls_app)) as session:
        claims = session.exec(select(AuditEvent).where(AuditEvent.event == "claim",
                                                       AuditEvent.user_id == colleague.id)
                              ).all()
    assert claims == []


def test_a_contact_handed_on_to_a_third_desk_while_the_colleague_was_rung_is_not_theirs(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    _client, reference, colleague, transfer = transferred(calls_app, redis_conn, twilio_double)
    # Another veterans counsellor takes it from the queue and hands it on to De Basis.
    other = make_user(calls_app, role="counsellor", desk="veterans")
    theirs = calls_app.test_client()
    log_in(theirs, calls_app, other)
    act(theirs, reference, "claim")
    act(theirs, reference, "transfer", desk="debasis", note="Voor De Basis")
    assert contact_of(calls_app, reference).desk == "debasis"

    answer = press_one(calls_app, transfer)

    assert NOT_YOURS in answer and not twiml_of(answer).findall(".//Conference")
    assert contact_of(calls_app, reference).assigned_user_id != colleague.id


def test_a_colleague_who_may_see_the_contact_still_joins(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    _client, reference, colleague, transfer = transferred(calls_app, redis_conn, twilio_double)
    answer = press_one(calls_app, transfer)
    assert NOT_YOURS not in answer and twiml_of(answer).findall(".//Conference")
    contact = contact_of(calls_app, reference)
    assert (contact.assigned_user_id, contact.status) == (colleague.id, "in_progress")


def test_a_warm_transfer_rings_a_colleague_not_on_a_call_already(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    client, _ = counsellor_with_phone(calls_app)
    reference, _mine = live_call(calls_app, redis_conn, twilio_double, client)
    busy = available_colleague(calls_app, phone="+31655556666")
    free = available_colleague(calls_app)
    elsewhere = contact_of(calls_app, waiting(calls_app, desk="veterans", phone="+31677778888"))
    with session_scope(engine_of(calls_app)) as session:  # busy's own call, live
        session.add(CallLeg(contact_id=elsewhere.id or 0,
                            user_id=busy.id, kind="counsellor", status="in-progress",
                            conference="other-call", call_sid="CA" + "b" * 32))

    act(client, reference, "warm_transfer", desk="veterans", note="Veteraan")
    run_jobs(calls_app, redis_conn)

    assert twilio_double.calls_to()[-1] == COLLEAGUE_PHONE
    [transfer] = [leg for leg in legs(calls_app, reference) if leg.kind == "transfer"]
    assert transfer.user_id == free.id
