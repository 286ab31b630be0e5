"""Review: who sees what through the API, tried as an attacker with a valid token would.
Store-touching tests run on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.api.calls import CALL, caller
from tests.desk.test_workspace import stored, waiting

HANDOVER = {"desk": "veterans", "note": "Wil een veteranen-collega spreken."}


def test_an_emergency_access_ends_when_the_contact_is_handed_to_another_desk(
    store_app: Flask,
) -> None:
    # A De Basis counsellor breaks the glass on a police contact, then hands it to the
    # veterans: it is the veterans' now, and the emergency access was to a police contact.
    reference = waiting(store_app, desk="police")
    who = caller(store_app, desk="debasis")
    assert who.do("break_glass", reference).status_code == 200
    assert who.do("claim", reference).status_code == 200
    assert who.do("transfer", reference, HANDOVER).status_code == 200
    for name in ("read", "claim", "note"):
        answer = who.do(name, reference)
        assert answer.status_code == 404, (name, answer.get_json())
    assert who("GET", f"/api/v1/contacts/{reference}?after=0").status_code == 404


# --- numbers the document allows, beyond any row's id (PostgreSQL's integer) ---------------

BEYOND = [2**31, 2**62]  # past the largest id a row has; the document allows up to 2**62


@pytest.mark.parametrize("after", BEYOND)
def test_a_poll_after_a_number_beyond_any_message_answers_no_new_messages(
    store_app: Flask, after: int,
) -> None:
    reference = waiting(store_app)
    who = caller(store_app)
    assert who.do("read", reference).status_code == 200
    polled = who("GET", f"/api/v1/contacts/{reference}?after={after}")
    assert polled.status_code == 200, polled.get_data()
    assert polled.get_json()["messages"] == []


@pytest.mark.parametrize("seen", BEYOND)
def test_closing_with_a_seen_number_beyond_any_message_closes(store_app: Flask,
                                                               seen: int) -> None:
    reference = waiting(store_app)
    who = caller(store_app)
    assert who.do("claim", reference).status_code == 200
    answer = who.do("close", reference, {"outcome": "helped", "seen": seen})
    assert answer.status_code == 200, answer.get_data()
    assert stored(store_app, reference).status == "closed"



# --- a body nested too deeply to read ------------------------------------------------------

DEEP = "[" * 5000 + "]" * 5000  # valid JSON, past what the parser's recursion reaches


@pytest.mark.parametrize("name", ["reply", "note", "close", "transfer", "claim", "break_glass"])
def test_a_body_nested_too_deeply_is_refused_naming_the_body(app: Flask, name: str) -> None:
    reference = waiting(app)
    who = caller(app)
    assert who.do("claim", reference).status_code == 200
    method, path, _ = CALL[name]
    answer = who(method, path.format(ref=reference), data=DEEP,
                 content_type="application/json", headers={"Idempotency-Key": "deep-1"})
    assert answer.status_code in (400, 422) and answer.is_json, answer.status_code
    assert answer.get_json()["field"] == "body"
    availability = who("PUT", "/api/v1/me/availability", data=DEEP,
                       content_type="application/json")
    assert availability.status_code == 422 and availability.get_json()["field"] == "body"
