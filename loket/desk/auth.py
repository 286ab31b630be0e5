"""Logging in: password, then the TOTP second factor or a recovery code; enrolment; logout.

Every failure gets the same words, whatever failed. Failures in a row lock the account out
with backoff (logged with the user's id, never the e-mail); the forms are also rate limited
per client address and per account. A code of a time step already used is refused.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import segno
import structlog
from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask.sansio.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from loket.desk import identity, texts
from loket.domain import accounts, logins
from loket.i18n import LANGUAGES, request_language
from loket.security import limiter
from loket.store.db import unit_of_work
from loket.store.models import User

bp = Blueprint("desk_auth", __name__, url_prefix="/desk")
log = structlog.get_logger(__name__)
ADDRESS_RATE = "30 per minute"  # the posts of one client address
ACCOUNT_RATE = "10 per minute"  # the posts for one account, from anywhere
LIMITED = ("login", "second_factor", "enrol")


class LoginForm(FlaskForm):  # type: ignore[misc]
    """E-mail and password."""

    email = StringField(validators=[DataRequired(), Length(max=254)])
    password = PasswordField(validators=[DataRequired(), Length(max=200)])


class CodeForm(FlaskForm):  # type: ignore[misc]
    """A TOTP code or a recovery code."""

    code = StringField(validators=[DataRequired(), Length(max=32)])


def source() -> str:
    """Return where this request comes from (the client's address, as proxies pass it)."""
    return (request.remote_addr or "")[:64]


def account_key() -> str:
    """Return the rate limit's key for the account tried: a keyed hash, never the e-mail."""
    user = identity.half_logged_in()
    who = f"user:{user.id}" if user is not None else request.form.get("email", "").strip()
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, who.lower().encode(), hashlib.sha256).hexdigest()[:32]


def safe_next(default: str) -> str:
    """Return the `next` staff page when it is a path on this site, else `default`."""
    target = request.args.get("next", "")
    parts = urlsplit(target)
    if (
        target.startswith("/desk")
        and not parts.scheme
        and not parts.netloc
        and "\\" not in target
        and not target.startswith(("/desk/login", "/desk/logout"))
    ):
        return target
    return default


def refused(template: str, form: FlaskForm, **values: object) -> ResponseReturnValue:
    """Show a login step again with the one generic error."""
    return render_template(template, form=form, failed=True, **values), 401


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """Ask for the e-mail address and password; then the second step."""
    form = LoginForm()
    if request.method == "GET":
        return render_template("desk/login.html", form=form, failed=False)
    if not form.validate_on_submit():
        return refused("desk/login.html", form)
    attempts = current_app.config["LOKET"].login_attempts
    with unit_of_work() as session:
        user = logins.check_password(
            session=session, email=form.email.data, password=form.password.data,
            attempts=attempts,
        )
        token = logins.start(session=session, user=user, source=source()) if user else None
    if user is None or token is None:
        log.info("login.refused", step="password")
        return refused("desk/login.html", form)
    identity.log_in(user, token)
    step = ".second_factor" if user.totp_enrolled_at else ".enrol"
    nxt = request.args.get("next")
    return redirect(url_for(step, next=nxt) if nxt else url_for(step), 303)


def check(user: User, code: str) -> bool:
    """Check a second-factor code, counting a failure against the account."""
    attempts = current_app.config["LOKET"].login_attempts
    with unit_of_work() as session:
        stored = session.get(User, user.id)
        if stored is None or not stored.active:
            return False
        if logins.check_code(session=session, user=stored, code=code):
            return True
        logins.failed(session=session, user=stored, attempts=attempts)
    log.info("login.refused", step="code", user_id=user.id)
    return False


def complete(user: User, *, enrolled: bool = False) -> list[str]:
    """Complete this login (both factors given); return a new recovery sheet at enrolment."""
    token = identity.login_token()
    assert token is not None  # noqa: S101 - only a half-logged-in browser gets here
    codes: list[str] = []
    with unit_of_work() as session:
        stored = session.get(User, user.id)
        assert stored is not None  # noqa: S101 - checked a moment ago
        if enrolled:
            accounts.confirm_second_factor(session=session, user=stored)
            codes = logins.new_recovery_codes(session=session, user=stored)
        logins.pass_second_factor(session=session, token=token)
        logins.succeeded(session=session, user=stored)
    log.info("login.complete", user_id=user.id, enrolled=enrolled)
    return codes


@bp.route("/second-factor", methods=["GET", "POST"])
def second_factor() -> ResponseReturnValue:
    """Ask for the TOTP code (or a recovery code) after the password."""
    user = identity.half_logged_in()
    if user is None:
        return redirect(url_for(".login"))
    if user.totp_enrolled_at is None:
        return redirect(url_for(".enrol"))
    form = CodeForm()
    if request.method == "GET":
        return render_template("desk/login_code.html", form=form, failed=False)
    if not form.validate_on_submit() or not check(user, form.code.data):
        return refused("desk/login_code.html", form)
    complete(user)
    return redirect(safe_next(identity.home_url(user)), 303)


def recovery_sheets() -> list[dict[str, str]]:
    """Return the recovery sheet's words in the page's language first, then the other."""
    first = request_language()
    return [{"lang": lang, "title": texts.text("recovery_title", lang),
             "intro": texts.text("recovery_intro", lang),
             "done": texts.text("recovery_done", lang)}
            for lang in sorted(LANGUAGES, key=lambda code: code != first)]


@bp.route("/enrol", methods=["GET", "POST"])
def enrol() -> ResponseReturnValue:
    """Show the QR code of a new second factor; a confirming code completes the login."""
    user = identity.half_logged_in()
    if user is None:
        return redirect(url_for(".login"))
    if user.totp_enrolled_at is not None:
        return redirect(url_for(".second_factor"))
    form = CodeForm()
    if request.method == "POST" and form.validate_on_submit() and check(user, form.code.data):
        codes = complete(user, enrolled=True)
        return render_template(
            "desk/recovery.html", codes=codes, sheets=recovery_sheets(),
            next_url=safe_next(identity.home_url(user)),
        )
    qr = segno.make(accounts.totp_uri(user), error="m").svg_inline(
        scale=4, title=None, omitsize=True
    )
    values = {"qr": qr, "secret": user.totp_secret}
    if request.method == "POST":
        return refused("desk/enrol.html", form, **values)
    return render_template("desk/enrol.html", form=form, failed=False, **values)


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """End this login on the server."""
    identity.log_out()
    return redirect(url_for(".login", out=1), 303)


@bp.record_once
def _rate_limits(state: BlueprintSetupState) -> None:
    """Limit the login steps' posts per client address and per account (after the routes)."""
    lim = limiter(state.app)
    for name in LIMITED:
        endpoint = f"{bp.name}.{name}"
        view: Callable[..., Any] = state.app.view_functions[endpoint]
        view = lim.limit(ACCOUNT_RATE, key_func=account_key, methods=["POST"])(view)
        state.app.view_functions[endpoint] = lim.limit(ADDRESS_RATE, methods=["POST"])(view)
