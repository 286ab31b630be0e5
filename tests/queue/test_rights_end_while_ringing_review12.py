"""A phone rang for a counsellor or a manager; while it rang an admin disabled them or
moved them to another desk, or the help request the manager came for was answered. Pressing 1
still put them through: a counsellor to the person of a callback (of a desk they no longer
see), a manager into the confidential call. Now asked again as 1 is pressed (as for a warm
transfer's colleague): they hear that the call is no longer theirs; a callback goes back to
the desk, due. On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from flask import Flask
from redis import Redis
from sqlmodel import Session, select

from loket.domain import accounts
from loket.store.db import session_scope
from loket.store.models import CallbackRequest, CallLeg, HelpRequest, User
from loket.store.types import utcnow
from tests.desk.test_workspace import act, engine_of
from tests.queue.test_call_screening import twiml
from tests.queue.test_callbacks import (  # noqa: F401 - calls_app is the fixture
    COUNSELLOR_PHONE,
    DESK_NUMBER,
    callback_for,
    calls_app,
    counsellor_with_phone,
    legs,
    live_call,
    make_due_now,
    run_jobs,
)
from tests.queue.test_listen_in_review2 import MANAGER_PHONE, ask_help, manager_listens
from tests.twilio_double import TwilioDouble, answer_counsellor_leg

NOT_YOURS = "Dit gesprek is niet meer voor u"


@pytest.mark.parametrize("change", ["disable", "move"])
def test_a_counsellor_whose_rights_ended_while_their_phone_rang_is_not_put_through(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
    change: str,
) -> None:
    client, user = counsellor_with_phone(calls_app)
    reference, callback_id = callback_for(calls_app)
    make_due_now(calls_app, callback_id)
    act(client, reference, "claim")
    assert act(client, reference, "call").status_code == 303
    run_jobs(calls_app, redis_conn)
    leg = [g for g in legs(calls_app, reference) if g.kind == "counsellor"][-1]
    assert leg.call_sid
    with session_scope(engine_of(calls_app)) as session:
        if change == "disable":
            accounts.set_active(session=session, user_id=user.id, active=False, admin_id=None)
        else:
            accounts.change_role(session=session, user_id=user.id, admin_id=None,
                                 change=accounts.UserChange(role="counsellor", desk="debasis"))
    params = {"CallSid": leg.call_sid, "CallStatus": "in-progress", "From": DESK_NUMBER,
              "To": COUNSELLOR_PHONE}
    answer = answer_counsellor_leg(calls_app.test_client(), leg.id or 0, params, digits="1")
    run_jobs(calls_app, redis_conn)
    joined = bool(twiml(answer).findall(".//Conference"))
    person_rung = [g for g in legs(calls_app, reference) if g.kind == "person"]
    assert not joined and not person_rung
    assert NOT_YOURS in answer.get_data(as_text=True)
    with Session(engine_of(calls_app)) as session:
        callback = session.get(CallbackRequest, callback_id)
        assert callback is not None and callback.status == "due"  # the desk's to call


def joined_conference(app: Flask, coach: CallLeg) -> bool:
    params = {"CallSid": coach.call_sid or "", "CallStatus": "in-progress",
              "From": "+3120", "To": MANAGER_PHONE}
    answer = answer_counsellor_leg(app.test_client(), coach.id or 0, params, digits="1")
    joined = bool(twiml(answer).findall(".//Conference"))
    assert joined or NOT_YOURS in answer.get_data(as_text=True)
    return joined


def manager_of(app: Flask, coach: CallLeg) -> int:
    return int(coach.user_id or 0)


def listening_manager(app: Flask, redis_conn: Redis, twilio_double: TwilioDouble) -> CallLeg:
    """A counsellor on a live call asks for help; their manager's phone rings to listen in."""
    client, _ = counsellor_with_phone(app)
    reference, _mine = live_call(app, redis_conn, twilio_double, client)
    ask_help(client, reference)
    return manager_listens(app, redis_conn, reference)


def test_a_manager_disabled_while_their_phone_rings_does_not_hear_the_call(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    coach = listening_manager(calls_app, redis_conn, twilio_double)
    with session_scope(engine_of(calls_app)) as session:
        admin = session.exec(select(User).where(User.role == "admin")).first()
        accounts.set_active(session=session, user_id=manager_of(calls_app, coach),
                            active=False, admin_id=admin.id if admin else None)
    assert not joined_conference(calls_app, coach)


def test_a_manager_still_asked_for_hears_the_call(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    coach = listening_manager(calls_app, redis_conn, twilio_double)
    assert joined_conference(calls_app, coach)


def test_a_manager_whose_help_request_was_answered_meanwhile_does_not_hear_the_call(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    coach = listening_manager(calls_app, redis_conn, twilio_double)
    with session_scope(engine_of(calls_app)) as session:
        for row in session.exec(select(HelpRequest)).all():
            row.resolved_at = utcnow()
            session.add(row)
    assert not joined_conference(calls_app, coach)
