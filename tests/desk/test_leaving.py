"""A counsellor who logs out with no other login open lets go of what they held: a person
(a crisis above all) must not wait on someone who left. A second login still open keeps
it, and so does a call still live."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, col, select

from loket.domain import contacts as contact_domain
from loket.queue import escalations
from loket.store.db import session_scope
from loket.store.models import (
    ApiToken,
    AuditEvent,
    CallLeg,
    Contact,
    Escalation,
    LoginSession,
    User,
)
from loket.store.types import utcnow
from tests.desk.helpers import api_token, log_in, make_user
from tests.desk.test_workspace import TOKEN, act, counsellor, engine_of, post, waiting


def log_out(client: FlaskClient) -> None:
    """Press "log out" in the staff menu."""
    token = TOKEN.search(client.get("/desk").get_data(as_text=True))
    assert token
    assert client.post("/desk/logout", data={"csrf_token": token.group(1)}).status_code == 303


def held(app: Flask, reference: str) -> tuple[int | None, str]:
    with Session(engine_of(app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        return contact.assigned_user_id, contact.status


def test_logging_out_puts_what_the_counsellor_held_back_in_the_queue(store_app: Flask) -> None:
    crisis = waiting(store_app, channel="webchat", phone=None, crisis=True)
    client, _ = counsellor(store_app)
    act(client, crisis, "claim")
    log_out(client)
    assert held(store_app, crisis) == (None, "waiting")
    with Session(engine_of(store_app)) as session:
        said = session.exec(select(AuditEvent.detail).where(
            AuditEvent.contact_reference == crisis, col(AuditEvent.event) == "release")).all()
    assert said == ["released: the counsellor logged out"]
    # Anyone of the desk may take it now.
    other, _ = counsellor(store_app)
    assert act(other, crisis, "claim").status_code == 303
    assert held(store_app, crisis)[1] == "in_progress"


def test_a_second_login_still_open_keeps_what_the_counsellor_holds(store_app: Flask) -> None:
    reference = waiting(store_app, channel="webchat", phone=None)
    laptop, user = counsellor(store_app)
    act(laptop, reference, "claim")
    tablet = store_app.test_client()
    log_in(tablet, store_app, user)  # the same counsellor, another browser
    log_out(laptop)
    assert held(store_app, reference) == (user.id, "in_progress")
    log_out(tablet)
    assert held(store_app, reference) == (None, "waiting")


def test_a_live_call_stays_with_the_counsellor_who_logs_out(store_app: Flask) -> None:
    call = waiting(store_app, channel="phone")
    chat = waiting(store_app, channel="webchat", phone=None)
    client, user = counsellor(store_app)
    act(client, call, "claim")
    with session_scope(engine_of(store_app)) as session:  # the counsellor is on the phone
        contact = session.exec(select(Contact).where(Contact.reference == call)).one()
        assert contact.id is not None
        session.add(CallLeg(contact_id=contact.id, user_id=user.id, kind="counsellor",
                            call_sid="CA" + "1" * 32, conference="loket-test",
                            status="in-progress"))
    with session_scope(engine_of(store_app)) as session:  # and held a chat before it
        contact = session.exec(select(Contact).where(Contact.reference == chat)).one()
        contact.assigned_user_id, contact.status = user.id, "in_progress"
        session.add(contact)
    log_out(client)
    assert held(store_app, call) == (user.id, "in_progress")
    assert held(store_app, chat) == (None, "waiting")


def test_a_crisis_held_by_a_counsellor_whose_browser_is_gone_is_alarmed_again(
    store_app: Flask,
) -> None:
    # The counsellor claimed a crisis and a calm chat, then their browser crashed: no
    # logout, and half an hour later their login has timed out. The sweep puts both back in
    # their queue and the crisis's alarm rises; a crisis on a live call, one of a counsellor
    # still here, and (until then) one worked on through the API stay.
    crisis = waiting(store_app, channel="webchat", phone=None, crisis=True, seconds_ago=600)
    calm = waiting(store_app, channel="webchat", phone=None)
    gone_client, gone = counsellor(store_app)
    act(gone_client, crisis, "claim")
    act(gone_client, calm, "claim")
    on_call = waiting(store_app, channel="phone", crisis=True, seconds_ago=600)
    act(gone_client, on_call, "claim")
    with session_scope(engine_of(store_app)) as session:  # talking on the phone, no browser
        contact = session.exec(select(Contact).where(Contact.reference == on_call)).one()
        assert contact.id is not None
        session.add(CallLeg(contact_id=contact.id, user_id=gone.id, kind="counsellor",
                            call_sid="CA" + "2" * 32, conference="loket-test",
                            status="in-progress"))
    here_client, here = counsellor(store_app)
    kept = waiting(store_app, channel="webchat", phone=None, crisis=True, seconds_ago=600)
    act(here_client, kept, "claim")
    via_api = waiting(store_app, channel="webchat", phone=None, crisis=True, seconds_ago=600)
    robot = make_user(store_app, role="counsellor", desk="police")
    bearer = {"Authorization": f"Bearer {api_token(store_app, robot)}"}
    claimed = store_app.test_client().post(f"/api/v1/contacts/{via_api}/claim", headers=bearer)
    assert claimed.status_code == 200
    with store_app.app_context():
        escalations.sweep()  # now: everyone is still there
    assert held(store_app, crisis) == (gone.id, "in_progress")
    assert held(store_app, via_api) == (robot.id, "in_progress")
    later = utcnow() + timedelta(minutes=31)
    with session_scope(engine_of(store_app)) as session:  # this one kept working all along
        for login in session.exec(select(LoginSession).where(LoginSession.user_id == here.id)):
            login.last_seen_at = later
            session.add(login)
    with store_app.app_context():
        escalations.sweep(later)
    assert held(store_app, crisis) == (None, "waiting")
    assert held(store_app, via_api) == (None, "waiting")
    assert held(store_app, calm) == (None, "waiting")
    assert held(store_app, on_call) == (gone.id, "in_progress")
    assert held(store_app, kept) == (here.id, "in_progress")
    with Session(engine_of(store_app)) as session:
        said = session.exec(select(AuditEvent.detail).where(
            AuditEvent.contact_reference == crisis, col(AuditEvent.event) == "release")).all()
        rose = session.exec(select(Escalation).join(
            Contact, col(Contact.id) == Escalation.contact_id).where(
            Contact.reference == crisis)).all()
    assert said == ["released: the counsellor's login ended"] and len(rose) == 1


def availability(app: Flask, user_id: int | None) -> str:
    with Session(engine_of(app)) as session:
        user = session.get(User, user_id)
        assert user is not None
        return user.availability


def test_who_is_not_here_is_not_counted_available(store_app: Flask) -> None:
    # The routing counts the available counsellors: one who logged out, or whose browser
    # closed half an hour ago, must not keep a desk from overflowing (a crisis least of
    # all). One still here and one whose API client calls stay available.
    out_client, out = counsellor(store_app)
    gone_client, gone = counsellor(store_app)
    here_client, here = counsellor(store_app)
    robot = make_user(store_app, role="counsellor", desk="police")
    token = api_token(store_app, robot)
    for client in (out_client, gone_client, here_client):
        post(client, "/desk/availability", status="available")
    bearer = {"Authorization": f"Bearer {token}"}
    assert store_app.test_client().put("/api/v1/me/availability", headers=bearer,
                                       json={"status": "available"}).status_code == 200
    log_out(out_client)
    assert availability(store_app, out.id) == "away"
    with Session(engine_of(store_app)) as session:
        assert contact_domain.live_state(session=session)["police"]["available"] == 3
    later = utcnow() + timedelta(minutes=31)
    with session_scope(engine_of(store_app)) as session:  # still here, still calling
        for login in session.exec(select(LoginSession).where(LoginSession.user_id == here.id)):
            login.last_seen_at = later
            session.add(login)
        for api in session.exec(select(ApiToken).where(ApiToken.user_id == robot.id)):
            api.last_used_at = later
            session.add(api)
    with store_app.app_context():
        escalations.sweep(later)
    assert [availability(store_app, u.id) for u in (gone, here, robot)] == [
        "away", "available", "available"]
