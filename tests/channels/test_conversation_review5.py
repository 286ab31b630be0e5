"""The text conversation, fifth review: "mijn" alone names no relative, "help" at a menu is
its 0 (someone now), a returning sender is answered in the language they chose before, and a
crisis from a number that sent STOP reaches the counsellors as one to call at once.
Signed webhooks through the routes, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine

from loket.store.models import AuditEvent, CallbackRequest
from tests.channels.conftest import contacts, rows
from tests.channels.test_messaging import (
    CRISIS_NL,
    PHONE,
    WHATSAPP,
    only_contact,
    text,
    walk,
)
from tests.channels.test_messaging_stop_crisis import alarms_due
from tests.desk.test_workspace import act, counsellor

# --- 1. who: only a word that names a relative makes a family member -----------------------


@pytest.mark.parametrize(
    ("answer", "organisation", "relation"),
    [
        ("mijn uitzending als militair was zwaar", "defence", "self"),
        ("my time in the army", "defence", "self"),
        ("mijn dienst bij de politie", "police", "self"),
        ("ik ben een vrouw en veteraan", "defence", "self"),
        ("Mijn man is veteraan", "defence", "family"),
        ("m'n vriendin is militair", "defence", "family"),
        ("ik ben de vrouw van een agent", "police", "family"),
        ("mijn zoon is agent", "police", "family"),
        ("my dad is a veteran", "defence", "family"),
    ],
)
def test_who_in_words_is_family_only_when_a_relative_is_named(
    client: FlaskClient, engine: Engine, answer: str, organisation: str, relation: str
) -> None:
    reply = walk(client, "Hallo", answer)[1] or ""
    assert not reply.startswith("Sorry")
    contact = only_contact(engine)
    assert (contact.organisation, contact.relation) == (organisation, relation)


# --- 2. "help" at a menu is the menu's 0: someone now ---------------------------------------


@pytest.mark.parametrize(
    ("bodies", "language"),
    [
        (("Hallo", "help"), "nl"),
        (("Hallo", "Hulp!"), "nl"),
        (("Hallo", "ik heb hulp nodig"), "nl"),
        (("Hallo", "1", "hulp"), "nl"),  # at the next question too, as the 0 is on the phone
        (("Hallo", "2", "0"), "nl"),
        (("Hallo", "EN", "HELP ME"), "en"),
        (("Hallo", "EN", "I need help right now"), "en"),
    ],
)
def test_help_at_a_menu_reaches_someone_now(
    client: FlaskClient, engine: Engine, bodies: tuple[str, ...], language: str
) -> None:
    reply = walk(client, *bodies)[-1] or ""
    assert "112" in reply and "113" in reply
    assert ("hulpverlener neemt nu contact" if language == "nl" else
            "counsellor will contact you now") in reply
    contact = only_contact(engine)
    assert (contact.risk, contact.priority, contact.respond) == ("acute", "urgent", "now")
    assert contact.intake_step == "routed"


@pytest.mark.parametrize("answer", ["hulp voor mijn man", "geen hulp nodig", "no help needed"])
def test_help_with_more_to_say_is_asked_again_not_escalated(
    client: FlaskClient, engine: Engine, answer: str
) -> None:
    reply = walk(client, "Hallo", answer)[1] or ""
    assert reply.startswith("Sorry")
    contact = only_contact(engine)
    assert contact.risk != "acute" and not contact.crisis


# --- 3. a returning sender keeps the language they chose ------------------------------------


def test_a_returning_sender_is_answered_in_the_language_they_chose_before(
    client: FlaskClient, engine: Engine
) -> None:
    walk(client, "Hallo", "EN", "1", "1", sender=WHATSAPP)
    text(client, "STOP", sender=WHATSAPP)  # the first conversation ends
    again = text(client, "Hello again", sender=WHATSAPP) or ""
    assert again.startswith("Welcome to Loket") and "Who are you?" in again
    assert [c.language for c in contacts(engine)] == ["en", "en"]

    dutch = text(client, "NL", sender=WHATSAPP)  # their word still wins
    assert dutch is not None and "Wie ben je?" in dutch
    assert text(client, "Hallo", sender="+31600000077") is not None
    assert contacts(engine)[-1].language == "nl"  # someone new: the desk's language


# --- 4. a crisis after STOP on SMS ----------------------------------------------------------


def test_a_crisis_from_a_number_that_sent_stop_is_kept_to_be_called_at_once(
    app: Flask, client: FlaskClient, engine: Engine
) -> None:
    walk(client, "Hallo", "1", "1", "STOP")  # not in crisis: closed; Twilio opts the number out
    reply = text(client, CRISIS_NL)
    assert reply is not None and "113" in reply  # still answered: delivered if not opted out
    first, crisis = contacts(engine)
    assert first.status == "closed"
    assert crisis.crisis and (crisis.priority, crisis.status) == ("urgent", "waiting")
    assert crisis.intake_step == "stopped"  # no texts: the desk says to call
    [reach] = rows(engine, CallbackRequest)
    assert (reach.contact_id, reach.status, reach.phone) == (crisis.id, "crisis", PHONE)
    assert alarms_due(app, minutes=3) != []  # nobody served them: the alarms rise
    assert any(line.detail == "crisis after a stop word: no texts, to be called"
               for line in rows(engine, AuditEvent))

    desk_client, _ = counsellor(app, desk=crisis.desk or "police")
    act(desk_client, crisis.reference, "claim")
    page = desk_client.get(f"/desk/contacts/{crisis.reference}").get_data(as_text=True)
    assert "stuurde STOP" in page and f"/desk/contacts/{crisis.reference}/call" in page


def test_a_crisis_later_in_a_new_conversation_after_stop_is_kept_to_be_called(
    client: FlaskClient, engine: Engine
) -> None:
    walk(client, "Hallo", "1", "1", "STOP", "Hallo", "1")  # Twilio drops the questions
    text(client, CRISIS_NL)
    crisis = contacts(engine)[-1]
    assert crisis.crisis and crisis.intake_step == "stopped"
    assert [(c.contact_id, c.status) for c in rows(engine, CallbackRequest)] == [
        (crisis.id, "crisis")]


def test_after_start_a_crisis_is_a_text_conversation_again(
    client: FlaskClient, engine: Engine
) -> None:
    walk(client, "Hallo", "1", "1", "STOP", "START", "2")
    text(client, CRISIS_NL)
    crisis = contacts(engine)[-1]
    assert crisis.crisis and crisis.intake_step == "routed"
    assert rows(engine, CallbackRequest) == []


def test_on_whatsapp_a_crisis_after_stop_is_a_text_conversation(
    client: FlaskClient, engine: Engine
) -> None:
    walk(client, "Hallo", "1", "1", "STOP", CRISIS_NL, sender=WHATSAPP)
    crisis = contacts(engine)[-1]
    assert crisis.crisis and crisis.intake_step == "routed"


def test_a_crisis_written_again_after_a_kept_stop_keeps_the_texts_stopped(
    client: FlaskClient, engine: Engine
) -> None:
    walk(client, "Hallo", "1", CRISIS_NL, "STOP")
    reply = text(client, "ik wil dood")
    assert reply is not None and "113" in reply
    contact = only_contact(engine)
    assert contact.intake_step == "stopped" and contact.status == "waiting"
    assert [c.status for c in rows(engine, CallbackRequest)] == ["crisis"]
