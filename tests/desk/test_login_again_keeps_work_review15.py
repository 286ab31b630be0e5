"""Logging in again in the same browser, as the notice before a login's end offers: the
password step ended the browser's earlier login at once, so the escalation sweep (every
2 s) put back in the queue what the counsellor held and forgot their drafts while they typed
their code -- a crisis chat they were answering could go to a colleague mid-sentence. The
same person's earlier login now stays theirs until the second factor is given, and ends
then; another person's earlier login on a shared computer still ends at the password, and a
logout half-way ends both. On SQLite and PostgreSQL."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, col, select

from loket.queue import escalations
from loket.store.models import LoginSession, User
from tests.desk.helpers import make_user
from tests.desk.test_login import code_of, csrf, post_code, post_password
from tests.desk.test_workspace import act, counsellor, engine_of, stored, waiting


def live_logins(app: Flask, user_id: int | None) -> list[LoginSession]:
    with Session(engine_of(app)) as session:
        return list(session.exec(select(LoginSession).where(
            LoginSession.user_id == user_id, col(LoginSession.ended_at).is_(None))).all())


def sweep(app: Flask) -> None:
    with app.app_context():
        escalations.sweep()


def holding(store_app: Flask) -> tuple[FlaskClient, str, int | None]:
    reference = waiting(store_app, channel="webchat", phone=None, crisis=True)
    client, user = counsellor(store_app)
    assert act(client, reference, "claim").status_code == 303
    return client, reference, user.id


def test_logging_in_again_keeps_what_the_counsellor_holds(store_app: Flask) -> None:
    client, reference, user_id = holding(store_app)
    email = stored_email(store_app, user_id)
    assert post_password(client, email).location.endswith("/desk/second-factor")
    sweep(store_app)  # while they type their code
    assert stored(store_app, reference).assigned_user_id == user_id, (
        "the crisis chat went back to the queue while its counsellor logged in again")
    done = post_code(client, code_of(user_of(store_app, user_id)))
    assert done.status_code == 303
    sweep(store_app)
    assert stored(store_app, reference).assigned_user_id == user_id
    # One login left: the new one; the one it followed ended when the second factor came.
    [login] = live_logins(store_app, user_id)
    assert login.second_factor_at is not None
    assert client.get(f"/desk/contacts/{reference}").status_code == 200


def test_a_logout_half_way_ends_the_earlier_login_too(store_app: Flask) -> None:
    client, reference, user_id = holding(store_app)
    post_password(client, stored_email(store_app, user_id))
    client.post("/desk/logout", data={"csrf_token": csrf(client, "/desk/second-factor")})
    assert live_logins(store_app, user_id) == []
    sweep(store_app)
    assert stored(store_app, reference).assigned_user_id is None  # back in the queue


def test_a_colleague_logging_in_on_the_same_browser_ends_the_earlier_login_at_once(
    store_app: Flask,
) -> None:
    client, reference, user_id = holding(store_app)
    colleague = make_user(store_app, role="counsellor", desk="police")
    post_password(client, colleague.email)
    assert live_logins(store_app, user_id) == []
    sweep(store_app)
    assert stored(store_app, reference).assigned_user_id is None


def user_of(app: Flask, user_id: int | None) -> User:
    with Session(engine_of(app)) as session:
        user = session.get(User, user_id)
        assert user is not None
        return user


def stored_email(app: Flask, user_id: int | None) -> str:
    return str(user_of(app, user_id).email)
