"""The admin's page: only admins; add, disable, enable, reset, role and desk; all audited."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from loket.domain.accounts import check_password
from loket.store.db import session_scope
from loket.store.models import AuditEvent, LoginSession, RecoveryCode, User
from tests.desk.helpers import log_in, make_user

NEW_PASSWORD = "lange-zin-met-woorden-42"


def csrf(client: FlaskClient) -> str:
    page = client.get("/desk/admin").get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


def audit_lines(app: Flask) -> list[AuditEvent]:
    with session_scope(app.extensions["loket.engine"]) as session:
        return list(session.exec(select(AuditEvent).order_by(AuditEvent.id)).all())


def stored(app: Flask, email: str) -> User:
    with session_scope(app.extensions["loket.engine"]) as session:
        return session.exec(select(User).where(User.email == email)).one()


@pytest.fixture
def admin_client(store_app: Flask) -> tuple[Flask, FlaskClient, User]:
    admin = make_user(store_app, role="admin", email="admin@example.org")
    client = store_app.test_client()
    log_in(client, store_app, admin)
    return store_app, client, admin


@pytest.mark.parametrize(("role", "desk"), [("counsellor", "police"), ("manager", "police")])
def test_the_admin_page_is_refused_to_counsellors_and_managers(
    app: Flask, role: str, desk: str
) -> None:
    client = app.test_client()
    log_in(client, app, make_user(app, role=role, desk=desk))
    assert client.get("/desk/admin").status_code == 403
    assert client.post("/desk/admin/users", data={}).status_code in (400, 403)


def test_an_admin_adds_a_user_who_then_enrols_at_first_login(
    admin_client: tuple[Flask, FlaskClient, User],
) -> None:
    app, client, admin = admin_client
    answer = client.post("/desk/admin/users", data={
        "csrf_token": csrf(client), "email": "New@Example.org", "name": "Nina Nieuw",
        "display_name": "Nina", "role": "counsellor", "desk": "veterans",
        "password": NEW_PASSWORD,
    })
    assert answer.status_code == 303
    user = stored(app, "new@example.org")
    assert user.role == "counsellor" and user.desk == "veterans" and user.display_name == "Nina"
    assert check_password(user, NEW_PASSWORD) and user.totp_enrolled_at is None
    page = client.get("/desk/admin").get_data(as_text=True)
    assert "new@example.org" in page and "Gebruiker toegevoegd" in page
    (line,) = audit_lines(app)
    assert line.user_id == admin.id and line.actor == "admin" and line.event == "update"
    assert line.contact_reference is None and line.detail.startswith(f"user={user.id} added")
    assert "example.org" not in line.detail and "Nina" not in line.detail


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("email", "not-an-address", "e-mail: dit is geen e-mailadres"),
        ("password", "short", "wachtwoord: minstens 12 tekens"),
        ("password", "Password1234", "wachtwoord: te gebruikelijk"),
        ("desk", "", "loket: een hulpverlener hoort bij een loket"),
        ("role", "king", "rol: kies hulpverlener, manager of beheerder"),
        ("phone", "0612345678", "telefoon: een internationaal nummer"),
    ],
)
def test_bad_input_for_a_new_user_is_400_naming_the_field_in_dutch_keeping_the_input(
    app: Flask, field: str, value: str, named: str
) -> None:
    client = app.test_client()
    log_in(client, app, make_user(app, role="admin"))
    data = {"csrf_token": csrf(client), "email": "nina@example.org", "name": "Nina de Vries",
            "role": "counsellor", "desk": "veterans", "password": NEW_PASSWORD, field: value}
    answer = client.post("/desk/admin/users", data=data)
    assert answer.status_code == 400
    page = answer.get_data(as_text=True)
    assert f"Dat lukte niet: {named}" in page
    # What was typed stays in the form (the password never comes back).
    if field != "email":
        assert 'value="nina@example.org"' in page
    assert 'value="Nina de Vries"' in page
    if field != "role":
        assert '<option value="counsellor" selected>' in page
    if field != "desk":
        assert '<option value="veterans" selected>' in page
    assert NEW_PASSWORD not in page
    assert audit_lines(app) == []


def test_a_refused_new_user_is_explained_in_english_on_the_english_page(app: Flask) -> None:
    client = app.test_client()
    log_in(client, app, make_user(app, role="admin"))
    client.get("/desk/admin?lang=en")
    data = {"csrf_token": csrf(client), "email": "nina@example.org", "role": "counsellor",
            "desk": "", "password": NEW_PASSWORD}
    answer = client.post("/desk/admin/users", data=data)
    assert answer.status_code == 400
    page = answer.get_data(as_text=True)
    assert "That did not work: desk: a counsellor needs a desk" in page
    assert 'value="nina@example.org"' in page


def test_disable_enable_reset_and_role_are_each_audited(
    admin_client: tuple[Flask, FlaskClient, User],
) -> None:
    app, client, admin = admin_client
    user = make_user(app, role="counsellor", desk="police", email="c@example.org")
    other = app.test_client()
    log_in(other, app, user)
    with session_scope(app.extensions["loket.engine"]) as session:
        session.add(RecoveryCode(user_id=user.id or 0, code_hash="0" * 64))
    base = f"/desk/admin/users/{user.id}"
    for change, data in (
        ("disable", {}), ("enable", {}), ("reset_factor", {}),
        ("role", {"role": "manager", "desk": "veterans"}),
    ):
        answer = client.post(f"{base}/{change}", data={"csrf_token": csrf(client), **data})
        assert answer.status_code == 303, change
    after = stored(app, "c@example.org")
    assert after.active and after.role == "manager" and after.desk == "veterans"
    assert after.totp_enrolled_at is None and after.totp_secret != user.totp_secret
    with session_scope(app.extensions["loket.engine"]) as session:
        assert session.exec(select(RecoveryCode)).all() == []
        assert all(s.ended_at is not None for s in session.exec(
            select(LoginSession).where(LoginSession.user_id == user.id)))
    details = [line.detail for line in audit_lines(app)]
    assert details == [
        f"user={user.id} disabled", f"user={user.id} enabled",
        f"user={user.id} second factor reset", f"user={user.id} role=manager desk=veterans",
    ]
    assert all(line.user_id == admin.id for line in audit_lines(app))


def test_a_counsellor_without_a_desk_and_an_unknown_user_are_refused(app: Flask) -> None:
    admin = make_user(app, role="admin")
    user = make_user(app, role="manager", desk="police")
    client = app.test_client()
    log_in(client, app, admin)
    refused = client.post(f"/desk/admin/users/{user.id}/role",
                          data={"csrf_token": csrf(client), "role": "counsellor", "desk": ""})
    assert refused.status_code == 400
    assert "loket: een hulpverlener hoort bij een loket" in refused.get_data(as_text=True)
    missing = client.post("/desk/admin/users/9999/disable", data={"csrf_token": csrf(client)})
    assert missing.status_code == 404
    myself = client.post(f"/desk/admin/users/{admin.id}/disable",
                         data={"csrf_token": csrf(client)})
    assert myself.status_code == 400
    assert "je kunt jezelf niet uitschakelen" in myself.get_data(as_text=True)
    assert audit_lines(app) == []


def test_an_admin_with_a_desk_is_refused_and_without_one_made(app: Flask) -> None:
    admin = make_user(app, role="admin")
    user = make_user(app, role="counsellor", desk="police")
    client = app.test_client()
    log_in(client, app, admin)
    refused = client.post(f"/desk/admin/users/{user.id}/role",  # the desk still chosen
                          data={"csrf_token": csrf(client), "role": "admin", "desk": "police"})
    assert refused.status_code == 400
    assert "loket: een beheerder hoort bij geen loket" in refused.get_data(as_text=True)
    made = client.post(f"/desk/admin/users/{user.id}/role",
                       data={"csrf_token": csrf(client), "role": "admin", "desk": ""})
    assert made.status_code == 303
    with session_scope(app.extensions["loket.engine"]) as session:
        stored = session.get(User, user.id)
        assert stored is not None and (stored.role, stored.desk) == ("admin", None)


def test_an_admin_sets_the_phone_a_call_rings_first_and_the_trail_keeps_no_number(
    admin_client: tuple[Flask, FlaskClient, User],
) -> None:
    app, client, _ = admin_client
    user = make_user(app, role="counsellor", desk="police", email="p@example.org")
    base = f"/desk/admin/users/{user.id}/phone"
    bad = client.post(base, data={"csrf_token": csrf(client), "phone": "0612"})
    assert bad.status_code == 400 and "telefoon: een internationaal" in bad.get_data(as_text=True)
    assert stored(app, "p@example.org").phone is None
    client.post(base, data={"csrf_token": csrf(client), "phone": "+31 6 1234 5678"})
    assert stored(app, "p@example.org").phone == "+31612345678"
    page = client.get("/desk/admin").get_data(as_text=True)
    assert "+31612345678" not in page and "ingesteld" in page
    assert [line.detail for line in audit_lines(app)][-1] == f"user={user.id} phone set"
