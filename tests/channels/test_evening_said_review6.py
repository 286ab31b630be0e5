"""A person who picks "this evening" with under half an hour of it left gets tomorrow
evening's callback (`callbacks.callback_window`), and is told so, on the phone and by
text, as the web pages say it (review 6): "in de avond" at 20:45 promised tonight."""

from __future__ import annotations

from datetime import datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine

from loket.domain import callbacks
from loket.domain.callbacks import AMSTERDAM
from loket.store.models import CallbackRequest
from tests.channels.conftest import rows
from tests.channels.test_messaging import only_contact, walk
from tests.channels.test_voice import Call, callbacks_of, contact_of, said

LATE = datetime(2026, 12, 3, 20, 45, tzinfo=AMSTERDAM)  # 15 minutes of the evening left
EARLY = datetime(2026, 12, 3, 19, 0, tzinfo=AMSTERDAM)


def at(monkeypatch: pytest.MonkeyPatch, moment: datetime) -> None:
    """Set the clock the callback windows read (the window filed and the words said)."""
    monkeypatch.setattr(callbacks, "utcnow", lambda: moment.astimezone(AMSTERDAM))


@pytest.mark.parametrize(("moment", "spoken", "day"), [
    (LATE, "morgenavond tussen 18 en 21 uur", 4), (EARLY, "in de avond tussen 18 en 21 uur", 3),
])
def test_the_phone_says_the_evening_the_callback_falls_on(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch,
    moment: datetime, spoken: str, day: int,
) -> None:
    at(monkeypatch, moment)
    call = Call(client)
    call.walk("1", "2")
    call.press("1")  # this number
    call.press("2")  # the evening
    twiml = call.press("2")  # no voicemail
    [callback] = callbacks_of(app, contact_of(app, call.sid))
    assert callback.window_start.astimezone(AMSTERDAM).day == day
    assert spoken in said(twiml)


@pytest.mark.parametrize(("moment", "texted", "day"), [
    (LATE, "morgenavond tussen 18 en 21 uur", 4), (EARLY, "'s avonds tussen 18 en 21 uur", 3),
])
def test_a_text_says_the_evening_the_callback_falls_on(
    client: FlaskClient, engine: Engine, monkeypatch: pytest.MonkeyPatch,
    moment: datetime, texted: str, day: int,
) -> None:
    at(monkeypatch, moment)
    replies = walk(client, "Hallo", "4", "2", "2")
    assert texted in (replies[-1] or "")
    assert only_contact(engine).status == "callback"
    [callback] = rows(engine, CallbackRequest)
    assert callback.window_start.astimezone(AMSTERDAM).day == day
