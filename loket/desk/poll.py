"""The queue's poll: the rows of a counsellor's queue every 2 s, 304 while nothing changed.

Kept apart from the pages: it is the one staff route called many times a second.
"""

from __future__ import annotations

from flask import Blueprint, Response, make_response, render_template, request
from flask.typing import ResponseReturnValue

from loket.desk.identity import current_staff, staff_required
from loket.domain import support, workspace
from loket.store.db import get_session

bp = Blueprint("desk_poll", __name__, url_prefix="/desk")


@bp.get("/queue/rows")
@staff_required("counsellor")
def queue_rows() -> ResponseReturnValue:
    """Return the queue's rows for the page's poll; 304 when nothing changed."""
    user = current_staff()
    assert user is not None  # noqa: S101 - staff_required ran first
    session = get_session()
    items = workspace.queue_for(session=session, user=user)
    helps = support.open_help(session=session, desk=user.desk)
    tag = workspace.fingerprint(items, extra=[f"help:{h.id}" for h in helps])
    if request.if_none_match.contains(tag):
        response = Response(status=304)
    else:
        response = make_response(render_template("desk/_queue_rows.html", items=items,
                                                 helps=helps))
    response.set_etag(tag)
    return response
