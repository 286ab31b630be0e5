"""Staff logins as an attacker would try them: a token seen before the second factor, the
lockout and rate limit as a denial of service, the time a refusal takes, a code raced."""

from __future__ import annotations

import base64
import re
import statistics
import threading
import time
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

from loket.domain import logins
from loket.store.db import session_scope
from tests.desk.helpers import PASSWORD, make_user
from tests.desk.test_login import (
    GENERIC,
    code_of,
    csrf,
    post_code,
    post_password,
    session_token,
    stored,
)

WRONG = "wrong password!"
DEVICE_COOKIE = "loket_device"


def post_from(client: FlaskClient, email: str, password: str, address: str):
    """Give an e-mail and password on the login page from this client address."""
    token = csrf(client, "/desk/login")
    return client.post(
        "/desk/login", data={"email": email, "password": password, "csrf_token": token},
        environ_base={"REMOTE_ADDR": address},
    )


def log_in_and_out(client: FlaskClient, email: str, code: str) -> None:
    """Log in with both factors on this browser, then log out (a counsellor's own computer)."""
    assert post_password(client, email).status_code == 303
    assert post_code(client, code).status_code == 303
    out = client.post("/desk/logout", data={"csrf_token": csrf(client, "/desk/login")})
    assert out.status_code == 303 and session_token(client) is None


def test_the_token_seen_before_the_second_factor_opens_nothing_after_it(app: Flask) -> None:
    user = make_user(app, role="admin")
    client = app.test_client()
    post_password(client, user.email)
    half = session_token(client)
    assert half
    assert post_code(client, code_of(user)).status_code == 303
    full = session_token(client)
    assert full and full != half
    assert client.get("/desk/admin").status_code == 200
    # Whoever saw (or planted) the cookie of the first step does not ride the login.
    rider = app.test_client()
    with rider.session_transaction() as flask_session:
        flask_session["_user_id"] = half
        flask_session["_fresh"] = True
    answer = rider.get("/desk/admin")
    assert answer.status_code == 302 and "/desk/login" in answer.location


def test_an_attacker_who_knows_only_the_email_cannot_lock_a_counsellor_out_of_their_computer(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(login_attempts=3)
    user = make_user(app, role="counsellor", desk="police")
    other = make_user(app, role="counsellor", desk="police", email="night-two@example.org")
    own = app.test_client()
    log_in_and_out(own, user.email, code_of(user))
    attacker = app.test_client()
    for n in range(3):
        assert post_from(attacker, user.email, WRONG, f"10.9.0.{n}").status_code == 401
        assert post_from(attacker, other.email, WRONG, f"10.9.1.{n}").status_code == 401
    assert stored(app, user.id).locked_until is not None
    # The lockout still holds everyone else back, even with the right password...
    refused = post_from(attacker, user.email, PASSWORD, "10.9.0.9")
    assert refused.status_code == 401 and GENERIC in refused.get_data(as_text=True)
    # ...but the counsellor's own computer logs in, password and code.
    step = post_from(own, user.email, PASSWORD, "10.1.1.1")
    assert step.status_code == 303 and step.location.endswith("/desk/second-factor")
    assert post_code(own, code_of(user, 1)).status_code == 303
    assert own.get("/desk").status_code == 200
    # Their computer opens no other locked account.
    assert post_from(own, other.email, PASSWORD, "10.1.1.1").status_code == 401


def test_a_flood_of_tries_for_an_email_does_not_hold_back_the_counsellors_computer(
    app: Flask,
) -> None:
    user = make_user(app, role="counsellor", desk="veterans")
    own = app.test_client()
    log_in_and_out(own, user.email, code_of(user))
    attacker = app.test_client()
    answers = [post_from(attacker, user.email, WRONG, f"10.8.0.{n}").status_code
               for n in range(11)]
    assert answers[-1] == 429
    assert post_from(own, user.email, PASSWORD, "10.1.1.2").status_code == 303
    assert post_code(own, code_of(user, 1)).status_code == 303


def test_a_device_cookie_is_httponly_strict_and_cannot_be_forged(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(login_attempts=3)
    user = make_user(app, role="counsellor", desk="debasis")
    own = app.test_client()
    assert post_password(own, user.email).status_code == 303
    done = post_code(own, code_of(user))
    cookie = next(c for c in done.headers.getlist("Set-Cookie") if c.startswith(DEVICE_COOKIE))
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/desk" in cookie
    payload = cookie.split("=", 1)[1].split(".")[0]
    assert user.email not in base64.urlsafe_b64decode(payload + "==").decode()
    forger = app.test_client()
    for n in range(3):
        post_from(forger, user.email, WRONG, f"10.7.0.{n}")
    value = re.match(rf"{DEVICE_COOKIE}=([^;]+)", cookie)
    assert value
    forger.set_cookie(DEVICE_COOKIE, value.group(1)[:-2] + "xx", path="/desk")
    assert post_from(forger, user.email, PASSWORD, "10.7.0.9").status_code == 401


def test_a_locked_account_is_refused_as_slowly_as_an_unknown_email(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(login_attempts=3)
    user = make_user(app, role="counsellor", desk="police")
    client = app.test_client()
    for n in range(3):
        post_from(client, user.email, WRONG, f"10.6.0.{n}")
    assert stored(app, user.id).locked_until is not None
    token = csrf(client, "/desk/login")

    def timed(email: str, address: str) -> float:
        began = time.perf_counter()
        answer = client.post(
            "/desk/login", data={"email": email, "password": WRONG, "csrf_token": token},
            environ_base={"REMOTE_ADDR": address},
        )
        assert answer.status_code == 401
        return time.perf_counter() - began

    locked, unknown = [], []
    for n in range(4):
        locked.append(timed(user.email, f"10.6.1.{n}"))
        unknown.append(timed(f"nobody{n}@example.org", f"10.6.2.{n}"))
    # An attacker timing the answers learns nothing: both pay for the password hash.
    assert statistics.median(locked) > 0.5 * statistics.median(unknown)


def post_at_once(clients: list[FlaskClient], code: str, address: str) -> list[int]:
    """Post the same code on the second-factor page of each client at the same moment."""
    tokens = [csrf(client, "/desk/second-factor") for client in clients]
    start = threading.Barrier(len(clients))
    answers: list[int] = []

    def post(client: FlaskClient, token: str) -> None:
        start.wait()
        answers.append(client.post(
            "/desk/second-factor", data={"code": code, "csrf_token": token},
            environ_base={"REMOTE_ADDR": address},
        ).status_code)

    threads = [threading.Thread(target=post, args=pair)
               for pair in zip(clients, tokens, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_one_totp_code_posted_twice_at_once_completes_one_login(postgres_app: Flask) -> None:
    doubled = 0
    for round_ in range(4):
        user = make_user(postgres_app, role="counsellor", desk="police")
        clients = [postgres_app.test_client() for _ in range(2)]
        for client in clients:
            assert post_password(client, user.email).status_code == 303
        answers = post_at_once(clients, code_of(user), f"10.5.0.{round_}")
        assert sorted(answers)[0] == 303
        doubled += answers.count(303) > 1
    assert doubled == 0


def test_a_login_over_a_colleagues_login_on_a_shared_computer_ends_theirs(app: Flask) -> None:
    first = make_user(app, role="counsellor", desk="police")
    second = make_user(app, role="counsellor", desk="police", email="day-shift@example.org")
    shared = app.test_client()
    post_password(shared, first.email)
    post_code(shared, code_of(first))
    first_token = session_token(shared)
    assert shared.get("/desk").status_code == 200
    # The next colleague logs in without the first having logged out.
    assert post_password(shared, second.email).status_code == 303
    assert post_code(shared, code_of(second)).status_code == 303
    copy = app.test_client()
    with copy.session_transaction() as flask_session:
        flask_session["_user_id"] = first_token
        flask_session["_fresh"] = True
    assert copy.get("/desk").status_code == 302
    with session_scope(app.extensions["loket.engine"]) as session:
        assert not logins.has_live_login(session=session, user_id=first.id or 0,
                                         idle_minutes=30, session_hours=12)
