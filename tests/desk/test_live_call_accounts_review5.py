"""An admin disabling a counsellor, or moving them to another role or desk, in the middle
of a call does as a logout does (review 5): the contact whose call is live stays with the
counsellor who is on the phone with the person (no colleague can take it and ring them
too), and the sweep puts it back in its queue once the call has ended (the person is never
left held by someone who is gone). What they held without a live call goes back at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlmodel import Session, select

from loket.domain import accounts
from loket.queue import escalations
from loket.store.db import session_scope
from loket.store.models import CallLeg, Contact, User
from loket.store.types import utcnow
from tests.desk.helpers import make_user
from tests.desk.test_drafts_review5 import on_the_phone
from tests.desk.test_leaving import held
from tests.desk.test_workspace import act, counsellor, engine_of, waiting


def hang_up(app: Flask, leg_id: int) -> None:
    """The call ends (Twilio's word that it completed)."""
    with session_scope(engine_of(app)) as session:
        leg = session.get(CallLeg, leg_id)
        assert leg is not None
        leg.status = "completed"
        session.add(leg)


def disable(app: Flask, user: User) -> None:
    admin = make_user(app, role="admin")
    with session_scope(engine_of(app)) as session:
        accounts.set_active(session=session, user_id=user.id or 0, active=False,
                            admin_id=admin.id)


def move(app: Flask, user: User) -> None:
    admin = make_user(app, role="admin")
    with session_scope(engine_of(app)) as session:
        accounts.change_role(session=session, user_id=user.id or 0, admin_id=admin.id,
                             change=accounts.UserChange(role="counsellor", desk="veterans"))


@pytest.mark.parametrize("change", [disable, move], ids=["disabled", "moved"])
def test_a_live_call_stays_with_its_counsellor_until_it_ends(store_app: Flask,
                                                              change: object) -> None:
    call = waiting(store_app, channel="phone")
    chat = waiting(store_app, channel="webchat", phone=None)
    client, user = counsellor(store_app)
    act(client, call, "claim")
    leg = on_the_phone(store_app, call, user)
    with session_scope(engine_of(store_app)) as session:  # and held a chat before it
        contact = session.exec(select(Contact).where(Contact.reference == chat)).one()
        contact.assigned_user_id, contact.status = user.id, "in_progress"
        session.add(contact)
    change(store_app, user)  # type: ignore[operator]
    assert held(store_app, call) == (user.id, "in_progress")  # still on the phone with them
    assert held(store_app, chat) == (None, "waiting")
    colleague, _ = counsellor(store_app)
    act(colleague, call, "claim")  # refused: the person is on the phone already
    assert held(store_app, call) == (user.id, "in_progress")
    with store_app.app_context():
        escalations.sweep()  # the call goes on: it stays
    assert held(store_app, call) == (user.id, "in_progress")
    hang_up(store_app, leg)
    with store_app.app_context():
        escalations.sweep(utcnow() + timedelta(seconds=5))
    assert held(store_app, call) == (None, "waiting")  # anyone of the desk may take it
    assert act(colleague, call, "claim").status_code == 303
    with Session(engine_of(store_app)) as session:
        taken = session.exec(select(Contact).where(Contact.reference == call)).one()
    assert taken.status == "in_progress" and taken.assigned_user_id != user.id
