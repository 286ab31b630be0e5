"""Support on a contact: asking the desk for help, and flags on a person with their approval.

A counsellor asks for help or proposes a flag from a contact's page; colleagues see open
help requests at the top of their queue (it refreshes with the poll) and the manager on
their page, with flags waiting for approval. Every step is audited.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue

from loket.channels.common import writing
from loket.desk.identity import current_staff, staff_required
from loket.desk.workspace import (
    FormOrigin,
    answer_unsent_forms,
    locked_or_404,
    me,
    refused_text,
    source,
    visible_or_404,
)
from loket.domain import support
from loket.domain.refusals import Refused
from loket.store.models import User

bp = Blueprint("desk_support", __name__, url_prefix="/desk")


def form_origin() -> FormOrigin:
    """Return where a support form that did nothing (its page open over an hour, or the
    database not answering) leads back to, a flag's reason to show back: the contact's page
    for one sent from there, else the manager's page or the queue."""
    reference = (request.view_args or {}).get("reference")
    if reference is None:
        return FormOrigin(back())
    flag = request.endpoint == f"{bp.name}.set_flag"
    return FormOrigin(url_for("desk_workspace.contact_page", reference=reference),
                      "reason" if flag else "", "unsent_reason")


answer_unsent_forms(bp, form_origin)


@bp.post("/contacts/<reference>/help")
@staff_required("counsellor")
def ask_help(reference: str) -> ResponseReturnValue:
    """Ask the desk's manager and colleagues for support on this contact."""
    seen = visible_or_404(reference)
    try:
        with writing() as session:
            contact = locked_or_404(session, me(), seen)
            asked = support.ask_help(session=session, user=me(), contact=contact,
                                     source=source())
    except Refused as exc:
        flash(refused_text(exc), "error")
        return redirect(url_for("desk_workspace.contact_page", reference=reference), 303)
    flash("s_done_help" if asked else "s_done_help_open", "notice")
    return redirect(url_for("desk_workspace.contact_page", reference=reference), 303)


@bp.post("/contacts/<reference>/flag")
@staff_required("counsellor")
def set_flag(reference: str) -> ResponseReturnValue:
    """Propose a flag on the person behind this contact (a colleague approves it)."""
    seen = visible_or_404(reference)
    days = current_app.config["LOKET"].person_flag_days
    try:
        with writing() as session:
            contact = locked_or_404(session, me(), seen)
            support.set_flag(session=session, user=me(), contact=contact,
                             flag=request.form.get("flag", ""),
                             reason=request.form.get("reason", ""), days=days, source=source())
    except Refused as exc:
        flash(refused_text(exc), "error")
    else:
        flash("s_done_flag", "notice")
    return redirect(url_for("desk_workspace.contact_page", reference=reference), 303)


@bp.post("/flags/<int:flag_id>/approve")
@staff_required("counsellor", "manager")
def approve_flag(flag_id: int) -> ResponseReturnValue:
    """Approve a colleague's flag on a person (never one's own)."""
    with writing() as session:
        done = support.approve_flag(session=session, approver=staff(), flag_id=flag_id,
                                    source=source())
        # Asked in the unit of work, which sees a colleague's commit of a moment before
        # (on SQLite the request's reading session may still see the database as it was).
        already = not done and support.approved_already(session=session, approver=staff(),
                                                        flag_id=flag_id)
    if not done:
        # A colleague approved it a moment before: say so; for anyone else it is not there.
        if not already:
            abort(404)
        flash("s_done_approved_already", "notice")
        return redirect(back(), 303)
    flash("s_done_approved", "notice")
    return redirect(back(), 303)


@bp.post("/help/<int:help_id>/resolve")
@staff_required("counsellor", "manager")
def resolve_help(help_id: int) -> ResponseReturnValue:
    """Mark a colleague's help request as answered."""
    with writing() as session:
        done = support.resolve_help(session=session, user=staff(), help_id=help_id,
                                    source=source())
        already = not done and support.answered_already(session=session, user=staff(),
                                                        help_id=help_id)  # as above
    if not done:
        # A colleague answered it a moment before: say so; for anyone else it is not there.
        if not already:
            abort(404)
        flash("s_done_resolved_already", "notice")
        return redirect(back(), 303)
    flash("s_done_resolved", "notice")
    return redirect(back(), 303)


def staff() -> User:
    """Return the logged-in counsellor or manager."""
    user = current_staff()
    assert user is not None  # noqa: S101 - staff_required ran first
    return user


def back() -> str:
    """Return the page to go back to: the manager's or the queue (also for a form whose
    token expired, sent by whoever is logged in, if anyone)."""
    user = current_staff()
    manager = user is not None and user.role == "manager"
    return url_for("desk_manager.overview" if manager else "desk_workspace.queue")
