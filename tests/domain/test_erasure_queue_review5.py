"""A person erased while their contact was still open (review 5): nothing is left to serve,
so it leaves every queue at once, closed: no empty row on any desk, no wait counted for the
routing, its counsellor free again, its outcome `erased` (review 6); a contact closed before
keeps the outcome it had. On SQLite and PostgreSQL."""

from __future__ import annotations

from flask import Flask
from sqlmodel import Session

from loket.domain import contacts, erasure, workspace
from loket.store.db import session_scope
from loket.store.models import User
from tests.desk.helpers import api_token
from tests.desk.test_workspace import act, counsellor, engine_of, stored, waiting


def erase(app: Flask, reference: str) -> list[str]:
    with session_scope(engine_of(app)) as session:
        return erasure.erase(session=session, reference=reference, actor="test")


def queue_of(app: Flask, user: User) -> list[str]:
    """The references in a counsellor's queue."""
    with Session(engine_of(app)) as session:
        return [item.reference for item in workspace.queue_for(session=session, user=user)]


def test_an_erased_contact_leaves_every_queue(store_app: Flask) -> None:
    police = waiting(store_app, channel="webchat", phone=None)
    pooled = waiting(store_app, desk="veterans", queue="pool", crisis=True)
    kept = waiting(store_app, channel="webchat", phone=None)
    client, user = counsellor(store_app)
    _, veteran = counsellor(store_app, desk="veterans")
    assert set(queue_of(store_app, user)) == {police, pooled, kept}
    erase(store_app, police)
    erase(store_app, pooled)
    assert queue_of(store_app, user) == [kept]
    assert queue_of(store_app, veteran) == []
    rows = client.get("/desk/queue/rows").get_data(as_text=True)
    assert police not in rows and pooled not in rows and kept in rows
    bearer = {"Authorization": f"Bearer {api_token(store_app, user)}"}
    listed = client.get("/api/v1/queue/police", headers=bearer).get_json()["items"]
    assert [item["reference"] for item in listed] == [kept]
    for reference in (police, pooled):
        contact = stored(store_app, reference)
        assert contact.status == "closed"
        # Handled: erased (review 6: the reports count it so, not as open); no close time
        # is made up.
        assert contact.outcome == "erased" and contact.closed_at is None
    with Session(engine_of(store_app)) as session:  # the routing counts one waiting
        state = contacts.live_state(session=session)
    assert state["police"]["waiting"] == 1 and state["pool"]["waiting"] == 0


def test_an_erased_contact_held_by_a_counsellor_is_theirs_no_more(store_app: Flask) -> None:
    reference = waiting(store_app, channel="webchat", phone=None)
    client, user = counsellor(store_app)
    act(client, reference, "claim")
    erase(store_app, reference)
    assert stored(store_app, reference).status == "closed"
    assert queue_of(store_app, user) == []
    with Session(engine_of(store_app)) as session:  # holding nothing, available again
        me = session.get(User, user.id)
        assert me is not None and workspace.availability_now(me) == "available"


def test_a_closed_contact_erased_keeps_its_outcome(store_app: Flask) -> None:
    reference = waiting(store_app, channel="webchat", phone=None)
    client, _ = counsellor(store_app)
    act(client, reference, "claim")
    act(client, reference, "close", outcome="referred")
    erase(store_app, reference)
    assert stored(store_app, reference).outcome == "referred"
