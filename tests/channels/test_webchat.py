"""The public web chat: the phone menu's questions as buttons, routing, a conversation that
works without JavaScript and updates live with it, and crisis phrases made urgent."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from loket import demo, rules_runtime
from loket.domain.callbacks import AMSTERDAM, NIGHT_ENDS
from loket.store.db import session_scope
from loket.store.models import CallbackRequest, Contact, Message

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def engine_of(app: Flask) -> Engine:
    """Return the app's engine."""
    engine: Engine = app.extensions["loket.engine"]
    return engine


def stored(app: Flask, model: Any = Contact) -> list[Any]:
    """Return every stored row of a model."""
    with Session(engine_of(app)) as session:
        return list(session.exec(select(model)).all())


def the_contact(app: Flask) -> Contact:
    """Return the one stored contact."""
    [contact] = stored(app)
    return contact


def press(client: FlaskClient, url: str, **data: str) -> Any:
    """Post a chat form as the page does: with the token from the chat page."""
    page = client.get("/chat").get_data(as_text=True)
    return client.post(url, data={"csrf_token": TOKEN.search(page).group(1), **data})


def start_chat(client: FlaskClient, *choices: str, name: str = "") -> None:
    """Answer 'who are you' and then each following button."""
    assert press(client, "/chat/start", choice=choices[0], name=name).status_code == 303
    for choice in choices[1:]:
        assert press(client, "/chat/answer", choice=choice).status_code == 303


def reply(app: Flask, body: str) -> int:
    """Write a counsellor's reply into the store, as the workspace will."""
    with session_scope(engine_of(app)) as session:
        contact = session.exec(select(Contact)).one()
        message = Message(contact_id=contact.id or 0, direction="out", body=body)
        session.add(message)
        session.flush()
        return message.id or 0


def test_the_chat_starts_with_the_phone_menus_questions_as_buttons(client: FlaskClient) -> None:
    html = client.get("/chat").get_data(as_text=True)
    values = re.findall(r'name="choice" value="(\w+)"', html)
    assert values == ["police", "military", "family_police", "family_defence", "other", "help_now"]
    assert "Ik heb nu direct hulp nodig" in html and "Direct gevaar: bel 112" in html
    assert 'for="name"' in html and "Laat leeg om anoniem te blijven." in html


def test_walking_through_the_buttons_routes_an_anonymous_chat(
    app: Flask, client: FlaskClient
) -> None:
    assert press(client, "/chat/start", choice="military").status_code == 303
    assert "Ben je nu in dienst, of ben je veteraan?" in client.get("/chat").get_data(True)
    assert press(client, "/chat/answer", choice="former").status_code == 303
    assert "Wil je nu chatten" in client.get("/chat").get_data(as_text=True)
    response = press(client, "/chat/answer", choice="chat")
    contact = the_contact(app)
    assert (contact.channel, contact.organisation, contact.serving_status) == (
        "webchat",
        "defence",
        "former",
    )
    assert contact.anonymous and contact.name is None and contact.preference == "chat"
    assert contact.desk == "veterans" and contact.respond == "now"
    assert contact.status == "waiting" and contact.queue is not None
    page = client.get("/chat").get_data(as_text=True)
    assert "Je bent nummer 1 in de rij." in page and "Verwachte wachttijd" in page
    assert contact.reference in page
    # The chat id lives in the signed cookie only: never in a link or a redirect.
    assert contact.external_id and contact.external_id not in page
    assert contact.external_id not in response.headers["Location"]


def test_a_start_sent_again_after_its_answer_was_lost_opens_the_same_chat(
    app: Flask, client: FlaskClient
) -> None:
    # A web process killed after storing the chat but before answering: the browser never
    # got its cookie and sends the same start again (found by `make chaos`).
    page = client.get("/chat").get_data(as_text=True)
    start_id = re.search(r'name="start_id" value="([^"]+)"', page)
    assert start_id is not None
    data = {"csrf_token": TOKEN.search(page).group(1),  # type: ignore[union-attr]
            "start_id": start_id.group(1), "choice": "police", "name": "Ruud"}
    before = client.get_cookie("session")
    assert before is not None
    assert client.post("/chat/start", data=data).status_code == 303
    client.set_cookie("session", before.value)  # the answer, and its cookie, never arrived
    assert client.post("/chat/start", data=data).status_code == 303
    [contact] = stored(app)
    assert contact.name == "Ruud"
    assert "Wil je nu chatten" in client.get("/chat").get_data(as_text=True)  # it goes on
    # Another browser sending the same start id opens a chat of its own.
    other = app.test_client()
    other_page = other.get("/chat").get_data(as_text=True)
    assert other.post("/chat/start", data={
        **data, "csrf_token": TOKEN.search(other_page).group(1)}).status_code == 303  # type: ignore[union-attr]
    assert len(stored(app)) == 2


def test_a_name_makes_the_chat_not_anonymous(app: Flask, client: FlaskClient) -> None:
    start_chat(client, "police", "chat", name="Ruud")
    contact = the_contact(app)
    assert not contact.anonymous and contact.name == "Ruud" and contact.organisation == "police"


def test_messages_are_stored_and_replies_appear_with_and_without_javascript(
    app: Flask, client: FlaskClient
) -> None:
    start_chat(client, "family_police", "chat")
    sent = press(client, "/chat/send", body="Mijn man slaapt niet meer sinds de schietpartij")
    assert sent.status_code == 303
    [message] = stored(app, Message)
    assert message.direction == "in" and message.body.startswith("Mijn man slaapt")
    reply_id = reply(app, "Dank je voor je bericht. Ik ben Anouk, wat fijn dat je schrijft.")
    # Polling: only what is new after the last id the page has.
    update = client.get(f"/chat/messages?after={message.id}").get_json()
    assert [m["body"][:12] for m in update["messages"]] == ["Dank je voor"]
    assert update["messages"][0]["who"] == "Hulpverlener" and update["last_id"] == reply_id
    assert client.get(f"/chat/messages?after={reply_id}").get_json()["messages"] == []
    # Without JavaScript: the page itself shows the conversation.
    page = client.get("/chat").get_data(as_text=True)
    assert "wat fijn dat je schrijft" in page and "Mijn man slaapt" in page
    assert 'method="get" action="/chat#messages"' in page  # the refresh button


def test_the_page_polls_and_holds_no_stream_open(client: FlaskClient) -> None:
    """A stream would hold a server thread per open chat; calls and texts need them free."""
    start_chat(client, "other", "chat")
    page = client.get("/chat").get_data(as_text=True)
    assert 'data-poll="/chat/messages"' in page and "data-events" not in page
    assert client.get("/chat/events").status_code == 404
    static = client.get("/static/js/chat.js")
    script = static.get_data(as_text=True)
    static.close()
    assert "EventSource" not in script and "2000" in script


def test_the_script_sends_and_gets_json_back(app: Flask, client: FlaskClient) -> None:
    start_chat(client, "police", "chat")
    page = client.get("/chat").get_data(as_text=True)
    token = TOKEN.search(page).group(1)
    headers = {"Accept": "application/json"}
    answer = client.post(
        "/chat/send", data={"csrf_token": token, "body": "Hallo", "after": "0"}, headers=headers
    )
    assert answer.status_code == 200 and answer.get_json()["ok"] is True
    assert [m["body"] for m in answer.get_json()["update"]["messages"]] == ["Hallo"]
    empty = client.post("/chat/send", data={"csrf_token": token, "body": "  "}, headers=headers)
    assert empty.status_code == 400 and empty.get_json() == {
        "ok": False,
        "error": "Typ eerst een bericht.",
    }
    assert len(stored(app, Message)) == 1


def test_an_expired_page_tells_the_script_to_retry_with_a_fresh_token(
    app: Flask, client: FlaskClient
) -> None:
    start_chat(client, "police", "chat")
    headers = {"Accept": "application/json"}
    stale = client.post("/chat/send", data={"csrf_token": "old", "body": "Hallo"}, headers=headers)
    answer = stale.get_json()
    assert stale.status_code == 400 and answer["ok"] is False
    assert answer["error"].startswith("De pagina was verlopen")
    retry = client.post(
        "/chat/send", data={"csrf_token": answer["csrf_token"], "body": "Hallo"}, headers=headers
    )
    assert retry.status_code == 200
    assert [m.body for m in stored(app, Message)] == ["Hallo"]


def test_an_empty_message_is_refused_kindly_without_javascript(
    app: Flask, client: FlaskClient
) -> None:
    start_chat(client, "police", "chat")
    response = press(client, "/chat/send", body="   ")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Typ eerst een bericht." in html
    assert 'aria-invalid="true"' in html
    assert stored(app, Message) == []


def test_a_crisis_phrase_makes_the_chat_urgent_and_shows_the_crisis_block(
    app: Flask, client: FlaskClient
) -> None:
    start_chat(client, "police", "chat")
    before = the_contact(app)
    assert not before.crisis and 'id="crisis-now"' in client.get("/chat").get_data(True)
    assert re.search(r'id="crisis-now"[^>]*hidden', client.get("/chat").get_data(True))
    sent = press(client, "/chat/send", body="Ik wil er gewoon niet meer zijn, ik wil dood")
    assert sent.headers["Location"] == "/chat#crisis-now"  # the page opens at the crisis block
    contact = the_contact(app)
    assert contact.risk == "acute" and contact.crisis and contact.priority == "urgent"
    assert contact.status == "waiting" and contact.respond == "now"
    page = client.get("/chat").get_data(as_text=True)
    assert not re.search(r'id="crisis-now"[^>]*hidden', page)
    assert "Wacht niet op ons: bel nu" in page
    assert client.get("/chat/messages").get_json()["crisis"] is True


def test_i_need_help_now_is_urgent_at_once(app: Flask, client: FlaskClient) -> None:
    start_chat(client, "help_now")
    contact = the_contact(app)
    assert contact.crisis and contact.priority == "urgent" and contact.status == "waiting"
    page = client.get("/chat").get_data(as_text=True)
    assert not re.search(r'id="crisis-now"[^>]*hidden', page)
    assert 'id="send"' in page  # they can write straight away


def test_a_callback_asks_number_window_and_voicemail(app: Flask, client: FlaskClient) -> None:
    start_chat(client, "military", "serving", "callback")
    wrong = press(client, "/chat/callback", phone="12", window="tomorrow", voicemail="yes")
    assert wrong.status_code == 400
    assert "Vul een telefoonnummer in zoals" in wrong.get_data(as_text=True)
    assert stored(app, CallbackRequest) == []
    press(client, "/chat/callback", phone="+31 6 1234 5678", window="tomorrow", voicemail="yes")
    contact = the_contact(app)
    assert contact.serving_status == "serving" and contact.desk == "debasis"
    assert contact.status == "callback" and contact.phone == "+31612345678"
    [callback] = stored(app, CallbackRequest)
    assert (callback.window, callback.voicemail_allowed) == ("tomorrow", True)
    page = client.get("/chat").get_data(as_text=True)
    # Asked in the night (before 06:00 in Amsterdam), "tomorrow morning" is the coming one.
    day = "vandaag" if datetime.now(AMSTERDAM).hour < NIGHT_ENDS else "morgen"
    assert f"We bellen je terug: {day} tussen 09:00 en 12:00" in page
    assert contact.reference in page


def test_a_crisis_after_a_callback_puts_the_chat_back_in_the_live_queue(
    app: Flask, client: FlaskClient
) -> None:
    start_chat(client, "other", "callback")
    press(client, "/chat/callback", phone="0612345678", window="evening", voicemail="no")
    assert the_contact(app).status == "callback"
    press(client, "/chat/send", body="Ik heb een wapen in huis en denk aan zelfmoord")
    contact = the_contact(app)
    assert contact.crisis and contact.status == "waiting" and contact.respond == "now"


def test_a_wrong_button_value_gets_a_clear_400(app: Flask, client: FlaskClient) -> None:
    wrong = press(client, "/chat/start", choice="admin")
    assert wrong.status_code == 400
    assert "Kies een van de knoppen hieronder." in wrong.get_data(as_text=True)
    assert stored(app) == []
    start_chat(client, "military")
    again = press(client, "/chat/answer", choice="chat")  # not an answer to this question
    assert again.status_code == 400 and the_contact(app).serving_status == "unknown"


def test_live_endpoints_need_a_chat_in_this_browser(client: FlaskClient) -> None:
    assert client.get("/chat/messages").status_code == 404


def test_closing_the_chat_forgets_it_here_and_tells_the_counsellor(
    app: Flask, client: FlaskClient
) -> None:
    start_chat(client, "police", "chat")
    press(client, "/chat/send", body="Ik moet weg")
    assert press(client, "/chat/leave").status_code == 303
    page = client.get("/chat").get_data(as_text=True)
    assert "De chat is gesloten in deze browser." in page and "Ik moet weg" not in page
    notes = [m for m in stored(app, Message) if m.automatic]
    assert [n.body for n in notes] == ["De persoon heeft de chat gesloten."]


def test_the_chat_speaks_english(app: Flask, client: FlaskClient) -> None:
    html = client.get("/chat?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in html and "I need help right now" in html
    start_chat(client, "other", "chat")
    assert the_contact(app).language == "en"
    page = client.get("/chat").get_data(as_text=True)
    assert "You are number 1 in the queue." in page
    reply(app, "Hello, I am here.")
    assert client.get("/chat/messages").get_json()["messages"][0]["who"] == "Counsellor"


def test_too_many_chat_posts_get_a_friendly_429(make_app: Callable[..., Flask]) -> None:
    app = make_app(public_rate_limit="3 per minute")
    client = app.test_client()
    start_chat(client, "police", "chat")  # two posts
    assert press(client, "/chat/send", body="Hallo?").status_code == 303
    over = press(client, "/chat/send", body="Is daar iemand?")
    assert over.status_code == 429
    assert "Even wachten" in over.get_data(as_text=True) and "bel 112" in over.get_data(True)
    assert client.get("/chat/messages").status_code == 200  # reading is never limited


@pytest.mark.parametrize("after", ["9223372036854775808", str(2**31), "-1", "abc", "1e9"])
def test_a_message_number_out_of_range_is_a_clear_400_and_loses_nothing(
    app: Flask, client: FlaskClient, after: str
) -> None:
    start_chat(client, "police", "chat")
    polled = client.get(f"/chat/messages?after={after}")
    assert polled.status_code == 400 and "after" in polled.get_json()["error"]
    sent = press(client, "/chat/send", body="Hallo daar", after=after)
    assert sent.status_code == 400
    assert press(client, "/chat/send", body="Hallo daar", after="0").status_code in (200, 303)
    bodies = [m.body for m in stored(app, Message) if m.direction == "in"]
    assert bodies.count("Hallo daar") == 1


def test_leaving_ends_the_chats_access_for_a_copied_cookie_too(
    app: Flask, client: FlaskClient
) -> None:
    start_chat(client, "police", "chat")
    press(client, "/chat/send", body="Ik moet weg")
    cookie = client.get_cookie("session")
    assert cookie is not None
    copy = app.test_client()
    copy.set_cookie("session", cookie.value)
    assert "Ik moet weg" in copy.get("/chat").get_data(as_text=True)
    press(client, "/chat/leave")
    assert copy.get("/chat/messages").status_code == 404
    page = copy.get("/chat").get_data(as_text=True)
    assert "Ik moet weg" not in page and 'name="choice"' in page  # the first question
    assert len(stored(app)) == 1  # the conversation itself stays for the counsellor


def test_a_chat_left_idle_longer_than_the_limit_is_no_longer_readable(
    app: Flask, client: FlaskClient
) -> None:
    assert app.config["LOKET"].chat_idle_minutes == 120  # the default: two hours
    start_chat(client, "police", "chat")
    press(client, "/chat/send", body="Mijn naam is Joost")
    with client.session_transaction() as cookie:  # 119 minutes without a request: still open
        cookie["webchat_seen"] -= 119 * 60
    assert client.get("/chat/messages").status_code == 200
    with client.session_transaction() as cookie:  # 121 minutes: gone
        cookie["webchat_seen"] -= 121 * 60
    assert client.get("/chat/messages").status_code == 404
    assert "Mijn naam is Joost" not in client.get("/chat").get_data(as_text=True)


def test_a_fresh_demo_puts_nobody_in_the_live_queue_before_a_real_visitor(
    app: Flask, client: FlaskClient
) -> None:
    with app.app_context():
        demo.seed_demo(engine_of(app), decide=rules_runtime.decide, contacts=1000, seed=3)
    assert [c.reference for c in stored(app) if c.status == "waiting"] == []
    start_chat(client, "police", "chat")
    status = client.get("/chat/messages").get_json()["status_text"]
    assert status in ("Een hulpverlener is zo bij je.", "Je bent nummer 1 in de rij.") or (
        status.startswith("Je bent nummer 1 in de rij.")
    )


def test_a_bad_message_number_is_refused_in_the_person_s_language(client: FlaskClient) -> None:
    start_chat(client, "other", "chat")
    refused = client.get("/chat/messages?after=abc")
    assert refused.status_code == 400
    assert refused.get_json()["error"] == "after: verwacht een berichtnummer"
    client.get("/chat?lang=en")
    english = client.get("/chat/messages?after=-1")
    assert english.status_code == 400
    assert english.get_json()["error"] == "after: expected a message number"
