"""Review: a body that is not JSON is named as the body; the API's 401 and 403 follow
Accept-Language; a counsellor's API queues list what their web queue shows, and nothing
more. Store-touching tests run on SQLite and on PostgreSQL."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from tests.api.calls import CALL, Caller, caller
from tests.desk.helpers import api_token
from tests.desk.test_workspace import counsellor, waiting

# --- a body that is not JSON ---------------------------------------------------------------

NOT_JSON = ["{bad", "hello", '{"text": "Hoi"', "", "null"]
BODY_CALLS = ["reply", "note", "close", "transfer", "break_glass"]


@pytest.mark.parametrize("data", NOT_JSON)
@pytest.mark.parametrize("name", BODY_CALLS)
def test_a_body_that_is_not_json_is_refused_naming_the_body(app: Flask, name: str,
                                                           data: str) -> None:
    reference = waiting(app)
    who = caller(app)
    assert who.do("claim", reference).status_code == 200
    method, path, _ = CALL[name]
    answer = who(method, path.format(ref=reference), data=data,
                 content_type="application/json")
    assert answer.status_code in (400, 422) and answer.is_json, answer.status_code
    refused = answer.get_json()
    assert refused["field"] == "body" and refused["error"].startswith("body: "), refused


@pytest.mark.parametrize("data", NOT_JSON)
def test_an_availability_that_is_not_json_is_refused_naming_the_body(app: Flask,
                                                                     data: str) -> None:
    answer = caller(app)("PUT", "/api/v1/me/availability", data=data,
                         content_type="application/json")
    assert answer.status_code in (400, 422) and answer.get_json()["field"] == "body"


def test_a_body_sent_as_plain_text_is_refused_naming_the_body(app: Flask) -> None:
    reference = waiting(app)
    who = caller(app)
    assert who.do("claim", reference).status_code == 200
    answer = who("POST", f"/api/v1/contacts/{reference}/messages", data='{"text": "Hoi"}',
                 content_type="text/plain")
    assert answer.status_code in (400, 422) and answer.get_json()["field"] == "body"


def test_a_body_that_is_json_still_names_its_fields(app: Flask) -> None:
    reference = waiting(app)
    who = caller(app)
    assert who.do("claim", reference).status_code == 200
    answer = who("POST", f"/api/v1/contacts/{reference}/messages", {})
    assert answer.status_code == 422 and answer.get_json()["field"] == "text"
    assert who("POST", f"/api/v1/contacts/{reference}/messages",
               {"text": "Hoi"}).status_code == 201


def test_a_bad_body_without_a_token_is_still_a_401(app: Flask) -> None:
    reference = waiting(app)
    answer = app.test_client().post(f"/api/v1/contacts/{reference}/messages", data="{bad",
                                    content_type="application/json")
    assert answer.status_code == 401


# --- 401 and 403 in the client's language --------------------------------------------------

DUTCH = {"Accept-Language": "nl"}


def test_a_missing_or_bad_token_is_refused_in_dutch_when_asked(app: Flask) -> None:
    client = app.test_client()
    for headers in ({}, {"Authorization": "Bearer nonsense"}):
        english = client.get("/api/v1/queue/police", headers=headers)
        dutch = client.get("/api/v1/queue/police", headers={**headers, **DUTCH})
        assert english.status_code == dutch.status_code == 401
        assert english.get_json()["error"] == "authorization: a valid API token is needed"
        assert dutch.get_json()["error"] == "authorization: Er is een geldig API-token nodig."
        assert dutch.headers["WWW-Authenticate"] == english.headers["WWW-Authenticate"]


def test_another_role_is_refused_in_dutch_when_asked(app: Flask) -> None:
    who = caller(app, role="manager", desk="police")
    english = who("GET", "/api/v1/queue/police")
    dutch = who("GET", "/api/v1/queue/police", headers=DUTCH)
    assert english.status_code == dutch.status_code == 403
    assert english.get_json()["error"] == "role: this call is not part of your role"
    assert dutch.get_json()["error"] == "role: Deze aanroep hoort niet bij jouw rol."


# --- the API's queues and the web queue ----------------------------------------------------

REFERENCE = re.compile(r"T\d{4}-WS")
QUEUES = ("police", "veterans", "debasis", "pool")


def listed(app: Flask, who: object, queue: str) -> tuple[int, set[str]]:
    answer = who("GET", f"/api/v1/queue/{queue}")  # type: ignore[operator]
    items = answer.get_json().get("items", []) if answer.status_code == 200 else []
    return answer.status_code, {item["reference"] for item in items}


def test_a_police_counsellor_lists_the_both_contacts_waiting_for_the_veterans(
    store_app: Flask,
) -> None:
    both = waiting(store_app, desk="veterans", flags=("both",))
    theirs = waiting(store_app, desk="veterans")  # the veterans' own: not the police's
    handed = waiting(store_app, desk="debasis", flags=("both",))  # De Basis's alone now
    web, user = counsellor(store_app, desk="police")
    page = web.get("/desk").get_data(as_text=True)
    assert both in page and theirs not in page and handed not in page
    who = Caller(store_app, user, api_token(store_app, user))
    status, shown = listed(store_app, who, "veterans")
    assert status == 200 and shown == {both}
    assert theirs not in shown and handed not in shown
    assert listed(store_app, who, "debasis") == (200, set())  # nothing of theirs there


def test_the_api_s_queues_together_list_what_the_web_queue_shows(store_app: Flask) -> None:
    refs = {
        waiting(store_app, desk="police"), waiting(store_app, desk="police", queue="pool"),
        waiting(store_app, desk="veterans", flags=("both",)),
        waiting(store_app, desk="police", queue="veterans"),  # overflow to the veterans
        waiting(store_app, desk="veterans", queue="pool", flags=("both",)),
        waiting(store_app, desk="veterans"), waiting(store_app, desk="debasis"),
        waiting(store_app, desk="debasis", flags=("both",)),
        waiting(store_app, desk="veterans", queue="debasis", flags=("both",)),
        waiting(store_app, desk="veterans", status="closed", flags=("both",)),
    }
    for desk in ("police", "veterans", "debasis"):
        web, user = counsellor(store_app, desk=desk)
        on_page = set(REFERENCE.findall(web.get("/desk").get_data(as_text=True))) & refs
        who = Caller(store_app, user, api_token(store_app, user))
        through_api: set[str] = set()
        for queue in QUEUES:
            status, shown = listed(store_app, who, queue)
            assert status == 200, (desk, queue, status)
            assert not shown & through_api, (desk, queue)  # each contact in one queue
            through_api |= shown
        assert through_api == on_page, desk
    debasis = caller(store_app, desk="debasis")
    assert listed(store_app, debasis, "veterans") == (200, set())  # none flagged for them
