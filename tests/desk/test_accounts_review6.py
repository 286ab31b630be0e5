"""Staff accounts from an attacker's and an administrator's side (review 6): wrong passwords
posted at once, a password the login page could never take, a lost authenticator reset for
a locked-out counsellor, the enrolment in the audit log."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from loket.cli import main
from loket.domain import accounts
from loket.store.db import session_scope
from loket.store.models import AuditEvent
from tests.conftest import POSTGRES_URL
from tests.desk.helpers import PASSWORD, log_in, make_user
from tests.desk.test_login import code_of, csrf, post_code, post_password, stored

WRONG = "wrong password!"
LONGEST = ("paard-" * 40)[:200]  # the longest password the login page takes


def test_wrong_passwords_posted_at_once_each_count_toward_the_lockout(
    postgres_app: Flask, make_app: Callable[..., Flask],
) -> None:
    # postgres_app emptied the database; this app counts to a lockout far away, so that
    # every wrong password below is tried on an account that is not locked yet.
    app = make_app(database_url=POSTGRES_URL, login_attempts=50)
    user = make_user(app, role="counsellor", desk="police")
    clients = [app.test_client() for _ in range(8)]
    tokens = [csrf(client, "/desk/login") for client in clients]
    start = threading.Barrier(len(clients))
    answers: list[int] = []

    def post(n: int, client: FlaskClient, token: str) -> None:
        start.wait()
        answers.append(client.post(
            "/desk/login", data={"email": user.email, "password": WRONG, "csrf_token": token},
            environ_base={"REMOTE_ADDR": f"10.4.0.{n}"},
        ).status_code)

    threads = [threading.Thread(target=post, args=(n, client, token))
               for n, (client, token) in enumerate(zip(clients, tokens, strict=True))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [401] * 8
    # Eight guesses at once are eight failures, not one: the lockout comes as soon.
    assert stored(app, user.id).failed_logins == 8


def admin_post(client: FlaskClient, path: str, **data: str):
    return client.post(path, data={"csrf_token": csrf(client, "/desk/admin"), **data})


def test_a_password_longer_than_the_login_page_takes_is_never_set(app: Flask) -> None:
    admin = make_user(app, role="admin", email="boss@example.org")
    user = make_user(app, role="counsellor", desk="police")
    boss = app.test_client()
    log_in(boss, app, admin)
    too_long = LONGEST + "x"
    answer = admin_post(boss, f"/desk/admin/users/{user.id}/password", password=too_long)
    assert answer.status_code == 400
    assert "wachtwoord: hooguit 200 tekens" in answer.get_data(as_text=True)
    added = admin_post(boss, "/desk/admin/users", email="nina@example.org", role="manager",
                       desk="police", password=too_long)
    assert added.status_code == 400
    assert "wachtwoord: hooguit 200 tekens" in added.get_data(as_text=True)
    # The old password still opens the account; the longest one the page takes works.
    assert post_password(app.test_client(), user.email).status_code == 303
    assert admin_post(boss, f"/desk/admin/users/{user.id}/password",
                      password=LONGEST).status_code == 303
    assert post_password(app.test_client(), user.email, LONGEST).status_code == 303


def test_a_new_password_longer_than_the_login_page_takes_is_refused_on_the_own_page(
    app: Flask,
) -> None:
    user = make_user(app, role="counsellor", desk="police")
    client = app.test_client()
    log_in(client, app, user)
    too_long = LONGEST + "x"
    answer = client.post("/desk/password", data={
        "csrf_token": csrf(client, "/desk/password"), "current_password": PASSWORD,
        "new_password": too_long, "new_password_again": too_long})
    assert answer.status_code == 400
    assert "nieuw wachtwoord: hooguit 200 tekens" in answer.get_data(as_text=True)
    assert post_password(app.test_client(), user.email).status_code == 303


def test_a_locked_out_counsellor_whose_authenticator_is_reset_can_enrol_at_once(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(login_attempts=3)
    admin = make_user(app, role="admin", email="boss@example.org")
    user = make_user(app, role="counsellor", desk="veterans")
    # Their phone is lost: they try codes from memory and lock themselves out.
    client = app.test_client()
    assert post_password(client, user.email).status_code == 303
    for _ in range(3):
        assert post_code(client, "000000").status_code == 401
    assert stored(app, user.id).locked_until is not None
    boss = app.test_client()
    log_in(boss, app, admin)
    assert admin_post(boss, f"/desk/admin/users/{user.id}/reset_factor").status_code == 303
    # The admin has spoken to them: the account opens for enrolment now, not in an hour.
    assert "geblokkeerd na mislukte pogingen" not in boss.get("/desk/admin").get_data(as_text=True)
    again = app.test_client()
    step = post_password(again, user.email)
    assert step.status_code == 303 and step.location.endswith("/desk/enrol")
    fresh = stored(app, user.id)
    assert post_code(again, code_of(fresh), "/desk/enrol").status_code == 200


def test_an_enrolment_and_a_spent_recovery_code_are_in_the_audit_log(app: Flask) -> None:
    admin = make_user(app, role="admin", email="boss@example.org")
    user = make_user(app, role="counsellor", desk="debasis")
    boss = app.test_client()
    log_in(boss, app, admin)
    admin_post(boss, f"/desk/admin/users/{user.id}/reset_factor")
    client = app.test_client()
    post_password(client, user.email)
    sheet = post_code(client, code_of(stored(app, user.id)), "/desk/enrol")
    assert sheet.status_code == 200
    first = re.findall(r"<li>([0-9a-f]{6}-[0-9a-f]{6})</li>", sheet.get_data(as_text=True))[0]
    client.post("/desk/logout", data={"csrf_token": csrf(client, "/desk/login")})
    post_password(client, user.email)
    assert post_code(client, first).status_code == 303
    with session_scope(app.extensions["loket.engine"]) as session:
        details = [(line.user_id, line.actor, line.detail) for line in session.exec(
            select(AuditEvent).order_by(AuditEvent.id)).all()]
    assert (user.id, "user", f"user={user.id} second factor enrolled") in details
    assert (user.id, "user", f"user={user.id} recovery code used, 9 left") in details


def test_the_command_line_refuses_a_password_the_login_page_could_never_take(
    app: Flask, cli_env: dict[str, str],
) -> None:
    user = make_user(app, role="admin", email="enige-beheerder@example.org")
    result = CliRunner().invoke(main, ["user", "password", "--email", user.email],
                                input=LONGEST + "x\n")
    assert result.exit_code == 2
    assert "wachtwoord (stdin): hooguit 200 tekens" in result.output
    added = CliRunner().invoke(main, ["user", "add", "--email", "nina@example.org", "--role",
                                      "manager"], input=LONGEST + "x\n")
    assert added.exit_code == 2
    assert "wachtwoord (stdin): hooguit 200 tekens" in added.output
    assert post_password(app.test_client(), user.email).status_code == 303


@pytest.mark.parametrize("password", ["Zomer2026!!!!", "winter2025!!!", "Herfst202512",
                                      "Voorjaar2026!", "Summer2026!!!", "Veteranen2026",
                                      "Debasis2026!!", "Veteraan2026!"])
def test_a_season_or_desk_and_a_year_is_refused_as_too_common(password: str) -> None:
    # What a password spray tries first, against every account at once.
    assert accounts.password_problem(password) == "password: too common, choose another"


def test_a_logout_from_a_page_open_too_long_says_so_and_the_next_press_works(
    app: Flask,
) -> None:
    user = make_user(app, role="counsellor", desk="police")
    client = app.test_client()
    log_in(client, app, user)
    app.config["WTF_CSRF_TIME_LIMIT"] = 1  # an hour, in production
    stale = csrf(client, "/desk")
    time.sleep(2.1)
    answer = client.post("/desk/logout", data={"csrf_token": stale})
    # Not a bare "bad request" a counsellor walks away from, logged in on a shared computer.
    assert answer.status_code == 400
    page = answer.get_data(as_text=True)
    assert "Je bent nog niet uitgelogd" in page
    assert client.get("/desk").status_code == 200
    fresh = re.search(r'action="/desk/logout"[^>]*>\s*<input type="hidden" name="csrf_token" '
                      r'value="([^"]+)"', page)
    assert fresh
    out = client.post("/desk/logout", data={"csrf_token": fresh.group(1)})
    assert out.status_code == 303 and "/desk/login" in out.location
    assert client.get("/desk").status_code == 302


def test_an_admin_page_open_too_long_says_nothing_was_done_and_leads_back(app: Flask) -> None:
    admin = make_user(app, role="admin", email="boss@example.org")
    user = make_user(app, role="counsellor", desk="police")
    boss = app.test_client()
    log_in(boss, app, admin)
    app.config["WTF_CSRF_TIME_LIMIT"] = 1
    stale = csrf(boss, "/desk/admin")
    time.sleep(2.1)
    answer = boss.post(f"/desk/admin/users/{user.id}/disable", data={"csrf_token": stale},
                       headers={"Accept-Language": "en"})
    assert answer.status_code == 400
    page = answer.get_data(as_text=True)
    assert "This page was open too long: nothing was done" in page
    assert 'href="/desk/admin"' in page
    assert stored(app, user.id).active


def test_a_code_one_step_off_is_taken_and_two_steps_off_is_not(app: Flask) -> None:
    user = make_user(app, role="counsellor", desk="police")
    if time.time() % 30 > 25:  # not across a step's edge while the test runs
        time.sleep(30 - time.time() % 30 + 0.5)
    for step, status in ((-2, 401), (2, 401), (-1, 303)):
        client = app.test_client()
        assert post_password(client, user.email).status_code == 303
        # A phone's clock 30 s off still logs in; a minute off does not.
        assert post_code(client, code_of(user, step)).status_code == status
