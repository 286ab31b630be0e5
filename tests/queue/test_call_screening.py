"""Call screening on the counsellor's own phone: Loket rings it first, and only a counsellor
who presses 1 at the prompt is joined and has the other side brought in. A voicemail (or a
phone that forwards to one) answers too, but never presses 1: the person is not rung, the
callback goes back to the desk, a waiting caller stays in the queue.

Through the real routes, RQ jobs on a real Redis and the real `twilio` client talking to
the local Twilio REST double, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET  # noqa: S405 - Loket's own answers
from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from redis import Redis
from sqlmodel import Session, select
from werkzeug.test import TestResponse

from loket.domain import callbacks, escalation
from loket.store.db import session_scope
from loket.store.models import CallLeg, Contact, User
from loket.store.types import utcnow
from tests.conftest import POSTGRES_URL
from tests.conftest import _truncate as truncate
from tests.desk.helpers import make_user
from tests.desk.test_workspace import act, engine_of, waiting
from tests.queue.test_callbacks import (
    COUNSELLOR_PHONE,
    DESK_NUMBER,
    PERSON,
    call_status,
    callback_for,
    callback_row,
    calls_app,  # noqa: F401 - the fixture, on SQLite and PostgreSQL
    counsellor_with_phone,
    legs,
    live_call,
    make_due_now,
    run_jobs,
)
from tests.twilio_double import TwilioDouble, answer_counsellor_leg, press, signed_post


@pytest.fixture(params=[("nl", "sqlite"), ("nl", "postgres"), ("en", "sqlite"),
                        ("en", "postgres")], ids=lambda p: "-".join(p))
def desk_app(request: pytest.FixtureRequest, rest_app: Callable[..., Flask]
             ) -> tuple[Flask, str]:
    """The app on the double (on each engine in turn) whose desks speak Dutch first (the
    default) or English; return it and that language."""
    lang, engine = request.param
    extra = {"desk_numbers": f"police={DESK_NUMBER}"}
    if lang != "nl":
        extra["default_language"] = lang
    if engine == "postgres":
        truncate(request.getfixturevalue("postgres_engine"))
        extra["database_url"] = POSTGRES_URL
    return rest_app(**extra), lang


def twiml(answer: TestResponse) -> ET.Element:
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return ET.fromstring(answer.get_data(as_text=True))  # noqa: S314 - Loket's own


def ring_counsellor(app: Flask, redis: Redis, client: FlaskClient, reference: str,
                    what: str = "call") -> tuple[CallLeg, dict[str, str]]:
    """Claim, press "call" (or "answer"), let the job ring the counsellor's phone; return
    its leg and the parameters Twilio posts on it."""
    act(client, reference, "claim")
    assert act(client, reference, what).status_code == 303
    run_jobs(app, redis)
    mine = [leg for leg in legs(app, reference) if leg.kind == "counsellor"][-1]
    assert mine.call_sid
    return mine, {"CallSid": mine.call_sid, "CallStatus": "in-progress", "From": DESK_NUMBER,
                  "To": COUNSELLOR_PHONE}


def due_callback(app: Flask) -> tuple[str, int]:
    reference, callback_id = callback_for(app)
    make_due_now(app, callback_id)
    return reference, callback_id


def voicemail_answers(app: Flask, leg: CallLeg, params: dict[str, str]) -> TestResponse:
    """A voicemail answers the counsellor's phone: it hears both prompts and presses
    nothing (each `<Gather>` falls through to its `<Redirect>`); return the last answer."""
    client = app.test_client()
    first = answer_counsellor_leg(client, leg.id or 0, params, digits=None)
    second = press(client, first, params, "")
    assert twiml(second).find("./Gather") is not None  # the prompt, said once more
    return press(client, second, params, "")


def test_a_voicemail_on_the_counsellor_s_phone_never_rings_the_person(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    client, _ = counsellor_with_phone(calls_app)
    reference, callback_id = due_callback(calls_app)
    mine, params = ring_counsellor(calls_app, redis_conn, client, reference)

    last = voicemail_answers(calls_app, mine, params)
    run_jobs(calls_app, redis_conn)
    call_status(calls_app, mine.call_sid or "", "completed", COUNSELLOR_PHONE)  # it hangs up
    run_jobs(calls_app, redis_conn)

    root = twiml(last)
    assert root.find("./Hangup") is not None and not root.findall(".//Conference")
    assert twilio_double.calls_to() == [COUNSELLOR_PHONE]  # the person was never rung
    assert [leg.kind for leg in legs(calls_app, reference)] == ["counsellor"]
    row = callback_row(calls_app, callback_id)
    assert row.status == "due" and row.attempts == 0 and row.last_outcome is None
    assert row.claimed_by is None and row.error == "your phone did not confirm"
    page = client.get(f"/desk/contacts/{reference}").get_data(as_text=True)
    # The reason, on the desk, in the counsellor's language.
    assert "bevestigde het gesprek niet" in page and "your phone did not confirm" not in page
    with Session(engine_of(calls_app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
    assert contact.status == "callback" and contact.assigned_user_id is None


def test_a_wrong_key_twice_counts_as_not_confirmed(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    client, _ = counsellor_with_phone(calls_app)
    reference, callback_id = due_callback(calls_app)
    mine, params = ring_counsellor(calls_app, redis_conn, client, reference)
    first = answer_counsellor_leg(calls_app.test_client(), mine.id or 0, params, digits="7")
    last = press(calls_app.test_client(), first, params, "#")
    run_jobs(calls_app, redis_conn)
    assert twiml(last).find("./Hangup") is not None
    assert twilio_double.calls_to() == [COUNSELLOR_PHONE]
    assert callback_row(calls_app, callback_id).status == "due"


def test_a_counsellor_pressing_1_is_joined_and_the_person_rung(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    client, _ = counsellor_with_phone(calls_app)
    reference, callback_id = due_callback(calls_app)
    mine, params = ring_counsellor(calls_app, redis_conn, client, reference)

    prompt = answer_counsellor_leg(calls_app.test_client(), mine.id or 0, params, digits=None)
    assert twilio_double.calls_to() == [COUNSELLOR_PHONE]  # nobody else before the 1
    missed = press(calls_app.test_client(), prompt, params, "")  # a moment too slow ...
    joined = press(calls_app.test_client(), missed, params, "1")  # ... then takes it
    run_jobs(calls_app, redis_conn)

    conference = twiml(joined).find("./Dial/Conference")
    assert conference is not None and conference.text == mine.conference
    assert twilio_double.calls_to() == [COUNSELLOR_PHONE, PERSON]
    person = legs(calls_app, reference)[-1]
    assert person.kind == "person" and person.conference == mine.conference
    row = callback_row(calls_app, callback_id)
    assert row.status == "calling" and row.attempts == 1


def test_a_crisis_callback_not_confirmed_is_callable_at_once_and_still_escalates(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    client, _ = counsellor_with_phone(calls_app)
    reference = waiting(calls_app, crisis=True, phone=PERSON)
    with session_scope(engine_of(calls_app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        kept = callbacks.keep_crisis_reach(session=session, contact=contact, phone=PERSON)
        session.flush()
        callback_id = kept.id or 0
    mine, params = ring_counsellor(calls_app, redis_conn, client, reference)

    voicemail_answers(calls_app, mine, params)
    run_jobs(calls_app, redis_conn)

    assert twilio_double.calls_to() == [COUNSELLOR_PHONE]
    row = callback_row(calls_app, callback_id)
    assert row.status == "crisis" and row.attempts == 0  # callable at once, not parked
    with session_scope(engine_of(calls_app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        assert contact.status == "waiting" and contact.assigned_user_id is None
        raised = escalation.raise_due(session=session, timing=escalation.Timing(),
                                      now=utcnow() + timedelta(hours=1))
    assert raised  # nobody holds it: the alarm goes on
    other, _ = counsellor_with_phone(calls_app)  # anyone on the desk calls it now
    again, _ = ring_counsellor(calls_app, redis_conn, other, reference)
    assert again.id != mine.id and twilio_double.calls_to() == [COUNSELLOR_PHONE] * 2


def test_a_waiting_caller_is_not_moved_when_the_counsellor_s_phone_does_not_confirm(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    client, _ = counsellor_with_phone(calls_app)
    reference = waiting(calls_app, channel="phone", crisis=True, phone=PERSON)
    caller_sid = "CA" + uuid.uuid4().hex
    with session_scope(engine_of(calls_app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        contact.external_id, contact.intake_step = caller_sid, "queued"
    mine, params = ring_counsellor(calls_app, redis_conn, client, reference, "answer")
    assert "Wachtende beller" in answer_counsellor_leg(
        calls_app.test_client(), mine.id or 0, params, digits=None).get_data(as_text=True)

    voicemail_answers(calls_app, mine, params)
    run_jobs(calls_app, redis_conn)

    assert not twilio_double.received(f"/Calls/{caller_sid}.json")  # never moved
    [leg] = legs(calls_app, reference)
    assert leg.kind == "counsellor" and leg.error == "your phone did not confirm"
    with Session(engine_of(calls_app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
    # Still in the queue, held by no one: anyone of the desk may take the caller now.
    assert contact.status == "waiting" and contact.assigned_user_id is None
    other, _ = counsellor_with_phone(calls_app)
    again, _ = ring_counsellor(calls_app, redis_conn, other, reference, "answer")
    assert again.id != mine.id and twilio_double.calls_to() == [COUNSELLOR_PHONE] * 2


PROMPTS = {"nl": ("Terugbelverzoek {ref}. Druk op 1 om het gesprek aan te nemen.", "nl-NL"),
           "en": ("Callback {ref}. Press 1 to take the call.", "en-GB")}


def test_the_prompt_is_in_the_desk_s_default_language(
    desk_app: tuple[Flask, str], redis_conn: Redis, twilio_double: TwilioDouble,
) -> None:
    app, lang = desk_app
    said, voice = PROMPTS[lang]
    client, _ = counsellor_with_phone(app)
    reference, _ = due_callback(app)
    mine, params = ring_counsellor(app, redis_conn, client, reference)
    root = twiml(answer_counsellor_leg(app.test_client(), mine.id or 0, params, digits=None))
    gather = root.find("./Gather")
    assert gather is not None and gather.get("numDigits") == "1" and gather.get("timeout")
    spoken = gather.find("./Say")
    assert spoken is not None and spoken.get("language") == voice
    assert spoken.text == said.format(ref=" ".join(reference))


def test_a_replayed_or_late_confirmation_changes_nothing(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    client, _ = counsellor_with_phone(calls_app)
    reference, callback_id = due_callback(calls_app)
    mine, params = ring_counsellor(calls_app, redis_conn, client, reference)
    confirm = f"/twilio/calls/{mine.id}/confirm/1"
    first = answer_counsellor_leg(calls_app.test_client(), mine.id or 0, params)
    run_jobs(calls_app, redis_conn)

    replayed = signed_post(calls_app.test_client(), confirm, {**params, "Digits": "1"})
    late = signed_post(calls_app.test_client(), f"/twilio/calls/{mine.id}/confirm/2",
                       {**params, "Digits": "1"})
    again = signed_post(calls_app.test_client(), f"/twilio/calls/{mine.id}/counsellor",
                        {**params, "CallStatus": "ringing"})  # not the same request
    unknown = signed_post(calls_app.test_client(), "/twilio/calls/999999/confirm/1",
                          {**params, "Digits": "1"})
    run_jobs(calls_app, redis_conn)

    assert replayed.get_data() == first.get_data()  # the stored answer
    for answer in (late, again, unknown):
        root = twiml(answer)
        assert root.find("./Hangup") is not None and not root.findall(".//Conference")
    assert twilio_double.calls_to() == [COUNSELLOR_PHONE, PERSON]  # the person rung once
    assert [leg.kind for leg in legs(calls_app, reference)] == ["counsellor", "person"]
    assert callback_row(calls_app, callback_id).attempts == 1


def test_a_confirmation_after_the_leg_gave_up_rings_nobody(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    client, _ = counsellor_with_phone(calls_app)
    reference, callback_id = due_callback(calls_app)
    mine, params = ring_counsellor(calls_app, redis_conn, client, reference)
    voicemail_answers(calls_app, mine, params)
    late = signed_post(calls_app.test_client(), f"/twilio/calls/{mine.id}/confirm/1",
                       {**params, "Digits": "1"})
    run_jobs(calls_app, redis_conn)
    assert twiml(late).find("./Hangup") is not None
    assert twilio_double.calls_to() == [COUNSELLOR_PHONE]
    assert callback_row(calls_app, callback_id).status == "due"


@pytest.mark.parametrize("digits", ["12", "x" * 500, "1 OR 1=1", "\u0661"])
def test_a_bad_digit_parameter_gets_a_kind_answer(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
    digits: str,
) -> None:
    client, _ = counsellor_with_phone(calls_app)
    reference, callback_id = due_callback(calls_app)
    mine, params = ring_counsellor(calls_app, redis_conn, client, reference)
    answer = answer_counsellor_leg(calls_app.test_client(), mine.id or 0, params,
                                   digits=digits)
    run_jobs(calls_app, redis_conn)
    assert twiml(answer).find("./Gather") is not None  # asked once more, not a 500
    assert twilio_double.calls_to() == [COUNSELLOR_PHONE]
    assert callback_row(calls_app, callback_id).status == "calling"


COLLEAGUE_PHONE = "+31633334444"


def test_a_colleague_s_voicemail_on_a_warm_transfer_is_never_joined(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    client, _ = counsellor_with_phone(calls_app)
    reference, mine = live_call(calls_app, redis_conn, twilio_double, client)
    person = [leg for leg in legs(calls_app, reference) if leg.kind == "person"][-1]
    call_status(calls_app, person.call_sid or "", "in-progress", PERSON)
    colleague = make_user(calls_app, role="counsellor", desk="veterans")
    with session_scope(engine_of(calls_app)) as session:
        stored = session.get(User, colleague.id)
        assert stored is not None
        stored.phone, stored.available, stored.availability = COLLEAGUE_PHONE, True, "available"
    act(client, reference, "warm_transfer", desk="veterans", note="Veteraan")
    run_jobs(calls_app, redis_conn)
    transfer = [leg for leg in legs(calls_app, reference) if leg.kind == "transfer"][-1]
    assert twilio_double.calls_to()[-1] == COLLEAGUE_PHONE and transfer.call_sid
    params = {"CallSid": transfer.call_sid, "From": DESK_NUMBER, "To": COLLEAGUE_PHONE}
    call_status(calls_app, transfer.call_sid, "in-progress", COLLEAGUE_PHONE)  # answered
    prompt = answer_counsellor_leg(calls_app.test_client(), transfer.id or 0, params,
                                   digits=None)
    assert f"Warme overdracht {' '.join(reference)}" in prompt.get_data(as_text=True)
    call_status(calls_app, mine.call_sid or "", "completed", COUNSELLOR_PHONE)  # leaves

    last = voicemail_answers(calls_app, transfer, params)
    run_jobs(calls_app, redis_conn)

    assert not twiml(last).findall(".//Conference")  # the voicemail never joins the call
    with Session(engine_of(calls_app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
    assert contact.assigned_user_id is None  # nobody took it: its new desk's queue sees it
    ended = [r for r in twilio_double.requests if r.params.get("Status") == "completed"]
    assert [r.path.rsplit("/", 1)[-1] for r in ended] == [f"{person.call_sid}.json"]
