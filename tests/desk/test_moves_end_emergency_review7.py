"""An emergency (break-glass) access is given to a counsellor as they are: moved to another
role or desk, or disabled, it ends with the contacts they held (it lasted its hour)."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from loket.store.db import read_scope
from loket.store.models import BreakGlass, User
from loket.store.types import utcnow
from tests.desk.helpers import api_token, log_in, make_user
from tests.desk.test_login import csrf
from tests.desk.test_workspace import counsellor, engine_of, waiting

REASON = "crisis, de politiedesk is bezet"


def admin_posts(app: Flask, path: str, data: dict[str, str]) -> None:
    """Post one of the admin page's forms as an admin."""
    admin = make_user(app, role="admin")
    client = app.test_client()
    log_in(client, app, admin)
    answer = client.post(path, data={**data, "csrf_token": csrf(client, "/desk/admin")})
    assert answer.status_code == 303, answer.get_data(as_text=True)


def opened_by_emergency(app: Flask) -> tuple[str, FlaskClient, User, str]:
    """A veterans counsellor opens a police contact by break-glass (through the API)."""
    reference = waiting(app)
    client, user = counsellor(app, "veterans")
    token = api_token(app, user)
    opened = app.test_client().post(
        f"/api/v1/contacts/{reference}/break-glass", json={"reason": REASON},
        headers={"Authorization": f"Bearer {token}"})
    assert opened.status_code == 200
    assert client.get(f"/desk/contacts/{reference}").status_code == 200
    return reference, client, user, token


def running_grants(app: Flask) -> int:
    with read_scope(engine_of(app)) as session:
        return len([g for g in session.exec(select(BreakGlass)).all()
                    if g.expires_at > utcnow()])


def test_a_move_to_another_desk_ends_the_emergency_access(app: Flask) -> None:
    reference, client, user, _token = opened_by_emergency(app)
    admin_posts(app, f"/desk/admin/users/{user.id}/role",
                {"role": "counsellor", "desk": "debasis"})
    assert client.get(f"/desk/contacts/{reference}").status_code == 404
    assert running_grants(app) == 0


def test_disabling_the_account_ends_it_for_when_it_is_enabled_again(app: Flask) -> None:
    reference, _client, user, _token = opened_by_emergency(app)
    user_id = user.id
    admin_posts(app, f"/desk/admin/users/{user_id}/disable", {})
    assert running_grants(app) == 0
    admin_posts(app, f"/desk/admin/users/{user_id}/enable", {})
    again = app.test_client()
    log_in(again, app, user)
    assert again.get(f"/desk/contacts/{reference}").status_code == 404
