"""The public web chat reviewed as a person on a phone: a message sent twice is stored once,
and a message written to a chat no longer open in this browser is never silently lost."""

from __future__ import annotations

import re
import time

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, col, select

from loket.domain import contacts
from loket.store.db import session_scope
from loket.store.models import Contact, Message

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
KEY = re.compile(r'name="message_key" value="([^"]+)"')
JSON = {"Accept": "application/json"}


def written(app: Flask) -> list[str]:
    """Return what the person wrote, as stored, oldest first."""
    with Session(app.extensions["loket.engine"]) as session:
        query = select(Message).where(Message.direction == "in").order_by(col(Message.id))
        return [m.body for m in session.exec(query).all() if not m.automatic]


def page_fields(client: FlaskClient) -> dict[str, str]:
    """Return the hidden fields of the chat page as it is shown now."""
    page = client.get("/chat").get_data(as_text=True)
    fields = {"csrf_token": TOKEN.search(page).group(1)}  # type: ignore[union-attr]
    key = KEY.search(page)
    if key is not None:
        fields["message_key"] = key.group(1)
    return fields


def start_chat(client: FlaskClient) -> None:
    """Open a chat with the police desk, straight to the conversation."""
    for url, choice in (("/chat/start", "police"), ("/chat/answer", "chat")):
        answer = client.post(url, data={**page_fields(client), "choice": choice})
        assert answer.status_code == 303


def test_a_message_posted_twice_from_one_page_is_stored_once(
    app: Flask, client: FlaskClient
) -> None:
    start_chat(client)
    fields = page_fields(client)
    data = {**fields, "body": "Ik weet niet goed waar ik moet beginnen."}
    first = client.post("/chat/send", data=data)  # a double click on a slow phone
    second = client.post("/chat/send", data=data)
    assert (first.status_code, second.status_code) == (303, 303)
    assert written(app) == ["Ik weet niet goed waar ik moet beginnen."]
    page = client.get("/chat").get_data(as_text=True)
    assert page.count("Ik weet niet goed waar ik moet beginnen.") == 1
    # The same words again from the next page are a message of their own.
    again = {**page_fields(client), "body": "Ik weet niet goed waar ik moet beginnen."}
    assert again["message_key"] != fields["message_key"]
    assert client.post("/chat/send", data=again).status_code == 303
    assert len(written(app)) == 2


def test_the_script_retrying_after_a_lost_answer_stores_the_message_once(
    app: Flask, client: FlaskClient
) -> None:
    start_chat(client)
    data = {**page_fields(client), "body": "Hallo?", "after": "0"}
    lost = client.post("/chat/send", data=data, headers=JSON)  # its answer never arrived
    retry = client.post("/chat/send", data=data, headers=JSON)
    assert lost.status_code == retry.status_code == 200
    assert [m["body"] for m in retry.get_json()["update"]["messages"]] == ["Hallo?"]
    assert written(app) == ["Hallo?"]
    following = retry.get_json()["message_key"]  # the next message's key
    assert following != data["message_key"]
    nxt = {**data, "message_key": following, "after": "0"}
    assert client.post("/chat/send", data=nxt, headers=JSON).status_code == 200
    assert written(app) == ["Hallo?", "Hallo?"]


def test_a_message_to_a_chat_gone_idle_is_shown_back_not_dropped(
    app: Flask, client: FlaskClient
) -> None:
    start_chat(client)
    fields = page_fields(client)
    with client.session_transaction() as cookie:  # the phone lay untouched for three hours
        cookie["webchat_seen"] -= 180 * 60
    typed = "Sorry, ik was weg. Zijn jullie er nog?"  # a crisis opens a new chat: review7
    answer = client.post("/chat/send", data={**fields, "body": typed})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 404
    assert typed in html  # to copy into a new chat
    assert "Deze chat is niet meer open in deze browser" in html
    assert "Je bericht is niet verstuurd" in html
    assert 'name="choice" value="help_now"' in html  # a new chat is one press away
    assert written(app) == []


def test_the_script_is_told_in_english_that_the_chat_was_closed_in_another_tab(
    app: Flask, client: FlaskClient
) -> None:
    client.get("/chat?lang=en")
    start_chat(client)
    fields = page_fields(client)
    client.post("/chat/leave", data={"csrf_token": fields["csrf_token"]})  # the other tab
    data = {**fields, "body": "Are you still there?", "after": "0"}
    sent = client.post("/chat/send", data=data, headers=JSON)
    assert sent.status_code == 404 and sent.get_json()["ok"] is False
    error = sent.get_json()["error"]
    assert "no longer open in this browser" in error and "was not sent" in error
    assert "still there" not in error  # not "try again": trying again can never work
    polled = client.get("/chat/messages?after=0")
    assert polled.status_code == 404
    assert "no longer open in this browser" in polled.get_json()["error"]
    assert "Are you still there?" not in written(app)



def close_the_chat(app: Flask) -> None:
    """The counsellor closes the conversation, as the workspace does."""
    with session_scope(app.extensions["loket.engine"]) as session:
        chat = session.exec(select(Contact)).one()
        contacts.close(session=session, contact=chat, outcome="helped", actor="user",
                       detail="closed")


def test_a_crisis_written_just_after_the_counsellor_closed_the_chat_is_answered_now(
    app: Flask, client: FlaskClient
) -> None:
    start_chat(client)
    fields = page_fields(client)  # the page as it was, still open
    close_the_chat(app)
    typed = "Ik heb het pistool uit de kast gehaald, ik wil er een eind aan maken"
    sent = client.post("/chat/send", data={**fields, "body": typed, "after": "0"},
                       headers=JSON)
    assert sent.status_code == 200 and sent.get_json()["update"]["crisis"] is True
    with Session(app.extensions["loket.engine"]) as session:
        chats = list(session.exec(select(Contact).order_by(col(Contact.id))).all())
    assert [c.status for c in chats][0] == "closed"
    [new] = [c for c in chats if c.status != "closed"]
    assert new.crisis and new.priority == "urgent" and new.respond == "now"
    assert new.status == "waiting" and new.queue is not None
    assert written(app) == [typed]
    # The open page is told the new chat's reference with the answer (its script shows it).
    assert new.reference in sent.get_json()["update"]["reference_text"]
    page = client.get("/chat").get_data(as_text=True)  # this browser now holds the new chat
    assert typed in page and new.reference in page and 'id="send"' in page
    assert not re.search(r'id="crisis-now"[^>]*hidden', page)


def test_an_ordinary_message_after_the_close_is_shown_back_with_112_and_113(
    app: Flask, client: FlaskClient
) -> None:
    client.get("/chat?lang=en")
    start_chat(client)
    fields = page_fields(client)
    close_the_chat(app)
    sent = client.post("/chat/send", data={**fields, "body": "Thanks, bye", "after": "0"},
                       headers=JSON)
    assert sent.status_code == 409
    error = sent.get_json()["error"]
    assert "was not sent" in error and "112" in error and "113" in error
    assert written(app) == [] and len(stored_contacts(app)) == 1


def stored_contacts(app: Flask) -> list[Contact]:
    """Return every stored contact."""
    with Session(app.extensions["loket.engine"]) as session:
        return list(session.exec(select(Contact)).all())


FORM_FIELDS = re.compile(r'name="(csrf_token|form_id)" value="([^"]+)"')


@pytest.mark.parametrize(
    ("urgent", "message"),
    [("acute", ""), ("none", "Ik wil niet meer leven, echt niet")],
    ids=["needs-help-now", "crisis-phrase"],
)
def test_a_form_in_crisis_sent_back_to_correct_says_call_now_first(
    client: FlaskClient, urgent: str, message: str
) -> None:
    page = client.get("/contact").get_data(as_text=True)
    fields = dict(FORM_FIELDS.findall(page))
    data = {**fields, "who": "police", "need": "unknown", "urgent": urgent, "reach": "phone",
            "phone": "12", "window": "asap", "voicemail": "no", "language": "nl",
            "message": message, "consent": "y"}
    refused = client.post("/contact", data=data)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "Vul een telefoonnummer in zoals" in html
    crisis = re.search(r'<div id="crisis-now"[^>]*>', html)
    assert crisis is not None and "hidden" not in crisis.group(0)
    assert "Wacht niet op ons: bel nu" in html
    assert html.index('id="crisis-now"') < html.index('id="error-summary"')  # read first


def test_an_ordinary_form_sent_back_to_correct_shows_no_crisis_alarm(client: FlaskClient) -> None:
    page = client.get("/contact").get_data(as_text=True)
    data = {**dict(FORM_FIELDS.findall(page)), "who": "police", "need": "practical",
            "urgent": "none", "reach": "phone", "phone": "12", "window": "asap",
            "voicemail": "no", "language": "nl", "message": "Vraag over mijn pensioen",
            "consent": "y"}
    html = client.post("/contact", data=data).get_data(as_text=True)
    assert 'id="crisis-now"' not in html


def test_closing_the_chat_from_a_page_left_open_too_long_says_it_is_still_open(
    app: Flask, client: FlaskClient
) -> None:
    start_chat(client)
    client.post("/chat/send", data={**page_fields(client), "body": "Mijn naam is Joost"})
    stale = client.post("/chat/leave", data={"csrf_token": "from-an-hour-ago"})
    html = stale.get_data(as_text=True)
    assert stale.status_code == 400
    assert "de chat staat nog open in deze browser" in html  # not taken for closed
    assert re.search(r'<button[^>]*aria-describedby="leave-error[^>]*autofocus', html)
    assert "Je gesprek is er nog" not in html  # not the message box's error
    token = TOKEN.search(html).group(1)  # type: ignore[union-attr]
    assert client.post("/chat/leave", data={"csrf_token": token}).status_code == 303
    assert "Mijn naam is Joost" not in client.get("/chat").get_data(as_text=True)


def test_a_form_confirmation_is_not_shown_to_the_next_user_of_a_shared_computer(
    app: Flask, client: FlaskClient
) -> None:
    page = client.get("/contact").get_data(as_text=True)
    data = {**dict(FORM_FIELDS.findall(page)), "who": "police", "need": "psychological",
            "urgent": "acute", "reach": "none", "language": "nl", "consent": "y",
            "message": "Mijn partner mag dit niet weten"}
    assert client.post("/contact", data=data).status_code == 303
    [contact] = stored_contacts(app)
    assert contact.reference in client.get("/contact/received").get_data(as_text=True)
    with client.session_transaction() as cookie:  # the family's computer, hours later
        cookie["webform_done_at"] = int(time.time()) - 121 * 60
    later = client.get("/contact/received")
    assert later.status_code == 302 and later.headers["Location"] == "/contact"
    assert contact.reference not in later.get_data(as_text=True)
    assert contact.reference not in client.get("/contact/received", follow_redirects=True
                                               ).get_data(as_text=True)
