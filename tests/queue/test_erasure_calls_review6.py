"""A person erased while their call is live (review 6): the call is hung up through Twilio,
whoever is on it, so it does not go on against a contact that no longer exists. The caller
hears nothing more: the line ends (the erasure is an operator's act on the person's own
request). A counsellor's phone not rung yet is never rung. The retention (`loket purge`)
never touches an open contact, nor its live call.

Through the real routes, RQ jobs on a real Redis and the real `twilio` client talking to
the local Twilio REST double, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner
from flask import Flask
from redis import Redis
from sqlmodel import Session, col, func, select

from loket.cli import main
from loket.domain import erasure
from loket.store.db import session_scope
from loket.store.models import Contact
from loket.store.types import utcnow
from tests.conftest import loket_env
from tests.desk.test_workspace import act, engine_of
from tests.queue.test_answered_calls import caller_in_queue, stored
from tests.queue.test_callbacks import (
    COUNSELLOR_PHONE,
    DESK_NUMBER,
    PERSON,
    callback_for,
    calls_app,  # noqa: F401 - the fixture, on SQLite and PostgreSQL
    counsellor_with_phone,
    legs,
    make_due_now,
    ring_and_answer,
    run_jobs,
)
from tests.queue.test_callbacks_review import caller_hangs_up
from tests.reports.seed import seed
from tests.twilio_double import TwilioDouble, answer_counsellor_leg, signed_post


def erase(app: Flask, reference: str) -> None:
    with session_scope(engine_of(app)) as session:
        erasure.erase(session=session, reference=reference, actor="cli")


def hung_up(double: TwilioDouble) -> list[str]:
    """The sids of the calls Loket asked Twilio to end, in order."""
    return [r.resource.removeprefix("/Calls/").removesuffix(".json")
            for r in double.received() if r.method == "POST"
            and r.resource.startswith("/Calls/CA") and r.params.get("Status") == "completed"]


def contacts_stored(app: Flask) -> int:
    with Session(engine_of(app)) as session:
        return int(session.exec(select(func.count()).select_from(Contact)).one())


def test_erasing_a_caller_waiting_in_the_queue_hangs_up_their_call(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    reference, caller_sid = caller_in_queue(calls_app, waited_s=30)
    erase(calls_app, reference)
    run_jobs(calls_app, redis_conn)

    assert hung_up(twilio_double) == [caller_sid]
    assert twilio_double.calls_to() == []  # nobody is rung for it
    # Twilio then says the call left its queue and ended: no contact is opened for it
    # again (that would hold their number once more), none is answered, nothing else ends.
    caller_hangs_up(calls_app, caller_sid)
    run_jobs(calls_app, redis_conn)
    assert contacts_stored(calls_app) == 1
    contact = stored(calls_app, reference)
    assert (contact.status, contact.outcome, contact.external_id) == ("closed", "erased", None)
    assert hung_up(twilio_double) == [caller_sid]


def test_erasing_a_crisis_caller_who_hung_up_already_asks_twilio_nothing(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    reference, caller_sid = caller_in_queue(calls_app, waited_s=70, crisis=True)
    caller_hangs_up(calls_app, caller_sid)  # kept open, to be called back at once
    assert stored(calls_app, reference).status == "waiting"
    erase(calls_app, reference)
    run_jobs(calls_app, redis_conn)
    assert hung_up(twilio_double) == [] and twilio_double.calls_to() == []
    assert stored(calls_app, reference).outcome == "erased"


def test_erasing_a_caller_on_the_phone_with_a_counsellor_ends_the_call(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    client, _ = counsellor_with_phone(calls_app)
    reference, caller_sid = caller_in_queue(calls_app, waited_s=40)
    act(client, reference, "claim")
    act(client, reference, "answer")
    run_jobs(calls_app, redis_conn)
    [mine] = legs(calls_app, reference)
    assert mine.call_sid
    params = {"CallSid": mine.call_sid, "From": DESK_NUMBER, "To": COUNSELLOR_PHONE}
    answer_counsellor_leg(calls_app.test_client(), mine.id or 0, params)  # and presses 1
    run_jobs(calls_app, redis_conn)  # the caller is moved out of the queue
    caller = legs(calls_app, reference)[-1]
    joined = signed_post(calls_app.test_client(), f"/twilio/calls/{caller.id}/caller",
                         {"CallSid": caller_sid, "From": PERSON, "To": DESK_NUMBER})
    assert "<Conference" in joined.get_data(as_text=True)
    assert stored(calls_app, reference).answered_at is not None  # they are talking

    erase(calls_app, reference)
    run_jobs(calls_app, redis_conn)

    ended = hung_up(twilio_double)
    assert caller_sid in ended and mine.call_sid in ended  # both sides, whoever is on it
    # Twilio reports the caller's call ended: their leg is over (the contact no longer
    # knows the call, the leg does), so nothing hangs them up a second time below.
    answer = signed_post(calls_app.test_client(), "/twilio/voice/status",
                         {"CallSid": caller_sid, "From": PERSON, "To": DESK_NUMBER,
                          "CallStatus": "completed", "CallDuration": "80"})
    assert answer.status_code == 200
    assert [leg.status for leg in legs(calls_app, reference) if leg.kind == "caller"] == [
        "completed"]
    # The counsellor's phone reports its end: recorded, the counsellor is on no call.
    answer = signed_post(calls_app.test_client(), "/twilio/calls/status",
                         {**params, "CallStatus": "completed"})
    assert answer.status_code == 200
    run_jobs(calls_app, redis_conn)
    assert [leg.status for leg in legs(calls_app, reference) if leg.kind == "counsellor"] == [
        "completed"]
    assert contacts_stored(calls_app) == 1
    assert hung_up(twilio_double).count(caller_sid) == 1  # asked to end once, not again


def test_erasing_a_person_whose_callback_is_on_the_phone_ends_that_call(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    reference, callback_id = callback_for(calls_app)
    make_due_now(calls_app, callback_id)
    client, _ = counsellor_with_phone(calls_app)
    person = ring_and_answer(calls_app, redis_conn, twilio_double, client, reference)
    assert person.call_sid
    erase(calls_app, reference)
    run_jobs(calls_app, redis_conn)
    assert person.call_sid in hung_up(twilio_double)


def test_a_counsellor_s_phone_not_rung_yet_for_an_erased_caller_is_never_rung(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    client, _ = counsellor_with_phone(calls_app)
    reference, caller_sid = caller_in_queue(calls_app, waited_s=20)
    act(client, reference, "claim")
    act(client, reference, "answer")  # the job that rings their phone has not run yet
    erase(calls_app, reference)
    run_jobs(calls_app, redis_conn)
    assert twilio_double.calls_to() == []
    assert hung_up(twilio_double) == [caller_sid]
    assert [leg.status for leg in legs(calls_app, reference)
            if leg.kind == "counsellor"] == ["canceled"]


def test_the_retention_never_touches_an_open_contact_nor_its_live_call(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    old = utcnow() - timedelta(days=900)
    seed(calls_app, old, channel="sms", desk="police", outcome="helped")  # purged
    reference, caller_sid = caller_in_queue(calls_app, waited_s=30)
    with session_scope(engine_of(calls_app)) as session:  # reached us long ago, still open
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        contact.created_at = old
    for key, value in loket_env(calls_app).items():  # `loket purge` on this database
        monkeypatch.setenv(key, value)

    done = CliRunner().invoke(main, ["purge"])
    assert done.exit_code == 0, done.output
    assert "uit 1 contact(en)" in done.output
    run_jobs(calls_app, redis_conn)

    assert hung_up(twilio_double) == []
    contact = stored(calls_app, reference)
    assert contact.anonymised_at is None and contact.status == "waiting"
    assert (contact.phone, contact.external_id) == (PERSON, caller_sid)
    with Session(engine_of(calls_app)) as session:
        gone = session.exec(select(Contact).where(col(Contact.anonymised_at).is_not(None))
                            ).all()
    assert [c.outcome for c in gone] == ["helped"]
