"""The public web pages, sixth review: what a person typed survives the database going away
for a moment, and the callback times offered are times still to come."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import make_url

from loket.channels.web_texts import window_options
from loket.domain.callbacks import AMSTERDAM, callback_window
from loket.store.types import utcnow
from tests.channels.test_web_review import page_fields, start_chat, written
from tests.channels.test_webform import answers, send, stored

STORY = "Sinds de schietpartij slaap ik niet meer en durf ik niet naar mijn werk."


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    """The app on SQLite only: these tests take its database file away for a moment."""
    return make_app()


@contextmanager
def database_away(app: Flask) -> Iterator[None]:
    """Take the SQLite database away for a while (a restart, a failover): every connection
    opened meanwhile finds no tables, as a database that is not there yet."""
    engine = app.extensions["loket.engine"]
    path = Path(make_url(str(engine.url)).database or "")
    engine.dispose()
    os.replace(path, path.with_suffix(".away"))
    try:
        yield
    finally:
        engine.dispose()
        os.replace(path.with_suffix(".away"), path)


def test_a_form_sent_while_the_database_is_away_comes_back_with_everything_typed(
    client: FlaskClient, app: Flask
) -> None:
    data = answers(message=STORY, name="Sanne", phone="06 12345678", window="tomorrow",
                   voicemail="yes")
    with database_away(app):
        response = send(client, data)
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert response.headers.get("Retry-After")
    assert "Alles wat je invulde staat er nog" in page
    assert 'role="alert"' in page and "tel:112" in page and "tel:113" in page
    assert f">{STORY}</textarea>" in page
    assert 'value="Sanne"' in page and 'value="06 12345678"' in page
    for name, value in (("who", "veteran"), ("window", "tomorrow"), ("voicemail", "yes")):
        assert re.search(rf'name="{name}" value="{value}"\s+checked', page), name
    assert re.search(r'name="consent" value="y"\s+checked', page)
    # Sent again as the page now stands, it is stored, once.
    fields = {
        "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1),  # type: ignore[union-attr]
        "form_id": re.search(r'name="form_id" value="([^"]+)"', page).group(1),  # type: ignore[union-attr]
    }
    assert client.post("/contact", data={**fields, **data}).status_code == 303
    assert client.post("/contact", data={**fields, **data}).status_code == 303
    assert [c.text for c in stored(app)] == [STORY]


def test_the_form_says_it_in_english_on_an_english_page(client: FlaskClient, app: Flask) -> None:
    with database_away(app):
        response = send(client, answers(message=STORY, language="en"), url="/contact?lang=en")
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "Everything you filled in is still here" in page and f">{STORY}</textarea>" in page


def test_a_chat_message_sent_without_script_while_the_database_is_away_is_kept(
    client: FlaskClient, app: Flask
) -> None:
    start_chat(client)
    fields = page_fields(client)
    with database_away(app):
        response = client.post("/chat/send", data={**fields, "body": STORY})
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "niet verstuurd" in page and "tel:112" in page and "tel:113" in page
    # The text is back in a box of its own to send again with one press, under its own key.
    form = re.search(r'<form[^>]*action="/chat/send".*?</form>', page, re.S)
    assert form is not None
    assert f">{STORY}</textarea>" in form.group(0)
    assert f'name="message_key" value="{fields["message_key"]}"' in form.group(0)
    again = {
        "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', form.group(0)).group(1),  # type: ignore[union-attr]
        "message_key": fields["message_key"], "body": STORY,
    }
    assert client.post("/chat/send", data=again).status_code == 303
    assert client.post("/chat/send", data=again).status_code == 303  # a double press
    assert written(app) == [STORY]


def test_the_script_is_told_kindly_and_in_english_when_the_database_is_away(
    client: FlaskClient, app: Flask
) -> None:
    client.get("/chat?lang=en")
    start_chat(client)
    fields = page_fields(client)
    with database_away(app):
        response = client.post("/chat/send", data={**fields, "body": STORY},
                               headers={"Accept": "application/json"})
    assert response.status_code == 503
    answer = response.get_json()
    assert answer["ok"] is False and "try again" in answer["error"]


@pytest.mark.parametrize("hour", range(24))
def test_the_evening_offered_is_the_evening_the_callback_will_be(hour: int) -> None:
    now = datetime(2026, 12, 7, hour, 30, tzinfo=AMSTERDAM)
    labels = dict(window_options("nl", now))
    start, _end = callback_window("evening", now)
    tomorrow = start.astimezone(AMSTERDAM).date() > now.date()
    assert labels["evening"] == (
        "Morgenavond tussen 18:00 en 21:00" if tomorrow else "Vanavond tussen 18:00 en 21:00")
    english = dict(window_options("en", now))["evening"]
    assert english.startswith("Tomorrow evening" if tomorrow else "This evening")


def test_the_form_and_the_chat_offer_the_evening_as_it_is_now(
    client: FlaskClient, app: Flask
) -> None:
    now = utcnow()
    start, _end = callback_window("evening", now)  # tomorrow's with under half an hour left
    late = start.astimezone(AMSTERDAM).date() > now.astimezone(AMSTERDAM).date()
    evening = "Morgenavond tussen 18:00 en 21:00" if late else "Vanavond tussen 18:00 en 21:00"
    assert evening in client.get("/contact").get_data(as_text=True)
    start_chat(client)  # straight to the conversation; a new browser asks for a callback
    other = app.test_client()
    for url, choice in (("/chat/start", "police"), ("/chat/answer", "callback")):
        assert other.post(url, data={**page_fields(other), "choice": choice}).status_code == 303
    assert evening in other.get("/chat").get_data(as_text=True)


def to_callback_step(client: FlaskClient) -> None:
    """Open a chat with the police desk and ask for a callback."""
    for url, choice in (("/chat/start", "police"), ("/chat/answer", "callback")):
        assert client.post(url, data={**page_fields(client), "choice": choice}).status_code == 303


@pytest.mark.parametrize(
    ("lang", "phrase"),
    [("nl", "Je terugbelverzoek is niet verstuurd"), ("en", "Your callback request was not sent")],
)
def test_a_callback_asked_after_the_chat_went_idle_says_it_was_not_sent(
    client: FlaskClient, app: Flask, lang: str, phrase: str
) -> None:
    client.get(f"/chat?lang={lang}")
    to_callback_step(client)
    fields = page_fields(client)
    with client.session_transaction() as cookie:  # the phone lay unused for over two hours
        cookie["webchat_seen"] -= 121 * 60
    response = client.post("/chat/callback", data={
        **fields, "phone": "06 12345678", "window": "asap", "voicemail": "no"})
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert phrase in page and 'role="alert"' in page
    assert "tel:112" in page and "tel:113" in page
    assert 'action="/chat/start"' in page  # where a new chat begins


def test_a_start_page_left_open_past_its_token_asks_to_choose_again_not_about_a_chat(
    client: FlaskClient, app: Flask
) -> None:
    client.get("/chat")
    response = client.post("/chat/start", data={"csrf_token": "from-an-hour-ago",
                                                "choice": "police", "name": "Sanne"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Kies hieronder nog eens wie je bent" in page
    assert "je gesprek is er nog" not in page  # there is no conversation yet
    assert 'value="Sanne"' in page


def test_a_callback_page_left_past_its_token_and_the_idle_limit_says_it_was_not_sent(
    client: FlaskClient, app: Flask
) -> None:
    to_callback_step(client)
    with client.session_transaction() as cookie:  # hours later: token and chat both gone
        cookie["webchat_seen"] -= 150 * 60
    response = client.post("/chat/callback", data={
        "csrf_token": "from-hours-ago", "phone": "06 12345678", "window": "asap",
        "voicemail": "no"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Je terugbelverzoek is niet verstuurd" in page
    assert "je gesprek is er nog" not in page
