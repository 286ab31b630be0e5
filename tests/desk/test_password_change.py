"""Passwords on the staff pages: one's own changed with the current one, a temporary one set
by an admin and changed at the next login; refusals keep nothing typed; all audited."""

from __future__ import annotations

import re

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select
from werkzeug.test import TestResponse

from loket.domain import accounts, logins
from loket.store.db import session_scope
from loket.store.models import AuditEvent, LoginSession, User
from tests.desk.helpers import PASSWORD, api_token, log_in, make_user
from tests.domain.test_passwords import lock_out

NEW = "fietsbel-regenjas-koffie-9"
TEMPORARY = "tijdelijk-zomer-appel-31"


def csrf(client: FlaskClient, path: str = "/desk/password") -> str:
    page = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
    assert found, page
    return found.group(1)


def change(client: FlaskClient, current: str = PASSWORD, new: str = NEW,
           again: str | None = None, path: str = "/desk/password") -> TestResponse:
    return client.post(path, data={
        "csrf_token": csrf(client), "current_password": current, "new_password": new,
        "new_password_again": new if again is None else again,
    })


def log_in_by_pages(client: FlaskClient, user: User, password: str) -> TestResponse:
    """Log in as a person does: the password, then the code; return the last answer."""
    first = client.post("/desk/login", data={
        "email": user.email, "password": password, "csrf_token": csrf(client, "/desk/login")})
    if first.status_code != 303:
        return first
    code = pyotp.TOTP(user.totp_secret or "").now()
    return client.post("/desk/second-factor", data={
        "code": code, "csrf_token": csrf(client, "/desk/second-factor")})


def stored(app: Flask, user_id: int | None) -> User:
    with session_scope(app.extensions["loket.engine"]) as session:
        user = session.get(User, user_id)
        assert user is not None
        return user


def audit_details(app: Flask) -> list[tuple[str, int | None, str]]:
    with session_scope(app.extensions["loket.engine"]) as session:
        return [(line.actor, line.user_id, line.detail) for line in
                session.exec(select(AuditEvent).order_by(AuditEvent.id)).all()]


def session_token(client: FlaskClient) -> str | None:
    with client.session_transaction() as flask_session:
        return flask_session.get("_user_id")


def test_the_page_asks_for_a_login_and_is_linked_from_every_staff_page(app: Flask) -> None:
    answer = app.test_client().get("/desk/password")
    assert answer.status_code == 302 and "/desk/login" in answer.location
    for role, desk, home in (("counsellor", "police", "/desk"), ("manager", "veterans",
                             "/desk/manager"), ("admin", None, "/desk/admin")):
        client = app.test_client()
        log_in(client, app, make_user(app, role=role, desk=desk))
        assert 'href="/desk/password">Wachtwoord wijzigen<' in client.get(home).get_data(
            as_text=True)
        page = client.get("/desk/password?lang=en").get_data(as_text=True)
        assert "Current password" in page and "New password again" in page


def test_after_a_change_the_old_password_is_refused_and_the_new_one_logs_in(
    store_app: Flask,
) -> None:
    user = make_user(store_app, role="counsellor", desk="police")
    client = store_app.test_client()
    log_in(client, store_app, user)
    done = change(client)
    assert done.status_code == 303 and done.location.endswith("/desk")
    assert "Je wachtwoord is gewijzigd" in client.get("/desk").get_data(as_text=True)
    fresh = store_app.test_client()
    assert log_in_by_pages(fresh, user, PASSWORD).status_code == 401
    again = store_app.test_client()
    arrived = log_in_by_pages(again, user, NEW)
    assert arrived.status_code == 303 and arrived.location.endswith("/desk")
    assert again.get("/desk").status_code == 200
    ((actor, user_id, detail),) = audit_details(store_app)
    assert (actor, user_id) == ("user", user.id)
    assert detail.startswith(f"user={user.id} password changed")


def test_a_change_ends_the_other_logins_and_keeps_this_one_under_a_new_token(
    app: Flask,
) -> None:
    user = make_user(app, role="manager", desk="police")
    mine, other, colleague = app.test_client(), app.test_client(), app.test_client()
    before = log_in(mine, app, user)
    log_in(other, app, user)
    log_in(colleague, app, make_user(app, role="manager", desk="police"))
    assert change(mine).status_code == 303
    assert session_token(mine) not in (None, before)
    assert mine.get("/desk/manager").status_code == 200
    assert other.get("/desk/manager").status_code == 302  # back to the login page
    assert colleague.get("/desk/manager").status_code == 200
    with session_scope(app.extensions["loket.engine"]) as session:
        live = session.exec(select(LoginSession).where(
            LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))).all()  # type: ignore[union-attr]
        assert [row.token_hash for row in live] == [accounts.token_hash(session_token(mine) or "")]


@pytest.mark.parametrize(
    ("current", "new", "again", "reason"),
    [
        ("verkeerd-wachtwoord-1", NEW, None,
         "huidig wachtwoord: dat klopt niet"),
        (PASSWORD, NEW, "fietsbel-regenjas-thee-9",
         "nieuw wachtwoord nog een keer: dat is niet hetzelfde"),
        (PASSWORD, "kort-1", None, "nieuw wachtwoord: minstens 12 tekens"),
        (PASSWORD, "Welkom2024!!", None, "nieuw wachtwoord: te gebruikelijk"),
        (PASSWORD, "asdfghjklasdf", None, "nieuw wachtwoord: een toetsenbordpatroon"),
        (PASSWORD, PASSWORD, None, "nieuw wachtwoord: dat is je huidige wachtwoord"),
        ("", NEW, None, "vul alle drie de velden in"),
    ],
)
def test_a_refusal_is_400_with_its_reason_and_keeps_nothing_typed(
    app: Flask, current: str, new: str, again: str | None, reason: str
) -> None:
    user = make_user(app, role="counsellor", desk="veterans")
    client = app.test_client()
    log_in(client, app, user)
    answer = change(client, current, new, again)
    assert answer.status_code == 400
    page = answer.get_data(as_text=True)
    assert f"Je wachtwoord is niet gewijzigd: {reason}" in page
    for typed in {current, new, again} - {None, ""}:
        assert f'value="{typed}"' not in page and str(typed) not in page
    assert accounts.check_password(stored(app, user.id), PASSWORD)
    assert audit_details(app) == []
    assert client.get("/desk").status_code == 200  # still logged in


def test_a_refusal_is_explained_in_english_on_the_english_page(app: Flask) -> None:
    client = app.test_client()
    log_in(client, app, make_user(app, role="counsellor", desk="police"))
    client.get("/desk/password?lang=en")
    answer = change(client, again="something-else-12")
    assert answer.status_code == 400
    assert ("Your password was not changed: new password again: that is not the same as the "
            "new password") in answer.get_data(as_text=True)


def test_a_wrong_current_password_counts_toward_the_lockout(app: Flask) -> None:
    user = make_user(app, role="counsellor", desk="police")
    client = app.test_client()
    log_in(client, app, user)
    attempts = app.config["LOKET"].login_attempts
    for n in range(attempts):
        assert change(client, current=f"geraden-wachtwoord-{n}").status_code == 400
    after = stored(app, user.id)
    assert after.failed_logins == attempts and logins.locked(after)
    locked = change(client)  # the right one now: held back by the lockout all the same
    assert locked.status_code == 400
    assert "te veel mislukte pogingen" in locked.get_data(as_text=True)
    assert accounts.check_password(stored(app, user.id), PASSWORD)
    assert log_in_by_pages(app.test_client(), user, PASSWORD).status_code == 401


def test_an_admin_sets_a_temporary_password_that_clears_the_lockout_and_ends_logins(
    store_app: Flask,
) -> None:
    admin = make_user(store_app, role="admin", email="admin@example.org")
    user = make_user(store_app, role="counsellor", desk="police", email="c@example.org")
    boss, theirs = store_app.test_client(), store_app.test_client()
    log_in(boss, store_app, admin), log_in(theirs, store_app, user)
    lock_out(store_app, user.id, 9)
    assert "geblokkeerd na mislukte pogingen" in boss.get("/desk/admin").get_data(as_text=True)
    answer = boss.post(f"/desk/admin/users/{user.id}/password",
                       data={"csrf_token": csrf(boss, "/desk/admin"), "password": TEMPORARY})
    assert answer.status_code == 303
    page = boss.get("/desk/admin").get_data(as_text=True)
    assert "Tijdelijk wachtwoord ingesteld" in page and TEMPORARY not in page
    assert "kiest bij de volgende login een wachtwoord" in page
    after = stored(store_app, user.id)
    assert after.failed_logins == 0 and after.locked_until is None
    assert after.must_change_password and accounts.check_password(after, TEMPORARY)
    assert theirs.get("/desk").status_code == 302  # their login ended
    assert audit_details(store_app) == [("admin", admin.id, (
        f"user={user.id} temporary password set, lockout cleared, 1 login(s) ended"))]


def test_a_temporary_password_leads_every_staff_page_to_the_password_page_until_changed(
    app: Flask,
) -> None:
    admin = make_user(app, role="admin")
    user = make_user(app, role="counsellor", desk="police")
    token = api_token(app, user)
    boss = app.test_client()
    log_in(boss, app, admin)
    boss.post(f"/desk/admin/users/{user.id}/password",
              data={"csrf_token": csrf(boss, "/desk/admin"), "password": TEMPORARY})
    client = app.test_client()
    arrived = log_in_by_pages(client, user, TEMPORARY)
    assert arrived.status_code == 303
    for path in ("/desk", "/desk/break-glass", "/desk/queue/rows", "/desk/admin"):
        held = client.get(path)
        assert held.status_code == 303, path
        assert held.location.startswith("/desk/password?next="), path
    posted = client.post("/desk/availability",
                         data={"csrf_token": csrf(client), "status": "available"})
    assert posted.status_code == 303 and posted.location == "/desk/password"
    assert stored(app, user.id).availability == "away"
    page = client.get("/desk/password").get_data(as_text=True)
    assert "Je bent ingelogd met een tijdelijk wachtwoord" in page
    assert "Tijdelijk wachtwoord" in page
    # The API, with its token, is not held back.
    api = client.get("/api/v1/queue/police", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200
    done = change(client, current=TEMPORARY, path="/desk/password?next=/desk/break-glass")
    assert done.status_code == 303 and done.location.endswith("/desk/break-glass")
    assert client.get("/desk").status_code == 200
    assert not stored(app, user.id).must_change_password
    assert [detail for _, _, detail in audit_details(app)][-1].startswith(
        f"user={user.id} password changed")


def test_an_admin_changes_their_own_password_on_their_own_page_not_the_admin_form(
    app: Flask,
) -> None:
    admin = make_user(app, role="admin")
    client = app.test_client()
    log_in(client, app, admin)
    page = client.get("/desk/admin").get_data(as_text=True)
    assert f'/desk/admin/users/{admin.id}/password"' not in page
    assert "Je eigen wachtwoord wijzigen" in page
    answer = client.post(f"/desk/admin/users/{admin.id}/password",
                         data={"csrf_token": csrf(client, "/desk/admin"), "password": NEW})
    assert answer.status_code == 400
    assert "je eigen wachtwoord wijzig je via Wachtwoord wijzigen" in answer.get_data(
        as_text=True)
    after = stored(app, admin.id)
    assert accounts.check_password(after, PASSWORD) and not after.must_change_password
    assert audit_details(app) == []


def test_the_admin_form_refuses_a_bad_password_naming_it(app: Flask) -> None:
    user = make_user(app, role="counsellor", desk="police")
    client = app.test_client()
    log_in(client, app, make_user(app, role="admin"))
    answer = client.post(f"/desk/admin/users/{user.id}/password",
                         data={"csrf_token": csrf(client, "/desk/admin"), "password": "kort"})
    assert answer.status_code == 400
    assert "Dat lukte niet: wachtwoord: minstens 12 tekens" in answer.get_data(as_text=True)
    missing = client.post("/desk/admin/users/9999/password",
                          data={"csrf_token": csrf(client, "/desk/admin"), "password": NEW})
    assert missing.status_code == 404
    assert accounts.check_password(stored(app, user.id), PASSWORD)
    assert audit_details(app) == []


@pytest.mark.parametrize(("role", "desk"), [("counsellor", "police"), ("manager", "police")])
def test_a_counsellor_or_manager_cannot_set_anyones_password(
    app: Flask, role: str, desk: str
) -> None:
    victim = make_user(app, role="admin")
    client = app.test_client()
    log_in(client, app, make_user(app, role=role, desk=desk))
    answer = client.post(f"/desk/admin/users/{victim.id}/password",
                         data={"csrf_token": csrf(client), "password": NEW})
    assert answer.status_code == 403
    assert accounts.check_password(stored(app, victim.id), PASSWORD)
    assert audit_details(app) == []
