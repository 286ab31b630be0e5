"""The admin's page: add, disable, reset second factor, change desk and role; all audited."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("desk_admin", __name__, url_prefix="/desk")
