"""What every page shares, public and staff: the layout's language, texts and 112/113 block,
the language chosen with `?lang=` kept in the `loket_lang` cookie, and the refusal of what
no database column can hold (ids beyond its integers, NUL characters)."""

from __future__ import annotations

from typing import Any

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter, Map

from loket.channels.web_texts import layout_context, remember_language

# The largest id both databases store (PostgreSQL's integer); a larger one names nothing.
MAX_ID = 2**31 - 1


def message_number(value: str | None) -> int | None:
    """Return a posted or queried message number (absent: 0), or None when it is not one
    (not digits, or beyond the ids a row can have)."""
    if value is None or value == "":
        return 0
    if not (value.isascii() and value.isdigit()) or len(value) > len(str(MAX_ID)):
        return None
    number = int(value)
    return number if number <= MAX_ID else None


class DatabaseId(IntegerConverter):
    """`<int:…>` in a route: a number no row can have does not match (404), rather than
    reach the database and fail there."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def refuse_nul() -> None:
    """Refuse a NUL character in the path (404: no reference or page has one), the query or a
    posted field (400): PostgreSQL stores no NUL in text, and a browser sends none.

    The signed Twilio webhooks are left to their signature check and handlers."""
    if "\x00" in request.path:
        abort(404)
    if b"%00" in request.query_string or b"\x00" in request.query_string:
        abort(400)
    if request.method == "POST" and not request.path.startswith("/twilio/") and request.form:
        for values in request.form.listvalues():
            if any("\x00" in value for value in values):
                abort(400)


def init_app(app: Flask) -> None:
    """Bound route ids, refuse NUL characters, give every template the layout's context and
    remember a chosen language. Runs before any blueprint is registered."""
    app.url_map.converters["int"] = DatabaseId
    app.before_request(refuse_nul)
    app.context_processor(layout_context)
    app.after_request(remember_language)
