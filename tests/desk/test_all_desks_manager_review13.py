"""A manager of no desk (every desk's manager, `accounts.desk_problem` allows it) is shown every
desk's unreachable callbacks and help requests with their buttons: "Try again", "Close" and
"Listen in" do what they say for any desk's, as flag approval and break-glass review already
did, not "page not found"; on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlmodel import Session, select

from loket.domain import callbacks
from loket.store.db import session_scope
from loket.store.models import CallbackRequest, Contact
from tests.desk.helpers import log_in, make_user
from tests.desk.test_workspace import PHONE, engine_of, waiting


def unreachable_callback(app: Flask, desk: str = "police") -> tuple[str, int]:
    reference = waiting(app, desk=desk, status="callback", phone=PHONE)
    with session_scope(engine_of(app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        callback = callbacks.request_callback(session=session, contact=contact, phone=PHONE,
                                              window="asap", voicemail_allowed=False)
        session.flush()
        callback.status, callback.attempts, callback.last_outcome = (
            "unreachable", 3, "no_answer")
        session.add(callback)
        return reference, callback.id or 0


def token_of(page: str) -> str:
    return page.split('name="csrf_token" value="')[1].split('"')[0]


@pytest.mark.parametrize(("manager_desk", "desks"), [
    (None, ("police", "veterans")),  # every desk's manager, on two desks' callbacks
    ("police", ("police", "police")),  # a desk's own manager, as before
])
def test_a_manager_can_close_and_retry_the_unreachable_callbacks_shown(
    store_app: Flask, manager_desk: str | None, desks: tuple[str, str],
) -> None:
    first, first_id = unreachable_callback(store_app, desks[0])
    second, second_id = unreachable_callback(store_app, desks[1])
    boss = store_app.test_client()
    log_in(boss, store_app, make_user(store_app, role="manager", desk=manager_desk))
    page = boss.get("/desk/manager").get_data(as_text=True)
    # Both callbacks are on the page, each with its two buttons: pressed, they must do what
    # they say, not "page not found".
    assert first in page and second in page
    assert f"/desk/manager/callbacks/{first_id}/again" in page
    assert f"/desk/manager/callbacks/{second_id}/close" in page
    again = boss.post(f"/desk/manager/callbacks/{first_id}/again",
                      data={"csrf_token": token_of(page)})
    close = boss.post(f"/desk/manager/callbacks/{second_id}/close",
                      data={"csrf_token": token_of(page)})
    with Session(engine_of(store_app)) as session:
        tried = session.get(CallbackRequest, first_id)
        closed = session.get(CallbackRequest, second_id)
        assert tried is not None and closed is not None
        statuses = (again.status_code, tried.status, close.status_code, closed.status)
    assert statuses == (303, "due", 303, "closed")


def test_a_manager_of_every_desk_offered_to_listen_in_is_not_answered_page_not_found(
    store_app: Flask,
) -> None:
    from loket.store.models import CallLeg, User
    from tests.desk.test_workspace import act, counsellor, post

    reference = waiting(store_app, channel="phone")
    anouk, user = counsellor(store_app, display_name="Anouk")
    act(anouk, reference, "claim")
    post(anouk, f"/desk/contacts/{reference}/help")
    boss_user = make_user(store_app, role="manager", desk=None)
    with session_scope(engine_of(store_app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        assert contact.id is not None
        session.add(CallLeg(contact_id=contact.id, user_id=user.id, kind="counsellor",
                            conference="c-help", status="in-progress"))
        stored = session.get(User, boss_user.id)
        assert stored is not None
        stored.phone = "+31687654000"
    boss = store_app.test_client()
    log_in(boss, store_app, boss_user)
    page = boss.get("/desk/manager").get_data(as_text=True)
    assert f"Anouk vraagt ondersteuning bij {reference}" in page
    assert f"/desk/manager/listen/{reference}" in page  # the button is offered
    answer = boss.post(f"/desk/manager/listen/{reference}", data={"csrf_token": token_of(page)})
    assert answer.status_code == 303
    told = boss.get(answer.location).get_data(as_text=True)
    assert "Je telefoon gaat zo over. Druk op 1 om mee te luisteren" in told
