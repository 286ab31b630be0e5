"""The manager's page: the live state of their desk and the pool, nothing personal."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from loket.channels.common import writing
from loket.desk.identity import current_staff, staff_required
from loket.domain import break_glass, desk_state, support
from loket.store.db import get_session
from loket.store.models import User

bp = Blueprint("desk_manager", __name__, url_prefix="/desk")


@bp.get("/manager")
@staff_required("manager")
def overview() -> ResponseReturnValue:
    """Show waiting, longest wait, crisis waiting, counsellors and today's overflow."""
    user = manager()
    desks = [user.desk] if user.desk else ["police", "veterans", "debasis"]
    session = get_session()
    states = [desk_state.live(session=session, desk=desk) for desk in desks]
    reviews = break_glass.to_review(session=session, desk=user.desk)
    return render_template(
        "desk/manager.html", states=states, reviews=reviews,
        helps=support.open_help(session=session, desk=user.desk),
        waiting_flags=support.flags_waiting(session=session, desk=user.desk),
    )


@bp.post("/manager/break-glass/<int:grant_id>/reviewed")
@staff_required("manager")
def reviewed(grant_id: int) -> ResponseReturnValue:
    """Mark one emergency access to this manager's desk as reviewed."""
    with writing() as session:
        done = break_glass.review(session=session, manager=manager(), grant_id=grant_id,
                                  source=(request.remote_addr or "")[:64])
    if not done:
        abort(404)
    flash("done_reviewed", "notice")
    return redirect(url_for(".overview"), 303)


def manager() -> User:
    """Return the logged-in manager (the decorator made sure there is one)."""
    user = current_staff()
    assert user is not None  # noqa: S101 - staff_required ran first
    return user
