"""Digits that are not ASCII ("²", Arabic-Indic "١٢٣", full-width "１２３") pass str.isdigit()
but not int() or secrets.compare_digest(): each was a 500 (the chat message lost with it);
now a 4xx that keeps what was typed. On SQLite and PostgreSQL where the app is."""

from __future__ import annotations

from flask import Flask

from tests.desk.helpers import log_in, make_user
from tests.desk.test_login import post_code, post_password
from tests.desk.test_workspace import counsellor, waiting


def test_a_second_factor_code_in_arabic_indic_digits_is_refused_not_a_500(
    store_app: Flask,
) -> None:
    user = make_user(store_app, role="counsellor", desk="police")
    client = store_app.test_client()
    assert post_password(client, user.email).status_code == 303
    answer = post_code(client, "١٢٣٤٥٦")  # what an Arabic keyboard types for 123456
    assert answer.status_code == 401, answer.status_code


def test_a_trail_page_number_in_superscript_is_not_a_500(store_app: Flask) -> None:
    reference = waiting(store_app, desk="police")
    manager = make_user(store_app, role="manager", desk="police")
    client = store_app.test_client()
    log_in(client, store_app, manager)
    assert client.get(f"/desk/contacts/{reference}/trail").status_code == 200
    answer = client.get(f"/desk/contacts/{reference}/trail?page=²")
    assert answer.status_code == 200  # page 1, as for any page number that is none


def test_the_conversation_poll_with_a_superscript_after_is_a_400(store_app: Flask) -> None:
    reference = waiting(store_app, desk="police")
    client, _ = counsellor(store_app)
    assert client.get(f"/desk/contacts/{reference}/messages?after=0").status_code < 400
    answer = client.get(f"/desk/contacts/{reference}/messages?after=²")
    assert answer.status_code == 400, answer.status_code


def test_the_public_chat_poll_with_a_superscript_after_is_a_400(app: Flask) -> None:
    from tests.channels.test_webchat import start_chat

    client = app.test_client()
    start_chat(client, "police", "chat")
    assert client.get("/chat/messages?after=0").status_code == 200
    answer = client.get("/chat/messages?after=²")
    assert answer.status_code == 400, answer.status_code


def test_a_chat_message_sent_with_a_superscript_after_is_not_a_500(app: Flask) -> None:
    from tests.channels.test_webchat import press, start_chat

    client = app.test_client()
    start_chat(client, "police", "chat")
    answer = press(client, "/chat/send", body="Ik durf niet naar huis", after="²")
    assert answer.status_code == 400  # refused before anything is stored: the box keeps it
    answer = press(client, "/chat/send", body="Ik durf niet naar huis", after="0")
    assert answer.status_code in (200, 303)
