"""The public web chat reviewed again as a person on a phone at night: a press or a message
sent twice (a double tap, a retry after a lost answer) does one thing and shows no error."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, col, select

from loket.store.models import Contact
from tests.channels.test_web_review import (
    JSON,
    close_the_chat,
    page_fields,
    start_chat,
    written,
)
from tests.desk.test_workspace import counsellor


def stored_contacts(app: Flask) -> list[Contact]:
    """Return every stored contact, oldest first."""
    with Session(app.extensions["loket.engine"]) as session:
        return list(session.exec(select(Contact).order_by(col(Contact.id))).all())


def test_a_crisis_after_the_close_sent_again_after_a_lost_answer_opens_one_chat(
    app: Flask, client: FlaskClient
) -> None:
    start_chat(client)
    fields = page_fields(client)  # the page as it was, still open
    close_the_chat(app)
    typed = "Ik heb het pistool uit de kast gehaald, ik wil er een eind aan maken"
    data = {**fields, "body": typed, "after": "0"}
    before = client.get_cookie("session")
    assert before is not None
    first = client.post("/chat/send", data=data, headers=JSON)
    assert first.status_code == 200
    client.set_cookie("session", before.value)  # the answer, and its cookie, never arrived
    retry = client.post("/chat/send", data=data, headers=JSON)  # the script sends it again
    assert retry.status_code == 200 and retry.get_json()["update"]["crisis"] is True
    chats = stored_contacts(app)
    # One urgent chat for the counsellor to answer, holding the message once.
    assert [c.status for c in chats] == ["closed", "waiting"]
    assert written(app) == [typed]
    page = client.get("/chat").get_data(as_text=True)  # this browser holds that one chat
    assert typed in page and chats[1].reference in page


def test_a_crisis_after_the_close_sent_twice_without_javascript_opens_one_chat(
    app: Flask, client: FlaskClient
) -> None:
    start_chat(client)
    fields = page_fields(client)
    close_the_chat(app)
    data = {**fields, "body": "Ik wil dood, ik zie het niet meer zitten"}
    before = client.get_cookie("session")
    assert before is not None
    assert client.post("/chat/send", data=data).status_code == 303
    client.set_cookie("session", before.value)  # a double tap: the second carries the old cookie
    assert client.post("/chat/send", data=data).status_code == 303
    assert [c.status for c in stored_contacts(app)] == ["closed", "waiting"]
    assert written(app) == ["Ik wil dood, ik zie het niet meer zitten"]


def test_a_double_tap_on_chat_now_shows_the_conversation_not_an_error(
    app: Flask, client: FlaskClient
) -> None:
    client.post("/chat/start", data={**page_fields(client), "choice": "police"})
    fields = page_fields(client)  # the question "chat now or be called back?"
    first = client.post("/chat/answer", data={**fields, "choice": "chat"})
    second = client.post("/chat/answer", data={**fields, "choice": "chat"})  # still on its way
    assert first.status_code == 303
    # The browser shows the answer to the second tap: the conversation, without an error.
    assert (second.status_code, second.headers.get("Location")) == (303, "/chat")
    page = client.get("/chat").get_data(as_text=True)
    assert 'id="send"' in page and "Kies een van de knoppen" not in page
    [chat] = stored_contacts(app)
    assert chat.status == "waiting" and chat.preference == "chat"


def test_a_double_tap_on_veteran_does_not_answer_the_next_question(
    app: Flask, client: FlaskClient
) -> None:
    client.post("/chat/start", data={**page_fields(client), "choice": "military"})
    fields = page_fields(client)  # "serving, or veteran?"
    assert client.post("/chat/answer", data={**fields, "choice": "former"}).status_code == 303
    second = client.post("/chat/answer", data={**fields, "choice": "former"})
    assert (second.status_code, second.headers.get("Location")) == (303, "/chat")
    assert "Wil je nu chatten" in client.get("/chat").get_data(as_text=True)
    # A button of a later question pressed too early is still refused.
    client2 = app.test_client()
    client2.post("/chat/start", data={**page_fields(client2), "choice": "military"})
    early = client2.post("/chat/answer", data={**page_fields(client2), "choice": "chat"})
    assert early.status_code == 400


def test_a_crisis_phrase_split_over_two_messages_makes_the_chat_urgent(
    app: Flask, client: FlaskClient
) -> None:
    start_chat(client)
    with app.app_context():  # each half alone is not a crisis phrase; together they are
        from loket import rules_runtime

        assert not rules_runtime.is_crisis_text("ik zie het niet")
        assert not rules_runtime.is_crisis_text("meer zitten")
        assert rules_runtime.is_crisis_text("ik zie het niet meer zitten")
    data = {**page_fields(client), "body": "ik zie het niet", "after": "0"}
    assert client.post("/chat/send", data=data, headers=JSON).get_json()["ok"] is True
    assert not stored_contacts(app)[0].crisis
    data = {**page_fields(client), "body": "meer zitten", "after": "0"}
    sent = client.post("/chat/send", data=data, headers=JSON)  # a thumb pressed send too soon
    assert sent.get_json()["update"]["crisis"] is True  # the page shows 112 and 113 now
    [chat] = stored_contacts(app)
    assert chat.crisis and chat.priority == "urgent" and chat.respond == "now"


def test_two_ordinary_messages_do_not_make_a_crisis(app: Flask, client: FlaskClient) -> None:
    start_chat(client)
    for body in ("Ik slaap slecht", "sinds de schietpartij"):
        client.post("/chat/send", data={**page_fields(client), "body": body})
    assert not stored_contacts(app)[0].crisis


def test_a_chat_renewed_by_a_web_machine_a_moment_ahead_stays_open(
    app: Flask, client: FlaskClient
) -> None:
    # Past one machine, N web processes run behind a load balancer: the cookie's last-seen
    # time may come from a machine whose clock is a second ahead of the one answering next.
    start_chat(client)
    client.post("/chat/send", data={**page_fields(client), "body": "Ben je er nog?"})
    with client.session_transaction() as cookie:
        cookie["webchat_seen"] += 2
    assert client.get("/chat/messages").status_code == 200
    assert "Ben je er nog?" in client.get("/chat").get_data(as_text=True)
    with client.session_transaction() as cookie:  # and idle past the limit, it still ends
        cookie["webchat_seen"] -= 121 * 60
    assert client.get("/chat/messages").status_code == 404


def test_a_person_who_switches_the_chat_to_english_is_answered_in_english(
    app: Flask, client: FlaskClient
) -> None:
    start_chat(client)
    assert [c.language for c in stored_contacts(app)] == ["nl"]
    client.get("/chat?lang=en")  # the page's language switch
    sent = client.post("/chat/send", data={**page_fields(client), "body": "Can we talk?"},
                       headers=JSON)
    assert sent.status_code == 200 and sent.get_json()["ok"]
    [chat] = stored_contacts(app)
    assert chat.language == "en"
    desk, _ = counsellor(app, desk=chat.desk or "police")
    page = desk.get(f"/desk/contacts/{chat.reference}").get_data(as_text=True)
    assert "leest Engels: antwoord in het Engels" in page  # what the counsellor reads
