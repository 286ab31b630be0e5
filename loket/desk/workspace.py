"""The counsellor's queue and a contact's page: claim, release, reply, notes, transfer, close."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("desk_workspace", __name__, url_prefix="/desk")
