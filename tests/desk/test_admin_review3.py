"""The admin's page as an admin uses it (review 3): the last admin, a disabled user's API
tokens, the tokens on the page; in Dutch and English."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from loket.store.db import session_scope
from loket.store.models import ApiToken, AuditEvent, User
from tests.desk.helpers import api_token, log_in, make_user


def csrf(client: FlaskClient) -> str:
    page = client.get("/desk/admin").get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


def admin_in(app: Flask) -> tuple[FlaskClient, User]:
    admin = make_user(app, role="admin", email="admin@example.org")
    client = app.test_client()
    log_in(client, app, admin)
    return client, admin


def test_the_last_active_admin_is_kept_and_the_page_says_why_in_dutch_and_english(
    store_app: Flask,
) -> None:
    client, admin = admin_in(store_app)
    other = make_user(store_app, role="admin", email="other@example.org")
    other_client = store_app.test_client()
    log_in(other_client, store_app, other)
    # The first admin disables the other, whose page is still open.
    assert client.post(f"/desk/admin/users/{other.id}/disable",
                       data={"csrf_token": csrf(client)}).status_code == 303
    with session_scope(store_app.extensions["loket.engine"]) as session:
        first = session.get(User, admin.id)
        assert first is not None
        # Seen from the database: two admins at once took each other away; the second
        # change must find that it would leave none.
        from loket.domain import accounts

        try:
            accounts.set_active(session=session, user_id=admin.id or 0, active=False,
                                admin_id=other.id)
        except ValueError as exc:
            line = str(exc)
        else:
            raise AssertionError("the last active admin was disabled")
    from loket.desk.admin import REFUSALS
    from loket.desk.texts import text
    from loket.domain.refusals import refusal_key

    key = refusal_key(line, REFUSALS, "a_bad_input")
    assert key != "a_bad_input"
    assert "laatste" in text(key, "nl") and "last" in text(key, "en")


def test_disabling_a_user_revokes_their_api_tokens_for_good(store_app: Flask) -> None:
    client, _ = admin_in(store_app)
    counsellor = make_user(store_app, role="counsellor", desk="police", email="c@example.org")
    token = api_token(store_app, counsellor)
    api = store_app.test_client()
    bearer = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/v1/queue/police", headers=bearer).status_code == 200
    for change in ("disable", "enable"):
        assert client.post(f"/desk/admin/users/{counsellor.id}/{change}",
                           data={"csrf_token": csrf(client)}).status_code == 303
    # Enabled again, the user logs in anew; a token given out before is not back to life.
    assert api.get("/api/v1/queue/police", headers=bearer).status_code == 401
    with session_scope(store_app.extensions["loket.engine"]) as session:
        assert all(row.revoked for row in session.exec(select(ApiToken)))
        details = [line.detail for line in session.exec(select(AuditEvent))]
    assert f"user={counsellor.id} 1 API token(s) revoked" in details


def test_the_page_shows_each_user_s_live_tokens_and_revokes_them(app: Flask) -> None:
    client, admin = admin_in(app)
    counsellor = make_user(app, role="counsellor", desk="police", email="c@example.org")
    token = api_token(app, counsellor)
    api_token(app, counsellor, expires_days=30)
    page = client.get("/desk/admin").get_data(as_text=True)
    assert "API-tokens: 2" in page
    english = client.get("/desk/admin?lang=en").get_data(as_text=True)
    assert "API tokens: 2" in english and "Revoke API tokens" in english
    client.get("/desk/admin?lang=nl")
    answer = client.post(f"/desk/admin/users/{counsellor.id}/revoke_tokens",
                         data={"csrf_token": csrf(client)}, follow_redirects=True)
    assert answer.status_code == 200
    assert "API-tokens ingetrokken" in answer.get_data(as_text=True)
    assert "API-tokens: 0" in answer.get_data(as_text=True)
    bearer = {"Authorization": f"Bearer {token}"}
    assert app.test_client().get("/api/v1/queue/police", headers=bearer).status_code == 401
    with session_scope(app.extensions["loket.engine"]) as session:
        lines = session.exec(select(AuditEvent)).all()
    assert [(line.detail, line.user_id) for line in lines] == [
        (f"user={counsellor.id} 2 API token(s) revoked", admin.id)]
