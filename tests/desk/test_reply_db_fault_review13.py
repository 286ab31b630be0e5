"""A counsellor's reply or note sent while the database does not answer (review 13): another
writer holds SQLite's write lock, or the contact's row on PostgreSQL, past the lock timeout.

The counsellor got the public 503 page (the person's chat script, the public footer) without
what they typed, and the contact's page showed an empty box again: without JavaScript the
reply was gone. Now the answer is a 503 staff page, in Dutch or English, that says it did not
go through, shows back what the box held to copy, and leads back to the contact; nothing is
sent or stored, and sent again once the database answers, it goes through.

The lock is held from another connection (SQLite's write lock, the contact's row on
PostgreSQL), so the first test runs on both stores; the last stops PostgreSQL answering
altogether (it refuses connections, as while it restarts), where even the login cannot be
looked up.
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

from loket.store.models import Message, Note
from tests.desk.test_expired_forms_review6 import shown_back
from tests.desk.test_workspace import TOKEN, act, counsellor, engine_of, waiting
from tests.test_app_errors import refusing_connections

REPLY = "Dank voor je bericht, Jan. Ik bel je vanavond <om acht uur>, is dat goed voor je?"
NOTE = "Beller klonk rustiger dan gisteren & wil hulp bij de aanvraag."


@contextmanager
def database_locked(app: Flask, reference: str) -> Iterator[None]:
    """Hold, from another connection, SQLite's write lock or the contact's row on PostgreSQL
    (a long transaction elsewhere), so that changing the contact waits past its timeout."""
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
    with engine.connect() as conn, conn.begin():
        conn.execute(text("SELECT id FROM contact WHERE reference = :reference FOR UPDATE"),
                     {"reference": reference})
        yield


def written(app: Flask) -> list[str]:
    """Return the counsellors' replies and notes stored, oldest first."""
    with app.app_context(), Session(engine_of(app)) as session:
        replies = session.exec(select(Message).where(Message.direction == "out")).all()
        notes = session.exec(select(Note)).all()
        return [m.body for m in replies] + [n.body for n in notes]


def page_token(client: FlaskClient, reference: str) -> str:
    """Open the contact's page; return its form token (the page stays open)."""
    token = TOKEN.search(client.get(f"/desk/contacts/{reference}").get_data(as_text=True))
    assert token
    return token.group(1)


def send(client: FlaskClient, reference: str, action: str, body: str, *, token: str,
         lang: str) -> tuple[int, str, str]:
    """Send a reply or note from the contact's page; return the status, the Retry-After
    header and the page answered."""
    answer = client.post(f"/desk/contacts/{reference}/{action}",
                         data={"csrf_token": token, "text": body},
                         headers={"Accept-Language": lang})
    return answer.status_code, answer.headers.get("Retry-After", ""), answer.get_data(as_text=True)


@pytest.mark.parametrize(("action", "body", "lang", "said", "label", "anchor"), [
    ("reply", REPLY, "nl", "waarschijnlijk niet verstuurd of opgeslagen",
     "Je niet verstuurde antwoord", "#conversation"),
    ("note", NOTE, "en", "probably did not go through", "Your note, not saved", "#notes"),
], ids=["reply", "note"])
def test_a_reply_or_note_sent_while_the_database_is_locked_is_shown_back_to_copy(
    store_app: Flask, make_app: Callable[..., Flask],
    action: str, body: str, lang: str, said: str, label: str, anchor: str,
) -> None:
    app = make_app(database_url=store_app.config["LOKET"].database_url,
                   database_lock_timeout_s=0.5)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: answered, not raised
    reference = waiting(app)
    client, _ = counsellor(app)
    assert act(client, reference, "claim").status_code == 303

    token = page_token(client, reference)
    with database_locked(app, reference):
        status, retry_after, page = send(client, reference, action, body, token=token,
                                         lang=lang)

    assert status == 503 and int(retry_after) > 0
    # A staff page that says what happened, with the text to copy and the way back ...
    assert said in page and label in page
    assert shown_back(page, body)
    assert f'href="/desk/contacts/{reference}{anchor}"' in page
    assert "/desk/logout" in page  # the staff layout ...
    assert "chat.js" not in page  # ... not the public page with the person's chat script
    assert written(app) == []  # ... and nothing was sent or stored

    # Once the database answers again, the same text sent again goes through, once.
    status, _, _ = send(client, reference, action, body, token=page_token(client, reference),
                        lang=lang)
    assert status == 303
    assert written(app) == [body]


@pytest.mark.postgres
def test_a_reply_sent_while_postgresql_refuses_connections_is_shown_back_to_copy(
    postgres_app: Flask, postgres_engine: Engine,
) -> None:
    # PostgreSQL restarting: even the login cannot be looked up. Still a 503 staff page with
    # the reply to copy and the way back, not a crash that loses it.
    postgres_app.config["PROPAGATE_EXCEPTIONS"] = False
    reference = waiting(postgres_app)
    client, _ = counsellor(postgres_app)
    assert act(client, reference, "claim").status_code == 303
    token = page_token(client, reference)

    with refusing_connections(postgres_engine):
        status, retry_after, page = send(client, reference, "reply", REPLY, token=token,
                                         lang="nl")

    assert status == 503 and int(retry_after) > 0
    assert "waarschijnlijk niet verstuurd of opgeslagen" in page and shown_back(page, REPLY)
    assert f'href="/desk/contacts/{reference}#conversation"' in page
    assert "chat.js" not in page
    assert written(postgres_app) == []
