"""Logging in: password, then the TOTP second factor or a recovery code; enrolment; logout;
changing one's own password.

Every failure gets the same words, whatever failed. Failures in a row lock the account out
with backoff (logged with the user's id, never the e-mail); the forms are also rate limited
per client address and per account. A code of a time step already used is refused.

Anyone who knows a counsellor's e-mail can cause the lockout and use up the account's rate
limit. A browser that completed a login of the account keeps a signed device cookie
(OWASP's "device cookies"): the lockout does not hold it back, and it has a rate limit of its
own, so the counsellor's own computer still logs in during such an attack.

A logged-in user changes their own password with the current one (a wrong one counts toward
the lockout); their other logins end, this one goes on under a new token. A temporary
password (set by an admin or the operator) leads every staff page here until it is changed.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import segno
import structlog
from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import session as flask_session
from flask.sansio.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError
from itsdangerous import BadData, URLSafeTimedSerializer
from werkzeug.wrappers import Response
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from loket.desk import identity, texts
from loket.domain import accounts, logins
from loket.domain.refusals import refusal_key
from loket.i18n import LANGUAGES, request_language
from loket.security import keyed, limiter
from loket.store.db import unit_of_work
from loket.store.models import User

bp = Blueprint("desk_auth", __name__, url_prefix="/desk")
log = structlog.get_logger(__name__)
ADDRESS_RATE = "30 per minute"  # the posts of one client address
ACCOUNT_RATE = "10 per minute"  # the posts for one account, from anywhere
LIMITED = ("login", "second_factor", "enrol")
STAFF_LIMITED = ("password",)  # limited per logged-in user, not per account tried
# Why a change of one's own password was refused (`field: reason`, logins.change_password),
# by field and a word of the reason, to the text the user reads; the first match wins.
PASSWORD_REFUSALS: tuple[tuple[str, str, str], ...] = (
    ("current_password", "locked", "pw_locked"),
    ("current_password", "", "pw_wrong_current"),
    ("new_password_again", "", "pw_mismatch"),
    ("password", "same", "pw_same"),
    ("password", "common", "pw_common"),
    ("password", "pattern", "pw_pattern"),
    ("password", "at most", "pw_long"),
    ("password", "", "pw_short"),
)
DEVICE_COOKIE = "loket_device"
DEVICE_DAYS = 180  # a device cookie is trusted this long after the login that set it


class LoginForm(FlaskForm):  # type: ignore[misc]
    """E-mail and password."""

    email = StringField(validators=[DataRequired(), Length(max=254)])
    password = PasswordField(
        validators=[DataRequired(), Length(max=accounts.MAX_PASSWORD_LENGTH)])


class CodeForm(FlaskForm):  # type: ignore[misc]
    """A TOTP code or a recovery code."""

    code = StringField(validators=[DataRequired(), Length(max=32)])


class PasswordForm(FlaskForm):  # type: ignore[misc]
    """The current password and the new one, twice (a new one too long is refused as such:
    `accounts.password_problem`)."""

    current_password = PasswordField(
        validators=[DataRequired(), Length(max=accounts.MAX_PASSWORD_LENGTH)])
    new_password = PasswordField(validators=[DataRequired()])
    new_password_again = PasswordField(validators=[DataRequired()])


def source() -> str:
    """Return where this request comes from (the client's address, as proxies pass it)."""
    return (request.remote_addr or "")[:64]


def account_key() -> str:
    """Return the rate limit's key for the account tried: a keyed hash, never the e-mail;
    the browser's own key when its device cookie is trusted for that account."""
    user = identity.half_logged_in()
    email = request.form.get("email", "")
    device = trusted_device(user=user) if user is not None else trusted_device(email=email)
    if device is not None:
        return keyed(f"device:{device}")
    return keyed(f"user:{user.id}" if user is not None else email)


def staff_key() -> str:
    """Return the rate limit's key for the logged-in user: a keyed hash of their id."""
    user = identity.current_staff()
    return keyed(f"staff:{user.id if user is not None else ''}")


def device_signer() -> URLSafeTimedSerializer:
    """Return the signer of device cookies."""
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="loket.desk.device")


def trusted_device(*, email: str = "", user: User | None = None) -> str | None:
    """Return this browser's device id when its device cookie is valid for this account
    (by the e-mail given, or the half-logged-in user), else None."""
    value = request.cookies.get(DEVICE_COOKIE, "")
    if not value or len(value) > 400:
        return None
    try:
        data = device_signer().loads(value, max_age=DEVICE_DAYS * 86400)
    except BadData:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("d"), str):
        return None
    if user is not None:
        match = data.get("u") == user.id and data.get("k") == keyed(user.email)
    else:
        match = bool(email.strip()) and data.get("k") == keyed(email)
    return data["d"] if match else None


def remember_device(response: Response, user: User) -> Response:
    """Give the browser of a complete login a device cookie for this account."""
    value = device_signer().dumps({"u": user.id, "k": keyed(user.email),
                                   "d": secrets.token_urlsafe(16)})
    response.set_cookie(
        DEVICE_COOKIE, value, max_age=DEVICE_DAYS * 86400, path="/desk", httponly=True,
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")), samesite="Strict",
    )
    return response


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
    earlier = [t for t in (identity.login_token(), flask_session.get(identity.REPLACES))
               if isinstance(t, str) and t]
    replaced: str | None = None
    with unit_of_work() as session:
        user = logins.check_password(
            session=session, email=form.email.data, password=form.password.data,
            attempts=attempts, trusted=trusted_device(email=form.email.data) is not None,
        )
        token = logins.start(session=session, user=user, source=source()) if user else None
        if user is not None and token is not None:
            for old in earlier:
                found = logins.lookup(session=session, token=old)
                if (replaced is None and found is not None and found.user_id == user.id
                        and found.second_factor_at is not None):
                    # The same person logging in again (their login about to end): it stays
                    # theirs, with what they hold, until the second factor ends it (`complete`).
                    replaced = old
                else:
                    # The browser's earlier login (another colleague's, on a shared computer)
                    # ends here, not 30 minutes later: its token no longer works, they are not
                    # present.
                    logins.end(session=session, token=old)
    if user is None or token is None:
        log.info("login.refused", step="password")
        return refused("desk/login.html", form)
    identity.log_in(user, token)
    flask_session.pop(identity.REPLACES, None)
    if replaced is not None:
        flask_session[identity.REPLACES] = replaced
    step = ".second_factor" if user.totp_enrolled_at else ".enrol"
    nxt = request.args.get("next")
    return redirect(url_for(step, next=nxt) if nxt else url_for(step), 303)


def check(user: User, code: str) -> bool:
    """Check a second-factor code, counting a failure against the account.

    The user's row is locked until commit: the same code posted twice at once is still
    taken only once (the time step used is written before the other looks).
    """
    attempts = current_app.config["LOKET"].login_attempts
    trusted = trusted_device(user=user) is not None
    with unit_of_work() as session:
        stored = session.get(User, user.id, with_for_update=True, populate_existing=True)
        if stored is None or not stored.active:
            return False
        if logins.check_code(session=session, user=stored, code=code, trusted=trusted,
                             source=source()):
            return True
        logins.failed(session=session, user=stored, attempts=attempts)
    log.info("login.refused", step="code", user_id=user.id)
    return False


def complete(user: User, *, enrolled: bool = False) -> list[str] | None:
    """Complete this login (both factors given) under a new token; return a new recovery
    sheet at enrolment (else an empty list), or None when the login ended meanwhile."""
    token = identity.login_token()
    assert token is not None  # noqa: S101 - only a half-logged-in browser gets here
    replaced = flask_session.get(identity.REPLACES)
    codes: list[str] = []
    with unit_of_work() as session:
        stored = session.get(User, user.id)
        assert stored is not None  # noqa: S101 - checked a moment ago
        new_token = logins.complete(session=session, token=token)
        if new_token is None:  # this login ended meanwhile: the earlier one waits as it was
            return None
        flask_session.pop(identity.REPLACES, None)
        if isinstance(replaced, str):  # the same person's login before: this one follows it
            found = logins.lookup(session=session, token=replaced)
            if found is not None and found.user_id == user.id:
                logins.end(session=session, token=replaced)
        if enrolled:
            accounts.confirm_second_factor(session=session, user=stored, source=source())
            codes = logins.new_recovery_codes(session=session, user=stored)
        logins.succeeded(session=session, user=stored)
    identity.log_in(user, new_token, complete=True)
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
    if complete(user) is None:
        return redirect(url_for(".login"), 303)
    return remember_device(redirect(safe_next(identity.home_url(user)), 303), user)


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
        if codes is None:
            return redirect(url_for(".login"), 303)
        return remember_device(make_response(render_template(
            "desk/recovery.html", codes=codes, sheets=recovery_sheets(),
            next_url=safe_next(identity.home_url(user)),
        )), user)
    qr = segno.make(accounts.totp_uri(user), error="m").svg_inline(
        scale=4, title=None, omitsize=True
    )
    values = {"qr": qr, "secret": user.totp_secret}
    if request.method == "POST":
        return refused("desk/enrol.html", form, **values)
    return render_template("desk/enrol.html", form=form, failed=False, **values)


def password_page(user: User, *, refusal: str | None = None) -> ResponseReturnValue:
    """Show the password form (empty: nothing typed comes back), with why it was refused
    (400) if it was."""
    body = render_template("desk/password.html", forced=user.must_change_password,
                           refusal=refusal)
    return (body, 400) if refusal else body


@bp.route("/password", methods=["GET", "POST"])
@identity.staff_required()
def password() -> ResponseReturnValue:
    """Change one's own password: the current one, then the new one twice."""
    user = identity.current_staff()
    token = identity.login_token()
    assert user is not None and user.id is not None and token  # noqa: S101 - a login's
    if request.method == "GET":
        return password_page(user)
    form = PasswordForm()
    if not form.validate_on_submit():
        return password_page(user, refusal="pw_incomplete")
    with unit_of_work() as session:
        outcome = logins.change_password(
            session=session, user_id=user.id, token=token, current=form.current_password.data,
            new=form.new_password.data, again=form.new_password_again.data,
            attempts=current_app.config["LOKET"].login_attempts, source=source(),
        )
    if outcome.token is None:
        if (outcome.refused or "").startswith("login:"):
            identity.log_out()
            return redirect(url_for(".login"), 303)
        refusal = refusal_key(outcome.refused or "", PASSWORD_REFUSALS, "pw_incomplete")
        return password_page(user, refusal=refusal)
    identity.log_in(user, outcome.token, complete=True)
    flash("pw_changed", "notice")
    return redirect(safe_next(identity.home_url(user)), 303)


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """End this login on the server."""
    identity.log_out()
    return redirect(url_for(".login", out=1), 303)


def expired_page(back: str) -> ResponseReturnValue:
    """Answer a staff form sent with an expired token (its page open over an hour) or none:
    nothing was done (400); a link `back` to the page, with a fresh token. A logout says
    that the login goes on, with a logout button that works (a counsellor who walks away
    from a shared computer after a bare "bad request" is still logged in)."""
    logout = request.endpoint == "desk_auth.logout" and identity.login_token() is not None
    log.info("staff.form_expired", endpoint=request.endpoint)
    return render_template("desk/expired.html", logout=logout, back=back), 400


@bp.errorhandler(CSRFError)
def expired(_error: CSRFError) -> ResponseReturnValue:
    """Answer a login step, the password page or logout sent without a valid CSRF token."""
    logout = request.endpoint == f"{bp.name}.logout"
    return expired_page(url_for(".login") if logout else request.full_path.rstrip("?"))


@bp.record_once
def _rate_limits(state: BlueprintSetupState) -> None:
    """Limit the login steps' posts per client address and per account, and the password
    page's per address and per logged-in user (after the routes)."""
    lim = limiter(state.app)
    for name in LIMITED:
        endpoint = f"{bp.name}.{name}"
        view: Callable[..., Any] = state.app.view_functions[endpoint]
        view = lim.limit(ACCOUNT_RATE, key_func=account_key, methods=["POST"])(view)
        state.app.view_functions[endpoint] = lim.limit(ADDRESS_RATE, methods=["POST"])(view)
    for name in STAFF_LIMITED:
        endpoint = f"{bp.name}.{name}"
        view = state.app.view_functions[endpoint]
        view = lim.limit(ACCOUNT_RATE, key_func=staff_key, methods=["POST"])(view)
        state.app.view_functions[endpoint] = lim.limit(ADDRESS_RATE, methods=["POST"])(view)
