"""The API's validation and self-description, both from `loket.api.schemas` (spectree).

`SPEC.validate(json=..., resp=...)` on a view checks its body against the pydantic model and
declares its answers; `SPEC.spec` is the OpenAPI document generated from the same models and
the blueprint's routes (`strict`: only the validated views). spectree's own document and UI
routes are not registered: `v1.openapi_document` serves the document at
`/api/v1/openapi.json`, and the UI pages would load scripts from elsewhere (the CSP forbids
it). The document depends on the code only (the blueprint's routes and the models), so
spectree's generating it once per process, on first request, is what any app would get. A
bad body is answered `{"error": "<field>: <what is wrong>", "field": "<field>"}` in the
client's language (pydantic's English, or `loket.api.language.PROBLEMS` when it asks for
Dutch); the logs get the field names only, never what was sent.

What spectree cannot declare, `Spec.spec` adds to the document it generates, from what the
calls declare: a call that may answer 304 reads `If-None-Match` and tags its answers with an
`ETag`; an answer carrying a contact (a page of its conversation) may carry `Link:
rel="next"`; a call naming nothing in its path (no contact, no queue) has no 404.
"""

from __future__ import annotations

import copy
from typing import Any

import structlog
from flask import jsonify
from pydantic import ValidationError
from spectree import Response, SecurityScheme, SecuritySchemeData, SpecTree
from spectree.models import SecureType

from loket.api import schemas
from loket.api.language import problem, say
from loket.api.schemas import ErrorOut

log = structlog.get_logger(__name__)
BAD_BODY = 422
BEARER = "bearer"


def field_of(location: Any) -> str:
    """Return a pydantic error's location as a field name (`body` for the whole body)."""
    return ".".join(str(part) for part in location) or "body"


def bad_body(req: Any, resp: Any, error: Exception | None, instance: Any,
             adapter: Any) -> None:
    """Turn spectree's answer to a bad body into `{"error", "field"}`, logged without values."""
    if error is None or resp is None:
        return
    problems = (error.errors(include_url=False) if isinstance(error, ValidationError)
                else adapter.validation_errors(error))
    if not_json(req, error):  # validated as `{}`, it would name a field: the body is wrong
        problems = [{"loc": (), "type": "not_json"}]
    first = problems[0] if problems else {"loc": (), "type": "not_json"}
    field = field_of(first.get("loc", ()))
    log.info("api.bad_body", endpoint=req.endpoint,
             fields=[field_of(p.get("loc", ())) for p in problems])
    reason = say("not_json") if first.get("type") == "not_json" else problem(first)
    resp.set_data(jsonify(error=f"{field}: {reason}", field=field).get_data())
    resp.mimetype = "application/json"


def not_json(req: Any, error: Exception) -> bool:
    """Tell whether a call taking a JSON body was sent none that is JSON (malformed, empty,
    `null`, or of another content type), which spectree validates as `{}`."""
    model = getattr(schemas, str(getattr(error, "title", "")), None)
    if not (isinstance(model, type) and issubclass(model, schemas.Body)):
        return False  # not the body's model that refused (a header's, a query's)
    return req.get_json(silent=True) is None


def bad_answer(req: Any, resp: Any, error: Exception | None, instance: Any,
               adapter: Any) -> None:
    """Log (field names only) an answer that broke its own model: a bug, answered 500."""
    if error is not None:
        fields = [field_of(p.get("loc", ())) for p in adapter.validation_errors(error)]
        log.error("api.bad_answer", endpoint=req.endpoint, fields=fields)


ETAG: dict[str, Any] = {
    "description": "this answer's tag: sent back in `If-None-Match`, it gets 304 while "
                   "nothing changed",
    "schema": {"type": "string"}}
IF_NONE_MATCH: dict[str, Any] = {
    "name": "If-None-Match", "in": "header", "required": False,
    "description": "the `ETag` of the answer the client has: 304, with no body, while it is "
                   "still the answer",
    "schema": {"type": "string"}}
LINK: dict[str, Any] = {
    "description": 'while more of the conversation follows: `<URL>; rel="next"` (RFC 8288), '
                   "the next page (`?after=` the last message id of this one)",
    "schema": {"type": "string"}}
CONTACT_REF = "#/components/schemas/" + schemas.ContactOut.__name__


class Spec(SpecTree):
    """spectree's document, with the headers and statuses it cannot declare (see above)."""

    @property
    def spec(self) -> dict[str, Any]:
        """Return the OpenAPI document (spectree's, generated once, completed here)."""
        return described(copy.deepcopy(super().spec))


def described(document: dict[str, Any]) -> dict[str, Any]:
    """Complete each call of the document with what spectree cannot declare."""
    for path, calls in document["paths"].items():
        for operation in calls.values():
            responses: dict[str, Any] = operation["responses"]
            if "{" not in path:  # a 404 names the contact or queue that is not there
                responses.pop("404", None)
            if "304" in responses:
                operation["parameters"].append(IF_NONE_MATCH)
                for status in ("200", "304"):
                    responses[status].setdefault("headers", {})["ETag"] = ETAG
            for answer in responses.values():
                schema = answer.get("content", {}).get("application/json", {}).get("schema")
                if schema == {"$ref": CONTACT_REF}:
                    answer.setdefault("headers", {})["Link"] = LINK
    return document


SPEC = Spec(
    "flask",
    title="Loket API",
    description="The counsellors' workspace as JSON: the same rights as the pages, every "
    "call on a contact audited. Authorization: Bearer TOKEN (`loket token create`).",
    version="1",
    mode="strict",
    annotations=False,
    page_templates={},
    security_schemes=[SecurityScheme(
        name=BEARER, data=SecuritySchemeData(type=SecureType.HTTP, scheme="bearer"))],
    security={BEARER: []},
    before=bad_body,
    after=bad_answer,
    validation_error_status=BAD_BODY,
    validation_error_model=ErrorOut,
    naming_strategy=lambda model: model.__name__,
    nested_naming_strategy=lambda _parent, child: child,
)


def answers(status: int = 200, model: type | None = None, **more: type | None) -> Response:
    """Declare a call's answers: its own, and the refusals every contact call may give."""
    codes: dict[str, type | None] = {
        "HTTP_401": ErrorOut, "HTTP_403": ErrorOut, "HTTP_404": ErrorOut,
        f"HTTP_{status}": model,
    }
    codes.update(more)
    return Response(**codes)
