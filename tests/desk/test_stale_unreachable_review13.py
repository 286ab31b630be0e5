"""A person whose callback failed writes again; a counsellor then promises a new callback in a
window the person chose. The old, failed callback leaves the manager's "unreachable" list and
is refused there: its "Close" would close the contact and cancel the promised callback (a
contact lost), its "Try again" would ring the person now, outside the window they chose; on
SQLite and PostgreSQL."""

from __future__ import annotations

from flask import Flask
from sqlmodel import Session, col, select

from loket import rules_runtime
from loket.domain import calls, conversations, workspace
from loket.store.db import session_scope
from loket.store.models import CallbackRequest, Contact, User
from tests.desk.helpers import log_in, make_user
from tests.desk.test_all_desks_manager_review13 import token_of, unreachable_callback
from tests.desk.test_workspace import engine_of


def new_promise_after_failure(app: Flask, desk: str = "police") -> tuple[str, int, int]:
    reference, old_id = unreachable_callback(app, desk)
    anouk = make_user(app, role="counsellor", desk=desk)
    with app.app_context(), session_scope(engine_of(app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        # The person writes again: back in the queue (`written_after_failed_callbacks`).
        assert conversations.written_after_failed_callbacks(
            session=session, contact=contact, decide=rules_runtime.decide, continuity=None)
    with session_scope(engine_of(app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        me = session.get(User, anouk.id)
        assert me is not None
        workspace.claim(session=session, user=me, contact=contact, max_live=3)
        # The counsellor promises a callback tomorrow, a time that is safe for the person.
        new = calls.plan_callback(session=session, user=me, contact=contact, window="tomorrow",
                                  voicemail_allowed=False, personal=False)
        session.flush()
        new_id = new.id or 0
    return reference, old_id, new_id


def pressed_from_a_stale_page(app: Flask, action: str) -> tuple[str, int]:
    """An every-desk manager, after the new promise, finds the old callback off their list
    and presses its `action` ("close", "again") from a page loaded before the promise;
    return the contact's reference and the new callback's id."""
    reference, old_id, new_id = new_promise_after_failure(app)
    boss = app.test_client()
    log_in(boss, app, make_user(app, role="manager", desk=None))
    page = boss.get("/desk/manager").get_data(as_text=True)
    assert reference not in page  # off the list: a new callback is promised
    # Pressed from a page loaded before the promise: refused, nothing changes.
    boss.post(f"/desk/manager/callbacks/{old_id}/{action}", data={"csrf_token": token_of(page)})
    return reference, new_id


def test_a_manager_closing_the_old_unreachable_callback_does_not_lose_the_new_promise(
    store_app: Flask,
) -> None:
    reference, new_id = pressed_from_a_stale_page(store_app, "close")
    with Session(engine_of(store_app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        new = session.get(CallbackRequest, new_id)
        assert new is not None
        seen = (contact.status, new.status)
    # The person was promised a callback tomorrow: it still stands.
    assert seen == ("callback", "pending")


def test_a_manager_trying_the_old_callback_again_does_not_ring_outside_the_chosen_window(
    store_app: Flask,
) -> None:
    pressed_from_a_stale_page(store_app, "again")
    with Session(engine_of(store_app)) as session:
        due_now = list(session.exec(
            select(CallbackRequest.id).where(
                CallbackRequest.status == "due").order_by(col(CallbackRequest.id))).all())
    # Nothing rings the person now: the only callback to make is tomorrow's.
    assert due_now == []
