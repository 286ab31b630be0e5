"""Review 7 of the web chat: a crisis written to a chat that went idle past the limit opens a
new crisis chat, as one written to a chat the counsellor closed does; anything else written
there is refused as before, nothing stored and the text kept."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from loket.domain import conversations
from loket.store.models import Contact, Message
from tests.channels.test_webchat import TOKEN, press, start_chat

JSON = {"Accept": "application/json"}
CRISIS = "ik wil dood, ik heb de pillen al klaarliggen"


def chats(engine: Engine) -> list[Contact]:
    """Return every chat, oldest first."""
    with Session(engine) as session:
        return list(session.exec(select(Contact).order_by(col(Contact.id))).all())


def written(engine: Engine) -> list[tuple[int, str]]:
    """Return what the person wrote (not the system's notes): chat id and text."""
    with Session(engine) as session:
        return [(m.contact_id, m.body) for m in
                session.exec(select(Message).order_by(col(Message.id))).all()
                if m.direction == "in" and not m.automatic]


def go_idle(client: FlaskClient) -> None:
    """Leave the page open without a request past the idle limit (two hours)."""
    with client.session_transaction() as cookie:
        cookie["webchat_seen"] -= 121 * 60


def test_a_crisis_written_after_the_idle_limit_opens_a_new_crisis_chat(
    app: Flask, client: FlaskClient, engine: Engine
) -> None:
    start_chat(client, "police", "chat")
    press(client, "/chat/send", body="Ik wacht wel even")
    go_idle(client)
    sent = press(client, "/chat/send", body=CRISIS)
    assert sent.status_code == 303 and sent.headers["Location"].endswith("#crisis-now")
    old, new = chats(engine)
    assert (new.crisis, new.priority, new.respond, new.status) == (
        True, "urgent", "now", "waiting")
    assert new.queue is not None and new.organisation == old.organisation == "police"
    assert written(engine) == [(old.id, "Ik wacht wel even"), (new.id, CRISIS)]
    page = client.get("/chat").get_data(as_text=True)  # this browser holds the new chat
    assert CRISIS in page and new.reference in page


def test_a_crisis_written_right_after_the_page_was_told_the_chat_went_idle_opens_one(
    app: Flask, client: FlaskClient, engine: Engine
) -> None:
    """The page's poll (or a reload) is told first that the chat ended; then the crisis."""
    start_chat(client, "military", "former", "chat")
    go_idle(client)
    assert client.get("/chat/messages").status_code == 404  # the poll: the chat ended here
    sent = press(client, "/chat/send", body=CRISIS, after="0")
    assert sent.status_code == 303
    old, new = chats(engine)
    assert conversations.chat_ended(old)  # recorded for its counsellor, as before
    assert new.crisis and (new.organisation, new.serving_status) == ("defence", "former")
    assert written(engine) == [(new.id, CRISIS)]
    page = client.get("/chat").get_data(as_text=True)
    assert CRISIS in page and new.reference in page


def test_a_crisis_after_the_idle_limit_sent_again_after_a_lost_answer_opens_one_chat(
    app: Flask, client: FlaskClient, engine: Engine
) -> None:
    start_chat(client, "police", "chat")
    page = client.get("/chat").get_data(as_text=True)  # the page, left open without a request
    data = {"csrf_token": TOKEN.search(page).group(1), "body": CRISIS, "after": "0",
            "message_key": "k" * 22}
    go_idle(client)
    before = client.get_cookie("session")
    assert before is not None
    first = client.post("/chat/send", data=data, headers=JSON)  # its script sends the crisis
    assert first.status_code == 200 and first.get_json()["update"]["crisis"] is True
    client.set_cookie("session", before.value)  # the answer, and its cookie, never arrived
    retry = client.post("/chat/send", data=data, headers=JSON)  # the script sends it again
    assert retry.status_code == 200 and retry.get_json()["update"]["crisis"] is True
    old, new = chats(engine)
    assert new.crisis and new.organisation == "police"
    assert written(engine) == [(new.id, CRISIS)]
    assert conversations.chat_ended(old)


def test_an_ordinary_message_after_the_idle_limit_is_still_refused_and_not_stored(
    app: Flask, client: FlaskClient, engine: Engine
) -> None:
    start_chat(client, "police", "chat")
    go_idle(client)
    sent = press(client, "/chat/send", body="Ben je er nog?")
    assert sent.status_code == 404
    assert "Ben je er nog?" in sent.get_data(as_text=True)  # shown back to copy
    assert [c.crisis for c in chats(engine)] == [False]
    assert written(engine) == []
