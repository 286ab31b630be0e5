"""Staff for the workspace's tests: users with both factors, logged-in clients, API tokens.

`make_user(app, role=..., desk=...)` stores a user whose second factor is enrolled (its
password is `PASSWORD`, its TOTP secret `user.totp_secret`); `log_in(client, app, user)`
gives a test client a complete login (both factors) as the login pages would: a new
`LoginSession` whose raw token goes into the client's Flask session as `_user_id`;
`api_token(app, user)` returns a bearer token for `Authorization: Bearer ...`.
"""

from __future__ import annotations

from itertools import count

from flask import Flask
from flask.testing import FlaskClient

from loket.domain import accounts, logins
from loket.store.db import session_scope
from loket.store.models import User
from loket.store.types import utcnow

PASSWORD = "paarden-batterij-nietje-7"
_numbers = count(1)


def make_user(
    app: Flask,
    *,
    role: str,
    desk: str | None = None,
    email: str | None = None,
    name: str = "Test Medewerker",
    display_name: str = "",
    password: str = PASSWORD,
) -> User:
    """Store a user of this role and desk with an enrolled second factor; return it."""
    email = email or f"{role}{next(_numbers)}-{desk or 'none'}@example.org"
    user_in = accounts.UserIn(
        email=email, role=role, desk=desk, name=name, display_name=display_name,
        password=password,
    )
    with session_scope(app.extensions["loket.engine"]) as session:
        user, _ = accounts.create_user(session=session, user_in=user_in)
        user.totp_enrolled_at = utcnow()
        session.add(user)
    return user


def login_token(app: Flask, user: User) -> str:
    """Start a complete login (both factors) for a user; return its raw token."""
    with session_scope(app.extensions["loket.engine"]) as session:
        token = logins.complete(
            session=session, token=logins.start(session=session, user=user, source="127.0.0.1"))
    assert token is not None
    return token


def log_in(client: FlaskClient, app: Flask, user: User) -> str:
    """Give the client a complete login of this user (as the login pages do); return its
    token (what the session cookie holds as `_user_id`)."""
    token = login_token(app, user)
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = token
        flask_session["_fresh"] = True
    return token


def api_token(app: Flask, user: User, *, expires_days: int | None = None) -> str:
    """Return a new API bearer token with this user's rights."""
    with session_scope(app.extensions["loket.engine"]) as session:
        return accounts.create_token(session=session, user=user, expires_days=expires_days)
