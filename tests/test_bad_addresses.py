"""What no column can hold never reaches the database: an id beyond its integers finds
nothing (404) and a NUL character is refused (PostgreSQL stores none) — never a 500."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.desk.helpers import api_token, log_in, make_user
from tests.desk.test_login import post_password

HUGE_IDS = ("2147483648", "100000000000000000000")


@pytest.mark.parametrize("huge", HUGE_IDS)
@pytest.mark.parametrize(
    ("role", "path"),
    [
        ("admin", "/desk/admin/users/{id}/disable"),
        ("manager", "/desk/manager/callbacks/{id}/again"),
        ("manager", "/desk/manager/callbacks/{id}/close"),
        ("manager", "/desk/manager/break-glass/{id}/reviewed"),
        ("manager", "/desk/flags/{id}/approve"),
        ("manager", "/desk/help/{id}/resolve"),
    ],
)
def test_an_id_beyond_the_database_finds_nothing(
    store_app: Flask, role: str, path: str, huge: str
) -> None:
    client = store_app.test_client()
    log_in(client, store_app, make_user(store_app, role=role,
                                        desk=None if role == "admin" else "police"))
    store_app.config["WTF_CSRF_ENABLED"] = False
    answer = client.post(path.format(id=huge))
    assert answer.status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/desk/contacts/AB%00-CDE",
        "/desk/contacts/AB%00-CDE/trail",
        "/desk/contacts/%00",
    ],
)
def test_a_nul_in_a_reference_on_a_staff_page_finds_nothing(store_app: Flask, path: str) -> None:
    client = store_app.test_client()
    log_in(client, store_app, make_user(store_app, role="counsellor", desk="police"))
    assert client.get(path).status_code == 404


def test_a_nul_in_a_reference_through_the_api_finds_nothing(store_app: Flask) -> None:
    token = api_token(store_app, make_user(store_app, role="counsellor", desk="police"))
    client = store_app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/contacts/AB%00-CDE", headers=headers).status_code == 404
    claimed = client.post("/api/v1/contacts/AB%00-CDE/claim", headers=headers)
    assert claimed.status_code == 404
    assert claimed.get_json()["ok"] is False


def test_a_nul_in_the_login_e_mail_is_refused_with_a_page(store_app: Flask) -> None:
    user = make_user(store_app, role="counsellor", desk="police")
    client = store_app.test_client()
    refused = post_password(client, user.email + "\x00")
    assert refused.status_code == 400
    assert "probeer het opnieuw" in refused.get_data(as_text=True)
    # The account is not locked or harmed: the right e-mail still logs in.
    assert post_password(client, user.email).status_code in (302, 303)


def test_a_nul_in_the_query_is_refused_kindly(store_app: Flask) -> None:
    answer = store_app.test_client().get("/contact?lang=%00")
    assert answer.status_code == 400
    assert "112" in answer.get_data(as_text=True)
