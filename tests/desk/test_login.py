"""Staff logins: password and second factor, enrolment, lockout, timeouts, logout, revocation."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pyotp
import pytest
import structlog
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from loket.domain import accounts, logins
from loket.store.db import session_scope
from loket.store.models import LoginSession, RecoveryCode, User
from loket.store.types import utcnow
from tests.desk.helpers import PASSWORD, log_in, make_user

GENERIC = "E-mail, wachtwoord of code klopt niet"


def csrf(client: FlaskClient, path: str) -> str:
    """Return the CSRF token of the form on a page."""
    page = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page
    )
    assert found, page
    return found.group(1)


def post_password(client: FlaskClient, email: str, password: str = PASSWORD, next_: str = ""):
    """Give the e-mail and password on the login page."""
    path = "/desk/login" + (f"?next={next_}" if next_ else "")
    token = csrf(client, path)
    return client.post(path, data={"email": email, "password": password, "csrf_token": token})


def post_code(client: FlaskClient, code: str, path: str = "/desk/second-factor"):
    """Give a code on the second-factor (or enrolment) page."""
    return client.post(path, data={"code": code, "csrf_token": csrf(client, path)})


def code_of(user: User, step: int = 0) -> str:
    """Return the user's TOTP code, `step` time steps from now."""
    totp = pyotp.TOTP(user.totp_secret or "")
    return totp.at(utcnow() + timedelta(seconds=30 * step))


def stored(app: Flask, user_id: int | None) -> User:
    with session_scope(app.extensions["loket.engine"]) as session:
        user = session.get(User, user_id)
        assert user is not None
        return user


def session_token(client: FlaskClient) -> str | None:
    with client.session_transaction() as flask_session:
        return flask_session.get("_user_id")


def test_a_counsellor_logs_in_with_both_factors_on_each_engine(store_app: Flask) -> None:
    user = make_user(store_app, role="counsellor", desk="police")
    client = store_app.test_client()
    first = post_password(client, user.email.upper())
    assert first.status_code == 303 and first.location.endswith("/desk/second-factor")
    done = post_code(client, code_of(user))
    assert done.status_code == 303 and done.location.endswith("/desk")
    assert stored(store_app, user.id).last_login_at is not None
    with session_scope(store_app.extensions["loket.engine"]) as session:
        login = session.exec(select(LoginSession).where(LoginSession.user_id == user.id)).one()
        assert login.second_factor_at is not None and login.ended_at is None
        token = session_token(client)
        assert token and login.token_hash == accounts.token_hash(token) != token


def test_the_login_goes_on_to_the_page_asked_for_but_never_off_site(app: Flask) -> None:
    user = make_user(app, role="manager", desk="veterans")
    client = app.test_client()
    step = post_password(client, user.email, next_="/desk/manager%3Fx%3D1").location
    assert post_code(client, code_of(user), path=step).location.endswith("/desk/manager?x=1")
    other = app.test_client()
    step = post_password(other, user.email, next_="//evil.example/desk").location
    assert "evil" in step
    assert post_code(other, code_of(user, 1), path=step).location.endswith("/desk/manager")


@pytest.mark.parametrize("what", ["email", "password", "code"])
def test_every_failure_gets_the_same_generic_error(app: Flask, what: str) -> None:
    user = make_user(app, role="counsellor", desk="police")
    client = app.test_client()
    if what == "code":
        post_password(client, user.email)
        answer = post_code(client, "000000" if code_of(user) != "000000" else "111111")
    else:
        email = "nobody@example.org" if what == "email" else user.email
        answer = post_password(client, email, PASSWORD if what == "email" else "wrong password!")
    assert answer.status_code == 401
    assert GENERIC in answer.get_data(as_text=True)
    english = client.get("/desk/login?lang=en")
    assert "Log in" in english.get_data(as_text=True)


def test_a_form_without_its_csrf_token_is_refused(app: Flask) -> None:
    user = make_user(app, role="counsellor", desk="police")
    answer = app.test_client().post(
        "/desk/login", data={"email": user.email, "password": PASSWORD}
    )
    assert answer.status_code == 400


def test_repeated_failures_lock_the_account_with_backoff_logged_without_the_email(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(login_attempts=3)
    user = make_user(app, role="counsellor", desk="debasis")
    client = app.test_client()
    with structlog.testing.capture_logs() as logs:
        for _ in range(3):
            assert post_password(client, user.email, "wrong password!").status_code == 401
    locked = [line for line in logs if line["event"] == "login.locked_out"]
    assert locked and locked[0]["user_id"] == user.id and locked[0]["seconds"] == 60
    assert user.email not in repr(logs)
    first = stored(app, user.id).locked_until
    assert first is not None
    # Locked: even the right password is refused, with the same words.
    refused = post_password(client, user.email)
    assert refused.status_code == 401 and GENERIC in refused.get_data(as_text=True)
    # Each further failure doubles the wait.
    with session_scope(app.extensions["loket.engine"]) as session:
        row = session.get(User, user.id)
        assert row is not None
        row.locked_until = utcnow() - timedelta(seconds=1)
        session.add(row)
    with structlog.testing.capture_logs() as logs:
        post_password(client, user.email, "wrong password!")
    assert [line["seconds"] for line in logs if line["event"] == "login.locked_out"] == [120]
    # After the wait, the right password and code work and the count starts again.
    with session_scope(app.extensions["loket.engine"]) as session:
        row = session.get(User, user.id)
        assert row is not None
        row.locked_until = utcnow() - timedelta(seconds=1)
        session.add(row)
    assert post_password(client, user.email).status_code == 303
    assert post_code(client, code_of(user)).status_code == 303
    assert stored(app, user.id).failed_logins == 0


def test_a_used_totp_code_is_refused_the_second_time(app: Flask) -> None:
    user = make_user(app, role="counsellor", desk="police")
    code = code_of(user)
    first = app.test_client()
    post_password(first, user.email)
    assert post_code(first, code).status_code == 303
    second = app.test_client()
    post_password(second, user.email)
    assert post_code(second, code).status_code == 401
    assert post_code(second, code_of(user, 1)).status_code == 303


def test_a_recovery_code_works_once(app: Flask) -> None:
    user = make_user(app, role="counsellor", desk="police")
    client = app.test_client()
    with session_scope(app.extensions["loket.engine"]) as session:
        row = session.get(User, user.id)
        assert row is not None
        row.totp_enrolled_at = None
        session.add(row)
    post_password(client, user.email)
    sheet = post_code(client, code_of(user), path="/desk/enrol").get_data(as_text=True)
    codes = re.findall(r"<li>([0-9a-f]{6}-[0-9a-f]{6})</li>", sheet)
    assert len(codes) == 10
    # Shown once: no language link that would lose them; the sheet speaks both languages.
    assert "hreflang" not in sheet
    assert "Je ziet ze maar één keer" in sheet and "You see them only once" in sheet
    with session_scope(app.extensions["loket.engine"]) as session:
        hashes = session.exec(select(RecoveryCode.code_hash)).all()
        assert codes[0] not in hashes and accounts.token_hash(codes[0]) in hashes
    again = app.test_client()
    post_password(again, user.email)
    assert post_code(again, codes[0].upper()).status_code == 303
    third = app.test_client()
    post_password(third, user.email)
    assert post_code(third, codes[0]).status_code == 401


def test_enrolment_shows_an_svg_qr_code_and_needs_a_confirming_code(app: Flask) -> None:
    user = make_user(app, role="counsellor", desk="veterans")
    with session_scope(app.extensions["loket.engine"]) as session:
        row = session.get(User, user.id)
        assert row is not None
        row.totp_enrolled_at = None
        session.add(row)
    client = app.test_client()
    assert post_password(client, user.email).location.endswith("/desk/enrol")
    page = client.get("/desk/enrol").get_data(as_text=True)
    assert "<svg" in page and "<path" in page and (user.totp_secret or "") in page
    assert client.get("/desk").status_code == 302  # not yet a staff page
    assert post_code(client, "12345", path="/desk/enrol").status_code == 401
    done = post_code(client, code_of(user), path="/desk/enrol")
    assert done.status_code == 200 and "herstelcodes" in done.get_data(as_text=True)
    assert stored(app, user.id).totp_enrolled_at is not None
    assert client.get("/desk/enrol").status_code == 302  # enrolled: nothing more to show


def test_a_half_logged_in_session_opens_no_staff_page(app: Flask) -> None:
    user = make_user(app, role="admin")
    client = app.test_client()
    post_password(client, user.email)
    answer = client.get("/desk/admin")
    assert answer.status_code == 302 and "/desk/login" in answer.location
    assert client.get("/desk/admin").status_code == 302


def test_idle_and_absolute_timeouts_end_a_login(app: Flask) -> None:
    user = make_user(app, role="admin")
    idle, absolute = app.test_client(), app.test_client()
    idle_token, absolute_token = log_in(idle, app, user), log_in(absolute, app, user)
    assert idle.get("/desk/admin").status_code == 200
    with session_scope(app.extensions["loket.engine"]) as session:
        for token, created, seen in (
            (idle_token, utcnow() - timedelta(minutes=40), utcnow() - timedelta(minutes=31)),
            (absolute_token, utcnow() - timedelta(hours=12, minutes=1), utcnow()),
        ):
            login = session.exec(
                select(LoginSession).where(LoginSession.token_hash == accounts.token_hash(token))
            ).one()
            login.created_at, login.last_seen_at = created, seen
            session.add(login)
    for client in (idle, absolute):
        assert client.get("/desk/admin").status_code == 302
    with session_scope(app.extensions["loket.engine"]) as session:
        ended = session.exec(select(LoginSession.ended_at)).all()
        assert all(at is not None for at in ended)


def test_a_login_in_use_is_renewed_at_most_once_a_minute(app: Flask) -> None:
    user = make_user(app, role="admin")
    client = app.test_client()
    token = log_in(client, app, user)
    with session_scope(app.extensions["loket.engine"]) as session:
        login = session.exec(
            select(LoginSession).where(LoginSession.token_hash == accounts.token_hash(token))
        ).one()
        login.last_seen_at = utcnow() - timedelta(minutes=29)
        session.add(login)
    assert client.get("/desk/admin").status_code == 200
    with session_scope(app.extensions["loket.engine"]) as session:
        seen = session.exec(select(LoginSession.last_seen_at)).one()
        assert utcnow() - seen < timedelta(seconds=5)


def test_logout_ends_the_login_and_the_old_cookie_no_longer_works(app: Flask) -> None:
    user = make_user(app, role="admin")
    client = app.test_client()
    token = log_in(client, app, user)
    assert client.get("/desk/admin").status_code == 200
    out = client.post("/desk/logout", data={"csrf_token": csrf(client, "/desk/admin")})
    assert out.status_code == 303
    assert session_token(client) is None
    replay = app.test_client()
    with replay.session_transaction() as flask_session:
        flask_session["_user_id"] = token
    assert replay.get("/desk/admin").status_code == 302


def test_a_new_token_at_every_login_so_a_planted_session_is_useless(app: Flask) -> None:
    user = make_user(app, role="counsellor", desk="police")
    client = app.test_client()
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = "planted-by-someone-else"
    post_password(client, user.email)
    half = session_token(client)
    assert half and half != "planted-by-someone-else"
    post_code(client, code_of(user))
    again = app.test_client()
    post_password(again, user.email)
    assert session_token(again) not in (None, half)


def test_a_form_token_from_before_the_login_carries_no_staff_form_after_it(
    app: Flask,
) -> None:
    # Whoever knew the browser's form token before the login (a session cookie planted on a
    # shared computer, a page read over the user's shoulder) could otherwise make the
    # logged-in counsellor's browser post a staff form: the token is new at each step.
    user = make_user(app, role="admin")
    client = app.test_client()
    before = csrf(client, "/desk/login")
    post_password(client, user.email)
    half = csrf(client, "/desk/second-factor")
    assert post_code(client, code_of(user)).status_code == 303
    for known in (before, half):
        refused = client.post("/desk/logout", data={"csrf_token": known})
        assert refused.status_code == 400
        assert session_token(client) is not None  # still logged in: nothing was done
    out = client.post("/desk/logout", data={"csrf_token": csrf(client, "/desk/admin")})
    assert out.status_code == 303 and session_token(client) is None
    # After the logout, a token of the ended login opens nothing for the next one either.
    after = csrf(client, "/desk/login")
    assert client.post("/desk/login", data={"email": user.email, "password": PASSWORD,
                                            "csrf_token": half}).status_code == 400
    assert post_password(client, user.email).status_code == 303
    assert after


def test_disabling_a_user_ends_all_their_logins(app: Flask) -> None:
    admin = make_user(app, role="admin")
    user = make_user(app, role="admin", email="second-admin@example.org")
    one, two, boss = app.test_client(), app.test_client(), app.test_client()
    log_in(one, app, user), log_in(two, app, user), log_in(boss, app, admin)
    assert one.get("/desk/admin").status_code == 200
    answer = boss.post(
        f"/desk/admin/users/{user.id}/disable", data={"csrf_token": csrf(boss, "/desk/admin")}
    )
    assert answer.status_code == 303
    for client in (one, two):
        assert client.get("/desk/admin").status_code == 302
    fresh = app.test_client()
    assert post_password(fresh, user.email).status_code == 401


def test_resetting_the_second_factor_ends_all_logins_and_asks_to_enrol_again(
    app: Flask,
) -> None:
    admin = make_user(app, role="admin")
    user = make_user(app, role="admin", email="other-admin@example.org")
    client, boss = app.test_client(), app.test_client()
    log_in(client, app, user), log_in(boss, app, admin)
    old_secret = user.totp_secret
    boss.post(f"/desk/admin/users/{user.id}/reset_factor",
              data={"csrf_token": csrf(boss, "/desk/admin")})
    assert client.get("/desk/admin").status_code == 302
    after = stored(app, user.id)
    assert after.totp_enrolled_at is None and after.totp_secret != old_secret
    again = app.test_client()
    assert post_password(again, user.email).location.endswith("/desk/enrol")


def test_login_posts_are_rate_limited_per_account_and_per_address(app: Flask) -> None:
    user = make_user(app, role="counsellor", desk="police")
    client = app.test_client()
    token = csrf(client, "/desk/login")

    def attempt(email: str, address: str) -> int:
        return client.post(
            "/desk/login", data={"email": email, "password": "wrong password!",
                                 "csrf_token": token},
            environ_base={"REMOTE_ADDR": address},
        ).status_code

    # One account tried from ten addresses: the eleventh try is held back.
    assert {attempt(user.email, f"10.0.0.{n}") for n in range(10)} == {401}
    assert attempt(user.email.upper(), "10.0.0.99") == 429
    # One address trying many accounts: held back after thirty.
    codes = [attempt(f"x{n}@example.org", "10.0.1.1") for n in range(31)]
    assert codes[:30] == [401] * 30 and codes[30] == 429


def test_a_hash_of_older_parameters_is_renewed_at_login(app: Flask) -> None:
    user = make_user(app, role="counsellor", desk="police")
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    with session_scope(app.extensions["loket.engine"]) as session:
        row = session.get(User, user.id)
        assert row is not None
        row.password_hash = weak
        session.add(row)
    assert post_password(app.test_client(), user.email).status_code == 303
    renewed = stored(app, user.id).password_hash
    assert renewed != weak and "m=19456,t=2,p=1" in renewed
    assert accounts.check_password(stored(app, user.id), PASSWORD)


@pytest.mark.parametrize("password", ["JustinBieber", "startfinding", "QWERTYUIOPAS"])
def test_a_password_on_the_common_list_is_refused_whatever_its_case(password: str) -> None:
    assert accounts.password_problem(password) is not None
    assert accounts.password_problem("paarden-batterij-nietje-7") is None
    assert accounts.password_problem("kort") == "password: at least 12 characters"


def test_find_ends_a_timed_out_login_and_renews_a_live_one_once_a_minute(
    store_app: Flask,
) -> None:
    user = make_user(store_app, role="counsellor", desk="police")
    limits = {"idle_minutes": 30, "session_hours": 12}
    engine = store_app.extensions["loket.engine"]
    with session_scope(engine) as session:
        live, old = (logins.start(session=session, user=user, source="") for _ in range(2))
    with session_scope(engine) as session:
        rows = {r.token_hash: r for r in session.exec(select(LoginSession)).all()}
        rows[accounts.token_hash(live)].last_seen_at = utcnow() - timedelta(seconds=90)
        rows[accounts.token_hash(old)].last_seen_at = utcnow() - timedelta(minutes=31)
        session.add_all(rows.values())
    with session_scope(engine) as session:
        assert logins.find(session=session, token=old, **limits) is None
        found = logins.find(session=session, token=live, **limits)
        assert found is not None and utcnow() - found.last_seen_at < timedelta(seconds=5)
    with session_scope(engine) as session:
        assert logins.lookup(session=session, token=old) is None
        logins.end_all(session=session, user_id=user.id or 0)
    with session_scope(engine) as session:
        assert logins.find(session=session, token=live, **limits) is None
