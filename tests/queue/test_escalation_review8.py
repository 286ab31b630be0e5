"""Crisis alarms and what Twilio already did, reviewed an eighth time; each test failed before
its fix.

- A crisis banner goes from every desk the moment the contact is claimed (it stayed until the
  next sweep resolved it: 2 s normally, for as long as Redis was away otherwise), and comes
  back as soon as it is let go unserved.
- A database blip while an on-call text's sid is kept no longer sends that text twice (the
  claim went stale and the next sweep sent it again), nor holds up the other steps' texts.
- A database blip while a placed call's sid is kept no longer loses the sid that Twilio's
  status callbacks name.

On SQLite and PostgreSQL; the blip is a real one: another transaction holding the row
(PostgreSQL) or the database's write lock (SQLite) past the lock timeout.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from flask import Flask
from redis import Redis
from sqlalchemy import text as sql
from sqlalchemy.engine import Engine

from loket.domain import escalation
from loket.queue import escalations
from loket.store.types import utcnow
from tests.conftest import POSTGRES_URL
from tests.conftest import _truncate as truncate
from tests.desk.helpers import log_in, make_user
from tests.desk.test_workspace import act, counsellor, engine_of, waiting
from tests.queue.test_answered_calls import caller_in_queue
from tests.queue.test_callbacks import (
    calls_app,  # noqa: F401 - the fixture, on SQLite and PostgreSQL
    counsellor_with_phone,
    legs,
    run_jobs,
)
from tests.queue.test_escalation import ONCALL, rows, sweep
from tests.twilio_double import Recorded, TwilioDouble

HELD_S = 7.0  # longer than the 5 s lock and busy timeouts


@contextmanager
def holding(engine: Engine, table: str, row_id: int, seconds: float) -> Iterator[None]:
    """Hold a row (PostgreSQL) or the whole database's write lock (SQLite) from another
    connection for `seconds` once entered; on leaving, wait for the hold to end."""
    locked, done = threading.Event(), threading.Event()

    def hold() -> None:
        if engine.dialect.name == "sqlite":
            raw = sqlite3.connect(engine.url.database or "", isolation_level=None)
            raw.execute("BEGIN IMMEDIATE")
            locked.set()
            done.wait(seconds)
            raw.execute("ROLLBACK")
            raw.close()
            return
        with engine.connect() as conn, conn.begin():
            conn.execute(sql(f"SELECT id FROM {table} WHERE id = :id FOR UPDATE"),  # noqa: S608 - test's own
                         {"id": row_id})
            locked.set()
            done.wait(seconds)

    holder = threading.Thread(target=hold)
    holder.start()
    assert locked.wait(10)
    try:
        yield
    finally:
        holder.join(seconds + 10)


def hold_once_sent(double: TwilioDouble, engine: Engine, table: str,
                   row_id: Callable[[], int], resource: str, naming: str = ""
                   ) -> list[threading.Thread]:
    """When Twilio takes the first request to `resource` (whose Body names `naming`, when
    given), hold the row `row_id` gives (or the database)
    past the lock timeout before Twilio answers: the sender then meets a database that
    refuses while it keeps the sid. Return the holder threads (to join)."""
    started: list[threading.Thread] = []

    def hook(recorded: Recorded) -> None:
        if (started or not recorded.path.endswith(resource)
                or naming not in recorded.params.get("Body", "")):
            return
        ready = threading.Event()

        def run() -> None:
            with holding(engine, table, row_id(), HELD_S):
                ready.set()

        thread = threading.Thread(target=run)
        started.append(thread)
        thread.start()
        assert ready.wait(10)

    double.before_answer = hook
    return started


# --- the banner -----------------------------------------------------------------------------


def test_a_claimed_crisis_s_banner_goes_from_every_desk_at_once_and_back_when_let_go(
    store_app: Flask,
) -> None:
    crisis = waiting(store_app, crisis=True, seconds_ago=200)
    assert sweep(store_app, utcnow()) == [1]
    police, _ = counsellor(store_app, desk="police")
    other, _ = counsellor(store_app, desk="veterans")
    manager = store_app.test_client()
    log_in(manager, store_app, make_user(store_app, role="manager", desk="veterans"))
    banner = f"Escalatie: crisis {crisis}"
    before = other.get("/desk/queue/rows")
    assert banner in before.get_data(as_text=True)

    act(police, crisis, "claim")  # no sweep after this: none runs while Redis is away

    again = other.get("/desk/queue/rows", headers={"If-None-Match": before.headers["ETag"]})
    assert again.status_code == 200 and banner not in again.get_data(as_text=True)
    assert banner not in police.get("/desk").get_data(as_text=True)
    assert banner not in manager.get("/desk/manager").get_data(as_text=True)

    act(police, crisis, "release")  # let go unserved: alarming again, still no sweep
    assert banner in other.get("/desk/queue/rows").get_data(as_text=True)
    assert banner in manager.get("/desk/manager").get_data(as_text=True)


# --- the on-call text -----------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgres"])
def oncall_app(request: pytest.FixtureRequest, rest_app: Callable[..., Flask]) -> Flask:
    """The app on the Twilio double with an on-call number (on each engine in turn)."""
    if request.param == "postgres":
        truncate(request.getfixturevalue("postgres_engine"))
        return rest_app(oncall_number=ONCALL, database_url=POSTGRES_URL)
    return rest_app(oncall_number=ONCALL)


def step_id(app: Flask, reference: str) -> Callable[[], int]:
    """Return a reader of the contact's newest step's id."""
    return lambda: rows(app, reference)[-1].id or 0


def test_an_on_call_text_whose_sid_meets_a_database_blip_is_kept_and_sent_once(
    oncall_app: Flask, twilio_double: TwilioDouble,
) -> None:
    app = oncall_app
    crisis = waiting(app, crisis=True, seconds_ago=200)
    holders = hold_once_sent(twilio_double, engine_of(app), "escalation",
                             step_id(app, crisis), "/Messages.json")
    with app.app_context():
        assert escalations.sweep() == 1
    for thread in holders:
        thread.join(HELD_S + 10)
    assert holders, "the blip never happened"

    [step] = rows(app, crisis)
    [sent] = twilio_double.received("/Messages.json")
    assert step.sms_sid == sent.answer["sid"]  # kept, not left claimed
    with app.app_context():  # later sweeps, a claim's two minutes on: nothing sent again
        assert escalations.sweep(utcnow() + timedelta(minutes=3)) == 0
    assert len(twilio_double.received("/Messages.json")) == 1


def test_a_text_whose_sid_cannot_be_kept_does_not_hold_up_the_other_steps_texts(
    oncall_app: Flask, twilio_double: TwilioDouble, monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = oncall_app
    monkeypatch.setattr(escalations, "RECORD_TEXT_WITHIN_S", 1.0)  # gives up during the blip
    first = waiting(app, crisis=True, seconds_ago=300)
    second = waiting(app, crisis=True, desk="veterans", seconds_ago=200)
    holders = hold_once_sent(twilio_double, engine_of(app), "escalation",
                             step_id(app, first), "/Messages.json", naming=first)
    with app.app_context():
        assert escalations.sweep() == 2
    for thread in holders:
        thread.join(HELD_S + 10)

    sent = {r.params["Body"]: r.answer["sid"] for r in twilio_double.received("/Messages.json")}
    assert sorted(sent) == sorted([escalation.sms_text(first), escalation.sms_text(second)])
    # The second step's text went out and was kept; the first stays claimed, to be sent
    # again once its claim is stale (an alert sent twice beats an alert lost).
    assert rows(app, second)[0].sms_sid == sent[escalation.sms_text(second)]
    assert rows(app, first)[0].sms_sid == escalation.SENDING


# --- a placed call ----------------------------------------------------------------------------


def test_a_placed_call_whose_sid_meets_a_database_blip_keeps_its_sid_and_rings_once(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    client, _ = counsellor_with_phone(calls_app)
    reference, _caller_sid = caller_in_queue(calls_app, waited_s=30)
    act(client, reference, "claim")
    assert act(client, reference, "answer").status_code == 303

    def counsellor_leg() -> int:
        return [leg for leg in legs(calls_app, reference) if leg.kind == "counsellor"][-1].id or 0

    holders = hold_once_sent(twilio_double, engine_of(calls_app), "call_leg", counsellor_leg,
                             "/Calls.json")
    run_jobs(calls_app, redis_conn)
    for thread in holders:
        thread.join(HELD_S + 10)
    assert holders, "the blip never happened"

    placed = twilio_double.received("/Calls.json")
    assert len(placed) == 1  # rung once
    [mine] = [leg for leg in legs(calls_app, reference) if leg.kind == "counsellor"]
    assert mine.call_sid == placed[0].answer["sid"]  # its status callbacks will find it
