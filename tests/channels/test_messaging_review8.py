"""SMS and WhatsApp as a person in distress writes them, reviewed an eighth time; each test
failed before its fix.

- "Help", "0" or the menu's "Ik heb nu direct hulp nodig" as the very first message reaches
  someone now (it got the welcome and the who-are-you menu: the person had to ask again).
- An English speaker's first "I want to die" is answered in English too (it was Dutch only).
- "nu" / "now" answers "chat now or be called back?" (it was "Sorry, dat antwoord ken ik
  niet").
- Stop said politely or in a sentence ("Stop alsjeblieft", "Please stop", "stop texting me")
  ends the conversation as STOP does (it got the menu again).

On SQLite and PostgreSQL.
"""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy.engine import Engine

from tests.channels.test_messaging import CRISIS_EN, PHONE, WHATSAPP, only_contact, text, walk


def engine_of(app: Flask) -> Engine:
    engine: Engine = app.extensions["loket.engine"]
    return engine


@pytest.mark.parametrize(("body", "sender"), [
    ("Help", PHONE),
    ("Ik heb nu direct hulp nodig", PHONE),
    ("HELP ME", WHATSAPP),
    ("0", PHONE),
])
def test_help_as_the_first_message_reaches_someone_now(store_app: Flask, body: str,
                                                       sender: str) -> None:
    reply = text(store_app.test_client(), body, sender=sender) or ""
    assert "Wie ben je" not in reply
    assert "112" in reply and "neemt nu contact met je op" in reply
    contact = only_contact(engine_of(store_app))
    assert (contact.risk, contact.priority, contact.respond) == ("acute", "urgent", "now")


def test_a_first_message_that_is_no_call_for_help_still_gets_the_menu(store_app: Flask) -> None:
    reply = text(store_app.test_client(), "Hallo, ik wil graag met iemand praten") or ""
    assert "Wie ben je" in reply
    assert only_contact(engine_of(store_app)).priority != "urgent"


@pytest.mark.parametrize("sender", [PHONE, WHATSAPP])
def test_a_first_crisis_message_in_english_is_answered_in_english_too(
    store_app: Flask, sender: str,
) -> None:
    reply = text(store_app.test_client(), CRISIS_EN, sender=sender) or ""
    contact = only_contact(engine_of(store_app))
    dutch, _, english = reply.partition("\n\n")
    assert "neemt nu contact met je op" in dutch and "112" in dutch  # the desk's language first
    assert "A counsellor will contact you now" in english and "112" in english
    assert contact.reference in english


def test_a_dutch_crisis_message_is_answered_in_dutch_only(store_app: Flask) -> None:
    reply = text(store_app.test_client(), "ik zie het niet meer zitten") or ""
    assert "neemt nu contact met je op" in reply and "A counsellor" not in reply


def test_who_asked_for_english_gets_the_crisis_answer_once_in_english(store_app: Flask) -> None:
    replies = walk(store_app.test_client(), "EN", CRISIS_EN)
    assert "A counsellor will contact you now" in (replies[1] or "")
    assert "neemt nu contact" not in (replies[1] or "")


@pytest.mark.parametrize("flow", [("Hallo", "1", "nu"), ("Hallo", "1", "Nu graag"),
                                  ("EN", "1", "now"), ("EN", "1", "now please")])
def test_now_answers_chat_now(store_app: Flask, flow: tuple[str, ...]) -> None:
    replies = walk(store_app.test_client(), *flow)
    assert not (replies[-1] or "").startswith("Sorry")
    contact = only_contact(engine_of(store_app))
    assert (contact.preference, contact.intake_step) == ("chat", "routed")


@pytest.mark.parametrize("answer", ["bel me nu", "call me now"])
def test_call_me_now_is_still_a_callback(store_app: Flask, answer: str) -> None:
    walk(store_app.test_client(), "Hallo", "1", answer)
    contact = only_contact(engine_of(store_app))
    assert contact.preference == "callback" and contact.intake_step == "window"


@pytest.mark.parametrize("body", ["Stop alsjeblieft", "stop aub", "Please stop", "Stop please",
                                  "STOP STOP", "stop texting me", "Stop sending me messages"])
def test_a_stop_said_politely_or_in_a_sentence_ends_the_conversation(store_app: Flask,
                                                                     body: str) -> None:
    replies = walk(store_app.test_client(), "Hallo", body)
    assert "gestopt" in (replies[1] or "")
    contact = only_contact(engine_of(store_app))
    assert contact.intake_step == "stopped" and not contact.crisis
