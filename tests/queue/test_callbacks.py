"""Callbacks and live calls through the real routes, RQ jobs on a real Redis, and the real
`twilio` client talking to the local Twilio REST double over HTTP.

A counsellor calls a person back: their own phone rings first (the double records the REST
request), Twilio's signed webhooks and status callbacks are posted as Twilio would, and the
person is rung from the desk's number; answering machines, retries, the unreachable list, the
window, Redis flushed, and a waiting caller taken out of the queue out of order.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET  # noqa: S405 - Loket's own answers
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from redis import Redis
from sqlmodel import Session, col, select

from loket.domain import callbacks, calls
from loket.queue import outbox
from loket.queue.worker import SimpleAppWorker, queues
from loket.store.db import session_scope
from loket.store.models import AuditEvent, CallbackRequest, CallLeg, Contact, User
from loket.store.types import utcnow
from tests.conftest import POSTGRES_URL
from tests.conftest import _truncate as truncate
from tests.desk.helpers import api_token, log_in, make_user
from tests.desk.test_workspace import act, engine_of, waiting
from tests.twilio_double import BASE, TwilioDouble, answer_counsellor_leg, press, signed_post

PERSON = "+31612345678"
COUNSELLOR_PHONE = "+31687654321"
DESK_NUMBER = "+31880000001"


@pytest.fixture(params=["sqlite", "postgres"])
def calls_app(request: pytest.FixtureRequest, rest_app: Callable[..., Flask]) -> Flask:
    """The app on the double (on each engine in turn), police calling back from its own
    number."""
    if request.param == "postgres":
        engine = request.getfixturevalue("postgres_engine")
        truncate(engine)
        return rest_app(desk_numbers=f"police={DESK_NUMBER}", database_url=POSTGRES_URL)
    return rest_app(desk_numbers=f"police={DESK_NUMBER}")


def run_jobs(app: Flask, redis: Redis) -> None:
    """Move promised jobs into RQ and run them (and what they enqueue) in-process."""
    for _ in range(3):
        outbox.dispatch(engine_of(app), redis)
        SimpleAppWorker(queues(redis), connection=redis, app=app).work(burst=True)


def counsellor_with_phone(app: Flask) -> tuple[FlaskClient, User]:
    user = make_user(app, role="counsellor", desk="police", display_name="Anouk")
    with session_scope(engine_of(app)) as session:
        stored = session.get(User, user.id)
        assert stored is not None
        stored.phone = COUNSELLOR_PHONE
    client = app.test_client()
    log_in(client, app, user)
    return client, user


def callback_for(app: Flask, *, window: str = "asap", voicemail: bool = False,
                 at: Any = None) -> tuple[str, int]:
    """A person waiting for a callback (filed as the intake files it); return its reference
    and the callback's id."""
    reference = waiting(app, status="callback", phone=PERSON)
    with session_scope(engine_of(app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        callback = callbacks.request_callback(session=session, contact=contact, phone=PERSON,
                                              window=window, voicemail_allowed=voicemail,
                                              at=at)
        session.flush()
        return reference, callback.id or 0


def callback_row(app: Flask, callback_id: int) -> CallbackRequest:
    with Session(engine_of(app)) as session:
        found = session.get(CallbackRequest, callback_id)
        assert found is not None
        return found


def legs(app: Flask, reference: str) -> list[CallLeg]:
    with Session(engine_of(app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        return list(session.exec(select(CallLeg).where(CallLeg.contact_id == contact.id)
                                 .order_by(col(CallLeg.id))).all())


def call_status(app: Flask, call_sid: str, status: str, to: str) -> None:
    """Post Twilio's signed status callback of one leg."""
    answer = signed_post(app.test_client(), "/twilio/calls/status",
                         {"CallSid": call_sid, "CallStatus": status, "From": DESK_NUMBER,
                          "To": to})
    assert answer.status_code == 200


def make_due_now(app: Flask, callback_id: int) -> None:
    """Move the clock to the callback's next attempt: it is due."""
    with session_scope(engine_of(app)) as session:
        callback = session.get(CallbackRequest, callback_id)
        assert callback is not None
        calls.schedule(session=session, callback=callback)
    with session_scope(engine_of(app)) as session:
        assert calls.make_due(session=session, callback_id=callback_id,
                              now=utcnow() + timedelta(days=2))


def ring_and_answer(app: Flask, redis: Redis, double: TwilioDouble, client: FlaskClient,
                    reference: str) -> CallLeg:
    """Press "call", let the job ring the counsellor, and answer it as Twilio would; return
    the person's leg (placed by the next job)."""
    act(client, reference, "claim")
    answer = act(client, reference, "call")
    assert answer.status_code == 303
    run_jobs(app, redis)
    counsellor_leg = [leg for leg in legs(app, reference) if leg.kind == "counsellor"][-1]
    assert counsellor_leg.call_sid
    params = {"CallSid": counsellor_leg.call_sid, "CallStatus": "in-progress",
              "From": DESK_NUMBER, "To": COUNSELLOR_PHONE}
    prompt = signed_post(app.test_client(), f"/twilio/calls/{counsellor_leg.id}/counsellor",
                         params)
    assert " ".join(reference) in prompt.get_data(as_text=True)  # the reference, spelled out
    twiml = press(app.test_client(), prompt, params, "1")  # the counsellor takes it
    body = twiml.get_data(as_text=True)
    assert twiml.status_code == 200 and "<Conference" in body and 'record="do-not-record"' in body
    run_jobs(app, redis)
    person = legs(app, reference)[-1]
    assert person.kind == "person" and person.call_sid and person.conference == \
        counsellor_leg.conference
    return person


# --- due ---------------------------------------------------------------------------------


def test_a_callback_is_due_when_its_window_opens_and_only_then_in_the_desk_queue(
    calls_app: Flask, redis_conn: Redis,
) -> None:
    client, _ = counsellor_with_phone(calls_app)
    reference, callback_id = callback_for(calls_app, window="tomorrow")
    run_jobs(calls_app, redis_conn)  # schedule_callback: on the clock at the window's start
    row = callback_row(calls_app, callback_id)
    assert row.status == "pending" and row.next_attempt_at == row.window_start
    assert reference not in client.get("/desk/queue/rows").get_data(as_text=True)
    callbacks_queue = [q for q in queues(redis_conn) if q.name == "callbacks"][0]
    assert callbacks_queue.scheduled_job_registry.get_job_ids()  # RQ's scheduler holds it
    with session_scope(engine_of(calls_app)) as session:  # too early: nothing happens
        assert not calls.make_due(session=session, callback_id=callback_id)
        assert calls.make_due(session=session, callback_id=callback_id,
                              now=row.window_start + timedelta(minutes=1))
    rows = client.get("/desk/queue/rows").get_data(as_text=True)
    assert reference in rows and "Terugbellen: tussen 9 en 12 uur" in rows


def test_the_reconciler_makes_due_what_redis_lost(calls_app: Flask, redis_conn: Redis) -> None:
    _, callback_id = callback_for(calls_app, window="tomorrow")
    run_jobs(calls_app, redis_conn)
    redis_conn.flushdb()  # Redis restarted empty: the due job is gone
    opens = callback_row(calls_app, callback_id).window_start
    with session_scope(engine_of(calls_app)) as session:
        assert calls.reconcile(session=session, now=opens - timedelta(seconds=1)).due == 0
        done = calls.reconcile(session=session, now=opens + timedelta(seconds=1))
    assert done.due == 1 and callback_row(calls_app, callback_id).status == "due"


# --- calling back ------------------------------------------------------------------------


def test_a_callback_rings_the_counsellor_then_the_person_from_the_desk_number(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,
) -> None:
    client, _ = counsellor_with_phone(calls_app)
    reference, callback_id = callback_for(calls_app)
    make_due_now(calls_app, callback_id)
    person = ring_and_answer(calls_app, redis_conn, twilio_double, client, reference)
    placed = [r for r in twilio_double.requests if r.path.endswith("/Calls.json")]
    assert [r.params["To"] for r in placed] == [COUNSELLOR_PHONE, PERSON]
    assert all(r.params["From"] == DESK_NUMBER for r in placed)  # never the counsellor's
    assert all(r.auth_ok for r in placed)
    assert placed[0].params["Url"].endswith(f"/twilio/calls/{legs(calls_app, reference)[0].id}"
                                            "/counsellor")
    assert placed[1].params["Url"].endswith(f"/twilio/calls/{person.id}/person")
    # Each leg's progress is posted to a URL naming it (found before its sid is stored).
    assert [r.params["StatusCallback"] for r in placed] == [
        f"{BASE}/twilio/calls/status?leg={legs(calls_app, reference)[0].id}",
        f"{BASE}/twilio/calls/status?leg={person.id}"]
    assert placed[1].params.get("MachineDetection") and not placed[0].params.get(
        "MachineDetection")
    answer = signed_post(calls_app.test_client(), f"/twilio/calls/{person.id}/person",
                         {"CallSid": person.call_sid or "", "AnsweredBy": "human",
                          "From": DESK_NUMBER, "To": PERSON})
    assert "<Conference" in answer.get_data(as_text=True)
    row = callback_row(calls_app, callback_id)
    assert row.status == "done" and row.last_outcome == "reached" and row.attempts == 1
    with Session(engine_of(calls_app)) as session:
        events = session.exec(select(AuditEvent.event).where(
            AuditEvent.contact_reference == reference)).all()
    assert "call" in events


@pytest.mark.parametrize("voicemail", [False, True])
def test_an_answering_machine_hears_nothing_unless_a_voicemail_is_safe(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble, voicemail: bool,
) -> None:
    client, _ = counsellor_with_phone(calls_app)
    reference, callback_id = callback_for(calls_app, voicemail=voicemail)
    make_due_now(calls_app, callback_id)
    person = ring_and_answer(calls_app, redis_conn, twilio_double, client, reference)
    answer = signed_post(calls_app.test_client(), f"/twilio/calls/{person.id}/person",
                         {"CallSid": person.call_sid or "", "AnsweredBy": "machine_end_beep",
                          "From": DESK_NUMBER, "To": PERSON}).get_data(as_text=True)
    assert "<Hangup" in answer and "<Conference" not in answer
    if voicemail:
        assert "<Say" in answer
        for name in ("politie", "Politie", "Veteranen", "Basis", "Loket"):
            assert name not in answer  # a neutral message names no organisation
    else:
        assert "<Say" not in answer
    row = callback_row(calls_app, callback_id)
    assert row.last_outcome == ("voicemail" if voicemail else "no_answer")
    assert row.status == "pending"  # tried again later


def test_no_answer_is_retried_then_goes_to_the_manager_s_unreachable_list(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,
) -> None:
    client, _ = counsellor_with_phone(calls_app)
    reference, callback_id = callback_for(calls_app)
    waits = []
    for attempt in range(1, 4):
        make_due_now(calls_app, callback_id)
        person = ring_and_answer(calls_app, redis_conn, twilio_double, client, reference)
        before = utcnow()
        call_status(calls_app, person.call_sid or "", "no-answer", PERSON)
        row = callback_row(calls_app, callback_id)
        assert row.attempts == attempt and row.last_outcome == "no_answer"
        if attempt < 3:
            assert row.status == "pending" and row.next_attempt_at is not None
            waits.append(round((row.next_attempt_at - before).total_seconds() / 60))
    assert waits == [15, 60]
    assert callback_row(calls_app, callback_id).status == "unreachable"
    manager = make_user(calls_app, role="manager", desk="police")
    boss = calls_app.test_client()
    log_in(boss, calls_app, manager)
    page = boss.get("/desk/manager").get_data(as_text=True)
    assert reference in page and PERSON not in page and "56 78" not in page
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    again = boss.post(f"/desk/manager/callbacks/{callback_id}/again", data={"csrf_token": token})
    assert again.status_code == 303 and callback_row(calls_app, callback_id).status == "due"
    assert reference in client.get("/desk/queue/rows").get_data(as_text=True)


def test_a_retry_never_falls_outside_the_window_the_person_chose(calls_app: Flask) -> None:
    late_evening = utcnow().replace(hour=19, minute=50, second=0, microsecond=0)  # 20:50/21:50 NL
    reference, callback_id = callback_for(calls_app, window="evening", at=late_evening)
    with session_scope(engine_of(calls_app)) as session:
        callback = session.get(CallbackRequest, callback_id)
        assert callback is not None
        callback.status, callback.attempts = "calling", 1
        status = calls.attempt_ended(session=session, callback=callback, outcome="no_answer",
                                     now=callback.window_end - timedelta(minutes=10))
    assert status == "missed"
    assert callback_row(calls_app, callback_id).window_missed_at is not None


def test_a_window_ending_while_a_counsellor_holds_the_callback_leaves_it_to_them(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,
) -> None:
    # Claimed at 20:59 for an 18-21 window: at 21:00 the reconciler must not mark it missed
    # and take the contact from the counsellor about to call; let go unserved, it is missed.
    client, user = counsellor_with_phone(calls_app)
    reference, callback_id = callback_for(calls_app, window="evening")
    make_due_now(calls_app, callback_id)
    act(client, reference, "claim")
    ended = callback_row(calls_app, callback_id).window_end + timedelta(minutes=1)
    with session_scope(engine_of(calls_app)) as session:
        assert calls.reconcile(session=session, now=ended).missed == 0
    assert callback_row(calls_app, callback_id).status == "due"
    with Session(engine_of(calls_app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        assert (contact.assigned_user_id, contact.status) == (user.id, "in_progress")
    assert act(client, reference, "call").status_code == 303  # the call still goes out
    run_jobs(calls_app, redis_conn)
    assert [r.params["To"] for r in twilio_double.requests
            if r.path.endswith("/Calls.json")] == [COUNSELLOR_PHONE]


def test_a_window_ending_after_the_counsellor_let_the_callback_go_marks_it_missed(
    calls_app: Flask,
) -> None:
    client, _ = counsellor_with_phone(calls_app)
    reference, callback_id = callback_for(calls_app, window="evening")
    make_due_now(calls_app, callback_id)
    act(client, reference, "claim")
    act(client, reference, "release")
    ended = callback_row(calls_app, callback_id).window_end + timedelta(minutes=1)
    with session_scope(engine_of(calls_app)) as session:
        assert calls.reconcile(session=session, now=ended).missed == 1
    assert callback_row(calls_app, callback_id).status == "missed"


def test_a_call_that_cannot_be_placed_says_so_on_the_desk(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,
) -> None:
    client, _ = counsellor_with_phone(calls_app)
    reference, callback_id = callback_for(calls_app)
    make_due_now(calls_app, callback_id)
    act(client, reference, "claim")
    twilio_double.fail_next(status=400, code=21211, times=10)
    act(client, reference, "call")
    for _ in range(5):  # RQ's retries, each refused
        run_jobs(calls_app, redis_conn)
        for job in queues(redis_conn):
            for job_id in job.scheduled_job_registry.get_job_ids():
                job.enqueue_job(job.fetch_job(job_id))  # type: ignore[arg-type]
    row = callback_row(calls_app, callback_id)
    assert row.status == "due" and row.error and "could not place the call" in row.error
    assert PERSON not in row.error and COUNSELLOR_PHONE not in row.error
    page = client.get(f"/desk/contacts/{reference}").get_data(as_text=True)
    assert "het gesprek kon niet worden opgezet" in page  # in the reader's language


def test_the_api_call_rings_the_counsellor_and_answers_202(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,
) -> None:
    _, user = counsellor_with_phone(calls_app)
    reference, callback_id = callback_for(calls_app)
    make_due_now(calls_app, callback_id)
    token = api_token(calls_app, user)
    answer = calls_app.test_client().post(f"/api/v1/contacts/{reference}/call",
                                          headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 202 and answer.get_json() == {"status": "calling"}
    run_jobs(calls_app, redis_conn)
    assert [r.params["To"] for r in twilio_double.requests] == [COUNSELLOR_PHONE]
    again = calls_app.test_client().post(f"/api/v1/contacts/{reference}/call",
                                         headers={"Authorization": f"Bearer {token}"})
    assert again.status_code == 422 and again.get_json()["field"] == "callback"


# --- a waiting caller ----------------------------------------------------------------------


def test_a_waiting_crisis_caller_is_taken_out_of_the_queue_before_longer_waiting_ones(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,
) -> None:
    client, _ = counsellor_with_phone(calls_app)
    older = waiting(calls_app, channel="phone", seconds_ago=600)
    crisis = waiting(calls_app, channel="phone", crisis=True, seconds_ago=20)
    with session_scope(engine_of(calls_app)) as session:
        for n, reference in enumerate((older, crisis)):
            contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
            contact.external_id = f"CA{n:032d}"
    rows = client.get("/desk/queue/rows").get_data(as_text=True)
    assert rows.index(crisis) < rows.index(older)  # crisis first, though it waited less
    act(client, crisis, "claim")
    act(client, crisis, "answer")
    run_jobs(calls_app, redis_conn)
    leg = legs(calls_app, crisis)[0]
    answer_counsellor_leg(calls_app.test_client(), leg.id or 0,
                          {"CallSid": leg.call_sid or "", "From": DESK_NUMBER,
                           "To": COUNSELLOR_PHONE})
    run_jobs(calls_app, redis_conn)
    moved = [r for r in twilio_double.requests if "/Calls/CA" in r.path]
    assert len(moved) == 1 and moved[0].path.endswith(f"/Calls/CA{1:032d}.json")
    caller = legs(calls_app, crisis)[-1]
    assert moved[0].params["Url"].endswith(f"/twilio/calls/{caller.id}/caller")
    joined = signed_post(calls_app.test_client(), f"/twilio/calls/{caller.id}/caller",
                         {"CallSid": f"CA{1:032d}", "From": PERSON, "To": DESK_NUMBER})
    assert "<Conference" in joined.get_data(as_text=True)
    with Session(engine_of(calls_app)) as session:
        taken = session.exec(select(Contact).where(Contact.reference == crisis)).one()
        left = session.exec(select(Contact).where(Contact.reference == older)).one()
    assert taken.status == "in_progress" and taken.answered_at is not None
    assert left.status == "waiting"  # still in Twilio's queue, untouched


# --- on a live call --------------------------------------------------------------------


def live_call(app: Flask, redis: Redis, double: TwilioDouble, client: FlaskClient
              ) -> tuple[str, CallLeg]:
    """A callback under way: the counsellor answered, the person too; return the reference
    and the counsellor's leg (in progress, as Twilio's status callback says)."""
    reference, callback_id = callback_for(app)
    make_due_now(app, callback_id)
    person = ring_and_answer(app, redis, double, client, reference)
    signed_post(app.test_client(), f"/twilio/calls/{person.id}/person",
                {"CallSid": person.call_sid or "", "AnsweredBy": "human", "From": DESK_NUMBER,
                 "To": PERSON})
    mine = [leg for leg in legs(app, reference) if leg.kind == "counsellor"][-1]
    call_status(app, mine.call_sid or "", "in-progress", COUNSELLOR_PHONE)
    return reference, mine


def test_a_manager_listens_in_speaking_to_the_counsellor_only_when_asked_for_help(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,
) -> None:
    client, _ = counsellor_with_phone(calls_app)
    reference, mine = live_call(calls_app, redis_conn, twilio_double, client)
    manager = make_user(calls_app, role="manager", desk="police")
    with session_scope(engine_of(calls_app)) as session:
        stored = session.get(User, manager.id)
        assert stored is not None
        stored.phone = "+31611112222"
    boss = calls_app.test_client()
    log_in(boss, calls_app, manager)

    def listen() -> str:
        page = boss.get("/desk/manager").get_data(as_text=True)
        token = page.split('name="csrf_token" value="')[1].split('"')[0]
        answer = boss.post(f"/desk/manager/listen/{reference}", data={"csrf_token": token})
        return boss.get(answer.location).get_data(as_text=True)

    assert "alleen als de hulpverlener jouw desk om hulp vroeg" in listen()  # not asked
    page = client.get("/desk").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    client.post(f"/desk/contacts/{reference}/help", data={"csrf_token": token})
    assert "Meeluisteren" in boss.get("/desk/manager").get_data(as_text=True)
    listen()
    run_jobs(calls_app, redis_conn)
    # The manager's phone is screened as a counsellor's (review 2): no longer added
    # straight into the conference as a participant (a voicemail answering it would have
    # heard the call), but rung to the "press 1" prompt; the 1 joins it as a coach.
    assert not twilio_double.received("/Participants.json")
    placed = twilio_double.received("/Calls.json")[-1]
    assert placed.params["To"] == "+31611112222" and placed.params["From"] == DESK_NUMBER
    coach = [leg for leg in legs(calls_app, reference) if leg.kind == "coach"][-1]
    params = {"CallSid": coach.call_sid or "", "CallStatus": "in-progress",
              "From": DESK_NUMBER, "To": "+31611112222"}
    joined = answer_counsellor_leg(calls_app.test_client(), coach.id or 0, params)
    root = ET.fromstring(joined.get_data(as_text=True))  # noqa: S314 - Loket's own
    conference = root.find("./Dial/Conference")
    assert conference is not None and conference.text == mine.conference
    assert conference.get("coach") == mine.call_sid
    page = client.get(f"/desk/contacts/{reference}").get_data(as_text=True)
    assert "Leidinggevende luistert mee" in page  # announced on the counsellor's screen
    with Session(engine_of(calls_app)) as session:
        details = session.exec(select(AuditEvent.detail).where(
            AuditEvent.contact_reference == reference)).all()
    assert "listening in (coaching the counsellor)" in details


def test_a_warm_transfer_brings_in_the_other_desk_then_the_counsellor_leaves(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,
) -> None:
    client, me = counsellor_with_phone(calls_app)
    reference, mine = live_call(calls_app, redis_conn, twilio_double, client)
    refused = act(client, reference, "warm_transfer", desk="veterans", note="Veteraan, Uruzgan")
    assert "Niemand van die desk is nu beschikbaar" in client.get(refused.location).get_data(
        as_text=True)
    colleague = make_user(calls_app, role="counsellor", desk="veterans")
    with session_scope(engine_of(calls_app)) as session:
        stored = session.get(User, colleague.id)
        assert stored is not None
        stored.phone, stored.available, stored.availability = "+31633334444", True, "available"
    act(client, reference, "warm_transfer", desk="veterans", note="Veteraan, Uruzgan")
    run_jobs(calls_app, redis_conn)
    assert twilio_double.calls_to()[-1] == "+31633334444"  # the colleague's phone rings
    with Session(engine_of(calls_app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        transfer = session.exec(select(CallLeg).where(CallLeg.kind == "transfer")).one()
    assert contact.desk == "veterans" and contact.assigned_user_id is None  # moved, handed over
    call_status(calls_app, transfer.call_sid or "", "in-progress", "+31633334444")
    # Answered is not taken: only the colleague pressing 1 joins them to the call.
    with Session(engine_of(calls_app)) as session:
        assert session.exec(select(Contact).where(Contact.reference == reference)).one() \
            .assigned_user_id is None
    joined = answer_counsellor_leg(calls_app.test_client(), transfer.id or 0,
                                   {"CallSid": transfer.call_sid or "", "From": DESK_NUMBER,
                                    "To": "+31633334444"})
    conference = ET.fromstring(joined.get_data(as_text=True)).find(  # noqa: S314 - ours
        "./Dial/Conference")
    assert conference is not None and conference.text == mine.conference
    call_status(calls_app, mine.call_sid or "", "completed", COUNSELLOR_PHONE)
    run_jobs(calls_app, redis_conn)
    with Session(engine_of(calls_app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
    assert contact.assigned_user_id == colleague.id and contact.status == "in_progress"
    assert not [r for r in twilio_double.requests if r.params.get("Status") == "completed"]
    theirs = calls_app.test_client()
    log_in(theirs, calls_app, colleague)
    page = theirs.get(f"/desk/contacts/{reference}").get_data(as_text=True)
    assert "Veteraan, Uruzgan" in page  # the handover note on top
    assert me.id != colleague.id


def test_when_the_counsellor_hangs_up_alone_the_person_s_side_ends_too(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,
) -> None:
    client, _ = counsellor_with_phone(calls_app)
    reference, mine = live_call(calls_app, redis_conn, twilio_double, client)
    person = [leg for leg in legs(calls_app, reference) if leg.kind == "person"][-1]
    call_status(calls_app, person.call_sid or "", "in-progress", PERSON)
    call_status(calls_app, mine.call_sid or "", "completed", COUNSELLOR_PHONE)
    run_jobs(calls_app, redis_conn)
    ended = [r for r in twilio_double.requests if r.params.get("Status") == "completed"]
    assert len(ended) == 1 and ended[0].path.endswith(f"/Calls/{person.call_sid}.json")


def test_a_crisis_callback_not_reached_escalates_at_once_and_stays_callable(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,
) -> None:
    client, _ = counsellor_with_phone(calls_app)
    reference = waiting(calls_app, crisis=True, phone=PERSON)
    with session_scope(engine_of(calls_app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        kept = callbacks.keep_crisis_reach(session=session, contact=contact, phone=PERSON)
        session.flush()
        callback_id = kept.id or 0
    person = ring_and_answer(calls_app, redis_conn, twilio_double, client, reference)
    call_status(calls_app, person.call_sid or "", "no-answer", PERSON)
    row = callback_row(calls_app, callback_id)
    assert row.status == "crisis" and row.last_outcome == "no_answer"  # never parked
    with Session(engine_of(calls_app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        from loket.store.models import Escalation

        raised = session.exec(select(Escalation.step).where(
            Escalation.contact_id == contact.id)).all()
    assert contact.status == "waiting" and contact.assigned_user_id is None
    assert raised == [1]  # escalated after its first failed attempt, not after 2 minutes
    assert "Escalatie: crisis" in client.get("/desk/queue/rows").get_data(as_text=True)


def test_a_personal_callback_rings_its_counsellor_when_due(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,
) -> None:
    client, me = counsellor_with_phone(calls_app)
    reference = waiting(calls_app, channel="sms", phone=PERSON)
    act(client, reference, "claim")
    page = client.get(f"/desk/contacts/{reference}").get_data(as_text=True)
    assert "Terugbellen afspreken" in page
    act(client, reference, "plan_callback", window="tomorrow", personal="1", voicemail="1")
    with Session(engine_of(calls_app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        planned = session.exec(select(CallbackRequest).where(
            CallbackRequest.contact_id == contact.id)).one()
    assert contact.status == "callback" and contact.assigned_user_id is None
    assert planned.claimed_by == me.id and planned.voicemail_allowed
    assert planned.window == "tomorrow"
    run_jobs(calls_app, redis_conn)
    assert twilio_double.calls_to() == []  # not yet: tomorrow
    with session_scope(engine_of(calls_app)) as session:  # tomorrow has come
        stored = session.get(CallbackRequest, planned.id)
        assert stored is not None
        stored.next_attempt_at = utcnow() - timedelta(seconds=1)
    with calls_app.app_context():
        from loket.queue import calls as call_jobs

        assert call_jobs.callbacks_due() == 1
    assert twilio_double.calls_to() == [COUNSELLOR_PHONE]  # their phone rings, at once
    row = callback_row(calls_app, planned.id or 0)
    assert row.status == "calling"
    with Session(engine_of(calls_app)) as session:
        held = session.exec(select(Contact).where(Contact.reference == reference)).one()
    assert held.assigned_user_id == me.id
    mine = legs(calls_app, reference)[-1]
    call_status(calls_app, mine.call_sid or "", "no-answer", COUNSELLOR_PHONE)  # not there
    row = callback_row(calls_app, planned.id or 0)
    assert row.status == "due" and row.attempts == 0  # the person was never rung
    assert reference in client.get("/desk/queue/rows").get_data(as_text=True)  # the desk's


def test_a_personal_callback_of_a_counsellor_away_waits_for_the_desk(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,
) -> None:
    client, _ = counsellor_with_phone(calls_app)
    reference = waiting(calls_app, channel="sms", phone=PERSON)
    act(client, reference, "claim")
    act(client, reference, "plan_callback", window="asap", personal="1")
    queue_page = client.get("/desk").get_data(as_text=True)
    token = queue_page.split('name="csrf_token" value="')[1].split('"')[0]
    client.post("/desk/availability", data={"csrf_token": token, "status": "away"})
    run_jobs(calls_app, redis_conn)
    assert twilio_double.calls_to() == []
    with Session(engine_of(calls_app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        callback = session.exec(select(CallbackRequest).where(
            CallbackRequest.contact_id == contact.id)).one()
    assert callback.status == "due"


def test_a_refused_move_of_a_waiting_caller_is_taken_again_by_the_retry(
    calls_app: Flask,
) -> None:
    reference = waiting(calls_app, channel="phone")
    with session_scope(engine_of(calls_app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        caller = calls.new_leg(session=session, contact=contact, user=None, kind="caller",
                               call_sid="CA" + "1" * 32, place=False)
        session.flush()
        leg_id = caller.id or 0
        assert calls.take_leg(session=session, leg_id=leg_id, kind="caller") is not None
        calls.leg_failed(session=session, leg_id=leg_id, reason="Twilio answered 500",
                         final=False)
        retried = calls.take_leg(session=session, leg_id=leg_id, kind="caller")
        assert retried is not None and retried.error and "could not place" in retried.error
        calls.leg_failed(session=session, leg_id=leg_id, reason="Twilio answered 500",
                         final=True)
        assert calls.take_leg(session=session, leg_id=leg_id) is None  # given up: failed


def test_a_callback_let_go_of_waits_among_the_callbacks_not_on_the_line(
    calls_app: Flask,
) -> None:
    # Claimed and released before it was made, the callback is still to be made: the
    # contact is a callback again (as the intake filed it), not someone waiting on the line
    # whom a counsellor could "answer".
    client, _ = counsellor_with_phone(calls_app)
    reference, callback_id = callback_for(calls_app, window="evening")
    make_due_now(calls_app, callback_id)
    assert act(client, reference, "claim").status_code == 303
    assert act(client, reference, "release").status_code == 303
    with Session(engine_of(calls_app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
    assert (contact.status, contact.assigned_user_id) == ("callback", None)
    assert callback_row(calls_app, callback_id).status == "due"
