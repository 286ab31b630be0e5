"""Who is asking: `staff_required` on pages and API calls, bearer tokens, the tests' helpers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Blueprint, Flask, jsonify
from sqlmodel import select

from loket.desk.identity import current_staff, staff_required
from loket.domain import accounts
from loket.store.db import session_scope
from loket.store.models import ApiToken
from loket.store.types import utcnow
from tests.desk.helpers import api_token, log_in, make_user


@pytest.fixture
def probe_app(app: Flask) -> Flask:
    """The app with a page and an API call that only counsellors and managers may use."""
    bp = Blueprint("probe", __name__)

    @bp.get("/desk/probe")
    @staff_required("counsellor", "manager")
    def page() -> str:
        user = current_staff()
        assert user is not None
        return f"page for {user.id}"

    @bp.get("/api/v1/probe")
    @staff_required("counsellor", "manager")
    def call() -> object:
        user = current_staff()
        assert user is not None
        return jsonify(user_id=user.id, role=user.role, desk=user.desk)

    app.register_blueprint(bp)
    return app


def test_a_page_sends_whoever_is_not_logged_in_to_the_login_page(probe_app: Flask) -> None:
    answer = probe_app.test_client().get("/desk/probe?tab=2")
    assert answer.status_code == 302
    assert "/desk/login?next=/desk/probe?tab%3D2" in answer.location


def test_a_page_of_another_role_is_403(probe_app: Flask) -> None:
    client = probe_app.test_client()
    log_in(client, probe_app, make_user(probe_app, role="admin"))
    assert client.get("/desk/probe").status_code == 403


def test_a_logged_in_user_of_the_role_gets_the_page(store_app: Flask) -> None:
    bp = Blueprint("probe", __name__)
    bp.add_url_rule(
        "/desk/probe", "page", staff_required("counsellor")(lambda: str(current_staff()))
    )
    store_app.register_blueprint(bp)
    client = store_app.test_client()
    user = make_user(store_app, role="counsellor", desk="police", email="anna@example.org")
    log_in(client, store_app, user)
    assert "anna@example.org" in client.get("/desk/probe").get_data(as_text=True)


def test_a_bearer_token_resolves_to_its_user_with_their_rights(probe_app: Flask) -> None:
    user = make_user(probe_app, role="counsellor", desk="veterans")
    token = api_token(probe_app, user)
    answer = probe_app.test_client().get(
        "/api/v1/probe", headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 200
    assert answer.get_json() == {"user_id": user.id, "role": "counsellor", "desk": "veterans"}
    with session_scope(probe_app.extensions["loket.engine"]) as session:
        stored = session.exec(select(ApiToken.token_hash)).one()
        assert stored == accounts.token_hash(token) and token not in stored


def test_an_admin_token_is_refused_a_counsellors_call(probe_app: Flask) -> None:
    token = api_token(probe_app, make_user(probe_app, role="admin"))
    answer = probe_app.test_client().get(
        "/api/v1/probe", headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 403 and "role" in answer.get_json()["error"]


@pytest.mark.parametrize("how", ["none", "wrong", "expired", "revoked", "disabled", "cookie"])
def test_the_api_answers_401_without_a_valid_token(probe_app: Flask, how: str) -> None:
    user = make_user(probe_app, role="counsellor", desk="police")
    client = probe_app.test_client()
    token = api_token(probe_app, user, expires_days=1)
    with session_scope(probe_app.extensions["loket.engine"]) as session:
        row = session.exec(select(ApiToken)).one()
        if how == "expired":
            row.expires_at = utcnow() - timedelta(seconds=1)
        if how == "revoked":
            accounts.revoke_tokens(session=session, token=token)
        if how == "disabled":
            accounts.set_active(session=session, user_id=user.id or 0, active=False, admin_id=None)
        session.add(row)
    headers = {"Authorization": f"Bearer {token}"}
    if how == "none":
        headers = {}
    if how == "wrong":
        headers = {"Authorization": "Bearer lk_not-a-token"}
    if how == "cookie":  # a browser's login never calls the API: only a bearer token does
        log_in(client, probe_app, user)
        headers = {}
    answer = client.get("/api/v1/probe", headers=headers)
    assert answer.status_code == 401
    assert answer.get_json()["error"].startswith("authorization")


def test_the_layout_shows_the_pages_of_the_role_and_logout(app: Flask) -> None:
    client = app.test_client()
    log_in(client, app, make_user(app, role="admin", name="Bea Beheer"))
    page = client.get("/desk/admin").get_data(as_text=True)
    assert 'href="/desk/admin"' in page and 'action="/desk/logout"' in page
    assert 'href="/desk/manager"' not in page and "Bea Beheer" in page
    assert 'class="skip-link"' in page and "<script>" not in page and "style=" not in page
    english = client.get("/desk/admin?lang=en").get_data(as_text=True)
    assert "Log out" in english and "Uitloggen" in page
