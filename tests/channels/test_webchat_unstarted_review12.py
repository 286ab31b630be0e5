"""A web chat left at its first questions (who, serving or veteran, chat or callback) holds
no words and no number, and stands in no queue: it was kept open for good, its name past
every retention. Leaving it closes it at once; a browser simply closed there is closed by
the reconciler after the chat's idle time; coming back to a chat closed so starts anew (it
is never routed closed). A routed chat is left alone. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from redis import Redis
from sqlmodel import Session, select

from loket.queue import jobs
from loket.store.db import session_scope
from loket.store.models import AuditEvent, Contact
from loket.store.types import utcnow
from tests.channels.test_webchat import engine_of, press, start_chat, stored, the_contact


def idle_past(app: Flask, minutes: int = 121) -> None:
    """Make every contact look untouched for `minutes` (the chat idle time is 120)."""
    with session_scope(engine_of(app)) as session:
        for contact in session.exec(select(Contact)).all():
            contact.updated_at = utcnow() - timedelta(minutes=minutes)
            session.add(contact)


def reconcile(app: Flask) -> None:
    with app.app_context():
        jobs.reconcile()


def test_leaving_at_the_first_questions_closes_the_chat(app: Flask, client: FlaskClient) -> None:
    start_chat(client, "military", name="Sanne de Vries")   # at "serving or veteran?"
    assert press(client, "/chat/leave").status_code == 303
    contact = the_contact(app)
    assert (contact.status, contact.outcome, contact.queue) == ("closed", "abandoned", None)
    assert contact.closed_at is not None
    with Session(engine_of(app)) as session:
        details = [e.detail for e in session.exec(select(AuditEvent)).all()]
    assert "web chat left before its questions were answered" in details


def test_a_chat_left_open_at_its_questions_is_closed_after_the_idle_time(
    app: Flask, client: FlaskClient, redis_conn: Redis
) -> None:
    start_chat(client, "police")                             # at "chat or callback?"
    reconcile(app)
    assert the_contact(app).status == "new"                  # not yet idle long enough
    idle_past(app)
    reconcile(app)
    contact = the_contact(app)
    assert (contact.status, contact.outcome) == ("closed", "abandoned")


def test_coming_back_to_a_chat_closed_so_starts_anew_and_routes_nothing_closed(
    app: Flask, client: FlaskClient, redis_conn: Redis
) -> None:
    start_chat(client, "police")
    idle_past(app)
    reconcile(app)
    # The page was reloaded meanwhile (the cookie is fresh): "chat now" pressed.
    response = press(client, "/chat/answer", choice="chat")
    assert response.status_code == 303
    [contact] = stored(app)
    assert (contact.status, contact.queue) == ("closed", None)
    page = client.get("/chat").get_data(as_text=True)
    assert 'name="choice" value="help_now"' in page                   # the first question


def test_a_routed_chat_is_not_closed_by_the_sweep(
    app: Flask, client: FlaskClient, redis_conn: Redis
) -> None:
    start_chat(client, "police", "chat")
    idle_past(app, minutes=600)
    reconcile(app)
    contact = the_contact(app)
    assert contact.status == "waiting" and contact.queue in ("police", "pool")
