"""The API describes itself: `/api/v1/openapi.json` lists every call, and its bodies are the
very pydantic models that validate the requests (generated, never written by hand)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from jsonschema import Draft202012Validator
from pydantic import BaseModel

from loket.api import schemas

REF = "#/components/schemas/"
# Every call of DESIGN.md's table (but /call, a later issue): path, method, body, answer.
TABLE: list[tuple[str, str, type[BaseModel] | None, str, type[BaseModel]]] = [
    ("/api/v1/queue/{queue}", "get", None, "200", schemas.QueueOut),
    ("/api/v1/contacts/{reference}", "get", None, "200", schemas.ContactOut),
    ("/api/v1/contacts/{reference}/claim", "post", None, "200", schemas.ClaimOut),
    ("/api/v1/contacts/{reference}/release", "post", None, "200", schemas.DoneOut),
    ("/api/v1/contacts/{reference}/call", "post", None, "202", schemas.DoneOut),
    ("/api/v1/contacts/{reference}/messages", "post", schemas.ReplyIn, "201",
     schemas.CreatedOut),
    ("/api/v1/contacts/{reference}/notes", "post", schemas.NoteIn, "201", schemas.CreatedOut),
    ("/api/v1/contacts/{reference}/transfer", "post", schemas.TransferIn, "200",
     schemas.DoneOut),
    ("/api/v1/contacts/{reference}/close", "post", schemas.CloseIn, "200", schemas.DoneOut),
    ("/api/v1/contacts/{reference}/break-glass", "post", schemas.BreakGlassIn, "200",
     schemas.ContactOut),
    ("/api/v1/me/availability", "put", schemas.AvailabilityIn, "200",
     schemas.AvailabilityOut),
]


@pytest.fixture
def document(app: Flask) -> dict[str, Any]:
    """The OpenAPI document as a client fetches it (no token needed to read it)."""
    answer = app.test_client().get("/api/v1/openapi.json")
    assert answer.status_code == 200 and answer.is_json
    doc: dict[str, Any] = answer.get_json()
    return doc


def schema_of(model: type[BaseModel]) -> dict[str, Any]:
    """Return a model's own JSON Schema as it stands in the document's components."""
    schema = model.model_json_schema(ref_template=REF + "{model}")
    schema.pop("$defs", None)
    return schema


def refs(node: Any) -> list[str]:
    """Return every `$ref` in a part of the document."""
    if isinstance(node, dict):
        return [v for k, v in node.items() if k == "$ref"] + [
            r for v in node.values() for r in refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in refs(v)]
    return []


def test_it_lists_every_call_and_nothing_else(document: dict[str, Any], app: Flask) -> None:
    assert document["openapi"].startswith("3.")
    listed = {(path, method) for path, ops in document["paths"].items() for method in ops}
    assert listed == {(path, method) for path, method, *_ in TABLE}
    routed = {
        (rule.rule.replace("<", "{").replace(">", "}"), method.lower())
        for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api_v1.")
        for method in rule.methods or () if method not in ("HEAD", "OPTIONS")
    }
    assert routed - listed == {("/api/v1/openapi.json", "get")}


@pytest.mark.parametrize(("path", "method", "body", "status", "answer"), TABLE)
def test_its_bodies_are_the_models_that_validate_them(
    document: dict[str, Any], path: str, method: str, body: type[BaseModel] | None,
    status: str, answer: type[BaseModel],
) -> None:
    components = document["components"]["schemas"]
    operation = document["paths"][path][method]
    if body is None:
        assert "requestBody" not in operation
    else:
        content = operation["requestBody"]["content"]["application/json"]["schema"]
        assert components[content["$ref"].removeprefix(REF)] == schema_of(body)
    shown = operation["responses"][status]["content"]["application/json"]["schema"]
    assert components[shown["$ref"].removeprefix(REF)] == schema_of(answer)
    refused = operation["responses"]["401"]["content"]["application/json"]["schema"]
    assert components[refused["$ref"].removeprefix(REF)] == schema_of(schemas.ErrorOut)


def test_it_is_a_well_formed_document(document: dict[str, Any]) -> None:
    components = document["components"]["schemas"]
    for schema in components.values():
        Draft202012Validator.check_schema(schema)
    for ref in refs(document):
        assert ref.removeprefix(REF) in components, ref
    assert document["components"]["securitySchemes"]["bearer"] == {
        "type": "http", "scheme": "bearer"}
    assert document["security"] == [{"bearer": []}]
    operation_ids = [op["operationId"] for ops in document["paths"].values()
                     for op in ops.values()]
    assert len(operation_ids) == len(set(operation_ids))
