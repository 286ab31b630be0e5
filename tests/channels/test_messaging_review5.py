"""The text conversation at 3 a.m., fifth review: a menu answered in words instead of digits
(Dutch, English, a typo's worth of forms), which must never be taken for a wrong answer and
end in the default after two tries."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine

from loket.store.models import CallbackRequest
from tests.channels.conftest import rows
from tests.channels.test_messaging import (
    INBOUND,
    WHATSAPP,
    messages,
    only_contact,
    params_of,
    post,
    reply_of,
    text,
    walk,
)


@pytest.mark.parametrize(
    ("answer", "organisation", "relation"),
    [
        ("veteraan", "defence", "self"),
        ("Ik ben veteraan", "defence", "self"),
        ("oud-militair", "defence", "self"),
        ("politie", "police", "self"),
        ("I'm a police officer", "police", "self"),
        ("Mijn man is veteraan", "defence", "family"),
        ("my wife works for the police", "police", "family"),
    ],
)
def test_who_answered_in_words_is_taken(
    client: FlaskClient, engine: Engine, answer: str, organisation: str, relation: str
) -> None:
    reply = walk(client, "Hallo", answer)[1] or ""
    assert not reply.startswith("Sorry")
    contact = only_contact(engine)
    assert (contact.organisation, contact.relation) == (organisation, relation)


def test_a_veteran_who_writes_veteraan_twice_is_not_recorded_as_other(
    client: FlaskClient, engine: Engine
) -> None:
    walk(client, "Hallo", "veteraan", "veteraan")
    assert only_contact(engine).organisation == "defence"


@pytest.mark.parametrize(
    ("answers", "preference", "window"),
    [
        (("bellen", "morgenochtend"), "callback", "tomorrow"),
        (("bel me maar terug", "vanavond"), "callback", "evening"),
        (("call me back", "as soon as possible"), "callback", "asap"),
    ],
)
def test_respond_and_window_answered_in_words(
    client: FlaskClient, engine: Engine, answers: tuple[str, str], preference: str, window: str
) -> None:
    replies = walk(client, "Hallo", "1", *answers)
    assert not any((r or "").startswith("Sorry") for r in replies)
    contact = only_contact(engine)
    assert contact.preference == preference and contact.intake_step == "routed"
    assert [c.window for c in rows(engine, CallbackRequest)] == [window]


def test_chat_answered_in_words_routes(client: FlaskClient, engine: Engine) -> None:
    replies = walk(client, "Hallo", "2", "veteraan", "chatten")
    assert "nummer 1 in de rij" in (replies[-1] or "")
    assert only_contact(engine).serving_status == "former"


@pytest.mark.parametrize(
    "answer", ["niet bellen", "politie en veteraan", "ik weet niet wat ik hier moet typen"]
)
def test_words_that_do_not_pick_one_option_are_asked_again(
    client: FlaskClient, engine: Engine, answer: str
) -> None:
    step = "respond" if answer == "niet bellen" else "who"
    bodies = ("Hallo", "1", answer) if step == "respond" else ("Hallo", answer)
    reply = walk(client, *bodies)[-1] or ""
    assert reply.startswith("Sorry")
    assert only_contact(engine).intake_step == f"{step}:again"


# --- after STOP, Twilio delivers no SMS until the person sends START ------------------------


@pytest.mark.parametrize("first", ["Hallo", "ik zie het niet meer zitten"])
def test_the_sms_goodbye_says_to_send_start_to_write_again(
    client: FlaskClient, first: str
) -> None:
    walk(client, first)
    goodbye = text(client, "STOP") or ""
    assert "START" in goodbye and "112" in goodbye and "113" in goodbye


def test_the_english_sms_goodbye_says_start_too(client: FlaskClient) -> None:
    walk(client, "EN", "1")
    goodbye = text(client, "stop") or ""
    assert "START" in goodbye and "messages" in goodbye


def test_the_whatsapp_goodbye_asks_for_no_keyword(client: FlaskClient) -> None:
    walk(client, "Hallo", sender=WHATSAPP)
    goodbye = text(client, "STOP", sender=WHATSAPP) or ""
    assert "START" not in goodbye and "nieuw bericht" in goodbye


def test_start_after_stop_is_greeted_afresh(client: FlaskClient, engine: Engine) -> None:
    walk(client, "Hallo", "1", "STOP")
    welcome = text(client, "START") or ""
    assert "Wie ben je?" in welcome


# --- a WhatsApp location: no text, no media ---------------------------------------------------


def location(sid: str | None = None) -> dict[str, str]:
    """Return what Twilio posts for a WhatsApp location pin."""
    return {
        **params_of("", WHATSAPP, sid), "Latitude": "52.3731", "Longitude": "4.8922",
        "Address": "Dam 1, Amsterdam", "Label": "",
    }


def test_a_shared_location_reaches_the_counsellor_and_is_no_wrong_answer(
    client: FlaskClient, engine: Engine
) -> None:
    walk(client, "Hallo", sender=WHATSAPP)
    reply = reply_of(post(client, INBOUND, location())) or ""
    assert not reply.startswith("Sorry") and "112" in reply and "Wie ben je?" in reply
    assert only_contact(engine).intake_step == "who"
    body = messages(engine, "in")[-1].body
    assert "52.3731" in body and "4.8922" in body and "Dam 1, Amsterdam" in body


def test_a_location_as_the_first_message_is_kept(client: FlaskClient, engine: Engine) -> None:
    reply = reply_of(post(client, INBOUND, location())) or ""
    assert "Wie ben je?" in reply
    assert "52.3731" in messages(engine, "in")[0].body
