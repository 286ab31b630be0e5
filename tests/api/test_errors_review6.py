"""Review: an error no call of the API refused itself (a path or a method it does not have, a
body over the size limit) was answered with the public pages' text: in Dutch to a client
that asked for no language (the API's own refusals are English then), telling it to chat on
the home page, naming no field. It is now said as the API says every refusal: in the
client's language, `field` naming what is at fault, still JSON with `ok` and `status`."""

from __future__ import annotations

from flask import Flask

from tests.api.calls import caller
from tests.desk.test_workspace import waiting

DUTCH = {"Accept-Language": "nl"}


def test_a_path_the_api_does_not_have_is_named(app: Flask) -> None:
    who = caller(app)
    english = who("GET", "/api/v1/contact/T0001-WS")
    assert english.status_code == 404 and english.is_json
    assert english.get_json() == {
        "ok": False, "status": 404, "field": "path",
        "error": "path: no such call in this API (see /api/v1/openapi.json)"}
    dutch = who("GET", "/api/v1/contact/T0001-WS", headers=DUTCH)
    assert dutch.get_json()["error"] == (
        "path: Deze aanroep bestaat niet in deze API (zie /api/v1/openapi.json).")
    # Without a token the same: the path is not there for anyone.
    assert app.test_client().get("/api/v2/queue").get_json()["field"] == "path"


def test_a_method_a_call_does_not_take_is_named_with_those_it_does(app: Flask) -> None:
    who = caller(app)
    path = f"/api/v1/contacts/{waiting(app)}"
    english = who("DELETE", path)
    assert english.status_code == 405 and english.is_json
    assert "GET" in english.headers["Allow"]  # what it does take, as before
    assert english.get_json()["field"] == "method"
    assert english.get_json()["error"].startswith("method: DELETE is not a method of this call")
    dutch = who("DELETE", path, headers=DUTCH)
    assert dutch.get_json()["error"].startswith("method: DELETE kan niet bij deze aanroep")


def test_a_body_over_the_limit_is_named_in_the_client_s_language(app: Flask) -> None:
    who = caller(app)
    path = f"/api/v1/contacts/{waiting(app)}/notes"
    too_large = {"text": "x" * (300 * 1024)}
    english = who("POST", path, too_large)
    assert english.status_code == 413
    assert english.get_json()["field"] == "body"
    assert english.get_json()["error"] == "body: too large: send at most 262144 bytes"
    dutch = who("POST", path, too_large, headers=DUTCH)
    assert dutch.get_json()["error"] == "body: Te groot: stuur hoogstens 262144 bytes."


def test_pages_outside_the_api_keep_their_own_answers(app: Flask) -> None:
    client = app.test_client()
    page = client.get("/bestaat-niet")
    assert page.status_code == 404 and page.mimetype == "text/html"
    health = client.post("/healthz")
    assert health.status_code == 405 and health.get_json()["ok"] is False
    assert "field" not in health.get_json()
