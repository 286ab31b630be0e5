"""Structured logs: one JSON object a line, with request and job ids, no personal data."""

from __future__ import annotations

import logging
import re
import sys
import uuid
from typing import Any, TextIO

import structlog
from flask import Flask, g, request
from structlog.processors import ExceptionRenderer
from structlog.tracebacks import ExceptionDictTransformer

# Keys that must never reach a log line, whatever a caller passes.
FORBIDDEN_KEYS = {"phone", "from", "to", "body", "text", "name", "email", "password", "payload"}
# A request id from the client (a load balancer's) is kept only in this form.
REQUEST_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
# What a database error message may quote of the values it was given.
QUOTED_VALUES = (
    re.compile(r"\[parameters: .*?\](?=\n|\Z)", re.DOTALL),  # SQLAlchemy
    re.compile(r"^DETAIL: .*$", re.MULTILINE),  # PostgreSQL: "Key (x)=(value) already exists"
)

# The stack of a logged exception as JSON: files, lines and functions, never local values.
_exception_as_dict = ExceptionRenderer(ExceptionDictTransformer(show_locals=False))


def _render_exception(logger: Any, method: str, event: dict[str, Any]) -> dict[str, Any]:
    """Turn `exc_info` into a structured stack; drop the values an error message quotes."""
    event = dict(_exception_as_dict(logger, method, event))
    for stack in event.get("exception", ()):
        for quoted in QUOTED_VALUES:
            stack["exc_value"] = quoted.sub("[values not logged]", stack.get("exc_value", ""))
    return event


def _drop_personal(_logger: Any, _method: str, event: dict[str, Any]) -> dict[str, Any]:
    for key in FORBIDDEN_KEYS & set(event):
        event[key] = "[redacted]"
    return event


def _job_id(_logger: Any, _method: str, event: dict[str, Any]) -> dict[str, Any]:
    try:
        from rq import get_current_job

        job = get_current_job()
    except Exception:  # noqa: BLE001 - outside a worker there is no job
        job = None
    if job is not None:
        event.setdefault("job_id", job.id)
    return event


def configure(level: str = "INFO", stream: TextIO | None = None) -> None:
    """Send structlog and standard logging out as JSON lines on stderr (or `stream`)."""
    stream = stream or sys.stderr
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _job_id,
        _drop_personal,
        _render_exception,
    ]
    structlog.configure(
        processors=[*shared, structlog.processors.JSONRenderer()],
        logger_factory=structlog.PrintLoggerFactory(stream),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(stream)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processor=structlog.processors.JSONRenderer(), foreign_pre_chain=shared
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def init_app(app: Flask) -> None:
    """Give every request an id that its log lines and its response carry."""

    @app.before_request
    def _bind_request_id() -> None:
        given = request.headers.get("X-Request-Id", "")
        rid = given if REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        g.request_id = rid
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=rid)

    @app.after_request
    def _tag_response(response: Any) -> Any:
        response.headers["X-Request-Id"] = g.get("request_id", "")
        return response
