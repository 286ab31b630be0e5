"""Review 4: the API's contact details say a web chat has ended (its person can no longer
read it), so a client knows why its reply is refused; a new field, the others unchanged."""

from __future__ import annotations

from typing import Any

from flask import Flask

from loket.store.models import User
from tests.channels.test_webchat import press
from tests.desk.helpers import api_token
from tests.desk.test_chat_ended_review3 import chat_claimed
from tests.desk.test_workspace import waiting

# The details' fields before this review: a client reading them reads them still.
EARLIER = ["reference", "channel", "desk", "queue", "priority", "crisis", "flags", "status",
           "claimed_by", "waiting_since", "messages", "notes", "history"]


def read(app: Flask, user: User, reference: str) -> dict[str, Any]:
    answer = app.test_client().get(
        f"/api/v1/contacts/{reference}",
        headers={"Authorization": f"Bearer {api_token(app, user)}"})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    found: dict[str, Any] = answer.get_json()
    return found


def test_the_details_say_a_chat_has_ended_and_its_reply_is_refused(store_app: Flask) -> None:
    person, _, reference, user = chat_claimed(store_app)
    before = read(store_app, user, reference)
    assert before["chat_ended"] is False
    assert set(EARLIER) <= set(before)
    assert press(person, "/chat/leave").status_code == 303
    after = read(store_app, user, reference)
    assert after["chat_ended"] is True and after["status"] != "closed"
    refused = store_app.test_client().post(
        f"/api/v1/contacts/{reference}/messages", json={"text": "Ben je er nog?"},
        headers={"Authorization": f"Bearer {api_token(store_app, user)}"})
    assert refused.status_code == 422 and refused.get_json()["field"] == "text"
    other = waiting(store_app, channel="sms")
    assert read(store_app, user, other)["chat_ended"] is False


def test_the_document_describes_the_new_field_and_keeps_the_others(app: Flask) -> None:
    doc = app.test_client().get("/api/v1/openapi.json").get_json()
    [schema] = [s for s in doc["components"]["schemas"].values()
                if s.get("title") == "ContactOut"]
    assert schema["properties"]["chat_ended"]["type"] == "boolean"
    assert "chat_ended" not in schema.get("required", [])  # optional: old clients are fine
    assert set(EARLIER) <= set(schema["properties"])
    assert set(schema["required"]) == set(EARLIER)


def test_the_queue_says_which_waiting_chat_has_ended(store_app: Flask) -> None:
    from sqlmodel import Session, select

    from loket.store.models import Contact
    from tests.desk.test_queue_review4 import waiting_chat
    from tests.desk.test_workspace import counsellor, engine_of

    person, reference = waiting_chat(store_app)
    with Session(engine_of(store_app)) as session:
        queue = session.exec(select(Contact.queue).where(Contact.reference == reference)).one()
    _, user = counsellor(store_app, desk="police")
    headers = {"Authorization": f"Bearer {api_token(store_app, user)}"}
    first = store_app.test_client().get(f"/api/v1/queue/{queue}", headers=headers)
    assert [i["chat_ended"] for i in first.get_json()["items"]] == [False]
    assert press(person, "/chat/leave").status_code == 303
    again = store_app.test_client().get(
        f"/api/v1/queue/{queue}", headers={**headers, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200
    assert [(i["reference"], i["chat_ended"]) for i in again.get_json()["items"]] == [
        (reference, True)]
