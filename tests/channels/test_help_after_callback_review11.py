"""A person who asked by SMS to be called back tomorrow, then writes "help" (or "ik heb nu
direct hulp nodig", or the menu's 0), reaches someone now, as at every question of the intake
and as the phone's 0 in the queue: not parked among the callbacks until tomorrow 09:00. The
same words in a conversation already in the queue are only acknowledged. On SQLite and
PostgreSQL, independent of the hour (a callback "tomorrow" is never due at once)."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine

from tests.channels.test_messaging import only_contact, text, walk


@pytest.mark.parametrize("body", ["help", "ik heb nu direct hulp nodig", "0"])
def test_help_now_after_a_callback_promise_is_not_parked_until_tomorrow(
    client: FlaskClient, engine: Engine, body: str
) -> None:
    walk(client, "Hallo", "1", "2", "3")  # police; call me back; tomorrow morning
    assert only_contact(engine).status == "callback"

    reply = text(client, body)

    contact = only_contact(engine)
    assert reply is not None and "112" in reply and "113" in reply
    assert (contact.status, contact.respond) == ("waiting", "now")
    assert contact.priority == "urgent"


def test_help_in_the_queue_keeps_the_contact_where_it_waits(
    client: FlaskClient, engine: Engine
) -> None:
    walk(client, "Hallo", "1", "1")  # police; write with someone now
    before = only_contact(engine)
    assert before.status == "waiting"
    text(client, "help")
    after = only_contact(engine)
    assert (after.status, after.queue, after.crisis) == ("waiting", before.queue, before.crisis)
