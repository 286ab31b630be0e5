"""The text conversation as a person writes at 3 a.m.: a crisis split over two texts, menu
answers as phones type them, photos and voice notes, and every way of saying stop."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine

from loket.store.models import CallbackRequest
from tests.channels.conftest import contacts, rows
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

# --- a crisis split over two texts ----------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second"),
    [("ik zie het niet", "meer zitten"), ("I want to", "die"), ("meer zitten", "ik zie het niet")],
)
def test_a_crisis_phrase_split_over_two_texts_is_answered_at_once(
    client: FlaskClient, engine: Engine, first: str, second: str
) -> None:
    walk(client, "Hallo", "1")
    text(client, first)
    reply = text(client, second)
    assert reply is not None and "112" in reply and "113" in reply
    contact = only_contact(engine)
    assert (contact.crisis, contact.priority, contact.status) == (True, "urgent", "waiting")
    assert contact.respond == "now"


def test_a_split_crisis_right_after_the_first_text_is_urgent(
    client: FlaskClient, engine: Engine
) -> None:
    walk(client, "Ik wil", "dood")
    assert only_contact(engine).crisis


# --- menu answers as phones type them -------------------------------------------------------


@pytest.mark.parametrize(
    "answer", ["1\ufe0f\u20e3", "\uff11", "1 politie", "1. Politie", "1 - police"]
)
def test_a_keycap_emoji_or_the_option_written_out_is_the_answer(
    client: FlaskClient, engine: Engine, answer: str
) -> None:
    replies = walk(client, "Hallo", answer)
    assert "1 nu chatten" in (replies[1] or "")
    contact = only_contact(engine)
    assert (contact.organisation, contact.relation) == ("police", "self")


def test_a_story_starting_with_a_number_is_not_taken_for_a_choice(
    client: FlaskClient, engine: Engine
) -> None:
    reply = walk(client, "Hallo", "3 jaar geleden ben ik gestopt bij de politie")[1]
    assert (reply or "").startswith("Sorry") and "Wie ben je?" in (reply or "")
    assert only_contact(engine).organisation in (None, "", "unknown")


def test_a_short_word_shared_by_an_option_is_no_choice(
    client: FlaskClient, engine: Engine
) -> None:
    reply = walk(client, "Hallo", "2 of zo")[1]
    assert (reply or "").startswith("Sorry")
    assert only_contact(engine).intake_step == "who:again"


def test_zero_written_out_is_help_right_now(client: FlaskClient, engine: Engine) -> None:
    reply = walk(client, "Hallo", "0\ufe0f\u20e3")[1]
    assert reply is not None and "112" in reply and "neemt nu contact met je op" in reply
    assert only_contact(engine).crisis


# --- photos and voice notes -----------------------------------------------------------------


def media(sender: str = WHATSAPP, body: str = "") -> dict[str, str]:
    """Return the parameters Twilio posts for a voice note (with an optional caption)."""
    return {**params_of(body, sender), "NumMedia": "1", "MediaContentType0": "audio/ogg",
            "MediaUrl0": "https://api.twilio.com/2010-04-01/Accounts/AC1/Media/ME1"}


def test_a_voice_note_after_routing_is_answered_and_shown_to_the_counsellor(
    client: FlaskClient, engine: Engine
) -> None:
    walk(client, "Hallo", "1", "1", sender=WHATSAPP)
    text(client, "Ben je er?", sender=WHATSAPP)  # the one acknowledgement
    reply = reply_of(post(client, INBOUND, media()))
    assert reply is not None and "spraakbericht" in reply and "113" in reply
    assert "bijlage" in messages(engine, "in")[-1].body.lower()


def test_a_voice_note_at_a_question_is_no_wrong_answer(
    client: FlaskClient, engine: Engine
) -> None:
    walk(client, "Hallo", sender=WHATSAPP)
    first = reply_of(post(client, INBOUND, media()))
    second = reply_of(post(client, INBOUND, media()))
    for reply in (first, second):
        assert reply is not None and "spraakbericht" in reply and "Wie ben je?" in reply
        assert "Sorry, dat antwoord ken ik niet" not in reply
    contact = only_contact(engine)
    assert contact.intake_step == "who" and contact.status == "new"  # no default taken


def test_a_voice_note_as_first_message_greets_and_says_we_cannot_listen(
    client: FlaskClient, engine: Engine
) -> None:
    reply = reply_of(post(client, INBOUND, media()))
    assert reply is not None and "spraakbericht" in reply and "Wie ben je?" in reply
    assert "bijlage" in messages(engine, "in")[0].body.lower()


def test_a_photo_with_a_crisis_caption_is_a_crisis(client: FlaskClient, engine: Engine) -> None:
    reply = reply_of(post(client, INBOUND, media(body="ik wil dood")))
    assert reply is not None and "neemt nu contact met je op" in reply
    assert only_contact(engine).crisis


# --- every way of saying stop ---------------------------------------------------------------


@pytest.mark.parametrize("word", ["STOPALL", "stop all", "Cancel", "END", "quit", "Stop maar"])
def test_twilio_opt_out_words_and_stop_maar_end_the_conversation(
    client: FlaskClient, engine: Engine, word: str
) -> None:
    walk(client, "Hallo", "1", "2", "1")
    goodbye = text(client, word)
    assert goodbye is not None and "gestopt" in goodbye and "113" in goodbye
    assert only_contact(engine).status == "closed"
    assert [c.status for c in rows(engine, CallbackRequest)] == ["cancelled"]


def test_stop_maar_with_a_crisis_in_the_same_text_is_a_crisis(
    client: FlaskClient, engine: Engine
) -> None:
    walk(client, "Hallo", "1")
    reply = text(client, "stop maar, ik wil dood")
    assert reply is not None and "neemt nu contact met je op" in reply
    [contact] = contacts(engine)
    assert contact.status == "waiting" and contact.crisis


# --- English mid-conversation ---------------------------------------------------------------


def test_a_question_asked_again_tells_how_to_get_english(client: FlaskClient) -> None:
    reply = walk(client, "Hallo", "2", "I don't understand Dutch")[2]
    assert reply is not None and "Ben je nu in dienst" in reply
    assert "For English, reply EN" in reply


@pytest.mark.parametrize("ask", ["In English please", "Do you speak English?", "english pls"])
def test_asking_for_english_in_a_sentence_switches_to_english(
    client: FlaskClient, engine: Engine, ask: str
) -> None:
    reply = walk(client, "Hallo", "2", ask)[2]
    assert reply is not None and reply.startswith("Are you serving now")
    assert only_contact(engine).language == "en"


def test_saying_you_speak_no_dutch_does_not_switch_to_dutch(
    client: FlaskClient, engine: Engine
) -> None:
    walk(client, "Hello", "EN", "2")
    reply = text(client, "I can't read Nederlands")
    assert reply is not None and "Are you serving now" in reply
    assert only_contact(engine).language == "en"
