"""The manager's page: the live state of their desk and the pool, nothing personal."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlmodel import select

from loket.channels.common import writing
from loket.desk import texts
from loket.desk.identity import current_staff, staff_required
from loket.desk.workspace import FormOrigin, answer_unsent_forms
from loket.domain import break_glass, calls, desk_state, escalation, support
from loket.domain.refusals import Refused
from loket.i18n import request_language
from loket.store.db import get_session
from loket.store.models import Contact, User

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
        waiting_flags=support.flags_waiting(session=session, viewer=user),
        unreachable=[u for desk in desks for u in calls.for_manager(session=session, desk=desk)],
        alarms=escalation.open_banners(session=session),
    )


def form_origin() -> FormOrigin:
    """Return where a button of the manager's page leads back to when it did nothing (its
    page open over an hour, or the database not answering): the page; nothing typed."""
    return FormOrigin(url_for(".overview"))


answer_unsent_forms(bp, form_origin)


@bp.post("/manager/listen/<reference>")
@staff_required("manager")
def listen(reference: str) -> ResponseReturnValue:
    """Listen to a live call whose counsellor asked for help; speak to the counsellor only."""
    user = manager()
    try:
        with writing() as session:
            contact = session.exec(select(Contact).where(Contact.reference == reference)).first()
            # Another desk's contact that nobody asked this desk about (or no more: closed,
            # transferred away) is not there (404), never "exists, but …".
            if contact is None or contact.id is None or (
                    contact.desk != user.desk and not support.help_stands(
                        session=session, contact_id=contact.id, desk=user.desk)):
                abort(404)
            calls.listen_in(session=session, manager=user, contact=contact,
                            source=(request.remote_addr or "")[:64])
    except Refused as exc:
        flash(texts.text(exc.key, request_language(), **exc.values), "error")
        return redirect(url_for(".overview"), 303)
    flash("done_listening", "notice")
    return redirect(url_for(".overview"), 303)


@bp.post("/manager/callbacks/<int:callback_id>/again")
@staff_required("manager")
def callback_again(callback_id: int) -> ResponseReturnValue:
    """Send an unreachable callback back to the desk for one more attempt."""
    return manager_callback_action(callback_id, calls.try_once_more, "done_tried_again")


@bp.post("/manager/callbacks/<int:callback_id>/close")
@staff_required("manager")
def callback_close(callback_id: int) -> ResponseReturnValue:
    """Close an unreachable callback's contact (no contact)."""
    return manager_callback_action(callback_id, calls.close_unreachable,
                                   "done_closed_unreachable")


def manager_callback_action(callback_id: int, action: Any, done: str) -> ResponseReturnValue:
    """Run a manager's action on one of their desk's unreachable callbacks; 404 for any
    other callback."""
    try:
        with writing() as session:
            action(session=session, user=manager(), callback_id=callback_id,
                   source=(request.remote_addr or "")[:64])
    except Refused:
        abort(404)
    flash(done, "notice")
    return redirect(url_for(".overview"), 303)


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
