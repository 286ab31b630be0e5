"""Review 3 of the web chat: a chat that ended through idle time is recorded for the
counsellor when the browser comes back; an old copy of the cookie ends nothing."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from loket.domain import conversations
from loket.store.models import Message
from tests.channels.test_webchat import press, start_chat, stored, the_contact
from tests.desk.test_chat_ended_review3 import went_by


def test_a_browser_back_after_the_idle_limit_ends_the_chat_for_the_counsellor_to_see(
    app: Flask, client: FlaskClient
) -> None:
    start_chat(client, "police", "chat")
    press(client, "/chat/send", body="Ik wacht wel even")
    went_by(app, minutes=121, person=client)
    sent = press(client, "/chat/send", body="Hallo? Is er iemand?")
    assert sent.status_code == 404 and "Hallo? Is er iemand?" in sent.get_data(as_text=True)
    contact = the_contact(app)
    assert contact.intake_step == conversations.CHAT_ENDED
    notes = [m.body for m in stored(app, Message) if m.automatic]
    assert notes == ["De persoon heeft de chat 2 uur niet gebruikt: hij is voor hen gesloten."]
    assert [m.body for m in stored(app, Message) if not m.automatic] == ["Ik wacht wel even"]
    client.get("/chat")  # back once more: nothing more is recorded
    assert len([m for m in stored(app, Message) if m.automatic]) == 1


def test_an_old_copy_of_the_cookie_does_not_end_a_chat_still_in_use(
    app: Flask, client: FlaskClient
) -> None:
    start_chat(client, "police", "chat")
    copy = app.test_client()
    cookie = client.get_cookie("session")
    assert cookie is not None
    copy.set_cookie("session", cookie.value)
    with copy.session_transaction() as copied:  # this copy was last used long ago
        copied["webchat_seen"] -= 3 * 60 * 60
    press(client, "/chat/send", body="Ik ben er nog")  # the person goes on writing
    assert copy.get("/chat/messages").status_code == 404
    assert the_contact(app).intake_step == "chat"
    assert client.get("/chat/messages").get_json()["messages"][0]["body"] == "Ik ben er nog"


def test_the_chat_says_how_long_it_stays_open_unused(app: Flask, client: FlaskClient) -> None:
    start_chat(client, "police", "chat")
    page = client.get("/chat").get_data(as_text=True)
    assert "Gebruik je deze chat 2 uur niet (pagina dicht, niets verstuurd)" in page
    assert "do not use this chat for 2 hours" in client.get("/chat?lang=en").get_data(True)
