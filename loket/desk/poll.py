"""The queue's poll: the rows of a counsellor's queue every 2 s, 304 while nothing changed.

Kept apart from the pages: it is the one staff route called many times a second.
"""

from __future__ import annotations

from flask import Blueprint, Response, make_response, render_template, request
from flask.typing import ResponseReturnValue

from loket.desk.identity import current_staff, staff_required
from loket.domain import workspace
from loket.store.db import get_session

bp = Blueprint("desk_poll", __name__, url_prefix="/desk")


@bp.get("/queue/rows")
@staff_required("counsellor")
def queue_rows() -> ResponseReturnValue:
    """Return the queue's rows for the page's poll; 304 when nothing changed."""
    user = current_staff()
    assert user is not None  # noqa: S101 - staff_required ran first
    items = workspace.queue_for(session=get_session(), user=user)
    tag = workspace.fingerprint(items)
    if request.if_none_match.contains(tag):
        response = Response(status=304)
    else:
        response = make_response(render_template("desk/_queue_rows.html", items=items))
    response.set_etag(tag)
    return response
