"""Review 8: the web chat's callback form was a dead end. A person who pressed "Bel me terug"
and then finds a call is not safe (a partner at home) or would rather type can chat instead,
from a button on the callback page or with "Nu chatten" pressed again on the page before it
(the browser's Back): the chat is routed exactly as "chat now" at the mode question routes
it, and no callback is kept. The callback page also offers the close form the conversation
page has. A press sent twice (a double tap) is still harmless."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from loket.domain import workspace
from loket.store.models import AuditEvent, CallbackRequest, Contact, Message, User
from tests.channels.test_webchat import TOKEN, engine_of, press, start_chat, stored, the_contact
from tests.desk.helpers import make_user

# The callback page's "chat instead" form: a plain post of the mode question's "chat".
CHAT_INSTEAD = re.compile(
    r'<form[^>]*method="post"[^>]*action="/chat/answer"[^>]*>(?:(?!</form>).)*'
    r'<button[^>]*name="choice" value="chat"[^>]*>([^<]+)</button>',
    re.S,
)
LEAVE = re.compile(r'<form class="leave-form" method="post" action="/chat/leave">.*?</form>', re.S)
ROUTING = ("desk", "queue", "priority", "crisis", "respond", "status", "preference",
           "intake_step")


def routing_of(contact: Contact) -> tuple[object, ...]:
    """Return what routing decided for a contact, and its step."""
    return tuple(getattr(contact, name) for name in ROUTING)


def queue_of(app: Flask, desk: str) -> list[workspace.QueueItem]:
    """Return the queue a counsellor of this desk sees."""
    user = make_user(app, role="counsellor", desk=desk)
    with Session(engine_of(app)) as session:
        me = session.get(User, user.id)
        assert me is not None
        return workspace.queue_for(session=session, user=me)


def chat_instead(client: FlaskClient) -> object:
    """Press the callback page's "chat instead" button, posting just what its form holds."""
    page = client.get("/chat").get_data(as_text=True)
    form = CHAT_INSTEAD.search(page)
    assert form is not None, "no 'chat instead' form on the callback page"
    token = TOKEN.search(form.group(0))
    assert token is not None
    return client.post("/chat/answer", data={"csrf_token": token.group(1), "choice": "chat"})


@pytest.mark.parametrize("who", [("police",), ("military", "former"), ("family_defence",)])
def test_chat_chosen_on_the_callback_page_reaches_a_counsellors_queue_as_chat(
    app: Flask, client: FlaskClient, who: tuple[str, ...]
) -> None:
    # The same person choosing "chat now" straight away, for comparison.
    direct = app.test_client()
    start_chat(direct, *who, "chat")
    [expected] = stored(app)

    start_chat(client, *who, "callback")
    assert 'name="phone"' in client.get("/chat").get_data(as_text=True)
    response = chat_instead(client)
    assert response.status_code == 303
    contact = next(c for c in stored(app) if c.id != expected.id)
    assert routing_of(contact) == routing_of(expected)
    assert (contact.preference, contact.respond, contact.status) == ("chat", "now", "waiting")
    assert contact.queue is not None and contact.routed_at is not None
    assert stored(app, CallbackRequest) == []  # no callback kept beside the chat
    # A counsellor of its desk sees it in the queue, as a web chat waiting now.
    items = {item.reference: item for item in queue_of(app, contact.desk or "")}
    assert contact.reference in items
    assert (items[contact.reference].channel, items[contact.reference].status) == (
        "webchat", "waiting")
    # The person is in the conversation, and can write.
    page = client.get("/chat").get_data(as_text=True)
    assert 'id="send"' in page and 'name="phone"' not in page
    assert "Je bent nummer" in page and contact.reference in page
    assert press(client, "/chat/send", body="Ik kan nu niet bellen").status_code == 303
    assert [m.body for m in stored(app, Message)] == ["Ik kan nu niet bellen"]


def test_nu_chatten_pressed_again_after_back_also_chats(app: Flask, client: FlaskClient) -> None:
    start_chat(client, "police", "callback")
    # The browser's Back shows the mode question: its "Nu chatten" is the same answer.
    assert press(client, "/chat/answer", choice="chat").status_code == 303
    contact = the_contact(app)
    assert (contact.intake_step, contact.preference, contact.status) == ("chat", "chat", "waiting")
    assert stored(app, CallbackRequest) == []


def test_the_callback_page_offers_chat_instead_and_closing_in_dutch(client: FlaskClient) -> None:
    start_chat(client, "police", "callback")
    page = client.get("/chat").get_data(as_text=True)
    assert '<html lang="nl">' in page and "Terugbellen" in page
    form = CHAT_INSTEAD.search(page)
    assert form is not None and form.group(1) == "Liever nu chatten"
    assert "Kun je nu niet veilig bellen, of typ je liever?" in page
    assert 'action="/chat/callback"' in page and "Bel me terug" in page  # still there
    leave = LEAVE.search(page)
    assert leave is not None and 'name="csrf_token"' in leave.group(0)
    assert "Chat sluiten in deze browser" in leave.group(0)
    assert "Handig op een gedeelde computer of telefoon" in leave.group(0)


def test_the_callback_page_offers_chat_instead_and_closing_in_english(
    app: Flask, client: FlaskClient
) -> None:
    client.get("/chat?lang=en")
    start_chat(client, "police", "callback")
    page = client.get("/chat").get_data(as_text=True)
    assert '<html lang="en">' in page and "Call back" in page
    form = CHAT_INSTEAD.search(page)
    assert form is not None and form.group(1) == "Rather chat now"
    assert "Is a call not safe right now, or would you rather type?" in page
    leave = LEAVE.search(page)
    assert leave is not None and "Close chat in this browser" in leave.group(0)
    assert "Useful on a shared computer or phone" in leave.group(0)
    assert "Liever nu chatten" not in page and "Chat sluiten" not in page
    assert chat_instead(client).status_code == 303
    assert the_contact(app).language == "en"
    assert "You are number 1 in the queue." in client.get("/chat").get_data(as_text=True)


def test_closing_from_the_callback_page_forgets_the_chat_here(
    app: Flask, client: FlaskClient
) -> None:
    start_chat(client, "police", "callback")
    assert press(client, "/chat/leave").status_code == 303
    page = client.get("/chat").get_data(as_text=True)
    assert "De chat is gesloten in deze browser." in page and 'name="phone"' not in page
    assert [m.body for m in stored(app, Message)] == ["De persoon heeft de chat gesloten."]
    assert stored(app, CallbackRequest) == []


def test_an_expired_close_on_the_callback_page_says_so_beside_its_button(
    client: FlaskClient,
) -> None:
    start_chat(client, "police", "callback")
    stale = client.post("/chat/leave", data={"csrf_token": "old"})
    assert stale.status_code == 400
    page = stale.get_data(as_text=True)
    assert 'id="leave-error"' in page and 'name="phone"' in page  # still the callback page
    assert "de chat staat nog open in deze browser" in page


def test_a_double_tap_is_still_harmless(app: Flask, client: FlaskClient) -> None:
    start_chat(client, "police", "callback")
    # "Bel me terug" twice: the callback form, nothing routed.
    assert press(client, "/chat/answer", choice="callback").status_code == 303
    contact = the_contact(app)
    assert (contact.intake_step, contact.queue, contact.status) == ("callback", None, "new")
    assert 'name="phone"' in client.get("/chat").get_data(as_text=True)
    # "Liever nu chatten" twice: routed once, the conversation shown, no error.
    assert chat_instead(client).status_code == 303
    again = press(client, "/chat/answer", choice="chat")
    assert again.status_code == 303
    contact = the_contact(app)
    assert (contact.intake_step, contact.status, contact.preference) == ("chat", "waiting", "chat")
    with Session(engine_of(app)) as session:
        routed = session.exec(select(AuditEvent).where(
            AuditEvent.contact_reference == contact.reference)).all()
    assert len([e for e in routed if e.detail.startswith("routed ")]) == 1
    assert 'id="send"' in client.get("/chat").get_data(as_text=True)
    # The callback form sent late (a second tab, a double tap) parks nothing: it is a chat.
    late = press(client, "/chat/callback", phone="0612345678", window="asap", voicemail="no")
    assert late.status_code == 303
    assert stored(app, CallbackRequest) == []
    assert the_contact(app).status == "waiting"
