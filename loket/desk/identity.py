"""Who is asking: a staff member's server-side login (Flask-Login) or an API token.

The Flask session cookie holds the login's random token (`_user_id`) and the forms' (CSRF)
token, both new at every login step and the forms' again at logout, so a session cannot be
fixed in advance; the login itself lives in `login_session` (only the token's SHA-256). A
login whose second factor was not given yet opens no staff page. Under `/api/` only a
bearer token counts (never the cookie): it stands for its user, with exactly that user's
rights.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any, TypeVar

from flask import (
    Flask,
    Request,
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    request,
    url_for,
)
from flask import session as flask_session
from flask_login import LoginManager, UserMixin, current_user
from flask_login import login_user as flask_login_user
from flask_login import logout_user as flask_logout_user

from loket.api.language import said
from loket.desk import texts
from loket.domain import accounts, logins, workspace
from loket.domain.callbacks import AMSTERDAM
from loket.errors import UNAVAILABLE
from loket.store.db import get_session, unit_of_work
from loket.store.models import User

F = TypeVar("F", bound=Callable[..., Any])
BEARER = "bearer "
API_PREFIX = "/api/"
STAFF_PAGES = ("/desk", "/reports")
HOME = {"admin": "/desk/admin", "manager": "/desk/manager", "counsellor": "/desk"}
# Where a user with a temporary password chooses their own (every other staff page leads
# there first); the API, with its tokens, is not held back.
CHANGE_PAGE = "desk_auth.password"
# Set on `g` when the database did not answer this request's login lookup.
UNANSWERED = "loket_login_unanswered"


# The session cookie's key of the same person's complete login that a login in progress in
# this browser replaces once its second factor is given (`desk.auth.login`).
REPLACES = "loket_login_replaces"


class Staff(UserMixin):  # type: ignore[misc]
    """The user behind this request, and how they came in (a login or an API token)."""

    def __init__(self, user: User, token: str | None, *, complete: bool,
                 started_at: datetime | None = None) -> None:
        self.user = user
        self.token = token  # the login's token; None for an API token
        self.complete = complete  # both factors given (always, for an API token)
        self.started_at = started_at  # when the login began (its hard end follows)

    def get_id(self) -> str | None:
        """Return what the session cookie keeps: the login's token."""
        return self.token

    @property
    def is_active(self) -> bool:
        """Tell whether the user may still log in."""
        return bool(self.user.active)


def is_api() -> bool:
    """Tell whether this request is a call of the JSON API."""
    return request.path.startswith(API_PREFIX)


def load_login(token: str) -> Staff | None:
    """Return the staff member of a login token; end a login that timed out.

    Reads only, except at most once a minute (`last_seen_at`) and at a timeout. When the
    database does not answer, the failure goes to the request's error handler once; after
    that the request has no user (its view never runs), so the page that says so renders
    without asking the database again.
    """
    if is_api():
        return None  # the API takes bearer tokens only: a cookie cannot call it (CSRF)
    if g.get(UNANSWERED):
        return None
    try:
        return staff_of(token)
    except UNAVAILABLE:
        setattr(g, UNANSWERED, True)
        raise


def staff_of(token: str) -> Staff | None:
    """Look a login token up as `load_login` does."""
    settings = current_app.config["LOKET"]
    limits = {
        "idle_minutes": settings.staff_idle_minutes,
        "session_hours": settings.staff_session_hours,
    }
    session = get_session()
    found = logins.lookup_with_user(session=session, token=token)
    if found is None:
        return None
    login, user = found
    if logins.timed_out(login, **limits) or logins.needs_renewal(login):
        with unit_of_work() as writer:
            if logins.find(session=writer, token=token, **limits) is None:
                return None
    if not user.active:
        return None
    return Staff(user, token, complete=login.second_factor_at is not None,
                 started_at=login.created_at)


def load_token(req: Request) -> Staff | None:
    """Return the staff member of an API bearer token (only under /api/)."""
    header = req.headers.get("Authorization", "")
    if not req.path.startswith(API_PREFIX) or not header.lower().startswith(BEARER):
        return None
    token = header[len(BEARER):].strip()
    if not token or len(token) > logins.MAX_TOKEN:
        return None
    found = accounts.token_and_user(session=get_session(), token=token)
    if found is None:
        return None
    api_token, user = found
    if api_token.id is not None and accounts.token_use_to_keep(api_token):
        with unit_of_work() as writer:  # at most once a minute: the client is present
            accounts.token_used(session=writer, token_id=api_token.id)
    return Staff(user, None, complete=True)


def current_staff() -> User | None:
    """Return the logged-in user with both factors (or a valid API token), else None."""
    staff = current_user
    if not getattr(staff, "is_authenticated", False) or not staff.complete:
        return None
    if is_api() and staff.token is not None:
        return None
    user: User = staff.user
    return user


def half_logged_in() -> User | None:
    """Return the user who gave their password but not yet their second factor."""
    staff = current_user
    if not getattr(staff, "is_authenticated", False) or staff.complete or staff.token is None:
        return None
    user: User = staff.user
    return user


def login_token() -> str | None:
    """Return this browser's login token (a login in progress or complete), if any."""
    return getattr(current_user, "token", None)


def log_in(user: User, token: str, *, complete: bool = False) -> None:
    """Put a new login's token in the session cookie, replacing any earlier one (after the
    password, and again with a new token once the second factor was given); the forms'
    token is new too (`new_form_token`)."""
    flask_logout_user()
    new_form_token()
    flask_login_user(Staff(user, token, complete=complete))


def new_form_token() -> None:
    """Forget this browser's form (CSRF) token: the next form gets a new one. At every
    login step and at logout, so that a token known before (a session cookie planted on a
    shared computer, a page seen over a shoulder) carries no form of the login after it."""
    name = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    flask_session.pop(name, None)
    g.pop(name, None)


def log_out() -> None:
    """End this browser's login on the server and forget it in the cookie (and the login it
    was to replace, `REPLACES`). A counsellor with no other login open lets go of what they
    held (`workspace.leave`)."""
    token = login_token()
    staff = current_staff()
    replaced = flask_session.pop(REPLACES, None)
    if token:
        settings = current_app.config["LOKET"]
        with unit_of_work() as session:
            logins.end(session=session, token=token)
            if isinstance(replaced, str):
                logins.end(session=session, token=replaced)
            if staff is not None and staff.id is not None:
                workspace.leave(session=session, user_id=staff.id,
                                idle_minutes=settings.staff_idle_minutes,
                                session_hours=settings.staff_session_hours)
    flask_logout_user()
    new_form_token()


def home_url(user: User) -> str:
    """Return where a user's work starts, by role."""
    return HOME.get(user.role, "/desk")


def login_url() -> str:
    """Return the login page, coming back to this page after."""
    target = request.full_path.rstrip("?") if request.method == "GET" else request.path
    return url_for("desk_auth.login", next=target)


def password_url() -> str:
    """Return the password page, coming back to this page after (a GET's)."""
    if request.method != "GET":
        return url_for(CHANGE_PAGE)
    return url_for(CHANGE_PAGE, next=request.full_path.rstrip("?"))


def staff_required(*roles: str) -> Callable[[F], F]:
    """Let only logged-in staff (both factors) of these roles in; the API answers JSON.

    Pages: no login → the login page; a temporary password not yet replaced → the password
    page; another role → 403. API: no valid bearer token → 401 `{"error": ...}`; another
    role → 403 `{"error": ...}`.
    """

    def decorator(view: F) -> F:
        @wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            user = current_staff()
            if user is None:
                if is_api():
                    return jsonify(error="authorization: " + said(
                        "a valid API token is needed", "r_api_token")), 401
                return redirect(login_url())
            if user.must_change_password and not is_api() and request.endpoint != CHANGE_PAGE:
                return redirect(password_url(), 303)
            if roles and user.role not in roles:
                if is_api():
                    return jsonify(error="role: " + said(
                        "this call is not part of your role", "r_api_role")), 403
                abort(403)
            return view(*args, **kwargs)

        return checked  # type: ignore[return-value]

    return decorator


def login_end() -> dict[str, Any] | None:
    """Return, for the staff layout's notice, when this page's login ends however active its
    user is (`logins.hard_end`): `clock` (Amsterdam, HH:MM), `ends_at` (UTC, ISO), `due`
    (the notice shows now), `shows_in` (whole seconds from now until it does, for a page
    left open), `again` (the login page, back to this page after: a page a GET shows; a
    form's answer's address may take no GET); None without a login."""
    started_at = getattr(current_user, "started_at", None)
    if current_staff() is None or started_at is None:
        return None
    hours = current_app.config["LOKET"].staff_session_hours
    end = logins.hard_end(started_at, session_hours=hours)
    shows_in = max(0, int(logins.end_notice_in(end).total_seconds()))
    return {
        "clock": f"{end.astimezone(AMSTERDAM):%H:%M}",
        "ends_at": end.isoformat(timespec="seconds"),
        "due": shows_in == 0,
        "shows_in": shows_in,
        "again": login_url() if request.method == "GET" else url_for("desk_auth.login"),
    }


def staff_context() -> dict[str, Any]:
    """Give staff templates the logged-in user (`staff`), if any, and when their login ends
    (`login_end`)."""
    if not request.path.startswith(STAFF_PAGES):
        return {}
    return {"staff": current_staff(), "login_end": login_end()}


def load_early() -> None:
    """Look up a staff request's login before its view runs.

    The lookup may write (`last_seen_at`, a timeout) in a unit of work of its own; done
    first, it never waits inside a view's own unit of work (SQLite's single writer).
    """
    if request.path.startswith((*STAFF_PAGES, API_PREFIX)):
        _ = current_user.is_authenticated


def init_app(app: Flask) -> None:
    """Wire Flask-Login to the login sessions and API tokens, and the staff texts."""
    manager = LoginManager()
    manager.session_protection = None  # the server-side login is the protection
    manager.user_loader(load_login)
    manager.request_loader(load_token)
    manager.init_app(app)
    app.before_request(load_early)
    app.context_processor(staff_context)
    texts.init_app(app)
