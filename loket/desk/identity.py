"""Who is asking: a staff member's server-side login session (Flask-Login) or API token."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Wire Flask-Login to the server-side login sessions and the API tokens."""
