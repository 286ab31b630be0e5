"""The person's messages on a counsellor's page carry the person's language where it is not the
page's (WCAG 3.1.2 Language of Parts): a screen reader reads "I can't go on like this" in
English on a Dutch page, and Dutch words in Dutch on an English one. So does the reply box,
which the canned replies fill in the person's language."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from loket.store.db import session_scope
from loket.store.models import Contact
from tests.desk.test_live_conversation import person_writes
from tests.desk.test_workspace import act, counsellor, engine_of, waiting


def held_chat(app: Flask, language: str, body: str) -> tuple[FlaskClient, str]:
    """A web chat in `language` with one message from the person, claimed by a counsellor."""
    reference = waiting(app, channel="webchat")
    with session_scope(engine_of(app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        contact.language = language
    person_writes(app, reference, body)
    client, _ = counsellor(app)
    act(client, reference, "claim")
    return client, reference


def message_item(html: str, body: str) -> str:
    """Return the list item of the person's message with this (escaped) body."""
    found = re.search(rf"<li class=\"in\"[^>]*>(?:(?!</li>).)*?{body}.*?</li>", html, re.S)
    assert found, f"the message {body!r} is on the page"
    return found.group(0)


def reply_box(html: str) -> str:
    found = re.search(r"<textarea[^>]*id=\"reply-text\"[^>]*>", html)
    assert found, "the reply box is on the page"
    return found.group(0)


def test_an_english_person_s_messages_are_marked_english_on_a_dutch_desk_page(
    app: Flask,
) -> None:
    client, reference = held_chat(app, "en", "I can't go on like this")
    html = client.get(f"/desk/contacts/{reference}",
                      headers={"Accept-Language": "nl"}).get_data(as_text=True)
    assert '<html lang="nl">' in html
    item = message_item(html, "I can&#39;t go on like this")
    # The words, not the Dutch "Persoon" and time before them, are English.
    assert re.search(r'<p class="message__body" lang="en">I can&#39;t go on like this</p>',
                     item), item
    assert item.count('lang="en"') == 1, item
    # The box a canned reply is put in (in English, the person's language) says so too.
    assert 'lang="en"' in reply_box(html)


def test_a_dutch_person_s_messages_are_marked_dutch_on_an_english_desk_page(
    app: Flask,
) -> None:
    client, reference = held_chat(app, "nl", "Ik kan niet meer")
    html = client.get(f"/desk/contacts/{reference}?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert 'lang="nl">Ik kan niet meer</p>' in message_item(html, "Ik kan niet meer")
    assert 'lang="nl"' in reply_box(html)


def test_the_page_s_own_language_is_not_repeated(app: Flask) -> None:
    client, reference = held_chat(app, "nl", "Ik kan niet meer")
    html = client.get(f"/desk/contacts/{reference}",
                      headers={"Accept-Language": "nl"}).get_data(as_text=True)
    assert "lang=" not in message_item(html, "Ik kan niet meer")
    assert "lang=" not in reply_box(html)


def test_new_messages_the_page_asks_for_are_marked_with_the_person_s_language(
    app: Flask
) -> None:
    """The list items conversation.js adds as they come carry the language too."""
    client, reference = held_chat(app, "en", "Are you there?")
    later = person_writes(app, reference, "Hello?")
    answer = client.get(f"/desk/contacts/{reference}/messages?after={later - 1}",
                        headers={"Accept-Language": "nl"})
    assert answer.status_code == 200
    assert 'lang="en">Hello?</p>' in answer.get_data(as_text=True)
