"""The desk manager's "listen in" (coaching) rings the manager's own phone, screened as a
counsellor's is: only a 1 pressed at the prompt joins them to the confidential call (as a
coach, heard by the counsellor only). A voicemail that answers the manager's phone presses
nothing: its leg ends and it never hears, nor records, a word of the call.

Through the real routes, RQ jobs on a real Redis and the real `twilio` client talking to
the local Twilio REST double, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from redis import Redis
from sqlmodel import Session

from loket.store.db import session_scope
from loket.store.models import CallLeg, User
from tests.desk.helpers import log_in, make_user
from tests.desk.test_workspace import engine_of
from tests.queue.test_call_screening import twiml, voicemail_answers
from tests.queue.test_callbacks import (
    DESK_NUMBER,
    calls_app,  # noqa: F401 - the fixture, on SQLite and PostgreSQL
    counsellor_with_phone,
    legs,
    live_call,
    run_jobs,
)
from tests.twilio_double import TwilioDouble, answer_counsellor_leg, press

MANAGER_PHONE = "+31611112222"


def manager_listens(app: Flask, redis: Redis, reference: str) -> CallLeg:
    """The counsellor asks for help, their manager presses "listen in", the job rings the
    manager's phone; return the manager's leg."""
    manager = make_user(app, role="manager", desk="police")
    with session_scope(engine_of(app)) as session:
        stored = session.get(User, manager.id)
        assert stored is not None
        stored.phone = MANAGER_PHONE
    boss = app.test_client()
    log_in(boss, app, manager)
    page = boss.get("/desk/manager").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    assert boss.post(f"/desk/manager/listen/{reference}",
                     data={"csrf_token": token}).status_code == 303
    run_jobs(app, redis)
    return [leg for leg in legs(app, reference) if leg.kind == "coach"][-1]


def ask_help(client: FlaskClient, reference: str) -> None:
    """The counsellor on the call asks their desk for help."""
    page = client.get("/desk").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    client.post(f"/desk/contacts/{reference}/help", data={"csrf_token": token})


def test_the_manager_s_phone_is_screened_before_it_hears_the_call(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    client, _ = counsellor_with_phone(calls_app)
    reference, mine = live_call(calls_app, redis_conn, twilio_double, client)
    ask_help(client, reference)
    coach = manager_listens(calls_app, redis_conn, reference)

    # Never added straight into the conference: a call of its own, to the screening prompt.
    assert not twilio_double.received("/Participants.json")
    placed = twilio_double.received("/Calls.json")[-1]
    assert placed.params["To"] == MANAGER_PHONE and placed.params["From"] == DESK_NUMBER
    assert placed.params["Url"].endswith(f"/twilio/calls/{coach.id}/counsellor")
    assert coach.call_sid

    params = {"CallSid": coach.call_sid, "CallStatus": "in-progress", "From": DESK_NUMBER,
              "To": MANAGER_PHONE}
    prompt = twiml(answer_counsellor_leg(calls_app.test_client(), coach.id or 0, params,
                                         digits=None))
    gather = prompt.find("./Gather")
    assert gather is not None and not prompt.findall(".//Conference")
    said = gather.find("./Say")
    assert said is not None and said.text == (
        f"Meeluisteren {' '.join(reference)}. Druk op 1 om mee te luisteren.")

    joined = twiml(answer_counsellor_leg(calls_app.test_client(), coach.id or 0, params,
                                         digits="1"))
    conference = joined.find("./Dial/Conference")
    assert conference is not None and conference.text == mine.conference
    assert conference.get("coach") == mine.call_sid  # heard by the counsellor only
    assert conference.get("record") == "do-not-record"
    assert conference.get("endConferenceOnExit") == "false"
    with Session(engine_of(calls_app)) as session:
        stored = session.get(CallLeg, coach.id)
        assert stored is not None and stored.status == "in-progress"


def test_a_voicemail_on_the_manager_s_phone_never_hears_the_call(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    client, _ = counsellor_with_phone(calls_app)
    reference, mine = live_call(calls_app, redis_conn, twilio_double, client)
    ask_help(client, reference)
    coach = manager_listens(calls_app, redis_conn, reference)
    assert not twilio_double.received("/Participants.json")
    params = {"CallSid": coach.call_sid or "", "CallStatus": "in-progress",
              "From": DESK_NUMBER, "To": MANAGER_PHONE}

    last = voicemail_answers(calls_app, coach, params)
    late = press(calls_app.test_client(), last, params, "1")  # nothing to press any more
    run_jobs(calls_app, redis_conn)

    for answer in (last, late):
        root = twiml(answer)
        assert root.find("./Hangup") is not None and not root.findall(".//Conference")
    with Session(engine_of(calls_app)) as session:
        stored = session.get(CallLeg, coach.id)
        assert stored is not None and stored.status == "no-answer"
        counsellor = session.get(CallLeg, mine.id)
        assert counsellor is not None and counsellor.status == "in-progress"  # call goes on
    # Nobody's side of the call was hung up because of the manager's voicemail.
    assert not [r for r in twilio_double.requests if r.params.get("Status") == "completed"]
