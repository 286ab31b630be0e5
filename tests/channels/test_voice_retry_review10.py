"""A retried answer is the same answer: Twilio sends an answer again when its first try got
no reply in time, and the first may have been handled meanwhile. The retry carries the same
action URL (which names the question asked) and the same parameters; it is replayed, not
handled as a second key press."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from flask import Flask
from flask.testing import FlaskClient

from tests.channels.conftest import signed_post
from tests.channels.test_voice import Call, contact_of, parse, said, say_languages


def retry(call: Call, action: str, **extra: str) -> ET.Element:
    """Post an answer to `action` again, as Twilio's retry does (a new idempotency token)."""
    response = signed_post(call.client, action, call.params(**extra), idempotency="retry")
    assert response.status_code == 200, response.get_data(as_text=True)
    return parse(response.data)


def test_a_retried_nine_after_the_first_was_handled_keeps_english(
    app: Flask, client: FlaskClient
) -> None:
    call = Call(client)
    call.start()
    menu = call.twiml.find("./Gather")
    assert menu is not None
    english = call.press("9")
    assert contact_of(app, call.sid).language == "en"
    again = retry(call, menu.attrib["action"], Digits="9")
    assert contact_of(app, call.sid).language == "en"
    assert said(again) == said(english) and say_languages(again) == say_languages(english)


def test_nine_pressed_again_at_the_english_menu_still_switches_back_to_dutch(
    app: Flask, client: FlaskClient
) -> None:
    call = Call(client)
    call.walk("9")
    assert contact_of(app, call.sid).language == "en"
    dutch = call.press("9")
    assert contact_of(app, call.sid).language == "nl"
    assert "nl-NL" in say_languages(dutch)
    call.press("9")
    assert contact_of(app, call.sid).language == "en"


def test_a_retried_answer_to_an_earlier_question_changes_nothing(
    app: Flask, client: FlaskClient
) -> None:
    """Police (1), then the retry of that 1 arrives after the next question was answered
    (for themselves, 1): the call stays where it is, its answers as they were."""
    call = Call(client)
    call.start()
    menu = call.twiml.find("./Gather")
    assert menu is not None
    first = call.press("1")
    call.press("1")
    step = contact_of(app, call.sid).intake_step
    again = retry(call, menu.attrib["action"], Digits="1")
    assert said(again) == said(first)
    contact = contact_of(app, call.sid)
    assert (contact.organisation, contact.intake_step) == ("police", step)


def test_every_question_s_action_url_needs_no_escaping(
    app: Flask, client: FlaskClient
) -> None:
    """The URL Twilio signs is the URL it posts to: no character in it that a client could
    escape differently (a repeated question, answers kept in the step, English)."""
    call = Call(client)
    call.start()
    actions = []
    for key in ("7", "9", "1", "2", "1", "2"):  # wrong, English, police, callback, own, evening
        gather = call.twiml.find("./Gather")
        assert gather is not None, said(call.twiml)
        actions.append(gather.attrib["action"])
        call.press(key)
    assert all(re.fullmatch(r"/twilio/voice/[a-z/_]+\?at=[a-z0-9_.~-]+", a) for a in actions), (
        actions)
    assert len(set(actions)) == len(actions), actions
    assert "/twilio/voice/menu?at=menu~-nl" in actions  # the menu asked again
