"""The JSON API under /api/v1/: bearer tokens, the same rights as the pages, OpenAPI."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the API's blueprint."""
    from loket.api import v1

    app.register_blueprint(v1.bp)
