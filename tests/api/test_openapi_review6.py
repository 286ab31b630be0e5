"""Review: the API's document said less than the API does. The fields a contact is described
by (`channel`, `priority`, `status`, `desk`, `queue`, `flags`) were bare strings; ETag,
If-None-Match and `Link` were in prose only; PUT /me/availability listed a 404 it never
answers. The enums are now the code's own values, the headers are declared where they are
used, and every status the document lists is one the call answers (each is provoked here).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from jsonschema import Draft202012Validator
from sqlmodel import col, select

from loket import rules_runtime
from loket.domain import contacts as contact_domain
from loket.intake import ContactIn, open_contact, route_contact
from loket.routing import values
from loket.store.db import session_scope
from loket.store.models import Contact
from tests.api.calls import CALL, Caller, caller
from tests.api.test_api_review import written_in
from tests.desk.helpers import api_token
from tests.desk.test_workspace import engine_of, waiting
from tests.queue.test_callbacks import (
    DESK_NUMBER,
    callback_for,
    counsellor_with_phone,
    make_due_now,
)

DOCUMENT = "/api/v1/openapi.json"
REF = "#/components/schemas/"
CONTACT_FIELDS = ("channel", "desk", "queue", "priority", "status", "flags")
# The headers the document may declare on an answer, as HTTP spells them.
DECLARED = ("ETag", "Link")


def document_of(app: Flask) -> dict[str, Any]:
    answer = app.test_client().get(DOCUMENT)
    assert answer.status_code == 200
    found: dict[str, Any] = answer.get_json()
    return found


def enum_of(document: dict[str, Any], model: str, field: str) -> list[Any]:
    """Return the values the document allows for a field (of a list: of its items)."""
    schema = document["components"]["schemas"][model]["properties"][field]
    schema = schema.get("items", schema)
    allowed = [v for option in schema.get("anyOf", [schema]) for v in option.get("enum", [])]
    assert allowed, (model, field)
    return allowed


def conforms(document: dict[str, Any], answer: Any, path: str, method: str) -> None:
    """Check an answer's body against what the document declares for its status."""
    declared = document["paths"][path][method]["responses"][str(answer.status_code)]
    schema = declared.get("content", {}).get("application/json", {}).get("schema")
    if schema is not None:
        Draft202012Validator({**schema, "components": document["components"]}).validate(
            answer.get_json())


# --- 1. the enums are the code's values, and hold every value the API answers -------------


def test_the_contact_fields_list_the_code_s_own_values(app: Flask) -> None:
    document = document_of(app)
    expected = {"channel": values.CHANNELS, "desk": values.DESKS, "queue": values.QUEUES,
                "priority": values.PRIORITIES, "flags": values.FLAGS,
                "status": tuple(contact_domain.STATUS_RANK)}
    for field, allowed in expected.items():
        assert enum_of(document, "ContactOut", field) == list(allowed), field
    for field in ("channel", "priority", "flags"):
        assert enum_of(document, "QueueItemOut", field) == list(expected[field]), field
    assert enum_of(document, "QueueOut", "queue") == list(values.QUEUES)
    assert enum_of(document, "TransferIn", "desk") == list(values.DESKS)


def routed(app: Flask, **given: Any) -> str:
    """Let a contact in through the intake and the routing rules; return its reference."""
    with app.app_context(), session_scope(engine_of(app)) as session:
        contact = open_contact(session, ContactIn(**given))
        route_contact(session, contact, rules_runtime.decide)
        return contact.reference


def test_every_value_the_api_answers_is_in_the_document_s_enum(store_app: Flask) -> None:
    app = store_app
    kinds: list[dict[str, Any]] = [
        {"channel": channel} for channel in values.CHANNELS]
    kinds += [
        {"channel": "sms", "risk": "acute"},
        {"channel": "webform", "organisation": "both"},
        {"channel": "webform", "organisation": "defence", "need": "peer_support"},
        {"channel": "webchat", "anonymous": True, "relation": "family"},
        {"channel": "webform", "organisation": "police", "preference": "callback"},
        {"channel": "phone", "organisation": "police", "risk": "concern"},
    ]
    references = [routed(app, **kind) for kind in kinds]
    counsellors = {desk: caller(app, desk=desk) for desk in values.DESKS}
    # Claimed and closed too: every status the API can show.
    with session_scope(engine_of(app)) as session:
        desk_of = {c.reference: c.desk for c in session.exec(
            select(Contact).where(col(Contact.reference).in_(references)))}
    first, second = references[1], references[4]  # a text, and a web form
    assert counsellors[desk_of[first]].do("claim", first).status_code == 200
    holder = counsellors[desk_of[second]]
    assert holder.do("claim", second).status_code == 200
    assert holder.do("close", second).status_code == 200

    document = document_of(app)
    seen: dict[str, set[Any]] = {field: set() for field in CONTACT_FIELDS}
    for desk, who in counsellors.items():
        for queue in values.QUEUES:
            listed = who("GET", f"/api/v1/queue/{queue}")
            assert listed.status_code == 200
            conforms(document, listed, "/api/v1/queue/{queue}", "get")
            for item in listed.get_json()["items"]:
                for field in ("channel", "priority"):
                    assert item[field] in enum_of(document, "QueueItemOut", field) + [None]
                assert set(item["flags"]) <= set(enum_of(document, "QueueItemOut", "flags"))
        for reference in references:
            if desk_of[reference] != desk:
                continue
            read = who.do("read", reference)
            assert read.status_code == 200, reference
            conforms(document, read, "/api/v1/contacts/{reference}", "get")
            shown = read.get_json()
            for field in CONTACT_FIELDS:
                got = shown[field] if field == "flags" else [shown[field]]
                allowed = enum_of(document, "ContactOut", field)
                assert set(got) - {None} <= set(allowed), (field, got)
                seen[field] |= set(got)
    # The contacts were not all alike: the check saw what it checks.
    assert len(seen["channel"]) == len(values.CHANNELS)
    assert {"in_progress", "closed", "callback"} <= seen["status"]
    assert {"crisis", "both", "anonymous"} <= seen["flags"]
    assert {"urgent", "normal"} <= seen["priority"]


# --- 2. and 3. every status (and header) a call lists is one it answers --------------------

FORM = {"data": "text=x", "content_type": "application/x-www-form-urlencoded"}
BAD_KEY = {"headers": {"Idempotency-Key": "twee woorden"}}
# The call each operation is, as `tests.api.calls` names it (its path and good body).
NAMED = {"read_contact": "read", "claim": "claim", "call": "call", "release": "release",
         "reply": "reply", "add_note": "note", "transfer": "transfer", "close": "close",
         "break_glass": "break_glass"}


class World:
    """An app where a police counsellor (with a phone, so a callback can ring them) calls."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        _client, user = counsellor_with_phone(app)
        self.who = Caller(app, user, api_token(app, user))

    def held(self, **made: Any) -> str:
        """A police contact the caller holds."""
        reference = waiting(self.app, **made)
        assert self.who.do("claim", reference).status_code == 200
        return reference

    def held_by_another(self) -> str:
        reference = waiting(self.app)
        assert caller(self.app).do("claim", reference).status_code == 200
        return reference

    def long(self, reference: str) -> str:
        """Give a contact more messages than one answer shows (its answer has `Link`)."""
        written_in(self.app, reference, 501)
        return reference


def provokers(world: World, operation: str) -> dict[int, Callable[[], Any]]:
    """Return, for an operation, a request answering each status it can answer."""
    app, who = world.app, world.who
    manager = caller(app, role="manager", desk=None)
    nobody = Caller(app, who.user, "")
    if operation == "queue":
        path = "/api/v1/queue/police"

        def unchanged() -> Any:
            waiting(app)
            tag = who("GET", path).headers["ETag"]
            return who("GET", path, headers={"If-None-Match": tag})

        return {200: lambda: who("GET", path), 304: unchanged,
                401: lambda: nobody("GET", path), 403: lambda: manager("GET", path),
                404: lambda: who("GET", "/api/v1/queue/nergens"),
                422: lambda: who("GET", path + "?limit=0")}
    if operation == "set_availability":
        path, good = "/api/v1/me/availability", {"status": "away"}
        return {200: lambda: who("PUT", path, good), 400: lambda: who("PUT", path, **FORM),
                401: lambda: nobody("PUT", path, good), 403: lambda: manager("PUT", path, good),
                422: lambda: who("PUT", path, {"status": "slapen"})}
    name = NAMED[operation]
    method, template, good = CALL[name]

    def on(reference: str, sender: Caller = who, **kwargs: Any) -> Any:
        return sender(method, template.format(ref=reference), good, **kwargs)

    found: dict[int, Callable[[], Any]] = {
        401: lambda: on(waiting(app), nobody), 403: lambda: on(waiting(app), manager),
        404: lambda: on("ZZZZ99"),
        422: lambda: on(waiting(app), **BAD_KEY) if method == "POST"
        else who("GET", template.format(ref=waiting(app)) + "?after=-1"),
    }
    if good is not None:
        found[400] = lambda: who(method, template.format(ref=waiting(app)), **FORM)
    if name not in ("read", "note", "break_glass"):
        found[409] = lambda: on(world.held_by_another())
    success: dict[str, tuple[int, Callable[[], Any]]] = {
        "read": (200, lambda: on(world.long(waiting(app)))),
        "claim": (200, lambda: on(waiting(app))),
        "call": (202, lambda: on(due_callback(app))),
        "release": (200, lambda: on(world.held())),
        "reply": (201, lambda: on(world.held())),
        "note": (201, lambda: on(waiting(app))),
        "transfer": (200, lambda: on(world.held())),
        "close": (200, lambda: on(world.held())),
        "break_glass": (200, lambda: on(world.long(waiting(app, desk="veterans")))),
    }
    status, provoke = success[name]
    found[status] = provoke
    return found


def due_callback(app: Flask) -> str:
    """A police callback due now: the caller's phone rings first (202)."""
    reference, callback_id = callback_for(app)
    make_due_now(app, callback_id)
    return reference


OPERATIONS = ["queue", "read_contact", "claim", "call", "release", "reply", "add_note",
              "transfer", "close", "break_glass", "set_availability"]


@pytest.mark.parametrize("operation", OPERATIONS)
def test_each_status_and_header_the_document_lists_is_one_the_call_answers(
    rest_app: Callable[..., Flask], operation: str,
) -> None:
    app = rest_app(desk_numbers=f"police={DESK_NUMBER}")
    document = document_of(app)
    located = [(path, method, op) for path, calls in document["paths"].items()
               for method, op in calls.items() if op["operationId"] == operation]
    assert len(located) == 1
    path, method, listed = located[0]
    provoke = provokers(World(app), operation)
    assert sorted(int(status) for status in listed["responses"]) == sorted(provoke)
    for status, request in provoke.items():
        answer = request()
        assert answer.status_code == status, (status, answer.get_json())
        conforms(document, answer, path, method)
        declared = set(listed["responses"][str(status)].get("headers", {}))
        sent = {name for name in DECLARED if name in answer.headers}
        assert sent == declared, (status, sent, declared)
    if any(p["name"] == "If-None-Match" for p in listed["parameters"]):
        assert "304" in listed["responses"]  # it is read where a 304 can come of it


def test_the_poll_s_headers_are_declared_as_headers(app: Flask) -> None:
    queue = document_of(app)["paths"]["/api/v1/queue/{queue}"]["get"]
    asked = {p["name"]: p for p in queue["parameters"] if p["in"] == "header"}
    assert asked["If-None-Match"]["schema"] == {"type": "string"}
    assert asked["If-None-Match"]["required"] is False
    for status in ("200", "304"):
        assert queue["responses"][status]["headers"]["ETag"]["schema"] == {"type": "string"}
    paths = document_of(app)["paths"]
    for path, method in (("/api/v1/contacts/{reference}", "get"),
                         ("/api/v1/contacts/{reference}/break-glass", "post")):
        link = paths[path][method]["responses"]["200"]["headers"]["Link"]
        assert 'rel="next"' in link["description"]
