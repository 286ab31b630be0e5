"""The login's lockout stays at its hour however many failures come in a row: its doubling
overflowed a timedelta at the 46th, and from then on every wrong password or code was a
500, was not counted, and the account was never locked again."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient

from loket.domain import logins
from loket.security import limiter
from loket.store.db import session_scope
from loket.store.models import User
from loket.store.types import utcnow
from tests.desk.helpers import PASSWORD, make_user
from tests.desk.test_login import code_of, post_code, post_password, stored

WRONG = "wrong password!"


def wait_out_lockout(app: Flask, user_id: int | None) -> None:
    """Let the account's lockout (and the rate limit's minute) run out."""
    with session_scope(app.extensions["loket.engine"]) as session:
        row = session.get(User, user_id)
        assert row is not None
        row.locked_until = utcnow() - timedelta(seconds=1)
        session.add(row)
    limiter(app).reset()


def test_the_lockout_never_passes_its_hour() -> None:
    assert logins.lockout_for(4, 5) is None
    assert logins.lockout_for(5, 5) == logins.LOCKOUT_FIRST
    assert logins.lockout_for(7, 5) == 4 * logins.LOCKOUT_FIRST
    for failures in (11, 46, 10_000):
        assert logins.lockout_for(failures, 5) == logins.LOCKOUT_MAX


def test_wrong_passwords_over_a_weekend_still_lock_the_account(app: Flask) -> None:
    user = make_user(app, role="counsellor", desk="police")
    client: FlaskClient = app.test_client()
    statuses = []
    for _ in range(50):  # one wrong password each time the lockout ran out
        wait_out_lockout(app, user.id)
        statuses.append(post_password(client, user.email, WRONG).status_code)
    assert set(statuses) == {401}
    row = stored(app, user.id)
    assert row.failed_logins == 50
    assert row.locked_until is not None and row.locked_until > utcnow() + timedelta(minutes=59)
    limiter(app).reset()
    assert post_password(app.test_client(), user.email, PASSWORD).status_code == 401  # locked


def test_wrong_codes_while_locked_keep_it_locked_without_an_error(app: Flask) -> None:
    user = make_user(app, role="counsellor", desk="police")
    client = app.test_client()
    assert post_password(client, user.email).status_code == 303
    wrong = "000000" if code_of(user) != "000000" else "111111"
    statuses = []
    for n in range(60):
        if n % 9 == 0:
            limiter(app).reset()  # a minute passes
        statuses.append(post_code(client, wrong).status_code)
    assert 500 not in statuses and 200 not in statuses and 303 not in statuses
    row = stored(app, user.id)
    assert row.locked_until is not None and row.locked_until > utcnow() + timedelta(minutes=59)
