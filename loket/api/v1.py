"""The workspace's calls as JSON (DESIGN.md "The command line and the API")."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api_v1", __name__, url_prefix="/api/v1")
