"""The manager's page: the live state of their desk and the pool, nothing personal."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("desk_manager", __name__, url_prefix="/desk")
