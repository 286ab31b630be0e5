"""A crisis is never parked: a contact that becomes a crisis is offered to no single
counsellor first, leaves the manager's list of callbacks to give up on, and no old callback
window takes it from the counsellor serving it; let go unserved after an alarm, it is
alarmed again at once."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from sqlmodel import Session, select

from loket import rules_runtime
from loket.domain import callbacks, calls, contacts, escalation
from loket.domain.refusals import Refused
from loket.store.db import session_scope
from loket.store.models import CallbackRequest, Contact, User
from loket.store.types import utcnow
from tests.channels import test_messaging as sms
from tests.desk.helpers import make_user
from tests.desk.test_continuity import helped_once, newest
from tests.desk.test_workspace import engine_of, waiting

PHONE = "+31612345678"


# --- 2. a crisis raised later in a text conversation stays offered to one counsellor ----------


def test_a_later_crisis_text_is_not_held_back_for_the_last_counsellor(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(wrapup_minutes=0, continuity_minutes=5)
    again, (_anouk, a), bram = helped_once(app)
    reference = again()  # the returning person's chat: offered first to Anouk for 5 minutes
    assert newest(app).offered_to_user_id == a.id  # type: ignore[attr-defined]
    sms.text(app.test_client(), sms.CRISIS_NL)  # then they write crisis words
    contact = newest(app)
    assert contact.reference == reference and contact.crisis
    # A crisis goes to everyone at once: the offer to one counsellor must end.
    assert contact.offered_to_user_id is None
    assert reference in bram.get("/desk/queue/rows").get_data(as_text=True)


# --- helpers for the callback cases -----------------------------------------------------------


def callback_contact(app: Flask, *, callback_status: str, window: str = "evening") -> int:
    """A police SMS contact that asked for a callback; its callback now `callback_status`."""
    with app.app_context(), session_scope(engine_of(app)) as session:
        contact = contacts.open_contact(
            session=session,
            contact_in=contacts.ContactIn(channel="sms", organisation="police", phone=PHONE,
                                          preference="callback"),
        )
        contacts.route_contact(session=session, contact=contact, decide=rules_runtime.decide)
        assert contact.status == "callback" and not contact.crisis
        callback = callbacks.request_callback(session=session, contact=contact, phone=PHONE,
                                              window=window)
        now = utcnow()
        callback.status, callback.attempts = callback_status, 3
        callback.due_at = callback.window_start = now - timedelta(minutes=30)
        callback.window_end = now + timedelta(minutes=30)
        session.add(callback)
        assert contact.id is not None
        return contact.id


def make_crisis(app: Flask, contact_id: int) -> None:
    """The person writes crisis words (or the counsellor sets risk acute): `escalate`."""
    with app.app_context(), session_scope(engine_of(app)) as session:
        contact = session.get(Contact, contact_id)
        assert contact is not None
        assert contacts.escalate(session=session, contact=contact, decide=rules_runtime.decide)
        assert contact.crisis and contact.status == "waiting"


# --- 4. a crisis stays on the manager's "unreachable callbacks" list --------------------------


def test_a_crisis_is_not_left_on_the_manager_s_unreachable_callbacks_to_close(app: Flask) -> None:
    contact_id = callback_contact(app, callback_status="unreachable")
    make_crisis(app, contact_id)
    manager = make_user(app, role="manager", desk="police")
    with session_scope(engine_of(app)) as session:
        listed = calls.for_manager(session=session, desk="police")
        # Not a stale "unreachable callback": "close" would close the crisis (no contact),
        # "try once more" would park it as a callback again.
        assert [u.reference for u in listed] == []
    with session_scope(engine_of(app)) as session:  # the old link refused
        user = session.get(User, manager.id)
        callback = session.exec(select(CallbackRequest)).one()
        with pytest.raises(Refused):
            calls.try_once_more(session=session, user=user, callback_id=callback.id)
    with Session(engine_of(app)) as session:
        contact = session.get(Contact, contact_id)
        assert contact is not None and contact.status != "callback"


def test_a_manager_closing_an_unreachable_callback_as_crisis_words_arrive_closes_nothing(
    store_app: Flask,
) -> None:
    # The person writes crisis words (the intake's unit of work holds the contact) while the
    # manager presses "close" on their unreachable callback: the close waits, sees a crisis
    # and is refused; the crisis is not closed as "no contact".
    contact_id = callback_contact(store_app, callback_status="unreachable")
    manager = make_user(store_app, role="manager", desk="police")
    outcome: list[str] = []

    def close() -> None:
        try:
            with session_scope(engine_of(store_app)) as session:
                user = session.get(User, manager.id)
                callback = session.exec(select(CallbackRequest)).one()
                assert user is not None and callback.id is not None
                calls.close_unreachable(session=session, user=user, callback_id=callback.id)
            outcome.append("closed")
        except Refused as refused:
            outcome.append(refused.key)

    with store_app.app_context(), session_scope(engine_of(store_app)) as intake:
        contact = intake.get(Contact, contact_id)
        assert contact is not None
        assert contacts.escalate(session=intake, contact=contact, decide=rules_runtime.decide)
        intake.flush()  # the crisis is written, not yet committed
        closing = threading.Thread(target=close)
        closing.start()
        time.sleep(0.5)
    closing.join(timeout=15)
    assert outcome == ["r_no_callback"]
    with Session(engine_of(store_app)) as session:
        contact = session.get(Contact, contact_id)
        assert contact is not None
        assert (contact.crisis, contact.status) == (True, "waiting")


# --- 5. a crisis being served is taken from its counsellor when an old window passes ----------


def test_a_crisis_in_conversation_is_not_released_when_its_old_callback_window_passes(
    app: Flask,
) -> None:
    contact_id = callback_contact(app, callback_status="due")  # due in the desk's queue
    make_crisis(app, contact_id)
    counsellor = make_user(app, role="counsellor", desk="police")
    with session_scope(engine_of(app)) as session:
        contact = session.get(Contact, contact_id)
        user = session.get(User, counsellor.id)
        assert contact is not None and user is not None
        contacts.claim(session=session, contact=contact, user=user)
    with session_scope(engine_of(app)) as session:  # the reconciler, after 18-21h ended
        calls.reconcile(session=session, now=utcnow() + timedelta(hours=1))
    with Session(engine_of(app)) as session:
        contact = session.get(Contact, contact_id)
        assert contact is not None
        assert (contact.assigned_user_id, contact.status) == (counsellor.id, "in_progress")


@pytest.mark.parametrize("how", ["release", "transfer"])
def test_a_crisis_let_go_after_its_alarm_is_alarmed_again_at_the_next_sweep(
    app: Flask, how: str
) -> None:
    reference = waiting(app, crisis=True, seconds_ago=0)
    timing = escalation.Timing()  # 2 min, then every 5 min
    counsellor = make_user(app, role="counsellor", desk="police")
    with session_scope(engine_of(app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        since = contact.routed_at
        assert since is not None
        assert len(escalation.raise_due(session=session, timing=timing,
                                        now=since + timedelta(minutes=2))) == 1
    with session_scope(engine_of(app)) as session:  # claimed at 2:30: the alarm is resolved
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        user = session.get(User, counsellor.id)
        contacts.claim(session=session, contact=contact, user=user)
        escalation.raise_due(session=session, timing=timing, now=since + timedelta(seconds=150))
    with session_scope(engine_of(app)) as session:  # let go at 3:00, nobody takes it
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        user = session.get(User, counsellor.id)
        if how == "release":
            contacts.release(session=session, contact=contact, user=user)
        else:
            contacts.transfer(session=session, contact=contact, user=user, desk="debasis")
    with session_scope(engine_of(app)) as session:  # the next sweep, at 3:10
        at = since + timedelta(seconds=190)
        escalation.raise_due(session=session, timing=timing, now=at)
        banners = escalation.open_banners(session=session, now=at)
        assert [(b.reference, b.step) for b in banners] == [(reference, 2)]
    with session_scope(engine_of(app)) as session:  # and once only, not at every sweep
        assert escalation.raise_due(session=session, timing=timing,
                                    now=since + timedelta(seconds=200)) == []
