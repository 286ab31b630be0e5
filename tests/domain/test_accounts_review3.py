"""An admin changes accounts (review 3): what a counsellor moved to another desk, or disabled,
leaves behind; the last admin; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlmodel import col, select

from loket.domain import accounts, calls
from loket.store.db import session_scope
from loket.store.models import CallbackRequest, Contact, User
from loket.store.types import utcnow
from tests.desk.helpers import make_user
from tests.reports.seed import seed


def personal_callback(app: Flask, user: User) -> int:
    """Store a police phone contact whose due callback this counsellor promised to make
    themselves (their own phone rings); return the callback's id."""
    seed(app, utcnow() - timedelta(minutes=30), channel="phone", desk="police")
    with session_scope(app.extensions["loket.engine"]) as session:
        contact = session.exec(select(Contact).order_by(col(Contact.id).desc())).first()
        assert contact is not None and contact.id is not None
        contact.status = "callback"
        session.add(contact)
        counsellor = session.get(User, user.id)
        assert counsellor is not None
        counsellor.phone, counsellor.availability = "+31612345678", "available"
        session.add(counsellor)
        callback = CallbackRequest(
            contact_id=contact.id, phone="+31687654321", window="asap",
            window_start=utcnow() - timedelta(minutes=5), window_end=utcnow() + timedelta(hours=1),
            status="due", claimed_by=user.id,
        )
        session.add(callback)
        session.flush()
        assert callback.id is not None
        return callback.id


def ring(app: Flask) -> list[int | None]:
    with session_scope(app.extensions["loket.engine"]) as session:
        return [leg.user_id for leg in calls.ring_due_personal(session=session, limit=10)]


def test_a_counsellor_moved_to_another_desk_is_not_rung_for_their_old_desk_s_callback(
    store_app: Flask,
) -> None:
    admin = make_user(store_app, role="admin")
    counsellor = make_user(store_app, role="counsellor", desk="police")
    callback_id = personal_callback(store_app, counsellor)
    assert counsellor.id is not None and admin.id is not None
    with session_scope(store_app.extensions["loket.engine"]) as session:
        accounts.change_role(session=session, user_id=counsellor.id, admin_id=admin.id,
                             change=accounts.UserChange(role="counsellor", desk="veterans"))

    assert ring(store_app) == []  # a veterans counsellor is not rung for a police person
    with session_scope(store_app.extensions["loket.engine"]) as session:
        callback = session.get(CallbackRequest, callback_id)
        assert callback is not None
        assert (callback.status, callback.claimed_by) == ("due", None)  # the desk calls
        contact = session.get(Contact, callback.contact_id)
        assert contact is not None and contact.assigned_user_id is None


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_a_counsellor_made_manager_or_admin_is_not_rung_for_a_callback(
    store_app: Flask, role: str
) -> None:
    admin = make_user(store_app, role="admin")
    counsellor = make_user(store_app, role="counsellor", desk="police")
    personal_callback(store_app, counsellor)
    assert counsellor.id is not None and admin.id is not None
    with session_scope(store_app.extensions["loket.engine"]) as session:
        accounts.change_role(session=session, user_id=counsellor.id, admin_id=admin.id,
                             change=accounts.UserChange(
                                 role=role, desk="police" if role == "manager" else None))
    assert ring(store_app) == []


def test_a_disabled_and_enabled_again_counsellor_s_callback_went_to_the_desk(
    store_app: Flask,
) -> None:
    admin = make_user(store_app, role="admin")
    counsellor = make_user(store_app, role="counsellor", desk="police")
    callback_id = personal_callback(store_app, counsellor)
    assert counsellor.id is not None and admin.id is not None
    with session_scope(store_app.extensions["loket.engine"]) as session:
        accounts.set_active(session=session, user_id=counsellor.id, active=False,
                            admin_id=admin.id)
    with session_scope(store_app.extensions["loket.engine"]) as session:
        callback = session.get(CallbackRequest, callback_id)
        assert callback is not None and callback.claimed_by is None


def test_a_contact_offered_to_a_disabled_counsellor_is_offered_to_no_one(
    store_app: Flask,
) -> None:
    admin = make_user(store_app, role="admin")
    counsellor = make_user(store_app, role="counsellor", desk="police")
    seed(store_app, utcnow(), channel="sms", desk="police")
    assert counsellor.id is not None and admin.id is not None
    with session_scope(store_app.extensions["loket.engine"]) as session:
        contact = session.exec(select(Contact)).one()
        contact.status = "waiting"
        contact.offered_to_user_id = counsellor.id
        contact.offered_until = utcnow() + timedelta(minutes=5)
        session.add(contact)
    with session_scope(store_app.extensions["loket.engine"]) as session:
        accounts.set_active(session=session, user_id=counsellor.id, active=False,
                            admin_id=admin.id)
    with session_scope(store_app.extensions["loket.engine"]) as session:
        contact = session.exec(select(Contact)).one()
        assert (contact.offered_to_user_id, contact.offered_until) == (None, None)


def test_the_last_active_admin_cannot_be_disabled_or_demoted_by_anyone(
    store_app: Flask,
) -> None:
    first = make_user(store_app, role="admin")
    second = make_user(store_app, role="admin")
    assert first.id is not None and second.id is not None
    with session_scope(store_app.extensions["loket.engine"]) as session:
        accounts.set_active(session=session, user_id=second.id, active=False, admin_id=first.id)
    # The disabled admin's own session (still open a moment) cannot take the last one away.
    with pytest.raises(ValueError, match="last active admin"), \
            session_scope(store_app.extensions["loket.engine"]) as session:
        accounts.set_active(session=session, user_id=first.id, active=False, admin_id=second.id)
    with pytest.raises(ValueError, match="last active admin"), \
            session_scope(store_app.extensions["loket.engine"]) as session:
        accounts.change_role(session=session, user_id=first.id, admin_id=second.id,
                             change=accounts.UserChange(role="manager", desk="police"))
    with session_scope(store_app.extensions["loket.engine"]) as session:
        kept = session.get(User, first.id)
        assert kept is not None and kept.active and kept.role == "admin"


def available_counsellors(app: Flask, desk: str) -> int:
    from loket.domain import contacts

    with session_scope(app.extensions["loket.engine"]) as session:
        return contacts.live_state(session=session)[desk]["available"]


def test_a_counsellor_disabled_and_enabled_again_is_not_counted_available_until_they_say_so(
    store_app: Flask,
) -> None:
    admin = make_user(store_app, role="admin")
    counsellor = make_user(store_app, role="counsellor", desk="police")
    assert counsellor.id is not None and admin.id is not None
    with session_scope(store_app.extensions["loket.engine"]) as session:
        user = session.get(User, counsellor.id)
        assert user is not None
        user.availability, user.available = "available", True
        session.add(user)
    assert available_counsellors(store_app, "police") == 1
    for active in (False, True):
        with session_scope(store_app.extensions["loket.engine"]) as session:
            accounts.set_active(session=session, user_id=counsellor.id, active=active,
                                admin_id=admin.id)
    # Enabled again, not logged in: the routing does not count them, no transfer rings them.
    assert available_counsellors(store_app, "police") == 0
    with session_scope(store_app.extensions["loket.engine"]) as session:
        user = session.get(User, counsellor.id)
        assert user is not None and (user.availability, user.available) == ("away", False)


def test_two_admins_disabling_each_other_at_once_leave_one_active(store_app: Flask) -> None:
    import threading
    import time

    first = make_user(store_app, role="admin")
    second = make_user(store_app, role="admin")
    assert first.id is not None and second.id is not None
    engine = store_app.extensions["loket.engine"]
    outcomes: list[str] = []

    def disable(user_id: int, admin_id: int) -> None:
        try:
            with session_scope(engine) as session:
                accounts.set_active(session=session, user_id=user_id, active=False,
                                    admin_id=admin_id)
                time.sleep(0.3)  # both are under way before either commits
            outcomes.append("disabled")
        except ValueError:
            outcomes.append("refused")

    threads = [threading.Thread(target=disable, args=(first.id, second.id)),
               threading.Thread(target=disable, args=(second.id, first.id))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert sorted(outcomes) == ["disabled", "refused"]
    with session_scope(engine) as session:
        active = session.exec(select(User).where(User.role == "admin",
                                                 col(User.active).is_(True))).all()
    assert len(active) == 1
