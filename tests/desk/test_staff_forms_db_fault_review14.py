"""The manager's, the support and the admin's forms sent while the database does not answer
(review 14): another writer holds SQLite's write lock, or the table on PostgreSQL, past the
lock timeout; or PostgreSQL refuses connections (restarting).

Review 13 gave the contact workspace's forms a 503 staff page that shows back what their box
held; these forms still got the public 503 page (the person's chat script, no way back to
the staff page) and a flag's reason was lost. Now each answers as the workspace does: a 503
staff page, in Dutch or English, that says it probably did not go through, shows back the
free text the form carried (a flag's reason) and leads back to the page it came from
(the contact's, the manager's, the users'); nothing is stored. A page asked for (GET) while
the database does not answer still gets the public 503 page.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from loket.store.models import BreakGlass, HelpRequest, PersonFlag, User
from tests.desk.helpers import log_in, make_user
from tests.desk.test_expired_forms_review6 import shown_back
from tests.desk.test_workspace import TOKEN, act, counsellor, engine_of, post, waiting
from tests.test_app_errors import refusing_connections

REASON = "Scheldt herhaaldelijk medewerkers uit & dreigt <met geweld>"
GRANT_REASON = "Beller noemt zelfdoding, eigen desk onbereikbaar"


@contextmanager
def database_locked(app: Flask, *tables: str) -> Iterator[None]:
    """Hold, from another connection, SQLite's write lock or (a long transaction elsewhere)
    these tables on PostgreSQL, so that changing them waits past the lock timeout; reading
    them (the login, the page) goes on."""
    engine = engine_of(app)
    if engine.dialect.name == "sqlite":
        locker = sqlite3.connect(engine.url.database or "", isolation_level=None)
        locker.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            locker.execute("ROLLBACK")
            locker.close()
        return
    names = ", ".join(f'"{table}"' for table in tables)
    with engine.connect() as conn, conn.begin():
        conn.execute(text(f"LOCK TABLE {names} IN EXCLUSIVE MODE"))
        yield


def impatient(store_app: Flask, make_app: Callable[..., Flask]) -> Flask:
    """Return an app on the same store that waits half a second for a lock, and answers
    a failure as in production (not raised)."""
    app = make_app(database_url=store_app.config["LOKET"].database_url,
                   database_lock_timeout_s=0.5)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


def page_token(client: FlaskClient, path: str) -> str:
    """Open a staff page; return its form token (the page stays open)."""
    token = TOKEN.search(client.get(path).get_data(as_text=True))
    assert token
    return token.group(1)


def sent(client: FlaskClient, path: str, *, token: str, lang: str = "nl",
         **data: str) -> tuple[int, str, str]:
    """Send a staff form; return the status, the Retry-After header and the page answered."""
    answer = client.post(path, data={"csrf_token": token, **data},
                         headers={"Accept-Language": lang})
    return answer.status_code, answer.headers.get("Retry-After", ""), answer.get_data(as_text=True)


def a_staff_page(page: str) -> bool:
    """Tell whether a page is the staff layout, not the public page with the chat script."""
    return "/desk/logout" in page and "chat.js" not in page


def flags(app: Flask) -> list[PersonFlag]:
    with Session(engine_of(app)) as session:
        return list(session.exec(select(PersonFlag)).all())


def test_a_flag_proposed_while_the_database_is_locked_shows_its_reason_back_to_copy(
    store_app: Flask, make_app: Callable[..., Flask],
) -> None:
    app = impatient(store_app, make_app)
    reference = waiting(app)
    client, _ = counsellor(app)
    path = f"/desk/contacts/{reference}/flag"
    token = page_token(client, f"/desk/contacts/{reference}")

    with database_locked(app, "person_flag"):
        status, retry_after, page = sent(client, path, token=token, flag="abusive",
                                         reason=REASON)

    assert status == 503 and int(retry_after) > 0
    # A staff page that says what happened, the reason to copy, and the way back ...
    assert "waarschijnlijk niet verstuurd of opgeslagen" in page
    assert "Je niet verstuurde reden" in page and shown_back(page, REASON)
    assert f'href="/desk/contacts/{reference}"' in page
    assert a_staff_page(page)
    assert flags(app) == []  # ... and nothing was stored

    # Once the database answers again, the same reason sent again goes through, once.
    status, _, _ = sent(client, path, token=page_token(client, f"/desk/contacts/{reference}"),
                        flag="abusive", reason=REASON)
    assert status == 303
    assert [flag.reason for flag in flags(app)] == [REASON]


def test_the_manager_s_buttons_pressed_while_the_database_is_locked_lead_back_to_the_page(
    store_app: Flask, make_app: Callable[..., Flask],
) -> None:
    app = impatient(store_app, make_app)
    # An emergency access to a veterans contact to review (the manager's page's own form) ...
    opened = waiting(app, desk="veterans")
    police, _ = counsellor(app, desk="police")
    post(police, "/desk/break-glass", reference=opened, reason=GRANT_REASON)
    # ... and a help request of a veterans counsellor to mark answered (support's form).
    asked = waiting(app, desk="veterans")
    veteran, _ = counsellor(app, desk="veterans")
    act(veteran, asked, "claim")
    act(veteran, asked, "help")
    boss = app.test_client()
    log_in(boss, app, make_user(app, role="manager", desk="veterans"))
    with Session(engine_of(app)) as session:
        grant_id = session.exec(select(BreakGlass)).one().id
        help_id = session.exec(select(HelpRequest)).one().id
    token = page_token(boss, "/desk/manager")

    for path in (f"/desk/manager/break-glass/{grant_id}/reviewed",
                 f"/desk/help/{help_id}/resolve"):
        with database_locked(app, "break_glass", "help_request"):
            status, retry_after, page = sent(boss, path, token=token, lang="en")
        assert status == 503 and int(retry_after) > 0, path
        assert "That did not work just now" in page, path
        assert "probably did not go through" in page, path
        assert 'href="/desk/manager"' in page and a_staff_page(page), path
        assert "</textarea>" not in page, path  # a button: nothing typed to show back

    with Session(engine_of(app)) as session:  # nothing was changed
        assert session.exec(select(BreakGlass)).one().reviewed_at is None
        assert session.exec(select(HelpRequest)).one().resolved_at is None


def test_a_user_added_while_the_database_is_locked_leads_back_to_the_users(
    store_app: Flask, make_app: Callable[..., Flask],
) -> None:
    app = impatient(store_app, make_app)
    admin = app.test_client()
    log_in(admin, app, make_user(app, role="admin"))
    token = page_token(admin, "/desk/admin")

    with database_locked(app, "user"):
        status, retry_after, page = sent(
            admin, "/desk/admin/users", token=token, email="nieuw@example.org",
            name="Nieuwe Collega", role="counsellor", desk="police",
            password="paarden-batterij-nietje-8")

    assert status == 503 and int(retry_after) > 0
    assert "Even niet gelukt" in page and "dit is waarschijnlijk niet gelukt" in page
    assert 'href="/desk/admin"' in page and a_staff_page(page)
    assert "paarden-batterij-nietje-8" not in page  # never the password
    with Session(engine_of(app)) as session:
        assert session.exec(select(User).where(User.email == "nieuw@example.org")).all() == []


@pytest.mark.postgres
def test_a_flag_proposed_while_postgresql_refuses_connections_shows_its_reason_back(
    postgres_app: Flask, postgres_engine: Engine,
) -> None:
    # PostgreSQL restarting: even the login cannot be looked up. Still a 503 staff page with
    # the reason to copy and the way back; a page asked for gets the public 503 page.
    postgres_app.config["PROPAGATE_EXCEPTIONS"] = False
    reference = waiting(postgres_app)
    client, _ = counsellor(postgres_app)
    token = page_token(client, f"/desk/contacts/{reference}")
    boss = postgres_app.test_client()
    log_in(boss, postgres_app, make_user(postgres_app, role="manager", desk="police"))
    manager_token = page_token(boss, "/desk/manager")

    with refusing_connections(postgres_engine):
        status, retry_after, page = sent(client, f"/desk/contacts/{reference}/flag",
                                         token=token, flag="abusive", reason=REASON)
        pressed = sent(boss, "/desk/manager/break-glass/1/reviewed", token=manager_token)
        asked = boss.get("/desk/manager")

    assert status == 503 and int(retry_after) > 0
    assert "waarschijnlijk niet verstuurd of opgeslagen" in page and shown_back(page, REASON)
    assert f'href="/desk/contacts/{reference}"' in page and "chat.js" not in page
    assert pressed[0] == 503 and 'href="/desk/manager"' in pressed[2]
    assert "dit is waarschijnlijk niet gelukt" in pressed[2]
    assert asked.status_code == 503 and "Even niet beschikbaar" in asked.get_data(as_text=True)
    assert flags(postgres_app) == []
