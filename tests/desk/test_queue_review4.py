"""Review 4: the queue and a contact's drafts as a counsellor meets them on a busy night.

A web chat whose person can no longer read it says so in its queue row (the page and the
poll alike); what a counsellor typed for a contact goes once they let go of it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlmodel import Session, col, select

from loket.store.models import Contact, Draft
from tests.channels.test_webchat import press, start_chat
from tests.desk.test_workspace import act, counsellor, engine_of, waiting

ENDED_ROW = "Chat beëindigd"


def waiting_chat(app: Flask) -> tuple[object, str]:
    """A person's web chat waiting in the police queue; their client and its reference."""
    person = app.test_client()
    start_chat(person, "police", "chat")
    press(person, "/chat/send", body="Ik slaap slecht sinds het incident")
    with Session(engine_of(app)) as session:
        reference = session.exec(select(Contact.reference).where(
            Contact.channel == "webchat")).one()
    return person, reference


def row_of(html: str, reference: str) -> str:
    """Return one contact's row of the queue's HTML."""
    start = html.index(f'<tr data-reference="{reference}"')
    return html[start:html.index("</tr>", start)]


def test_a_waiting_chat_whose_person_left_says_so_in_its_queue_row(store_app: Flask) -> None:
    person, reference = waiting_chat(store_app)
    other = waiting(store_app, channel="sms")
    desk, _ = counsellor(store_app, desk="police")
    polled = desk.get("/desk/queue/rows")
    assert polled.status_code == 200
    assert ENDED_ROW not in row_of(desk.get("/desk").get_data(as_text=True), reference)
    assert press(person, "/chat/leave").status_code == 303  # the person closed the chat
    page = desk.get("/desk").get_data(as_text=True)
    assert ENDED_ROW in row_of(page, reference)
    assert ENDED_ROW not in row_of(page, other)
    # The poll that had the rows before sees the change, not a 304.
    again = desk.get("/desk/queue/rows", headers={"If-None-Match": polled.headers["ETag"]})
    assert again.status_code == 200
    assert ENDED_ROW in row_of(again.get_data(as_text=True), reference)
    english = desk.get("/desk?lang=en").get_data(as_text=True)
    assert "Chat ended" in row_of(english, reference)


def drafts(app: Flask, reference: str) -> list[tuple[int, str]]:
    """Return the drafts kept on a contact: (user id, kind)."""
    with Session(engine_of(app)) as session:
        contact_id = session.exec(select(Contact.id).where(
            Contact.reference == reference)).one()
        return sorted((d.user_id, d.kind) for d in session.exec(
            select(Draft).where(Draft.contact_id == contact_id).order_by(col(Draft.id))))


def typed_for(app: Flask, reference: str) -> tuple[object, int]:
    """A counsellor holding a contact, with a reply and a note half typed."""
    client, user = counsellor(app, desk="police")
    assert act(client, reference, "claim").status_code == 303
    assert act(client, reference, "draft", kind="reply",
               body="Je zei dat je buurman Jan je bedreigt").status_code == 204
    assert act(client, reference, "draft", kind="note",
               body="Woont Dorpsstraat 4, twee kinderen").status_code == 204
    assert len(drafts(app, reference)) == 2
    return client, user.id or 0


def test_a_transferred_contact_keeps_no_draft_of_its_sender(store_app: Flask) -> None:
    reference = waiting(store_app)
    client, _ = typed_for(store_app, reference)
    done = act(client, reference, "transfer", desk="veterans", note="Veteraan, wil praten")
    assert done.status_code == 303
    assert drafts(store_app, reference) == []


def test_a_closed_contact_keeps_no_draft_of_anyone(store_app: Flask) -> None:
    reference = waiting(store_app)
    client, _ = typed_for(store_app, reference)
    colleague, _ = counsellor(store_app, desk="police")
    assert act(colleague, reference, "draft", kind="note",
               body="Ken deze persoon van vorige week").status_code == 204
    assert act(client, reference, "close", outcome="helped").status_code == 303
    assert drafts(store_app, reference) == []
    # The page's autosave that was under way when it closed keeps nothing either.
    assert act(client, reference, "draft", kind="note",
               body="Woont Dorpsstraat 4").status_code == 204
    assert drafts(store_app, reference) == []
    page = client.get(f"/desk/contacts/{reference}").get_data(as_text=True)
    assert "buurman Jan" not in page


def test_a_released_contact_keeps_no_draft_of_who_let_go(store_app: Flask) -> None:
    reference = waiting(store_app)
    client, _ = typed_for(store_app, reference)
    assert act(client, reference, "release").status_code == 303
    assert drafts(store_app, reference) == []


def test_a_contact_closed_through_the_api_keeps_no_draft(store_app: Flask) -> None:
    from tests.desk.helpers import api_token
    from tests.desk.test_workspace import stored

    reference = waiting(store_app)
    client, user_id = typed_for(store_app, reference)
    from loket.store.models import User

    with Session(engine_of(store_app)) as session:
        user = session.get(User, user_id)
        assert user is not None
    token = api_token(store_app, user)
    closed = store_app.test_client().post(
        f"/api/v1/contacts/{reference}/close", json={"outcome": "helped"},
        headers={"Authorization": f"Bearer {token}"})
    assert closed.status_code == 200, closed.get_data(as_text=True)
    assert stored(store_app, reference).status == "closed"
    assert drafts(store_app, reference) == []


def test_a_late_callback_s_row_counts_on_while_nothing_else_changes(
    store_app: Flask, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A quiet moment of the night: the queue's contacts stay as they are, but a due
    # callback gets later by the minute; the poll must not keep saying "3 min late".
    from loket.desk import poll
    from loket.domain import workspace as domain_workspace
    from loket.store.models import CallbackRequest
    from loket.store.types import utcnow

    reference = waiting(store_app, channel="phone", status="callback")
    now = utcnow()
    with Session(engine_of(store_app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        session.add(CallbackRequest(
            contact_id=contact.id or 0, phone="+31612345678", window="asap",
            window_start=now - timedelta(minutes=3), window_end=now + timedelta(hours=2),
            status="due", due_at=now - timedelta(minutes=3), updated_at=now))
        session.commit()
    desk, _ = counsellor(store_app, desk="police")
    first = desk.get("/desk/queue/rows")
    assert "3 min te laat" in row_of(first.get_data(as_text=True), reference)
    later = now + timedelta(minutes=10)
    monkeypatch.setattr(domain_workspace, "utcnow", lambda: later)
    monkeypatch.setattr(poll, "utcnow", lambda: later)
    again = desk.get("/desk/queue/rows", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200
    assert "13 min te laat" in row_of(again.get_data(as_text=True), reference)
