"""The admin's page: add, disable, reset second factor, set a temporary password, change desk
and role, see and revoke API tokens; all audited.

An admin manages users, not cases: nothing here shows a contact. The changes themselves
(and their audit lines) are `loket.domain.accounts`'s.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from pydantic import ValidationError

from loket.desk import texts
from loket.desk.identity import current_staff, staff_required
from loket.desk.workspace import FormOrigin, answer_unsent_forms
from loket.domain import accounts, logins
from loket.domain.refusals import refusal_key, validation_line
from loket.i18n import request_language
from loket.store.db import get_session, unit_of_work
from loket.store.models import DESKS, ROLES, User
from loket.store.types import utcnow

bp = Blueprint("desk_admin", __name__, url_prefix="/desk")
CHANGES = ("disable", "enable", "reset_factor", "password", "role", "phone", "revoke_tokens")
# What the add form shows again after a refusal (never the password).
KEPT_FIELDS = ("email", "name", "display_name", "role", "desk", "phone")
# The domain's refusals (English, `field: reason`), by field and a word of the reason, to the
# text the admin reads in the page's language; the first match wins.
REFUSALS: tuple[tuple[str, str, str], ...] = (
    ("email", "exists", "a_email_taken"),
    ("email", "", "a_bad_email"),
    ("password", "common", "a_pw_common"),
    ("password", "pattern", "a_pw_pattern"),
    ("password", "at most", "a_pw_long"),
    ("password", "", "a_pw_short"),
    ("user", "last active admin", "a_last_admin"),
    ("role", "last active admin", "a_last_admin"),
    ("role", "own", "a_own_admin"),
    ("role", "", "a_bad_role"),
    ("desk", "admin", "a_admin_desk"),
    ("desk", "", "a_bad_desk"),
    ("user", "own password", "a_own_password"),
    ("user", "yourself", "a_self_disable"),
    ("phone", "", "a_bad_phone"),
    ("display_name", "", "a_bad_display_name"),
    ("name", "", "a_bad_name"),
)


def refused(line: str, typed: dict[str, str] | None = None) -> ResponseReturnValue:
    """Show the page again with a refusal in the page's language, keeping what was typed."""
    key = refusal_key(line, REFUSALS, "a_bad_input")
    return page(texts.text(key, request_language()), typed)


def admin() -> User:
    """Return the admin making this request (`staff_required` let them in)."""
    user = current_staff()
    assert user is not None  # noqa: S101 - staff_required ran first
    return user


def page(error: str | None = None, typed: dict[str, str] | None = None) -> ResponseReturnValue:
    """Show the users, with what went wrong (400) if anything and the add form's input."""
    session = get_session()
    users = accounts.list_users(session=session)
    now = utcnow()
    body = render_template(
        "desk/admin.html", users=users, roles=ROLES, desks=DESKS, error=error, me=admin(),
        typed=typed or {}, locked={user.id for user in users if logins.locked(user, now)},
        tokens=accounts.live_tokens(session=session, now=now),
    )
    return (body, 400) if error else body


def form_origin() -> FormOrigin:
    """Return where a change that did nothing (its page open over an hour, or the database
    not answering) leads back to: the users' page. Nothing is shown back: its boxes hold
    short values to type again (an address, a name, a number) or a password, never shown."""
    return FormOrigin(url_for(".users"))


answer_unsent_forms(bp, form_origin)


@bp.get("/admin")
@staff_required("admin")
def users() -> ResponseReturnValue:
    """List the staff accounts."""
    return page()


@bp.post("/admin/users")
@staff_required("admin")
def add() -> ResponseReturnValue:
    """Add a user (they enrol their second factor at their first login)."""
    form = request.form
    typed = {name: form.get(name, "") for name in KEPT_FIELDS}
    try:
        user_in = accounts.UserIn.model_validate({
            "email": form.get("email", ""), "role": form.get("role", ""),
            "desk": form.get("desk") or None, "name": form.get("name", ""),
            "display_name": form.get("display_name", ""),
            "phone": form.get("phone") or None, "password": form.get("password", ""),
        })
        with unit_of_work() as session:
            accounts.add_user(session=session, user_in=user_in, admin_id=admin().id)
    except ValidationError as exc:
        return refused(validation_line(exc), typed)
    except ValueError as exc:
        return refused(str(exc), typed)
    flash("a_added", "notice")
    return redirect(url_for(".users"), 303)


@bp.post("/admin/users/<int:user_id>/<change>")
@staff_required("admin")
def change(user_id: int, change: str) -> ResponseReturnValue:
    """Disable or enable a user, reset their second factor, set a temporary password (they
    choose their own after their next login), change role, desk or phone, or revoke their
    API tokens."""
    if change not in CHANGES:
        abort(404)
    me = admin().id
    try:
        with unit_of_work() as session:
            if change in ("disable", "enable"):
                accounts.set_active(
                    session=session, user_id=user_id, active=change == "enable", admin_id=me
                )
            elif change == "reset_factor":
                accounts.reset_factor(session=session, user_id=user_id, admin_id=me)
            elif change == "password":
                accounts.set_password(session=session, user_id=user_id, temporary=True,
                                      password=request.form.get("password", ""), admin_id=me)
            elif change == "revoke_tokens":
                accounts.revoke_user_tokens(session=session, user_id=user_id, admin_id=me)
            elif change == "phone":
                accounts.set_phone(session=session, user_id=user_id,
                                   phone=request.form.get("phone"), admin_id=me)
            else:
                new = accounts.UserChange.model_validate(
                    {"role": request.form.get("role", ""), "desk": request.form.get("desk") or None}
                )
                accounts.change_role(session=session, user_id=user_id, change=new, admin_id=me)
    except LookupError:
        abort(404)
    except ValidationError as exc:
        return refused(validation_line(exc))
    except ValueError as exc:
        # A refused number is shown back in that user's box, to be mended, not typed anew.
        typed = ({"phone_of": str(user_id), "phone": str(request.form.get("phone", ""))[:40]}
                 if change == "phone" else None)
        return refused(str(exc), typed)
    flash({"password": "a_password_set", "revoke_tokens": "a_tokens_revoked"}.get(
        change, "a_changed"), "notice")
    return redirect(url_for(".users"), 303)
