"""Support on a contact: asking the desk for help, and flags on a person with their approval."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("desk_support", __name__, url_prefix="/desk")
