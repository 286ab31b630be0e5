"""The phone channel: a signed Twilio Voice menu that stores, routes and records every call."""

from __future__ import annotations

import threading
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from redis import Redis
from rq import Queue
from sqlmodel import Session, col, select
from twilio.request_validator import RequestValidator
from werkzeug.test import TestResponse

from loket.config import PROJECT_ROOT
from loket.queue import outbox
from loket.store.models import AuditEvent, CallbackRequest, Contact, InboundEvent, Outbox
from tests.channels.conftest import AUTH_TOKEN, BASE, at_once
from tests.channels.conftest import signed_post as twilio_post

CALLER = "+31612345678"
PATHS = [
    "/twilio/voice",
    "/twilio/voice/menu",
    "/twilio/voice/military",
    "/twilio/voice/mode",
    "/twilio/voice/callback/number",
    "/twilio/voice/callback/keyed",
    "/twilio/voice/callback/window",
    "/twilio/voice/callback/voicemail",
    "/twilio/voice/wait",
    "/twilio/voice/keep-place",
    "/twilio/voice/queued",
    "/twilio/voice/status",
]


def signed_post(
    client: FlaskClient,
    path: str,
    params: dict[str, str],
    *,
    idempotency: str | None = None,
    signature: str | None = None,
) -> TestResponse:
    """Post like Twilio: form parameters, a signature for the public URL, an idempotency token."""
    return twilio_post(
        client, path, params, idempotency=idempotency, signature_value=signature
    )


class Call:
    """One phone call, driven through the menu the way Twilio would drive it."""

    def __init__(self, client: FlaskClient, caller: str = CALLER, sid: str | None = None) -> None:
        self.client = client
        self.caller = caller
        self.sid = sid or "CA" + uuid.uuid4().hex
        self.twiml = ET.Element("Response")

    def params(self, **extra: str) -> dict[str, str]:
        """Return the parameters Twilio posts on every webhook of this call."""
        return {
            "CallSid": self.sid,
            "AccountSid": "AC" + "0" * 32,
            "From": self.caller,
            "To": "+3185000000",
            "Direction": "inbound",
            "CallStatus": "in-progress",
            **extra,
        }

    def post(self, path: str, token: str | None = None, **extra: str) -> ET.Element:
        """Post one signed webhook and parse the TwiML answer."""
        response = signed_post(
            self.client, path, self.params(**extra), idempotency=token or uuid.uuid4().hex
        )
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.mimetype == "text/xml"
        self.twiml = parse(response.data)
        return self.twiml

    def start(self) -> ET.Element:
        """Ring the number."""
        return self.post("/twilio/voice", CallStatus="ringing")

    def press(self, digits: str) -> ET.Element:
        """Answer the question asked last."""
        gather = self.twiml.find("./Gather")
        assert gather is not None, ET.tostring(self.twiml)
        return self.post(gather.attrib["action"], Digits=digits)

    def silence(self) -> ET.Element:
        """Let the question time out: Twilio follows the Redirect after the Gather."""
        redirect = self.twiml.find("./Redirect")
        assert redirect is not None and redirect.text
        return self.post(redirect.text)

    def walk(self, *keys: str) -> ET.Element:
        """Ring, then press each key in turn."""
        self.start()
        for key in keys:
            self.press(key)
        return self.twiml

    def event(self, path: str, **extra: str) -> ET.Element:
        """Post a call event (wait round, queue result, status)."""
        return self.post(path, **extra)


def parse(data: bytes) -> ET.Element:
    """Parse a TwiML answer of our own app (trusted: ElementTree is fine here)."""
    return ET.fromstring(data)  # noqa: S314 - the app under test wrote it


def action_path(verb: ET.Element) -> str:
    """Return the path a verb's answer is posted to (its action URL without the query, which
    names the question asked)."""
    return verb.attrib["action"].split("?", 1)[0]


def said(twiml: ET.Element) -> str:
    """Return everything a TwiML answer says, in order."""
    return " ".join(say.text or "" for say in twiml.iter("Say"))


def names_crisis_lines(text: str) -> bool:
    """Tell whether a text names 112 and 113 (spoken digit by digit)."""
    compact = text.replace(" ", "")
    return "112" in compact and "113" in compact


def say_languages(twiml: ET.Element) -> set[str]:
    """Return the languages of every Say."""
    return {say.attrib.get("language", "") for say in twiml.iter("Say")}


def store(app: Flask) -> Session:
    """Open a session on the app's database."""
    return Session(app.extensions["loket.engine"])


def contact_of(app: Flask, sid: str) -> Contact:
    """Return the stored contact of a call."""
    with store(app) as session:
        return session.exec(select(Contact).where(Contact.external_id == sid)).one()


def contacts(app: Flask) -> list[Contact]:
    """Return every stored contact."""
    with store(app) as session:
        return list(session.exec(select(Contact)).all())


def callbacks_of(app: Flask, contact: Contact) -> list[CallbackRequest]:
    """Return a contact's callback requests."""
    with store(app) as session:
        query = select(CallbackRequest).where(CallbackRequest.contact_id == contact.id)
        return list(session.exec(query).all())


def spelled(reference: str) -> str:
    """Return a reference as the phone spells it."""
    return ", ".join(ch for ch in reference if ch.isalnum())


# --- signatures -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("signature", ["", "bm90IGEgc2lnbmF0dXJl", "other-url"])
def test_unsigned_or_wrongly_signed_requests_are_refused_and_store_nothing(
    app: Flask, client: FlaskClient, path: str, signature: str
) -> None:
    params = Call(client).params(Digits="1")
    if signature == "other-url":
        signature = RequestValidator(AUTH_TOKEN).compute_signature(BASE + "/elsewhere", params)
    response = signed_post(client, path, params, signature=signature)
    assert response.status_code == 403
    assert b"signature" in response.data
    with store(app) as session:
        assert session.exec(select(Contact)).all() == []
        assert session.exec(select(InboundEvent)).all() == []


def test_a_changed_parameter_breaks_the_signature(app: Flask, client: FlaskClient) -> None:
    call = Call(client)
    signature = RequestValidator(AUTH_TOKEN).compute_signature(
        BASE + "/twilio/voice", call.params()
    )
    response = signed_post(client, "/twilio/voice", call.params(From="+31699999999"),
                           signature=signature)
    assert response.status_code == 403
    assert contacts(app) == []


# --- the first answer -----------------------------------------------------------------------


def test_first_answer_names_112_and_113_in_dutch_and_offers_the_menu(
    app: Flask, client: FlaskClient
) -> None:
    call = Call(client)
    twiml = call.start()
    first_says = [say.text or "" for say in twiml.findall("./Say")]
    assert names_crisis_lines(" ".join(first_says))
    assert {say.attrib["language"] for say in twiml.findall("./Say")} == {"nl-NL"}
    gather = twiml.find("./Gather[@action]")
    assert gather is not None
    assert action_path(gather) == "/twilio/voice/menu"
    assert gather.attrib["input"] == "dtmf"
    assert gather.attrib["numDigits"] == "1"
    assert gather.attrib["timeout"] == "6"
    menu = said(gather)
    for key in ("toets 1", "toets 2", "toets 3", "toets 4", "toets 5", "toets 0"):
        assert key in menu
    english_offer = [s for s in gather.iter("Say") if s.attrib["language"] == "en-GB"]
    assert [s.text for s in english_offer] == ["For English, press 9."]
    redirect = twiml.find("./Redirect")
    # Silence posts to the same question: the same action URL, the question asked included.
    assert redirect is not None and redirect.text == gather.attrib["action"]
    assert redirect.text == "/twilio/voice/menu?at=menu-nl"

    contact = contact_of(app, call.sid)
    assert contact.channel == "phone"
    assert contact.phone == CALLER
    assert contact.anonymous is False
    assert contact.language == "nl"
    assert contact.intake_step == "menu"
    assert contact.status == "new"


@pytest.mark.parametrize("caller", ["+266696687", "", "anonymous", "Restricted"])
def test_a_hidden_number_makes_an_anonymous_contact(
    app: Flask, client: FlaskClient, caller: str
) -> None:
    call = Call(client, caller=caller)
    assert names_crisis_lines(said(call.start()))
    contact = contact_of(app, call.sid)
    assert contact.anonymous is True
    assert contact.phone is None
    assert contact.phone_hash is None


# --- the menu paths -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("keys", "organisation", "serving_status", "relation", "desks"),
    [
        (("1",), "police", "unknown", "self", {"police"}),
        (("2", "1"), "defence", "serving", "self", {"debasis"}),
        (("2", "2"), "defence", "former", "self", {"veterans"}),
        (("3",), "police", "unknown", "family", {"police"}),
        (("4",), "defence", "unknown", "family", {"veterans"}),
        (("5",), "unknown", "unknown", "self", {"police", "veterans"}),
    ],
)
def test_each_menu_path_is_stored_routed_and_enqueued(
    app: Flask,
    client: FlaskClient,
    keys: tuple[str, ...],
    organisation: str,
    serving_status: str,
    relation: str,
    desks: set[str],
) -> None:
    call = Call(client)
    asked = call.walk(*keys)
    gather = asked.find("./Gather[@action]")
    assert gather is not None and action_path(gather) == "/twilio/voice/mode"
    twiml = call.press("1")

    contact = contact_of(app, call.sid)
    assert (contact.organisation, contact.serving_status, contact.relation) == (
        organisation, serving_status, relation
    )
    assert contact.desk in desks
    assert contact.preference == "now"
    assert contact.status == "waiting"
    assert contact.priority == "normal" and contact.crisis is False
    enqueue = twiml.find("./Enqueue")
    assert enqueue is not None
    assert enqueue.text == contact.queue
    assert enqueue.text in {"police", "veterans", "debasis", "pool"}
    assert enqueue.attrib["waitUrl"] == "/twilio/voice/wait"
    assert enqueue.attrib["action"] == "/twilio/voice/queued"
    assert twiml.find("./Gather") is None


def test_the_military_question_offers_serving_and_former(client: FlaskClient) -> None:
    call = Call(client)
    twiml = call.walk("2")
    gather = twiml.find("./Gather[@action]")
    assert gather is not None and action_path(gather) == "/twilio/voice/military"
    assert "toets 1" in said(gather) and "toets 2" in said(gather)


def test_zero_enqueues_at_once_as_urgent_crisis_naming_112_and_113(
    app: Flask, client: FlaskClient
) -> None:
    call = Call(client)
    twiml = call.walk("0")
    assert twiml.find("./Gather") is None
    assert names_crisis_lines(said(twiml))
    contact = contact_of(app, call.sid)
    assert contact.risk == "acute"
    assert contact.crisis is True
    assert contact.priority == "urgent"
    assert "crisis" in contact.flags
    assert contact.organisation == "unknown"
    assert contact.respond == "now" and contact.status == "waiting"
    enqueue = twiml.find("./Enqueue")
    assert enqueue is not None and enqueue.text == contact.queue


def test_zero_at_a_later_question_keeps_what_the_caller_said(
    app: Flask, client: FlaskClient
) -> None:
    call = Call(client)
    twiml = call.walk("2", "2", "0")
    contact = contact_of(app, call.sid)
    assert (contact.organisation, contact.serving_status) == ("defence", "former")
    assert contact.crisis is True and contact.priority == "urgent"
    assert twiml.find("./Enqueue") is not None
    assert names_crisis_lines(said(twiml))


def test_nine_repeats_the_menu_in_english_then_a_path_works_in_english(
    app: Flask, client: FlaskClient
) -> None:
    call = Call(client)
    twiml = call.walk("9")
    assert names_crisis_lines(said(twiml))
    gather = twiml.find("./Gather[@action]")
    assert gather is not None and action_path(gather) == "/twilio/voice/menu"
    assert "press 1" in said(gather)
    assert [s.text for s in gather.iter("Say") if s.attrib["language"] == "nl-NL"] == [
        "Voor Nederlands, toets 9."
    ]
    assert contact_of(app, call.sid).language == "en"

    assert say_languages(call.press("2")) == {"en-GB"}
    assert say_languages(call.press("1")) == {"en-GB"}
    twiml = call.press("1")
    assert say_languages(twiml) == {"en-GB"}
    contact = contact_of(app, call.sid)
    assert (contact.language, contact.organisation, contact.serving_status) == (
        "en", "defence", "serving"
    )
    enqueue = twiml.find("./Enqueue")
    assert enqueue is not None and enqueue.text == contact.queue


# --- callbacks ------------------------------------------------------------------------------


@pytest.mark.parametrize(("window_key", "window"), [("1", "asap"), ("2", "evening"),
                                                    ("3", "tomorrow")])
@pytest.mark.parametrize(("voicemail_key", "voicemail"), [("1", True), ("2", False)])
def test_a_callback_on_the_calling_number_is_filed_and_confirmed(
    app: Flask,
    client: FlaskClient,
    window_key: str,
    window: str,
    voicemail_key: str,
    voicemail: bool,
) -> None:
    call = Call(client)
    asked = call.walk("1", "2")
    gather = asked.find("./Gather[@action]")
    assert gather is not None and action_path(gather) == "/twilio/voice/callback/number"
    call.press("1")
    call.press(window_key)
    twiml = call.press(voicemail_key)

    contact = contact_of(app, call.sid)
    [callback] = callbacks_of(app, contact)
    assert callback.phone == CALLER
    assert callback.window == window
    assert callback.voicemail_allowed is voicemail
    assert callback.window_start < callback.window_end
    assert contact.status == "callback" and contact.preference == "callback"
    assert contact.desk == "police"
    assert spelled(contact.reference) in said(twiml)
    assert names_crisis_lines(said(twiml))
    assert twiml.find("./Hangup") is not None
    assert twiml.find("./Enqueue") is None


def test_a_callback_on_a_keyed_in_number(app: Flask, client: FlaskClient) -> None:
    call = Call(client)
    asked = call.walk("3", "2", "2")
    gather = asked.find("./Gather[@action]")
    assert gather is not None
    assert action_path(gather) == "/twilio/voice/callback/keyed"
    assert gather.attrib["finishOnKey"] == "#"
    call.press("0201234567")
    call.press("3")
    twiml = call.press("2")

    contact = contact_of(app, call.sid)
    [callback] = callbacks_of(app, contact)
    assert callback.phone == "+31201234567"
    assert (callback.window, callback.voicemail_allowed) == ("tomorrow", False)
    assert contact.phone == CALLER
    assert (contact.organisation, contact.relation) == ("police", "family")
    assert spelled(contact.reference) in said(twiml)


def test_an_anonymous_caller_keys_in_an_international_number(
    app: Flask, client: FlaskClient
) -> None:
    call = Call(client, caller="+266696687")
    asked = call.walk("4", "2")
    gather = asked.find("./Gather[@action]")
    assert gather is not None and action_path(gather) == "/twilio/voice/callback/keyed"
    call.press("0032470123456")
    call.press("1")
    call.press("1")
    [callback] = callbacks_of(app, contact_of(app, call.sid))
    assert callback.phone == "+32470123456"
    assert (callback.window, callback.voicemail_allowed) == ("asap", True)


def test_a_wrong_keyed_number_is_asked_again_then_the_calling_number_is_used(
    app: Flask, client: FlaskClient
) -> None:
    call = Call(client)
    call.walk("1", "2", "2")
    again = call.press("12")
    assert "Sorry" in said(again)
    gather = again.find("./Gather[@action]")
    assert gather is not None and action_path(gather) == "/twilio/voice/callback/keyed"
    call.press("99")
    call.press("2")
    call.press("2")
    [callback] = callbacks_of(app, contact_of(app, call.sid))
    assert callback.phone == CALLER
    assert callback.window == "evening"


def test_an_anonymous_caller_without_a_usable_number_waits_instead(
    app: Flask, client: FlaskClient
) -> None:
    call = Call(client, caller="anonymous")
    call.walk("1", "2")
    call.silence()
    twiml = call.silence()
    contact = contact_of(app, call.sid)
    enqueue = twiml.find("./Enqueue")
    assert enqueue is not None and enqueue.text == contact.queue
    assert "terugbellen" in said(twiml)
    assert contact.status == "waiting" and contact.preference == "now"
    assert callbacks_of(app, contact) == []


def test_a_crisis_decision_is_never_only_a_callback(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    rules = (PROJECT_ROOT / "routing_rules" / "default.yaml").read_text()
    family_crisis = (
        "  priority:\n"
        "    - id: family-crisis\n"
        "      when: {contact.relation: family}\n"
        "      then: {priority: urgent, crisis: true}\n\n"
    )
    assert "  priority:\n" in rules
    path = tmp_path / "family-crisis.yaml"
    path.write_text(rules.replace("  priority:\n", family_crisis, 1))
    app = make_app(rules_path=str(path))
    call = Call(app.test_client())
    twiml = call.walk("3", "2")
    contact = contact_of(app, call.sid)
    assert contact.crisis is True and contact.respond == "now"
    assert contact.status == "waiting"
    enqueue = twiml.find("./Enqueue")
    assert enqueue is not None and enqueue.text == contact.queue
    assert "niet later terug" in said(twiml)
    assert names_crisis_lines(said(twiml))
    assert callbacks_of(app, contact) == []


# --- no input, wrong digits -----------------------------------------------------------------


def test_no_input_twice_in_the_menu_takes_other_or_unknown(
    app: Flask, client: FlaskClient
) -> None:
    call = Call(client)
    call.start()
    again = call.silence()
    assert "Sorry" in said(again)
    gather = again.find("./Gather[@action]")
    assert gather is not None and action_path(gather) == "/twilio/voice/menu"
    assert contact_of(app, call.sid).intake_step == "menu+"
    twiml = call.silence()
    gather = twiml.find("./Gather[@action]")
    assert gather is not None and action_path(gather) == "/twilio/voice/mode"
    contact = contact_of(app, call.sid)
    assert (contact.organisation, contact.relation) == ("unknown", "self")


def test_no_input_twice_at_the_military_question_leaves_the_status_unknown(
    app: Flask, client: FlaskClient
) -> None:
    call = Call(client)
    call.walk("2")
    call.silence()
    call.silence()
    contact = contact_of(app, call.sid)
    assert (contact.organisation, contact.serving_status) == ("defence", "unknown")
    assert contact.intake_step == "mode"


def test_no_input_twice_at_wait_or_callback_waits_now(app: Flask, client: FlaskClient) -> None:
    call = Call(client)
    call.walk("1")
    assert call.silence().find("./Enqueue") is None
    twiml = call.silence()
    contact = contact_of(app, call.sid)
    enqueue = twiml.find("./Enqueue")
    assert enqueue is not None and enqueue.text == contact.queue
    assert contact.preference == "now" and contact.status == "waiting"


def test_no_input_at_every_callback_question_takes_the_safe_defaults(
    app: Flask, client: FlaskClient
) -> None:
    call = Call(client)
    call.walk("1", "2")
    for _ in range(3):  # number, window, voicemail
        call.silence()
        call.silence()
    contact = contact_of(app, call.sid)
    [callback] = callbacks_of(app, contact)
    assert (callback.phone, callback.window, callback.voicemail_allowed) == (
        CALLER, "asap", False
    )
    assert spelled(contact.reference) in said(call.twiml)


def test_silence_offers_help_now_and_the_crisis_lines_again_until_the_call_ends(
    app: Flask, client: FlaskClient
) -> None:
    call = Call(client)
    call.walk("1", "2", "1")  # police, a callback on this number: the window is asked next
    for _ in range(4):  # window, then voicemail: each asked twice, then the call ends
        twiml = call.silence()
        gather = twiml.find("./Gather")
        spoken = said(gather) if gather is not None else said(twiml)
        assert names_crisis_lines(spoken), ET.tostring(twiml)
        if gather is not None:  # 0 can be pressed while it is said
            assert "toets 0" in said(gather)
    assert twiml.find("./Gather") is None and twiml.find("./Hangup") is not None
    assert said(twiml).index("1 1 3") < said(twiml).index(spelled(
        contact_of(app, call.sid).reference))


def test_zero_after_a_silence_connects_at_once(app: Flask, client: FlaskClient) -> None:
    call = Call(client)
    call.start()
    call.silence()
    twiml = call.press("0")
    contact = contact_of(app, call.sid)
    assert (contact.risk, contact.crisis) == ("acute", True)
    assert twiml.find("./Enqueue") is not None


def test_keyed_number_silence_names_the_crisis_lines_without_offering_zero(
    app: Flask, client: FlaskClient
) -> None:
    call = Call(client)
    call.walk("1", "2", "2")  # police, a callback, key in another number
    twiml = call.silence()
    assert names_crisis_lines(said(twiml))
    assert "toets 0" not in said(twiml)


def test_a_wrong_digit_repeats_the_question_once(app: Flask, client: FlaskClient) -> None:
    call = Call(client)
    call.start()
    again = call.press("7")
    assert "Sorry, dat heb ik niet begrepen." in said(again)
    gather = again.find("./Gather[@action]")
    assert gather is not None and action_path(gather) == "/twilio/voice/menu"
    call.press("3")
    contact = contact_of(app, call.sid)
    assert (contact.organisation, contact.relation) == ("police", "family")
    assert contact.intake_step == "mode"


# --- replays, late and concurrent requests --------------------------------------------------


def test_a_retried_webhook_gets_the_same_answer_and_changes_nothing(
    app: Flask, client: FlaskClient
) -> None:
    call = Call(client)
    params = call.params(CallStatus="ringing")
    first = signed_post(client, "/twilio/voice", params, idempotency="tok-1")
    second = signed_post(client, "/twilio/voice", params, idempotency="tok-1")
    assert first.data == second.data
    press = call.params(Digits="2")
    one = signed_post(client, "/twilio/voice/menu", press, idempotency="tok-2")
    two = signed_post(client, "/twilio/voice/menu", press, idempotency="tok-2")
    assert one.data == two.data
    assert len(contacts(app)) == 1
    assert contact_of(app, call.sid).intake_step == "military"


def test_a_captured_request_sent_again_with_another_token_changes_nothing(
    app: Flask, client: FlaskClient
) -> None:
    call = Call(client)
    call.start()
    press = call.params(Digits="1")
    first = signed_post(client, "/twilio/voice/menu", press, idempotency="tok-a")
    for token in ("tok-b", None):  # the token is not signed: it makes no request new
        again = signed_post(client, "/twilio/voice/menu", press, idempotency=token)
        assert again.status_code == 200
    contact = contact_of(app, call.sid)
    assert (contact.organisation, contact.intake_step) == ("police", "mode")
    assert first.status_code == 200 and len(contacts(app)) == 1


def test_a_duplicate_without_idempotency_token_gets_the_same_answer(
    app: Flask, client: FlaskClient
) -> None:
    call = Call(client)
    params = call.params()
    first = signed_post(client, "/twilio/voice", params)
    second = signed_post(client, "/twilio/voice", params)
    assert first.data == second.data
    press = call.params(Digits="1")
    one = signed_post(client, "/twilio/voice/menu", press)
    two = signed_post(client, "/twilio/voice/menu", press)
    assert one.data == two.data
    assert len(contacts(app)) == 1
    contact = contact_of(app, call.sid)
    assert (contact.organisation, contact.intake_step) == ("police", "mode")


def test_a_late_answer_to_an_earlier_question_changes_nothing(
    app: Flask, client: FlaskClient
) -> None:
    call = Call(client)
    call.walk("1")
    twiml = call.post("/twilio/voice/menu", Digits="4")
    gather = twiml.find("./Gather[@action]")
    assert gather is not None and action_path(gather) == "/twilio/voice/mode"
    contact = contact_of(app, call.sid)
    assert (contact.organisation, contact.relation, contact.intake_step) == (
        "police", "self", "mode"
    )


@pytest.mark.parametrize("engine_name", ["sqlite", "postgres"])
def test_concurrent_first_webhooks_store_one_contact(
    request: pytest.FixtureRequest, make_app: Callable[..., Flask], engine_name: str
) -> None:
    if engine_name == "postgres":
        app_a = request.getfixturevalue("postgres_app")
    else:
        app_a = make_app()
    app_b = make_app(database_url=app_a.config["LOKET"].database_url)
    call = Call(app_a.test_client())
    params = call.params(CallStatus="ringing")
    barrier = threading.Barrier(2)
    answers: list[bytes] = []

    def ring(app: Flask) -> None:
        client = app.test_client()
        barrier.wait()
        response = signed_post(client, "/twilio/voice", params, idempotency="same-token")
        assert response.status_code == 200
        answers.append(response.data)

    threads = [threading.Thread(target=ring, args=(app,)) for app in (app_a, app_b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(answers) == 2
    assert answers[0] == answers[1]
    assert [c.external_id for c in contacts(app_a)] == [call.sid]


def test_an_unknown_call_on_a_later_step_restarts_the_menu(
    app: Flask, client: FlaskClient
) -> None:
    call = Call(client)
    twiml = call.post("/twilio/voice/mode", Digits="1")
    assert names_crisis_lines(said(twiml))
    gather = twiml.find("./Gather[@action]")
    assert gather is not None and action_path(gather) == "/twilio/voice/menu"
    contact = contact_of(app, call.sid)
    assert (contact.intake_step, contact.status, contact.preference) == ("menu", "new", "now")


def test_a_request_without_a_call_is_answered_kindly_and_stores_nothing(
    app: Flask, client: FlaskClient
) -> None:
    params = {"From": CALLER, "Digits": "1"}
    response = signed_post(client, "/twilio/voice/menu", params)
    assert response.status_code == 200
    twiml = parse(response.data)
    assert names_crisis_lines(said(twiml))
    assert twiml.find("./Hangup") is not None
    status = signed_post(client, "/twilio/voice/status", {"CallStatus": "completed"})
    assert status.status_code == 400
    assert b"CallSid" in status.data
    assert contacts(app) == []


# --- Redis away -----------------------------------------------------------------------------


def test_with_redis_down_the_caller_is_still_enqueued_and_the_outbox_waits(
    make_app: Callable[..., Flask], redis_conn: Redis
) -> None:
    app = make_app(redis_url="redis://127.0.0.1:1/0")
    call = Call(app.test_client())
    twiml = call.walk("1", "1")
    contact = contact_of(app, call.sid)
    enqueue = twiml.find("./Enqueue")
    assert enqueue is not None and enqueue.text == contact.queue
    assert contact.status == "waiting"
    engine = app.extensions["loket.engine"]
    with store(app) as session:
        waiting = session.exec(select(Outbox).where(col(Outbox.dispatched_at).is_(None))).all()
    assert [row.job for row in waiting] == ["contact_routed"]
    assert waiting[0].args["contact_id"] == contact.id

    assert outbox.dispatch(engine, redis_conn) == 1
    with store(app) as session:
        assert session.exec(select(Outbox).where(col(Outbox.dispatched_at).is_(None))).all() == []
    assert Queue("default", connection=redis_conn).count == 1


# --- waiting, queue results and call status -------------------------------------------------


def test_waiting_callers_hear_place_and_wait_and_112_113_every_third_round(
    app: Flask, client: FlaskClient
) -> None:
    call = Call(client)
    call.walk("1", "1")
    rounds = [  # the round at the start of each minute in the queue
        call.event("/twilio/voice/wait", QueuePosition="3", QueueTime=str(60 * n + 2),
                   AvgQueueTime="240", CurrentQueueSize="5")
        for n in range(6)
    ]
    for twiml in rounds:
        # Loket's own place, not Twilio's QueuePosition (review 2): alone in the queue.
        assert "U bent de volgende in de wachtrij" in said(twiml)
        assert "ongeveer 4 minuten" in said(twiml)
        assert twiml.find(".//Pause") is not None
        assert say_languages(twiml) == {"nl-NL"}
    assert [names_crisis_lines(said(t)) for t in rounds] == [False, False, True] * 2


def test_waiting_callers_hear_it_in_english(client: FlaskClient) -> None:
    call = Call(client)
    call.walk("9", "5", "1")
    twiml = call.event("/twilio/voice/wait", QueuePosition="1", QueueTime="5", AvgQueueTime="30")
    assert "You are next in the queue" in said(twiml)  # Loket's own place (review 2)
    assert "less than a minute" in said(twiml)
    assert say_languages(twiml) == {"en-GB"}


def test_bridged_records_answered_and_a_late_completed_keeps_it(
    app: Flask, client: FlaskClient
) -> None:
    call = Call(client)
    call.walk("1", "1")
    twiml = call.event("/twilio/voice/queued", QueueResult="bridged", QueueTime="42")
    assert twiml.find("./Hangup") is not None
    contact = contact_of(app, call.sid)
    assert contact.status == "in_progress"
    assert contact.answered_at is not None
    assert contact.wait_seconds == 42
    call.event("/twilio/voice/status", CallStatus="completed", CallDuration="300")
    call.event("/twilio/voice/queued", QueueResult="hangup", QueueTime="50")
    later = contact_of(app, call.sid)
    assert (later.status, later.outcome, later.wait_seconds) == ("in_progress", None, 42)
    assert later.answered_at == contact.answered_at


def test_hangup_in_the_queue_records_abandoned_with_the_wait(
    app: Flask, client: FlaskClient
) -> None:
    call = Call(client)
    call.walk("3", "1")
    twiml = call.event("/twilio/voice/queued", QueueResult="hangup", QueueTime="75")
    assert list(twiml) == []
    call.event("/twilio/voice/status", CallStatus="completed", CallDuration="90")
    contact = contact_of(app, call.sid)
    assert (contact.status, contact.outcome, contact.wait_seconds) == ("closed", "abandoned", 75)
    assert contact.closed_at is not None and contact.answered_at is None


def test_completed_before_the_queue_result_is_corrected_by_bridged(
    app: Flask, client: FlaskClient
) -> None:
    call = Call(client)
    call.walk("1", "1")
    call.event("/twilio/voice/status", CallStatus="completed", CallDuration="60")
    guessed = contact_of(app, call.sid)
    assert (guessed.status, guessed.outcome) == ("closed", "abandoned")
    assert guessed.wait_seconds is not None
    call.event("/twilio/voice/queued", QueueResult="bridged", QueueTime="30")
    contact = contact_of(app, call.sid)
    assert (contact.status, contact.outcome, contact.closed_at) == ("in_progress", None, None)
    assert contact.wait_seconds == 30


@pytest.mark.parametrize("attempt", range(3))
@pytest.mark.parametrize(
    ("result", "expected"),
    [("bridged", ("in_progress", None)), ("hangup", ("closed", "abandoned"))],
)
def test_a_queue_result_and_the_end_of_the_call_at_once_are_recorded_once(
    app: Flask, result: str, expected: tuple[str, str | None], attempt: int
) -> None:
    """Both arrive while the caller waits: the second reads what the first stored."""
    call = Call(app.test_client())
    call.walk("1", "1")
    queued = call.params(QueueResult=result, QueueTime="75")
    ended = call.params(CallStatus="completed", CallDuration="90")

    def post(path: str, params: dict[str, str]) -> Callable[[], int]:
        return lambda: signed_post(
            app.test_client(), path, params, idempotency=uuid.uuid4().hex
        ).status_code

    codes = at_once(post("/twilio/voice/queued", queued), post("/twilio/voice/status", ended))
    assert codes == [200, 200]
    contact = contact_of(app, call.sid)
    assert (contact.status, contact.outcome, contact.wait_seconds) == (*expected, 75)
    with store(app) as session:
        lines = session.exec(
            select(AuditEvent.detail).where(AuditEvent.contact_reference == contact.reference)
        ).all()
    if result == "bridged":
        assert contact.closed_at is None and contact.answered_at is not None
        assert lines.count("call answered") == 1
    else:
        assert contact.answered_at is None and lines.count("call abandoned") == 1


def test_hanging_up_in_the_menu_records_abandoned_without_a_wait(
    app: Flask, client: FlaskClient
) -> None:
    call = Call(client)
    call.walk("2")
    call.event("/twilio/voice/status", CallStatus="completed", CallDuration="12")
    contact = contact_of(app, call.sid)
    assert (contact.status, contact.outcome, contact.wait_seconds) == ("closed", "abandoned", None)
    assert contact.intake_step == "military"


def test_hanging_up_half_way_a_callback_files_it_with_safe_defaults(
    app: Flask, client: FlaskClient
) -> None:
    call = Call(client)
    call.walk("1", "2", "1", "2")  # calling number, evening, then gone before voicemail
    call.event("/twilio/voice/status", CallStatus="completed", CallDuration="40")
    contact = contact_of(app, call.sid)
    [callback] = callbacks_of(app, contact)
    assert (callback.phone, callback.window, callback.voicemail_allowed) == (
        CALLER, "evening", False
    )
    assert contact.status == "callback"


def test_hanging_up_before_keying_another_number_files_no_callback(
    app: Flask, client: FlaskClient
) -> None:
    call = Call(client)
    call.walk("1", "2", "2")
    call.event("/twilio/voice/status", CallStatus="completed", CallDuration="20")
    contact = contact_of(app, call.sid)
    assert callbacks_of(app, contact) == []
    assert (contact.status, contact.outcome) == ("closed", "abandoned")


def test_a_queue_failure_enqueues_again_then_files_a_callback(
    app: Flask, client: FlaskClient
) -> None:
    call = Call(client)
    call.walk("1", "1")
    queue = contact_of(app, call.sid).queue
    again = call.event("/twilio/voice/queued", QueueResult="system-error", QueueTime="3")
    enqueue = again.find("./Enqueue")
    assert enqueue is not None and enqueue.text == queue
    assert names_crisis_lines(said(again))
    gone = call.event("/twilio/voice/queued", QueueResult="error", QueueTime="2")
    contact = contact_of(app, call.sid)
    [callback] = callbacks_of(app, contact)
    assert (callback.phone, callback.window) == (CALLER, "asap")
    assert spelled(contact.reference) in said(gone)
    assert gone.find("./Hangup") is not None


def test_events_of_an_unknown_call_store_nothing(app: Flask, client: FlaskClient) -> None:
    call = Call(client)
    assert list(call.event("/twilio/voice/queued", QueueResult="hangup", QueueTime="4")) == []
    assert list(call.event("/twilio/voice/status", CallStatus="completed")) == []
    hold = call.event("/twilio/voice/wait", QueuePosition="2", AvgQueueTime="0")
    assert hold.find("./Pause") is not None
    assert contacts(app) == []
