"""A counsellor's unsent text on a contact (a draft) is forgotten on every way the contact
leaves their hands, not only a release, hand-over or close (review 5): logging out, the
sweeps that let go for a counsellor who is gone or may no longer see it, a warm transfer,
a callback planned or a callback attempt that failed, and an admin disabling or moving
them. A draft holds personal text that nobody would send any more."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from loket.domain import accounts, calls, workspace
from loket.queue import escalations
from loket.store.db import session_scope
from loket.store.models import CallbackRequest, CallLeg, Contact, Draft, User
from loket.store.types import utcnow
from tests.desk.helpers import make_user
from tests.desk.test_leaving import log_out
from tests.desk.test_workspace import act, counsellor, engine_of, waiting

TYPED = "Ik hoor dat je sinds je uitzending slecht slaapt"


def drafted(app: Flask, reference: str) -> tuple[FlaskClient, User]:
    """A counsellor who claimed a contact and typed a reply not yet sent: their client."""
    client, user = counsellor(app)
    before = drafts(app)
    assert act(client, reference, "claim").status_code == 303
    assert act(client, reference, "draft", kind="reply", body=TYPED).status_code == 204
    assert drafts(app) == before + 1
    return client, user


def drafts(app: Flask) -> int:
    """How many drafts are stored."""
    with Session(engine_of(app)) as session:
        return len(session.exec(select(Draft)).all())


def on_the_phone(app: Flask, reference: str, user: User, status: str = "in-progress") -> int:
    """The counsellor's call on this contact (live unless said otherwise): its leg's id."""
    with session_scope(engine_of(app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        assert contact.id is not None
        leg = CallLeg(contact_id=contact.id, user_id=user.id, kind="counsellor",
                      call_sid=f"CA{contact.id:032d}", conference=f"loket-{contact.id}",
                      status=status)
        session.add(leg)
        session.flush()
        return leg.id or 0


def test_logging_out_forgets_the_drafts_of_what_was_let_go(store_app: Flask) -> None:
    reference = waiting(store_app, channel="webchat", phone=None)
    client, _ = drafted(store_app, reference)
    log_out(client)
    assert drafts(store_app) == 0


def test_the_sweep_forgets_the_drafts_of_a_counsellor_who_is_gone(store_app: Flask) -> None:
    reference = waiting(store_app, channel="webchat", phone=None)
    drafted(store_app, reference)
    with store_app.app_context():
        escalations.sweep(utcnow() + timedelta(minutes=31))  # their login timed out
    assert drafts(store_app) == 0


def test_the_sweep_forgets_the_drafts_of_a_contact_no_longer_theirs_to_see(
    store_app: Flask,
) -> None:
    reference = waiting(store_app, channel="webchat", phone=None)
    drafted(store_app, reference)
    with session_scope(engine_of(store_app)) as session:  # the veterans' own now
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        contact.desk = contact.queue = "veterans"
        session.add(contact)
    with session_scope(engine_of(store_app)) as session:
        assert workspace.release_unseen(session=session) == [reference]
    assert drafts(store_app) == 0


def test_planning_a_callback_forgets_the_draft(store_app: Flask) -> None:
    reference = waiting(store_app, channel="sms")
    client, _ = drafted(store_app, reference)
    assert act(client, reference, "plan_callback", window="tomorrow").status_code == 303
    with Session(engine_of(store_app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
    assert contact.status == "callback" and contact.assigned_user_id is None
    assert drafts(store_app) == 0


def test_a_callback_not_reached_forgets_the_draft(store_app: Flask) -> None:
    reference = waiting(store_app, channel="phone", status="callback")
    with session_scope(engine_of(store_app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        assert contact.id is not None
        session.add(CallbackRequest(
            contact_id=contact.id, phone="+31612345678", window="asap", status="due",
            window_start=utcnow() - timedelta(minutes=5),
            window_end=utcnow() + timedelta(hours=1)))
    client, _ = drafted(store_app, reference)
    assert act(client, reference, "call_outcome", outcome="no_answer").status_code == 303
    with Session(engine_of(store_app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
    assert contact.assigned_user_id is None  # back among the desk's callbacks
    assert drafts(store_app) == 0


def test_a_warm_transfer_forgets_the_draft(store_app: Flask) -> None:
    reference = waiting(store_app)
    _, user = drafted(store_app, reference)
    on_the_phone(store_app, reference, user)
    colleague = make_user(store_app, role="counsellor", desk="veterans")
    with session_scope(engine_of(store_app)) as session:
        stored = session.get(User, colleague.id)
        assert stored is not None
        stored.phone, stored.available, stored.availability = "+31633334444", True, "available"
        me = session.get(User, user.id)
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        assert me is not None
        calls.warm_transfer(session=session, user=me, contact=contact, desk="veterans",
                            note="Veteraan, Uruzgan")
    assert drafts(store_app) == 0


def test_disabling_or_moving_a_counsellor_forgets_their_drafts(store_app: Flask) -> None:
    admin = make_user(store_app, role="admin")
    first = waiting(store_app, channel="webchat", phone=None)
    _, disabled = drafted(store_app, first)
    with session_scope(engine_of(store_app)) as session:
        accounts.set_active(session=session, user_id=disabled.id or 0, active=False,
                            admin_id=admin.id)
    assert drafts(store_app) == 0
    second = waiting(store_app, channel="webchat", phone=None)
    _, moved = drafted(store_app, second)
    with session_scope(engine_of(store_app)) as session:
        accounts.change_role(session=session, user_id=moved.id or 0, admin_id=admin.id,
                             change=accounts.UserChange(role="counsellor", desk="veterans"))
    assert drafts(store_app) == 0


def test_a_colleague_s_draft_stays_when_another_counsellor_lets_go(store_app: Flask) -> None:
    # Only the drafts of the counsellor who let go are forgotten: a colleague who typed a
    # handover note on the contact before keeps it (a close forgets everyone's).
    reference = waiting(store_app, channel="webchat", phone=None)
    client, _ = drafted(store_app, reference)
    log_out(client)
    other, _ = counsellor(store_app)
    act(other, reference, "claim")
    act(other, reference, "draft", kind="note", body="Belt morgen terug")
    third, _ = drafted_elsewhere(store_app)
    log_out(third)
    assert drafts(store_app) == 1


def drafted_elsewhere(app: Flask) -> tuple[FlaskClient, User]:
    """Another counsellor with a draft on a contact of their own."""
    return drafted(app, waiting(app, channel="webchat", phone=None))


def test_a_caller_whose_counsellor_s_phone_did_not_answer_takes_the_draft_along(
    store_app: Flask,
) -> None:
    # Claimed on the desk, the counsellor's phone rang but nobody pressed 1: the caller
    # waits on for anyone of the desk (`calls.caller_back_in_queue`).
    reference = waiting(store_app, channel="phone")
    _, user = drafted(store_app, reference)
    leg_id = on_the_phone(store_app, reference, user, status="ringing")
    with session_scope(engine_of(store_app)) as session:
        leg = session.get(CallLeg, leg_id)
        assert leg is not None
        calls.counsellor_not_confirmed(session=session, leg=leg)
    with Session(engine_of(store_app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
    assert contact.assigned_user_id is None
    assert drafts(store_app) == 0


def test_a_callback_attempt_twilio_ends_forgets_the_draft_too(store_app: Flask) -> None:
    # The person's phone did not answer: Twilio's status callback ends the attempt
    # (`calls.attempt_ended`), not the counsellor's page; the contact goes back among the
    # desk's callbacks and what its counsellor typed goes with it.
    reference = waiting(store_app, channel="phone", status="callback")
    drafted(store_app, reference)
    with session_scope(engine_of(store_app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        assert contact.id is not None
        callback = CallbackRequest(
            contact_id=contact.id, phone="+31612345678", window="asap", status="calling",
            attempts=1, window_start=utcnow() - timedelta(minutes=5),
            window_end=utcnow() + timedelta(hours=1))
        session.add(callback)
        session.flush()
        status = calls.attempt_ended(session=session, callback=callback, outcome="no_answer")
    assert status == "pending"
    with Session(engine_of(store_app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
    assert contact.assigned_user_id is None
    assert drafts(store_app) == 0
