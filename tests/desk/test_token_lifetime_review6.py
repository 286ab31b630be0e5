"""A counsellor keeps a page open through a long conversation (review 6): the form's token
lasts as long as the login it belongs to can (LOKET_STAFF_SESSION_HOURS), not Flask-WTF's
default hour, so a reply written on a page opened two hours ago is sent, not refused."""

from __future__ import annotations

import time

import pytest
from flask import Flask
from sqlmodel import Session, select

from loket.store.models import Message
from tests.desk.test_workspace import TOKEN, act, counsellor, engine_of, waiting

REPLY = "Ik ben er nog, neem je tijd."


def test_a_reply_from_a_page_open_two_hours_is_sent(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = waiting(app)
    client, _ = counsellor(app)
    act(client, reference, "claim")
    token = TOKEN.search(client.get(f"/desk/contacts/{reference}").get_data(as_text=True))
    assert token
    opened = time.time()
    monkeypatch.setattr(time, "time", lambda: opened + 2 * 3600)  # the token's clock
    answer = client.post(f"/desk/contacts/{reference}/reply",
                         data={"csrf_token": token.group(1), "text": REPLY})
    assert answer.status_code in (200, 303), answer.get_data(as_text=True)[:300]
    with Session(engine_of(app)) as session:
        assert [m.body for m in session.exec(select(Message))] == [REPLY]


def test_a_token_lasts_no_longer_than_a_staff_login(app: Flask) -> None:
    settings = app.config["LOKET"]
    assert app.config["WTF_CSRF_TIME_LIMIT"] == settings.staff_session_hours * 3600
