"""The shared intake: callbacks within their window, and a crisis never parked as a callback."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlmodel import select

from loket import rules_runtime
from loket.intake import (
    ContactIn,
    callback_window,
    escalate,
    open_contact,
    request_callback,
    route_contact,
)
from loket.store.db import session_scope
from loket.store.models import CallbackRequest, Outbox

AMS = ZoneInfo("Europe/Amsterdam")


def test_a_crisis_escalation_makes_the_callback_callable_at_once_and_answers_now(
    store_app: Flask,
) -> None:
    with store_app.app_context(), session_scope(store_app.extensions["loket.engine"]) as session:
        contact = open_contact(
            session, ContactIn(channel="webform", organisation="police", preference="callback")
        )
        route_contact(session, contact, rules_runtime.decide)
        assert (contact.status, contact.respond, contact.crisis) == ("callback", "callback", False)
        request_callback(session, contact, phone="+31612345678", window="evening")
        assert escalate(session, contact, rules_runtime.decide)
        assert (contact.crisis, contact.priority, contact.respond) == (True, "urgent", "now")
        assert contact.status == "waiting" and contact.desk == "police"
        callbacks = session.exec(select(CallbackRequest)).all()
        assert [c.status for c in callbacks] == ["crisis"]  # its number: called at once
        assert not escalate(session, contact, rules_runtime.decide)  # already a crisis
        urgent = [row for row in session.exec(select(Outbox)) if row.args["_queue"] == "urgent"]
        assert len(urgent) == 1


def test_a_crisis_contact_is_never_only_called_back(app: Flask) -> None:
    with app.app_context(), session_scope(app.extensions["loket.engine"]) as session:
        contact = open_contact(session, ContactIn(channel="webform", risk="acute"))
        route_contact(session, contact, rules_runtime.decide)
        assert contact.crisis and contact.respond == "now"
        with pytest.raises(ValueError, match="crisis"):
            request_callback(session, contact, phone="+31612345678")


@pytest.mark.parametrize(
    ("at", "window", "start", "end"),
    [
        (datetime(2026, 12, 1, 10, 0, tzinfo=AMS), "evening", (1, 18, 0), (1, 21, 0)),
        (datetime(2026, 12, 1, 19, 30, tzinfo=AMS), "evening", (1, 19, 30), (1, 21, 0)),
        (datetime(2026, 12, 1, 21, 0, tzinfo=AMS), "evening", (2, 18, 0), (2, 21, 0)),
        (datetime(2026, 12, 1, 23, 59, tzinfo=AMS), "tomorrow", (2, 9, 0), (2, 12, 0)),
        (datetime(2026, 3, 28, 10, 0, tzinfo=AMS), "tomorrow", (29, 9, 0), (29, 12, 0)),
    ],
)
def test_callback_windows_are_amsterdam_time(
    at: datetime, window: str, start: tuple[int, int, int], end: tuple[int, int, int]
) -> None:
    begin, finish = callback_window(window, at)
    local = begin.astimezone(AMS), finish.astimezone(AMS)
    assert (local[0].day, local[0].hour, local[0].minute) == start
    assert (local[1].day, local[1].hour, local[1].minute) == end
    with pytest.raises(ValueError, match="window"):
        callback_window("midnight", at)
