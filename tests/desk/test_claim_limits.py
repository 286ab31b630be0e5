"""A counsellor's limits hold when they claim two contacts at once (two tabs, a double
click): at most N live texts, and a call is everything."""

from __future__ import annotations

import threading
import time

from flask import Flask
from sqlmodel import Session, select

from loket.domain import accounts, workspace
from loket.domain.refusals import Refused
from loket.store.db import session_scope
from loket.store.models import Contact, User
from tests.desk.helpers import make_user
from tests.desk.test_workspace import engine_of, waiting


def claim(app: Flask, user_id: int, reference: str, session: Session | None = None) -> None:
    """Claim a contact for the user with a limit of one live text (in `session`, or in a
    unit of work of its own)."""
    if session is None:
        with session_scope(engine_of(app)) as unit:
            claim(app, user_id, reference, unit)
        return
    user = session.get(User, user_id)
    assert user is not None
    contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
    workspace.claim(session=session, user=user, contact=contact, max_live=1)


def claiming(app: Flask, user_id: int, reference: str, outcome: list[str]) -> threading.Thread:
    """Claim in a thread of its own (a second tab); its outcome goes into `outcome`."""
    def run() -> None:
        try:
            claim(app, user_id, reference)
            outcome.append("claimed")
        except Refused as refused:
            outcome.append(refused.key)

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_two_claims_at_once_keep_the_limit_of_live_texts(store_app: Flask) -> None:
    first, second = waiting(store_app, channel="sms"), waiting(store_app, channel="webchat")
    user = make_user(store_app, role="counsellor", desk="police")
    assert user.id is not None
    outcome: list[str] = []
    with session_scope(engine_of(store_app)) as unit:  # the first claim, not yet committed
        claim(store_app, user.id, first, session=unit)
        other = claiming(store_app, user.id, second, outcome)
        time.sleep(0.5)  # the second claim runs meanwhile: it must wait, then count this one
        assert outcome == []
    other.join(timeout=15)
    assert outcome == ["r_max_live"]
    with session_scope(engine_of(store_app)) as session:
        held = session.exec(select(Contact.reference).where(Contact.assigned_user_id == user.id))
        assert list(held) == [first]


def test_a_claim_waiting_on_an_account_being_disabled_takes_nothing(
    store_app: Flask,
) -> None:
    # The admin disables a counsellor (their held contacts go back to the queue) while the
    # counsellor claims one more: the claim waits for the change, then takes nothing, so no
    # contact stays held by an account nobody can use.
    reference = waiting(store_app, channel="sms")
    user = make_user(store_app, role="counsellor", desk="police")
    admin = make_user(store_app, role="admin")
    assert user.id is not None
    outcome: list[str] = []
    with session_scope(engine_of(store_app)) as unit:  # the admin's change, not yet committed
        accounts.set_active(session=unit, user_id=user.id, active=False, admin_id=admin.id)
        other = claiming(store_app, user.id, reference, outcome)
        time.sleep(0.5)
        assert outcome == []
    other.join(timeout=15)
    assert outcome == ["r_account_changed"]
    with session_scope(engine_of(store_app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        assert (contact.assigned_user_id, contact.status) == (None, "waiting")
