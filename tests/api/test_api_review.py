"""The API as a counsellor's client program meets it: a refused token says how to
authenticate (RFC 6750), the queue poll is cheap while nothing changes (ETag,
If-None-Match, 304) and bounded, and every answer keeps to the document."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlmodel import select

from loket.store.db import session_scope
from loket.store.models import ApiToken, Contact, Message, User
from loket.store.types import utcnow
from tests.api.calls import CALLS, caller
from tests.desk.test_workspace import engine_of, waiting


@pytest.mark.parametrize("how", ["none", "wrong", "expired", "disabled"])
def test_a_refused_token_is_a_401_saying_how_to_authenticate(app: Flask, how: str) -> None:
    reference = waiting(app)
    who = caller(app)
    with session_scope(engine_of(app)) as session:
        if how == "expired":
            row = session.exec(select(ApiToken)).one()
            row.expires_at = utcnow() - timedelta(seconds=1)
            session.add(row)
        if how == "disabled":
            user = session.get(User, who.user.id)
            assert user is not None
            user.active = False
            session.add(user)
    who.token = {"none": "", "wrong": "lk_not-a-token"}.get(how, who.token)
    calls = [(method, path.format(ref=reference), body) for _, method, path, body in CALLS]
    calls += [("GET", "/api/v1/queue/police", None),
              ("PUT", "/api/v1/me/availability", {"status": "away"})]
    for method, path, body in calls:
        answer = who(method, path, body)
        assert answer.status_code == 401 and answer.is_json, (method, path)
        challenge = answer.headers.get("WWW-Authenticate", "")
        assert challenge.startswith("Bearer "), (method, path)
        assert ('error="invalid_token"' in challenge) == (how != "none")


def poll(who: Any, etag: str | None = None) -> Any:
    headers = {"If-None-Match": etag} if etag else {}
    return who("GET", "/api/v1/queue/police", headers=headers)


def test_the_queue_poll_answers_304_while_nothing_changes(store_app: Flask) -> None:
    waiting(store_app)
    who = caller(store_app)
    first = poll(who)
    etag = first.headers.get("ETag")
    assert first.status_code == 200 and etag
    same = poll(who, etag)
    assert same.status_code == 304 and same.get_data() == b""
    assert same.headers["ETag"] == etag
    newcomer = waiting(store_app, crisis=True)
    changed = poll(who, etag)
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert changed.get_json()["items"][0]["reference"] == newcomer


def test_the_document_lists_the_queue_s_304(app: Flask) -> None:
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    assert "304" in document["paths"]["/api/v1/queue/{queue}"]["get"]["responses"]


def test_the_queue_is_listed_in_bounded_pages(app: Flask) -> None:
    crisis = waiting(app, crisis=True)
    calm = [waiting(app, seconds_ago=600 - n) for n in range(101)]
    who = caller(app)
    first = who("GET", "/api/v1/queue/police")
    assert first.status_code == 200
    assert len(first.get_json()["items"]) == 100 and first.get_json()["total"] == 102
    cut = who("GET", "/api/v1/queue/police?limit=2").get_json()
    assert [item["reference"] for item in cut["items"]] == [crisis, calm[0]]
    assert cut["total"] == 102


@pytest.mark.parametrize("limit", ["0", "1001", "veel"])
def test_a_bad_limit_is_refused_naming_it(app: Flask, limit: str) -> None:
    answer = caller(app)("GET", f"/api/v1/queue/police?limit={limit}")
    assert answer.status_code == 422 and answer.is_json
    assert answer.get_json()["field"] == "limit"
    assert answer.get_json()["error"].startswith("limit: ")


def written_in(app: Flask, reference: str, count: int) -> list[int]:
    """Store `count` messages from the person on a contact; return their ids."""
    with session_scope(engine_of(app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        made = [Message(contact_id=contact.id or 0, direction="in", body=f"Bericht {n}")
                for n in range(count)]
        session.add_all(made)
        session.flush()
        return [m.id or 0 for m in made]


def test_a_long_conversation_comes_in_pages_and_a_poll_gets_only_what_is_new(
    app: Flask,
) -> None:
    reference = waiting(app)
    ids = written_in(app, reference, 501)
    who = caller(app)
    first = who.do("read", reference)
    assert first.status_code == 200
    shown = [m["id"] for m in first.get_json()["messages"]]
    assert shown == ids[:500]
    link = first.headers["Link"]
    assert link == f'</api/v1/contacts/{reference}?after={ids[499]}>; rel="next"'
    rest = who("GET", link[1:link.index(">")])
    assert [m["text"] for m in rest.get_json()["messages"]] == ["Bericht 500"]
    assert "Link" not in rest.headers
    newest = who("GET", f"/api/v1/contacts/{reference}?after={ids[-1]}")
    assert newest.status_code == 200 and newest.get_json()["messages"] == []


@pytest.mark.parametrize("after", ["-1", "laatste"])
def test_a_bad_after_is_refused_naming_it(app: Flask, after: str) -> None:
    reference = waiting(app)
    answer = caller(app)("GET", f"/api/v1/contacts/{reference}?after={after}")
    assert answer.status_code == 422 and answer.get_json()["field"] == "after"


def test_a_refusal_is_said_in_the_language_the_client_asks_for(app: Flask) -> None:
    reference = waiting(app)
    anouk, bram = caller(app, display_name="Anouk"), caller(app)
    dutch, english = {"Accept-Language": "nl-NL,nl;q=0.9"}, {"Accept-Language": "en-GB"}
    path = f"/api/v1/contacts/{reference}/messages"
    unclaimed = anouk("POST", path, {"text": "Hoi"}, headers=dutch)
    assert unclaimed.status_code == 409
    assert unclaimed.get_json() == {"error": "claimed: Pak het contact eerst op.",
                                    "field": "claimed"}
    anouk.do("claim", reference)
    empty = anouk("POST", path, {"text": "   "}, headers=dutch)
    assert empty.status_code == 422
    assert empty.get_json() == {"error": "text: Schrijf een bericht.", "field": "text"}
    held = bram("POST", f"/api/v1/contacts/{reference}/claim", headers=english)
    assert held.get_json()["error"] == "claimed: Anouk holds this contact"
    held = bram("POST", f"/api/v1/contacts/{reference}/claim", headers=dutch)
    assert held.get_json()["error"] == "claimed: Anouk behandelt dit contact al."
