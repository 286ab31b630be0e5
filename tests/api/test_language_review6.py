"""Review: every refusal of the API follows `Accept-Language`, not only the domain's own. A
client asking for Dutch read a body the models refused, a bad query, an unknown contact or
queue and a reused `Idempotency-Key` in English (pydantic's words); it now reads them in
Dutch, with the same field named. Without the header the API's English is unchanged."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.api.calls import caller
from tests.desk.test_workspace import waiting

DUTCH = {"Accept-Language": "nl-NL,nl;q=0.9"}
KEY = "Idempotency-Key"

# (method, path with {ref}, body, extra headers, the field named, the Dutch reason)
REFUSED: list[tuple[str, str, Any, dict[str, str], str, str]] = [
    ("POST", "/api/v1/contacts/{ref}/messages", {"text": 5}, {}, "text",
     "text: Dit moet tekst zijn."),
    ("POST", "/api/v1/contacts/{ref}/notes", {}, {}, "text",
     "text: Dit veld is verplicht."),
    ("POST", "/api/v1/contacts/{ref}/notes", {"text": "Hoi", "tekst": "Hoi"}, {}, "tekst",
     "tekst: Dit veld kent deze aanroep niet."),
    ("POST", "/api/v1/contacts/{ref}/transfer", {"desk": "marine", "note": "Graag"}, {},
     "desk", "desk: Kies uit 'police', 'veterans' of 'debasis'."),
    ("POST", "/api/v1/contacts/{ref}/close", {"outcome": "helped", "categories": "stress"},
     {}, "categories", "categories: Dit moet een lijst zijn."),
    ("POST", "/api/v1/contacts/{ref}/close", {"outcome": "helped", "seen": -1}, {}, "seen",
     "seen: Dit moet minstens 0 zijn."),
    ("POST", "/api/v1/contacts/{ref}/break-glass", {"reason": "kort"}, {}, "reason",
     "reason: Dit moet minstens 10 tekens lang zijn."),
    ("POST", "/api/v1/contacts/{ref}/messages", ["Hoi"], {}, "body",
     "body: Stuur een JSON-object."),
    ("POST", "/api/v1/contacts/{ref}/messages", None, {}, "body",
     "body: Stuur een JSON-object (Content-Type: application/json)."),
    ("POST", "/api/v1/contacts/{ref}/claim", None, {KEY: "met spatie"}, KEY,
     f"{KEY}: Dit heeft niet de vorm ^[!-~]+$."),
    ("POST", "/api/v1/contacts/{ref}/claim", None, {KEY: ""}, KEY,
     f"{KEY}: Dit mag niet leeg zijn."),
    ("POST", "/api/v1/contacts/{ref}/notes", {"text": ""}, {}, "text",
     "text: Dit mag niet leeg zijn."),
    ("PUT", "/api/v1/me/availability", {"status": "weg"}, {}, "status",
     "status: Kies uit 'available', 'busy', 'wrap-up' of 'away'."),
    ("GET", "/api/v1/queue/police?limit=0", None, {}, "limit",
     "limit: Dit moet minstens 1 zijn."),
    ("GET", "/api/v1/queue/police?limit=veel", None, {}, "limit",
     "limit: Dit moet een geheel getal zijn."),
    ("GET", "/api/v1/contacts/{ref}?after=laatste", None, {}, "after",
     "after: Dit moet een geheel getal zijn."),
]


@pytest.mark.parametrize(("method", "path", "body", "headers", "field", "dutch"), REFUSED)
def test_a_refused_request_is_explained_in_dutch_when_asked(
    app: Flask, method: str, path: str, body: Any, headers: dict[str, str], field: str,
    dutch: str,
) -> None:
    who = caller(app)
    url = path.format(ref=waiting(app))
    english = who(method, url, body, headers=headers)
    answer = who(method, url, body, headers={**headers, **DUTCH})
    assert english.status_code == answer.status_code == 422
    assert answer.get_json() == {"error": dutch, "field": field}
    # The English stays what it was: the field, then pydantic's (or our) own words.
    said = english.get_json()
    assert said["field"] == field and said["error"].startswith(f"{field}: ")
    assert said["error"] != dutch


def test_an_unknown_contact_or_queue_is_named_in_dutch_when_asked(app: Flask) -> None:
    who = caller(app)
    contact = who("GET", "/api/v1/contacts/NOPE-999", headers=DUTCH)
    assert contact.status_code == 404
    assert contact.get_json() == {"error": "reference: Er is geen contact met deze referentie.",
                                  "field": "reference"}
    queue = who("GET", "/api/v1/queue/nacht", headers=DUTCH)
    assert queue.status_code == 404
    assert queue.get_json() == {"error": "queue: Deze wachtrij bestaat niet.", "field": "queue"}
    assert who("GET", "/api/v1/queue/nacht").get_json()["error"] == "queue: no such queue"


def test_a_key_used_for_another_body_is_refused_in_dutch_when_asked(app: Flask) -> None:
    who = caller(app)
    path = f"/api/v1/contacts/{waiting(app)}/notes"
    assert who("POST", path, {"text": "Eerste"}, headers={KEY: "k-1"}).status_code == 201
    answer = who("POST", path, {"text": "Tweede"}, headers={KEY: "k-1", **DUTCH})
    assert answer.status_code == 422
    assert answer.get_json() == {
        "error": f"{KEY}: Deze sleutel is al gebruikt voor een andere aanroep of body; "
                 "gebruik een nieuwe sleutel voor een nieuwe aanroep.",
        "field": KEY,
    }
