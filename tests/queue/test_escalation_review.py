"""Review of the escalation ladder as the on-call manager meets it: no second text seconds
after a crisis callback's failed attempt raised one; a missing on-call number and an on-call
text that did not go out are said on the manager's page; the steps keep to the clock across
a DST change and after the sweep was away. Store tests run on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlmodel import select

from loket.domain import callbacks, calls
from loket.queue import escalations
from loket.store.db import session_scope
from loket.store.models import Contact
from loket.store.types import utcnow
from tests.conftest import POSTGRES_URL
from tests.desk.helpers import log_in, make_user
from tests.desk.test_workspace import PHONE, act, counsellor, engine_of, waiting
from tests.queue.test_escalation import ONCALL, rows, since, sweep, texts
from tests.twilio_double import TwilioDouble

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


@pytest.fixture(params=["sqlite", "postgres"])
def rest_build(request: pytest.FixtureRequest, rest_app: Callable[..., Flask]
               ) -> Callable[..., Flask]:
    """Build an app sending to the Twilio double, on each engine in turn."""
    if request.param == "sqlite":
        return rest_app
    request.getfixturevalue("postgres_app")  # empties the PostgreSQL test database

    def on_postgres(**overrides: Any) -> Flask:
        return rest_app(database_url=POSTGRES_URL, **overrides)

    return on_postgres


def manager_page(app: Flask) -> str:
    client = app.test_client()
    log_in(client, app, make_user(app, role="manager", desk="police"))
    return client.get("/desk/manager").get_data(as_text=True)


# --- one alarm, not two at once ---------------------------------------------------------------


def test_a_failed_crisis_callback_s_alarm_is_not_followed_by_a_second_seconds_later(
    store_app: Flask,
) -> None:
    # Claimed at once (no alarm), called back half an hour after routing: nobody answers.
    # The failed attempt alarms at once (step 1); the sweep two seconds on must not raise the
    # step the routing clock reached (6): the on-call phone would get two texts for one person.
    crisis = waiting(store_app, crisis=True, seconds_ago=0)
    start = since(store_app, crisis)
    client, _ = counsellor(store_app, desk="police")
    act(client, crisis, "claim")
    failed = start + timedelta(minutes=30)
    with session_scope(engine_of(store_app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == crisis)).one()
        assert contact.id is not None
        callback = callbacks.keep_crisis_reach(session=session, contact=contact, phone=PHONE)
        callback.status, callback.attempts = "in_progress", 1
        session.flush()
        calls.attempt_ended(session=session, callback=callback, outcome="no_answer", now=failed)
    assert [r.step for r in rows(store_app, crisis)] == [1]
    assert sweep(store_app, failed + timedelta(seconds=2)) == []
    assert sweep(store_app, failed + timedelta(minutes=4, seconds=59)) == []
    assert len(sweep(store_app, failed + timedelta(minutes=5))) == 1  # the ladder goes on
    assert sweep(store_app, failed + timedelta(minutes=5, seconds=2)) == []
    assert len(sweep(store_app, failed + timedelta(minutes=10))) == 1


def test_the_ladder_still_keeps_to_the_clock_when_the_sweep_runs_late(store_app: Flask) -> None:
    # Each step raised up to two seconds late (the sweep's period) never delays the next.
    crisis = waiting(store_app, crisis=True, seconds_ago=0)
    start = since(store_app, crisis)
    assert sweep(store_app, start + timedelta(seconds=121.9)) == [1]
    assert sweep(store_app, start + timedelta(minutes=7)) == [2]
    assert sweep(store_app, start + timedelta(minutes=12)) == [3]


# --- what the manager is told -----------------------------------------------------------------


def test_without_an_on_call_number_the_manager_page_says_no_one_is_texted(
    store_app: Flask, make_app: Callable[..., Flask],
) -> None:
    waiting(store_app, crisis=True, seconds_ago=200)
    sweep(store_app, utcnow())
    page = manager_page(store_app)
    assert 'id="no-oncall"' in page and "LOKET_ONCALL_NUMBER" in page


def test_with_an_on_call_number_the_manager_page_does_not_warn(
    rest_build: Callable[..., Flask], twilio_double: TwilioDouble,
) -> None:
    app = rest_build(oncall_number=ONCALL)
    crisis = waiting(app, crisis=True, seconds_ago=200)
    with app.app_context():
        assert escalations.sweep() == 1
    page = manager_page(app)
    assert f"Escalatie: crisis {crisis}" in page
    assert 'id="no-oncall"' not in page and "niet verstuurd" not in page


def test_an_on_call_text_that_did_not_go_out_is_shown_to_the_manager_until_it_does(
    rest_build: Callable[..., Flask], twilio_double: TwilioDouble,
) -> None:
    app = rest_build(oncall_number=ONCALL)
    crisis = waiting(app, crisis=True, seconds_ago=200)
    twilio_double.fail_next(status=500, times=3)
    with app.app_context():
        assert escalations.sweep() == 1
        escalations.sweep()
    [step] = rows(app, crisis)
    assert step.sms_sid is None
    page = manager_page(app)
    line = next(li for li in page.split("<li>") if f"crisis {crisis}" in li)
    assert "sms naar de dienstdoende is (nog) niet verstuurd" in line
    assert PHONE not in page and ONCALL not in page
    with app.app_context():
        escalations.sweep()
        escalations.sweep()
    [step] = rows(app, crisis)
    assert step.sms_sid and step.sms_sid.startswith("SM")
    assert "niet verstuurd" not in manager_page(app)


# --- time -------------------------------------------------------------------------------------


def test_the_steps_keep_to_the_clock_across_the_dst_change_in_amsterdam(
    store_app: Flask,
) -> None:
    # Routed at 01:59 CET on the night the clocks go forward (02:00 CET becomes 03:00 CEST);
    # the sweep's clock given in Amsterdam time: the steps come 2 and 7 real minutes on.
    crisis = waiting(store_app, crisis=True, seconds_ago=0)
    start = datetime(2026, 3, 29, 1, 59, tzinfo=AMSTERDAM)
    with session_scope(engine_of(store_app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == crisis)).one()
        contact.routed_at = start
        session.add(contact)
    assert sweep(store_app, datetime(2026, 3, 29, 3, 0, 59, tzinfo=AMSTERDAM)) == []
    assert sweep(store_app, datetime(2026, 3, 29, 3, 1, tzinfo=AMSTERDAM)) == [1]
    assert sweep(store_app, datetime(2026, 3, 29, 3, 5, 59, tzinfo=AMSTERDAM)) == []
    assert sweep(store_app, datetime(2026, 3, 29, 3, 6, tzinfo=AMSTERDAM)) == [2]


def test_an_alarm_due_while_the_sweep_was_away_rises_at_once_when_it_is_back(
    rest_build: Callable[..., Flask], twilio_double: TwilioDouble,
) -> None:
    app = rest_build(oncall_number=ONCALL)
    crisis = waiting(app, crisis=True, seconds_ago=0)
    start = since(app, crisis)
    with app.app_context():
        assert escalations.sweep(start + timedelta(seconds=120)) == 1
        # Away for 40 minutes: back, the step now due rises at once, with one text.
        assert escalations.sweep(start + timedelta(minutes=42)) == 1
        assert escalations.sweep(start + timedelta(minutes=42, seconds=2)) == 0
    assert [r.step for r in rows(app, crisis)] == [1, 9]
    assert len(twilio_double.received("/Messages.json")) == 2
    assert texts(app) == []  # the REST gateway: nothing in the sandbox's outbox
