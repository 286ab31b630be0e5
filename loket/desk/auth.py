"""Logging in: password, then the TOTP second factor or a recovery code; enrolment; logout."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("desk_auth", __name__, url_prefix="/desk")
