"""A person in crisis who texts STOP is not closed away: no more texts go to them, the
contact stays open with its alarms, and the counsellor who takes it calls them back at once
(as a crisis caller who hangs up). Someone not in crisis who says stop is closed as before;
whoever writes again after their stop may be texted again: on WhatsApp at once, on SMS only
after START (Twilio delivers no SMS to the number before). Signed webhooks through the
routes, and the counsellor's page, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine

from loket.domain import escalation
from loket.store.db import session_scope
from loket.store.models import AuditEvent, CallbackRequest, Contact, Message
from loket.store.types import utcnow
from tests.api.calls import Caller
from tests.channels.conftest import rows
from tests.channels.test_messaging import CRISIS_NL, PHONE, WHATSAPP, only_contact, text, walk
from tests.desk.helpers import api_token
from tests.desk.test_workspace import act, counsellor


def alarms_due(app: Flask, minutes: int) -> list[int]:
    """Run the escalation sweep `minutes` from now; return the steps it raised."""
    with session_scope(app.extensions["loket.engine"]) as session:
        raised = escalation.raise_due(session=session, timing=escalation.Timing(),
                                      now=utcnow() + timedelta(minutes=minutes))
        return [row.step for row in raised]


@pytest.mark.parametrize(("sender", "number"), [(PHONE, PHONE), (WHATSAPP, "+31687654321")])
def test_a_person_in_crisis_who_texts_stop_stays_open_to_be_called_back_at_once(
    app: Flask, client: FlaskClient, engine: Engine, sender: str, number: str
) -> None:
    walk(client, "Hallo", "1", CRISIS_NL, sender=sender)
    goodbye = text(client, "STOP", sender=sender)

    assert goodbye is not None and "belt een hulpverlener je nog op" in goodbye
    assert "112" in goodbye and "113" in goodbye
    contact = only_contact(engine)
    assert contact.crisis and (contact.status, contact.outcome) == ("waiting", None)
    assert contact.intake_step == "stopped"
    [reach] = rows(engine, CallbackRequest)
    assert (reach.status, reach.phone) == ("crisis", number)  # called now, never scheduled
    assert alarms_due(app, minutes=3) != []  # nobody served them: the alarms rise
    assert any(line.detail == "stop word: no texts, crisis kept open"
               for line in rows(engine, AuditEvent))


def test_the_counsellor_may_not_text_a_person_who_said_stop_but_is_told_to_call(
    app: Flask, client: FlaskClient, engine: Engine
) -> None:
    walk(client, "Hallo", "1", CRISIS_NL, "stop")
    contact = only_contact(engine)
    desk_client, user = counsellor(app, desk=contact.desk or "police")
    act(desk_client, contact.reference, "claim")

    page = desk_client.get(f"/desk/contacts/{contact.reference}").get_data(as_text=True)
    assert "stuurde STOP" in page and 'id="reply-text"' not in page
    assert f"/desk/contacts/{contact.reference}/call" in page  # the call back, at once
    refused = act(desk_client, contact.reference, "reply", text="Hoe gaat het nu?")
    shown = desk_client.get(refused.location).get_data(as_text=True)
    assert "vroeg ons te stoppen met berichten: bel hen" in shown
    api = Caller(app, user, api_token(app, user))  # the API refuses it too, with a reason
    answer = api.do("reply", contact.reference, {"text": "Hoe gaat het nu?"})
    assert answer.status_code == 422 and answer.get_json()["field"] == "text"
    assert [m.direction for m in rows(engine, Message)] == ["in"] * 4  # nothing went out


def test_whoever_writes_again_on_whatsapp_after_their_stop_may_be_texted_again(
    app: Flask, client: FlaskClient, engine: Engine
) -> None:
    walk(client, "Hallo", "1", CRISIS_NL, "stop", sender=WHATSAPP)
    assert text(client, "Sorry, ik wil toch praten", sender=WHATSAPP) is None  # by hand
    contact = only_contact(engine)
    assert (contact.status, contact.intake_step) == ("waiting", "acked")

    desk_client, _ = counsellor(app, desk=contact.desk or "police")
    act(desk_client, contact.reference, "claim")
    sent = act(desk_client, contact.reference, "reply", text="Fijn dat je weer schrijft.")
    assert "vroeg ons te stoppen" not in desk_client.get(sent.location).get_data(as_text=True)
    assert [m.direction for m in rows(engine, Message)][-1] == "out"


def test_whoever_writes_again_on_sms_after_their_stop_is_texted_only_after_start(
    app: Flask, client: FlaskClient, engine: Engine
) -> None:
    walk(client, "Hallo", "1", CRISIS_NL, "stop")
    # Twilio delivers no SMS to the number until it sends START: still one to call.
    assert text(client, "Sorry, ik wil toch praten") is None
    contact = only_contact(engine)
    assert (contact.status, contact.intake_step) == ("waiting", "stopped")
    desk_client, _ = counsellor(app, desk=contact.desk or "police")
    act(desk_client, contact.reference, "claim")
    page = desk_client.get(f"/desk/contacts/{contact.reference}").get_data(as_text=True)
    assert "tot ze START sturen" in page and 'id="reply-text"' not in page
    refused = act(desk_client, contact.reference, "reply", text="Fijn dat je weer schrijft.")
    assert "tot ze START sturen" in desk_client.get(refused.location).get_data(as_text=True)
    assert "out" not in [m.direction for m in rows(engine, Message)]

    assert text(client, "START") is None  # Twilio confirms it itself
    assert only_contact(engine).intake_step == "acked"
    sent = act(desk_client, contact.reference, "reply", text="Fijn dat je weer schrijft.")
    assert "vroeg ons te stoppen" not in desk_client.get(sent.location).get_data(as_text=True)
    assert [m.direction for m in rows(engine, Message)][-1] == "out"


def test_stop_again_after_a_kept_crisis_keeps_one_call_back(
    client: FlaskClient, engine: Engine
) -> None:
    walk(client, "Hallo", "1", CRISIS_NL, "stop")
    again = text(client, "STOP")
    assert again is not None and "belt een hulpverlener je nog op" in again
    assert [c.status for c in rows(engine, CallbackRequest)] == ["crisis"]
    assert only_contact(engine).status == "waiting"


def test_a_crisis_written_while_waiting_keeps_the_whole_wait(
    app: Flask, client: FlaskClient, engine: Engine
) -> None:
    walk(client, "Hoi", "1", "1")  # police, chat now: waiting in the queue
    waiting = only_contact(engine)
    assert waiting.status == "waiting" and not waiting.crisis
    began = (waiting.routed_at or utcnow()) - timedelta(minutes=10)
    with session_scope(app.extensions["loket.engine"]) as session:
        stored = session.get(Contact, waiting.id)
        assert stored is not None
        stored.routed_at = began
    text(client, CRISIS_NL)
    crisis = only_contact(engine)
    assert crisis.crisis and crisis.routed_at == began  # the wait goes on, not over
    assert alarms_due(app, minutes=0) != []  # ten minutes waited: alarmed at once
