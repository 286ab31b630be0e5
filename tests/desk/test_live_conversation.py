"""The conversation on a contact's page keeps up with the person: new messages come to the
page as they are written (each showing audited as a read), and a close never puts away a
message the counsellor did not have on screen."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, col, select

from loket.domain import conversations
from loket.store.db import session_scope
from loket.store.models import AuditEvent, Contact
from tests.api.calls import caller
from tests.desk.test_workspace import TOKEN, act, counsellor, engine_of, waiting

SEEN = re.compile(r'name="seen" value="(\d+)"')


def person_writes(app: Flask, reference: str, body: str) -> int:
    """Store a message the person wrote; return its id."""
    with session_scope(engine_of(app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        return conversations.add_message(session=session, contact=contact, direction="in",
                                         body=body)


def contact(app: Flask, reference: str) -> Contact:
    with Session(engine_of(app)) as session:
        return session.exec(select(Contact).where(Contact.reference == reference)).one()


def page_seen(client: FlaskClient, reference: str) -> tuple[str, str]:
    """Open the contact's page; return the close form's "seen" and the page's form token."""
    page = client.get(f"/desk/contacts/{reference}").get_data(as_text=True)
    seen, token = SEEN.search(page), TOKEN.search(page)
    assert seen and token
    return seen.group(1), token.group(1)


def close(client: FlaskClient, reference: str, seen: str, token: str) -> str:
    """Post the close form as the page had it; return the page the counsellor lands on."""
    answer = client.post(f"/desk/contacts/{reference}/close",
                         data={"csrf_token": token, "seen": seen, "outcome": "helped",
                               "contact_type": "conversation"})
    assert answer.status_code == 303
    return client.get(answer.headers["Location"]).get_data(as_text=True)


def test_new_messages_come_to_the_page_and_each_showing_is_a_read(store_app: Flask) -> None:
    reference = waiting(store_app, channel="webchat", phone=None)
    first = person_writes(store_app, reference, "Hallo, is daar iemand?")
    client, _ = counsellor(store_app)
    assert act(client, reference, "claim").status_code == 303
    seen, _ = page_seen(client, reference)
    assert seen == str(first)
    path = f"/desk/contacts/{reference}/messages?after={seen}"
    assert client.get(path).status_code == 204  # nothing new: nothing shown, nothing read
    reads = reads_of(store_app, reference)
    second = person_writes(store_app, reference, "Ik wil graag iemand spreken.")
    answer = client.get(path)
    assert answer.status_code == 200 and answer.headers["X-Last-Message"] == str(second)
    shown = answer.get_data(as_text=True)
    assert "Ik wil graag iemand spreken." in shown and "is daar iemand" not in shown
    assert reads_of(store_app, reference) == reads + 1
    # Another desk's counsellor learns nothing, not even that the contact exists.
    other, _ = counsellor(store_app, desk="veterans")
    assert other.get(path).status_code == 404
    assert client.get(f"/desk/contacts/{reference}/messages?after=x").status_code == 400


def test_a_close_waits_until_the_counsellor_has_seen_the_newest_message(
    store_app: Flask,
) -> None:
    reference = waiting(store_app, channel="webchat", phone=None)
    person_writes(store_app, reference, "Dank je, dit hielp.")
    client, _ = counsellor(store_app)
    act(client, reference, "claim")
    seen, token = page_seen(client, reference)
    person_writes(store_app, reference, "Wacht, er is nog iets.")  # while the form is open
    landed = close(client, reference, seen, token)
    assert "Er kwam net een nieuw bericht binnen" in landed
    assert contact(store_app, reference).status == "in_progress"
    seen, token = page_seen(client, reference)  # now on screen
    close(client, reference, seen, token)
    assert contact(store_app, reference).status == "closed"


def reads_of(app: Flask, reference: str) -> int:
    """Return how many reads of the contact the audit trail holds."""
    with Session(engine_of(app)) as session:
        return len(session.exec(select(AuditEvent.id).where(
            AuditEvent.contact_reference == reference, col(AuditEvent.event) == "read")).all())


def test_an_api_client_saying_what_it_showed_cannot_close_away_a_newer_message(
    store_app: Flask,
) -> None:
    reference = waiting(store_app, channel="webchat", phone=None)
    person_writes(store_app, reference, "Dank je, dit hielp.")
    who = caller(store_app)
    assert who.do("claim", reference).status_code == 200
    shown = who.do("read", reference).get_json()["messages"]
    newest = shown[-1]["id"]
    assert [m["text"] for m in shown] == ["Dank je, dit hielp."]
    person_writes(store_app, reference, "Wacht, er is nog iets.")
    refused = who.do("close", reference, {"outcome": "helped", "seen": newest})
    assert refused.status_code == 409 and refused.get_json()["field"] == "seen"
    assert contact(store_app, reference).status == "in_progress"
    newest = who.do("read", reference).get_json()["messages"][-1]["id"]
    assert who.do("close", reference, {"outcome": "helped", "seen": newest}).status_code == 200
    assert contact(store_app, reference).status == "closed"
