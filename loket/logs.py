"""Structured logs: one JSON object a line, with request and job ids, no personal data."""

from __future__ import annotations

import logging
import sys
import uuid
from typing import Any

import structlog
from flask import Flask, g, request

# Keys that must never reach a log line, whatever a caller passes.
FORBIDDEN_KEYS = {"phone", "from", "to", "body", "text", "name", "email", "password", "payload"}


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


def configure(level: str = "INFO") -> None:
    """Send structlog and standard logging out as JSON lines on stderr."""
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _job_id,
        _drop_personal,
    ]
    structlog.configure(
        processors=[*shared, structlog.processors.JSONRenderer()],
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
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
        rid = request.headers.get("X-Request-Id", "")[:64] or uuid.uuid4().hex
        g.request_id = rid
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=rid)

    @app.after_request
    def _tag_response(response: Any) -> Any:
        response.headers["X-Request-Id"] = g.get("request_id", "")
        return response
