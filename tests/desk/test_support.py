"""Asking the desk for help, and flags on a person: a second person approves, they expire,
they are shown but never block a contact, a crisis least of all."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from flask import Flask
from sqlalchemy import text
from sqlmodel import Session, col, select

from loket.domain import support
from loket.store.db import session_scope
from loket.store.models import AuditEvent, Contact, PersonFlag, User
from loket.store.types import utcnow
from tests.channels import test_messaging as sms
from tests.desk.helpers import log_in, make_user
from tests.desk.test_workspace import PHONE, act, counsellor, engine_of, post, trail, waiting

REASON = "Scheldt herhaaldelijk medewerkers uit"


def manager_of(app: Flask, desk: str) -> object:
    client = app.test_client()
    log_in(client, app, make_user(app, role="manager", desk=desk))
    return client


def test_asking_for_help_alerts_the_desk_s_manager_and_colleagues_only(
    store_app: Flask,
) -> None:
    reference = waiting(store_app)
    anouk, user = counsellor(store_app, display_name="Anouk")
    colleague, _ = counsellor(store_app)
    other_desk, _ = counsellor(store_app, desk="veterans")
    act(anouk, reference, "claim")
    asked = post(anouk, f"/desk/contacts/{reference}/help")
    assert "verstuurd" in anouk.get(asked.location).get_data(as_text=True)
    again = post(anouk, f"/desk/contacts/{reference}/help")
    assert "staat nog open" in anouk.get(again.location).get_data(as_text=True)
    line = f"Anouk vraagt ondersteuning bij {reference}"
    assert line in colleague.get("/desk/queue/rows").get_data(as_text=True)  # in the poll
    assert line not in other_desk.get("/desk").get_data(as_text=True)
    police = manager_of(store_app, "police")
    page = police.get("/desk/manager").get_data(as_text=True)  # type: ignore[attr-defined]
    assert line in page and PHONE not in page
    assert line not in manager_of(store_app, "veterans").get(  # type: ignore[attr-defined]
        "/desk/manager").get_data(as_text=True)
    assert ("help", user.id) in trail(store_app, reference)
    help_id = page.split("/desk/help/")[1].split("/")[0]
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    police.post(f"/desk/help/{help_id}/resolve", data={"csrf_token": token})  # type: ignore[attr-defined]
    assert line not in colleague.get("/desk").get_data(as_text=True)


def test_a_flag_needs_a_second_person_of_the_desk_and_then_shows_in_the_queue(
    store_app: Flask,
) -> None:
    reference = waiting(store_app)
    setter, me = counsellor(store_app)
    colleague, other = counsellor(store_app)
    veterans, _ = counsellor(store_app, desk="veterans")
    short = post(setter, f"/desk/contacts/{reference}/flag", flag="abusive", reason="boos")
    assert "minstens 10 tekens" in setter.get(short.location).get_data(as_text=True)
    post(setter, f"/desk/contacts/{reference}/flag", flag="abusive", reason=REASON)
    with Session(engine_of(store_app)) as session:
        flag = session.exec(select(PersonFlag)).one()
        assert flag.expires_at - flag.created_at == timedelta(days=30)
    with engine_of(store_app).connect() as conn:  # kept encrypted
        assert "Scheldt" not in str(conn.execute(text("SELECT reason FROM person_flag")).one())
    # Not shown until approved; the setter cannot approve their own, another desk cannot.
    assert "grensoverschrijdend" not in setter.get("/desk/queue/rows").get_data(True)
    assert REASON not in setter.get("/desk").get_data(as_text=True)
    assert post(setter, f"/desk/flags/{flag.id}/approve").status_code == 404
    assert post(veterans, f"/desk/flags/{flag.id}/approve").status_code == 404
    assert REASON in colleague.get("/desk").get_data(as_text=True)
    assert post(colleague, f"/desk/flags/{flag.id}/approve").status_code == 303
    rows = setter.get("/desk/queue/rows").get_data(as_text=True)
    assert "grensoverschrijdend" in rows
    assert "grensoverschrijdend" in setter.get(f"/desk/contacts/{reference}").get_data(True)
    events = trail(store_app, reference)
    assert ("flag", me.id) in events and ("flag-approve", other.id) in events
    with session_scope(engine_of(store_app)) as session:  # it expires
        stored = session.get(PersonFlag, flag.id)
        assert stored is not None
        stored.expires_at = utcnow() - timedelta(seconds=1)
    assert "grensoverschrijdend" not in setter.get("/desk/queue/rows").get_data(True)


def test_the_desk_s_manager_may_approve_and_sees_no_number(store_app: Flask) -> None:
    reference = waiting(store_app)
    setter, _ = counsellor(store_app)
    post(setter, f"/desk/contacts/{reference}/flag", flag="frequent", reason=REASON)
    police = manager_of(store_app, "police")
    page = police.get("/desk/manager").get_data(as_text=True)  # type: ignore[attr-defined]
    assert "belt vaak" in page and PHONE not in page
    flag_id = page.split("/desk/flags/")[1].split("/")[0]
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    answer = police.post(f"/desk/flags/{flag_id}/approve",  # type: ignore[attr-defined]
                         data={"csrf_token": token})
    assert answer.status_code == 303


def test_a_flagged_person_s_crisis_is_still_urgent_and_offered_to_everyone(
    store_app: Flask,
) -> None:
    person = store_app.test_client()
    sms.walk(person, "Hallo", "1", "1")
    with Session(engine_of(store_app)) as session:
        first = session.exec(select(Contact)).one()
    setter, _ = counsellor(store_app, desk=first.desk or "police")
    colleague, _ = counsellor(store_app, desk=first.desk or "police")
    post(setter, f"/desk/contacts/{first.reference}/flag", flag="abusive", reason=REASON)
    with Session(engine_of(store_app)) as session:
        flag_id = session.exec(select(PersonFlag.id)).one()
    post(colleague, f"/desk/flags/{flag_id}/approve")
    act(setter, first.reference, "claim")
    act(setter, first.reference, "close", outcome="helped")
    # The colleague is free: at any hour the crisis is served where they are (their desk by
    # overflow in the daytime, the pool at night), not parked with the setter.
    post(colleague, "/desk/availability", status="available")
    sms.walk(person, sms.CRISIS_NL)
    with Session(engine_of(store_app)) as session:
        crisis = session.exec(select(Contact).order_by(col(Contact.id).desc())).first()
    assert crisis is not None and crisis.id != first.id
    assert crisis.crisis and crisis.priority == "urgent" and crisis.status == "waiting"
    rows = colleague.get("/desk/queue/rows").get_data(as_text=True)
    assert crisis.reference in rows and "grensoverschrijdend" in rows


def test_another_desk_s_contact_cannot_be_flagged_or_helped(app: Flask) -> None:
    reference = waiting(app, desk="veterans")
    client, _ = counsellor(app)
    assert post(client, f"/desk/contacts/{reference}/flag", flag="abusive",
                reason=REASON).status_code == 404
    assert post(client, f"/desk/contacts/{reference}/help").status_code == 404
    with Session(engine_of(app)) as session:
        assert session.exec(select(PersonFlag)).all() == []


def test_two_approvals_of_one_flag_at_once_approve_it_once(store_app: Flask) -> None:
    # A colleague and the manager press "approve" at the same moment: one approval counts,
    # the other is told it is done already; the trail holds one approval.
    reference = waiting(store_app)
    setter, _ = counsellor(store_app)
    post(setter, f"/desk/contacts/{reference}/flag", flag="frequent", reason=REASON)
    colleague = make_user(store_app, role="counsellor", desk="police")
    boss = make_user(store_app, role="manager", desk="police")
    with Session(engine_of(store_app)) as session:
        flag_id = session.exec(select(PersonFlag.id)).one()
        assert flag_id is not None
    outcome: list[bool] = []

    def approve(user_id: int | None) -> None:
        with session_scope(engine_of(store_app)) as session:
            user = session.get(User, user_id)
            assert user is not None
            outcome.append(support.approve_flag(session=session, approver=user,
                                                flag_id=flag_id))

    with session_scope(engine_of(store_app)) as first:
        user = first.get(User, colleague.id)
        assert user is not None
        assert support.approve_flag(session=first, approver=user, flag_id=flag_id)
        second = threading.Thread(target=approve, args=(boss.id,))
        second.start()
        time.sleep(0.5)
        assert outcome == []  # it waits for the first
    second.join(timeout=15)
    assert outcome == [False]
    with Session(engine_of(store_app)) as session:
        approvals = session.exec(select(AuditEvent).where(
            AuditEvent.event == "flag-approve")).all()
        assert len(approvals) == 1
        stored = session.get(PersonFlag, flag_id)
        assert stored is not None and stored.approved_by == colleague.id


def test_help_asked_on_another_desk_s_case_opened_in_an_emergency_is_not_shown_to_colleagues(
    store_app: Flask,
) -> None:
    # Anouk (police) opened a veterans case in an emergency and asks her desk for help. Her
    # colleagues may not open that case: they are not told its reference. Her manager is.
    reference = waiting(store_app, desk="veterans")
    anouk, _ = counsellor(store_app, display_name="Anouk")
    colleague, _ = counsellor(store_app)
    post(anouk, "/desk/break-glass", reference=reference,
         reason="Beller dreigt zichzelf iets aan te doen, dossier nodig")
    act(anouk, reference, "claim")
    assert post(anouk, f"/desk/contacts/{reference}/help").status_code == 303
    assert reference not in colleague.get("/desk/queue/rows").get_data(as_text=True)
    assert reference not in colleague.get("/desk").get_data(as_text=True)
    police = manager_of(store_app, "police")
    page = police.get("/desk/manager").get_data(as_text=True)  # type: ignore[attr-defined]
    assert f"Anouk vraagt ondersteuning bij {reference}" in page
