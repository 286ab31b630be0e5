"""The JSON API under /api/v1/: bearer tokens, the same rights as the pages, OpenAPI."""

from __future__ import annotations

from flask import Flask

from loket.security import csrf


def init_app(app: Flask) -> None:
    """Register the API's blueprint (it takes bearer tokens, never cookies, so no CSRF) and
    its answers to errors no call refused itself."""
    from loket.api import failures, v1

    app.register_blueprint(v1.bp)
    csrf(app).exempt(v1.bp)
    failures.init_app(app)
