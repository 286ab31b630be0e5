"""A contact's audit trail ("who viewed this"), for the admin and the desk's manager.

The admin reads any contact's trail, a manager their desk's (`access.can(user, "trail", contact)`);
for anyone else a contact is a 404, the same as none at all; a counsellor's role has no
such page (403). Reading a trail is itself a line in it. The page shows who did what, when
and from where: never a message, a name or a number of the person.
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlmodel import select

from loket.channels.common import writing
from loket.desk import texts
from loket.desk.identity import current_staff, staff_required
from loket.desk.trail_words import detail_text
from loket.domain import access, audit, audit_chain, erasure
from loket.i18n import request_language
from loket.store.db import get_session
from loket.store.models import Contact, User

bp = Blueprint("desk_trail", __name__, url_prefix="/desk")
MAX_REFERENCE = 16
PER_PAGE = 100  # lines a page: a long case's trail (every view is a line) stays readable


@bp.get("/trail")
@staff_required("admin", "manager")
def lookup() -> ResponseReturnValue:
    """Ask for a contact's reference; with one, go to its trail."""
    reference = erasure.as_reference(request.args.get("reference", ""))[:MAX_REFERENCE]
    if reference:
        return redirect(url_for(".trail", reference=reference), 303)
    return render_template("desk/trail.html", reference=None, lines=None)


@bp.get("/contacts/<reference>/trail")
@staff_required("admin", "manager")
def trail(reference: str) -> ResponseReturnValue:
    """Show one contact's trail, oldest first, a page of lines at a time (`?page=N`; a
    number past either end is the nearest page), and log that it was shown. A reference
    written otherwise than stored (lower case, spaces) goes to the stored one's page, as
    `loket audit` and `loket erase` read it (`erasure.as_reference`)."""
    stored = erasure.as_reference(reference)
    if not stored:
        abort(404)
    if stored != reference:
        return redirect(url_for(".trail", reference=stored, page=request.args.get("page"),
                                lang=request.args.get("lang")), 303)
    user = viewer()
    session = get_session()
    contact = session.exec(select(Contact).where(Contact.reference == reference)).first()
    if not access.can(user, "trail", contact):
        abort(404)
    # The count, then only the page's lines (a long case has thousands: every view is one).
    total = audit_chain.trail_size(session, reference)
    if contact is None and not total:
        abort(404)
    pages = max((total + PER_PAGE - 1) // PER_PAGE, 1)
    page = min(max(page_asked(), 1), pages)
    start = (page - 1) * PER_PAGE
    # No more than were counted: a line written meanwhile waits for the next view.
    lines = audit_chain.trail(session, reference, offset=start,
                              limit=min(PER_PAGE, total - start))
    with writing() as writer:
        audit.record(session=writer, event="trail", contact=contact, user_id=user.id,
                     actor="user", detail="" if contact else f"trail of {reference} (erased)",
                     source=(request.remote_addr or "")[:64])
    lang = request_language()
    return render_template(
        "desk/trail.html", reference=reference, lines=lines,
        page=page, pages=pages, total=total, first=start + 1,
        event_name=lambda event: label("t_event_", event, lang),
        actor_name=lambda actor: label("t_actor_", actor, lang),
        detail_words=lambda detail: detail_text(detail, lang),
    )


def page_asked() -> int:
    """Return the page number asked for; 1 when none or not a number."""
    asked = request.args.get("page", "")
    return int(asked) if asked.isascii() and asked.isdigit() and len(asked) < 7 else 1


def label(prefix: str, value: str, lang: str) -> str:
    """Return a known event's or actor's name in the reader's language, else the value."""
    key = prefix + value
    return texts.text(key, lang) if key in texts.catalog() else value


def viewer() -> User:
    """Return the logged-in admin or manager (the decorator made sure there is one)."""
    user = current_staff()
    assert user is not None  # noqa: S101 - staff_required ran first
    return user
