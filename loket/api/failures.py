"""The API's answer to an HTTP error no call of it refused itself: a path or a method it does
not have, a body over the size limit, a failure. Said as every refusal of the API is (the
client's language, the API's English unless it asks for Dutch; `field` names what is at
fault), and still `ok` and `status` as `loket.errors` answers every JSON route. Anything
not under `/api/` is answered by `loket.errors`, as before."""

from __future__ import annotations

from flask import Flask, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from loket import errors
from loket.api.language import say

API_PATHS = ("/api", "/api/")
# The statuses answered here (the ones `loket.errors` has words for), with the field named.
FIELDS: dict[int, str | None] = {400: None, 404: "path", 405: "method", 413: "body",
                                 429: None, 500: None, 503: None}


def init_app(app: Flask) -> None:
    """Answer these statuses the API's way under /api/ (a status's handler is found before
    the one for every HTTPException that `loket.errors` registers)."""
    for status in FIELDS:
        app.register_error_handler(status, answer)


def answer(error: HTTPException) -> Response:
    """Answer an error under /api/ as a refusal of the API; elsewhere as `loket.errors` does."""
    if request.path != API_PATHS[0] and not request.path.startswith(API_PATHS[1]):
        return errors.answer_error(error)
    status = error.code or 500
    field = FIELDS.get(status)
    reason = said_for(error, status)
    body = jsonify(ok=False, status=status, error=f"{field}: {reason}" if field else reason,
                   field=field)
    body.status_code = status
    return errors.carry_headers(error, body)


def said_for(error: HTTPException, status: int) -> str:
    """Return why, in the client's language."""
    if isinstance(error, MethodNotAllowed):
        allowed = ", ".join(error.valid_methods or ())
        return say("failed_405", method=request.method, allowed=allowed)
    if status == 413:
        return say("failed_413", limit=current_app.config.get("MAX_CONTENT_LENGTH") or "")
    return say(f"failed_{status}")
