"""The manager's page: the live state of their desk and the pool, nothing personal."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from loket.desk.identity import current_staff, staff_required
from loket.domain import desk_state
from loket.store.db import get_session

bp = Blueprint("desk_manager", __name__, url_prefix="/desk")


@bp.get("/manager")
@staff_required("manager")
def overview() -> ResponseReturnValue:
    """Show waiting, longest wait, crisis waiting, counsellors and today's overflow."""
    user = current_staff()
    assert user is not None  # noqa: S101 - staff_required ran first
    desks = [user.desk] if user.desk else ["police", "veterans", "debasis"]
    states = [desk_state.live(session=get_session(), desk=desk) for desk in desks]
    return render_template("desk/manager.html", states=states)
