"""The manager's page and help requests, from a review: the reason typed for an emergency
access is read by the owning desk's manager only (DESIGN.md: "shown to that desk's
manager"), never by a manager of every desk; help is not asked on a closed case; a
manager is offered to listen in only on a contact a call can carry. Runs on SQLite and
PostgreSQL."""

from __future__ import annotations

from flask import Flask
from sqlmodel import select

from loket.store.db import session_scope
from loket.store.models import CallLeg, Contact
from tests.desk.helpers import log_in, make_user
from tests.desk.test_support_review5 import manager_post
from tests.desk.test_workspace import act, counsellor, post, waiting

PERSONAL = "Jan de Vries 06-12345678 dreigt zichzelf iets aan te doen"


def test_an_emergency_access_s_reason_is_for_the_owning_desk_s_manager_only(
    store_app: Flask,
) -> None:
    reference = waiting(store_app, desk="veterans")
    client, _ = counsellor(store_app, desk="police", display_name="Sam")
    post(client, "/desk/break-glass", reference=reference, reason=PERSONAL)
    veterans = store_app.test_client()
    log_in(veterans, store_app, make_user(store_app, role="manager", desk="veterans"))
    assert PERSONAL in veterans.get("/desk/manager").get_data(as_text=True)
    every_desk = store_app.test_client()
    log_in(every_desk, store_app, make_user(store_app, role="manager", desk=None))
    page = every_desk.get("/desk/manager").get_data(as_text=True)
    # Still told of it (who, which case, when) and may review it, but not the free text.
    assert f"Sam (Politie (24/7 Loket)) opende {reference}" in page
    assert "/desk/manager/break-glass/" in page
    assert "Jan de Vries" not in page and "06-12345678" not in page
    english = every_desk.get("/desk/manager?lang=en").get_data(as_text=True)
    assert f"opened {reference}" in english and "Jan de Vries" not in english


def test_help_on_a_closed_case_is_refused_with_a_reason(store_app: Flask) -> None:
    reference = waiting(store_app)
    anouk, _ = counsellor(store_app, display_name="Anouk")
    act(anouk, reference, "claim")
    act(anouk, reference, "close", outcome="referred", contact_type="conversation",
        note="Doorverwezen naar de huisarts.")
    asked = post(anouk, f"/desk/contacts/{reference}/help")
    said = anouk.get(asked.location).get_data(as_text=True)
    assert "Dit contact is afgesloten: hierbij kun je geen ondersteuning meer vragen." in said
    assert "verstuurd" not in said
    police = store_app.test_client()
    log_in(police, store_app, make_user(store_app, role="manager", desk="police"))
    assert "Niemand vraagt nu ondersteuning." in police.get("/desk/manager").get_data(
        as_text=True)
    english = post(anouk, f"/desk/contacts/{reference}/help?lang=en")
    assert "This contact is closed: support can no longer be asked on it." in anouk.get(
        english.location + "?lang=en").get_data(as_text=True)


def test_listening_in_is_offered_on_a_phone_contact_only(store_app: Flask) -> None:
    chat = waiting(store_app, channel="sms")
    phone = waiting(store_app, channel="phone")
    anouk, _ = counsellor(store_app, display_name="Anouk")
    for reference in (chat, phone):
        act(anouk, reference, "claim")
        post(anouk, f"/desk/contacts/{reference}/help")
    police = store_app.test_client()
    log_in(police, store_app, make_user(store_app, role="manager", desk="police"))
    page = police.get("/desk/manager").get_data(as_text=True)
    assert f"Anouk vraagt ondersteuning bij {chat}" in page
    assert f"/desk/manager/listen/{phone}" in page
    assert f"/desk/manager/listen/{chat}" not in page
    # The chat's request is still answered from the page.
    assert page.count("/desk/help/") == 2
    # And a posted listen-in on the chat is refused as on any contact without a live call.
    answer = manager_post(police, f"/desk/manager/listen/{chat}")
    assert answer.status_code == 303  # type: ignore[attr-defined]


def test_a_chat_whose_counsellor_calls_the_person_now_is_offered_listening_in(
    store_app: Flask,
) -> None:
    chat = waiting(store_app, channel="webchat")
    anouk, user = counsellor(store_app, display_name="Anouk")
    act(anouk, chat, "claim")
    post(anouk, f"/desk/contacts/{chat}/help")
    police = store_app.test_client()
    log_in(police, store_app, make_user(store_app, role="manager", desk="police"))
    assert f"/desk/manager/listen/{chat}" not in police.get("/desk/manager").get_data(
        as_text=True)
    with session_scope(store_app.extensions["loket.engine"]) as session:
        contact = session.exec(select(Contact).where(Contact.reference == chat)).one()
        assert contact.id is not None
        session.add(CallLeg(contact_id=contact.id, user_id=user.id, kind="counsellor",
                            conference="c-review5", status="in-progress"))
    # A call of the chat is live (the counsellor calls the person back): that call has it.
    assert f"/desk/manager/listen/{chat}" in police.get("/desk/manager").get_data(as_text=True)
