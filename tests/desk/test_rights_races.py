"""Who sees what, at the edges: a change that loses the race to a transfer, and a manager
asking about a contact of another desk. Each is a 404, the same as for no contact at all."""

from __future__ import annotations

import threading
import time
from typing import Any

from flask import Flask
from sqlmodel import Session, select

from loket.domain import contacts as contact_domain
from loket.store.db import session_scope
from loket.store.models import Contact, Note
from tests.desk.helpers import log_in, make_user
from tests.desk.test_workspace import TOKEN, act, counsellor, engine_of, waiting


def test_a_note_that_loses_the_race_to_a_transfer_is_a_404_and_stores_nothing(
    store_app: Flask,
) -> None:
    reference = waiting(store_app, desk="police")
    client, _ = counsellor(store_app, desk="police")
    answers: list[Any] = []
    with session_scope(engine_of(store_app)) as other:
        # Another counsellor's transfer holds the contact; ours checks sight, then waits.
        moving = contact_domain.lock(session=other, contact_id=_id(store_app, reference))
        assert moving is not None
        noting = threading.Thread(target=lambda: answers.append(
            act(client, reference, "note", text="Een notitie die de desk niet meer mag")))
        noting.start()
        time.sleep(0.5)
        moving.desk = moving.queue = "veterans"
        other.add(moving)
    noting.join(timeout=15)
    assert answers and answers[0].status_code == 404
    with Session(engine_of(store_app)) as session:
        assert session.exec(select(Note)).all() == []


def test_a_manager_naming_another_desk_s_contact_gets_the_404_of_no_contact(
    store_app: Flask,
) -> None:
    theirs = waiting(store_app, desk="police")
    manager = make_user(store_app, role="manager", desk="veterans")
    boss = store_app.test_client()
    log_in(boss, store_app, manager)
    token = TOKEN.search(boss.get("/desk/manager").get_data(as_text=True))
    assert token is not None

    def listen(reference: str) -> int:
        return boss.post(f"/desk/manager/listen/{reference}",
                         data={"csrf_token": token.group(1)}).status_code

    assert listen(theirs) == 404
    assert listen("NOPE-123") == 404
    # Their own desk's contact is theirs to ask about: they are told why not (no help asked).
    own = waiting(store_app, desk="veterans")
    assert listen(own) == 303


def _id(app: Flask, reference: str) -> int:
    with Session(engine_of(app)) as session:
        found = session.exec(select(Contact.id).where(Contact.reference == reference)).one()
        assert found is not None
        return found
