"""Continuity: a returning person's new contact is offered first, for a few minutes, to the
counsellor who last helped them (when available and not opted out); then to the desk."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from flask import Flask
from sqlmodel import Session, col, select

from loket.store.db import session_scope
from loket.store.models import Contact, User
from loket.store.types import utcnow
from tests.channels import test_messaging as sms
from tests.desk.test_workspace import act, counsellor, engine_of, post


def newest(app: Flask) -> Contact:
    with Session(engine_of(app)) as session:
        return session.exec(select(Contact).order_by(col(Contact.id).desc())).first()


def helped_once(app: Flask) -> tuple[Callable[[], str], object, object]:
    """A person texts in, counsellor A closes it, B is on duty too; then they text again."""
    person = app.test_client()
    sms.walk(person, "Hallo", "1", "1")
    first = newest(app)
    anouk, a = counsellor(app, desk=first.desk or "police", display_name="Anouk")
    bram, _ = counsellor(app, desk=first.desk or "police", display_name="Bram")
    for client in (anouk, bram):
        post(client, "/desk/availability", status="available")
    act(anouk, first.reference, "claim")
    act(anouk, first.reference, "close", outcome="helped")

    def again() -> str:
        sms.walk(person, "Hallo, ik ben het weer", "1", "1")
        return newest(app).reference

    return again, (anouk, a), bram


def test_the_last_counsellor_is_offered_the_new_contact_first_then_the_desk(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(wrapup_minutes=0, continuity_minutes=5)
    again, (anouk, a), bram = helped_once(app)
    reference = again()
    contact = newest(app)
    assert contact.offered_to_user_id == a.id  # type: ignore[attr-defined]
    assert reference in anouk.get("/desk").get_data(as_text=True)
    assert reference not in bram.get("/desk").get_data(as_text=True)
    # The poll's rows too, though the desk's counsellors share rendered rows.
    assert reference not in bram.get("/desk/queue/rows").get_data(as_text=True)
    assert reference in anouk.get("/desk/queue/rows").get_data(as_text=True)
    assert "voor jou" in anouk.get("/desk/queue/rows").get_data(as_text=True)
    assert reference not in bram.get("/desk/queue/rows").get_data(as_text=True)
    with session_scope(engine_of(app)) as session:  # the offer runs out
        stored = session.get(Contact, contact.id)
        assert stored is not None
        stored.offered_until = utcnow() - timedelta(seconds=1)
    assert reference in bram.get("/desk").get_data(as_text=True)


def test_no_offer_when_the_counsellor_is_away_or_opted_out(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(wrapup_minutes=0)
    again, (anouk, a), bram = helped_once(app)
    post(anouk, "/desk/availability", status="away")
    again()
    assert newest(app).offered_to_user_id is None
    post(anouk, "/desk/availability", status="available")
    assert 'name="offered" value="1" checked' in anouk.get("/desk").get_data(as_text=True)
    post(anouk, "/desk/continuity")  # the box unticked: opted out
    with Session(engine_of(app)) as session:
        user = session.get(User, a.id)  # type: ignore[attr-defined]
        assert user is not None and user.continuity_opt_out
    again()
    assert newest(app).offered_to_user_id is None


def test_a_crisis_is_never_held_back_for_one_counsellor(make_app: Callable[..., Flask]) -> None:
    app = make_app(wrapup_minutes=0)
    again, _, bram = helped_once(app)
    person = app.test_client()
    sms.walk(person, sms.CRISIS_NL)
    crisis = newest(app)
    assert crisis.crisis and crisis.offered_to_user_id is None
    assert crisis.reference in bram.get("/desk").get_data(as_text=True)


def test_no_offer_when_the_person_said_they_would_rather_not(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(wrapup_minutes=0)
    again, (anouk, a), bram = helped_once(app)
    first = newest(app)
    page = anouk.get(f"/desk/contacts/{first.reference}").get_data(as_text=True)
    assert "liever niet eerst bij dezelfde hulpverlener" in page
    act(anouk, first.reference, "wish", opted_out="1")  # what the person told Anouk
    reference = again()
    assert newest(app).offered_to_user_id is None
    assert reference in bram.get("/desk/queue/rows").get_data(as_text=True)
    with Session(engine_of(app)) as session:  # the wish is in the trail
        from loket.store.models import AuditEvent

        details = session.exec(select(AuditEvent.detail).where(
            AuditEvent.contact_reference == first.reference)).all()
    assert "person continuity opt-out=True" in details
    act(anouk, reference, "claim")  # they change their mind: the newest wish counts
    act(anouk, reference, "wish")
    act(anouk, reference, "close", outcome="helped")
    again()
    assert newest(app).offered_to_user_id == a.id  # type: ignore[attr-defined]
