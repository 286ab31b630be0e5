"""A crisis claimed as its alarm rose, reviewed a thirteenth time; each test failed before its
fix.

- A counsellor claims an unclaimed crisis at the moment the escalation sweep (every 2 s)
  reads the crises nobody holds: the on-call phone was still texted "crisis ... is waiting
  without a counsellor" for a crisis a counsellor held. Now the sweep asks again, the
  contact locked, before it raises a step: no step, no banner, no text.
- A counsellor claims the crisis after its step rose but before its text went: the text
  still went. Now a text goes only while its crisis still alarms; the step of a crisis that
  was served is resolved by the next sweep, not texted later.

On PostgreSQL: a race needs two writers at once (the sweep and the counsellor's claim),
which SQLite's single write lock never lets happen; the text left unsent once its crisis is
served is a store matter, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from loket.domain import escalation
from loket.queue import escalations
from loket.store.models import Contact
from loket.store.types import utcnow
from tests.conftest import POSTGRES_URL
from tests.desk.test_workspace import act, counsellor, engine_of, waiting
from tests.queue.test_escalation import ONCALL, rows, sweep, texts

ALARM = "Escalatie: crisis"


@pytest.fixture
def pg_app(postgres_app: Flask, make_app: Callable[..., Flask]) -> Flask:
    """The app on PostgreSQL (emptied first), with an on-call number for the alarms."""
    return make_app(database_url=POSTGRES_URL, oncall_number=ONCALL)


def holder(app: Flask, reference: str) -> int | None:
    with Session(engine_of(app)) as session:
        return session.exec(select(Contact.assigned_user_id)
                            .where(Contact.reference == reference)).one()


def claimed_while(app: Flask, monkeypatch: pytest.MonkeyPatch, client: FlaskClient,
                  reference: str, name: str, module: Any) -> None:
    """Run the sweep; the moment `module.name` has read, the counsellor claims the crisis
    (committed), then the sweep goes on."""
    read, claimed = threading.Event(), threading.Event()
    original = getattr(module, name)

    def paused(**kwargs: Any) -> Any:
        found = original(**kwargs)
        read.set()
        claimed.wait(timeout=10)  # the counsellor's claim commits in between
        return found

    monkeypatch.setattr(module, name, paused)
    errors: list[BaseException] = []

    def run_sweep() -> None:
        try:
            with app.app_context():
                escalations.sweep()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    sweeper = threading.Thread(target=run_sweep)
    sweeper.start()
    try:
        assert read.wait(timeout=10)
        assert act(client, reference, "claim").status_code == 303
    finally:
        claimed.set()
        sweeper.join(timeout=30)
    monkeypatch.setattr(module, name, original)
    assert errors == []


def test_a_crisis_claimed_while_the_sweep_reads_it_pages_no_one_on_call(
    pg_app: Flask, monkeypatch: pytest.MonkeyPatch,
) -> None:
    crisis = waiting(pg_app, crisis=True, seconds_ago=200)  # its first step is due
    client, me = counsellor(pg_app, desk="police")
    claimed_while(pg_app, monkeypatch, client, crisis, "unserved_crises", escalation)
    assert holder(pg_app, crisis) == me.id  # held: served
    with pg_app.app_context():
        assert escalations.sweep() == 0
    assert [t.to for t in texts(pg_app)] == []  # nobody paged for a crisis a counsellor holds
    assert ALARM not in client.get("/desk/queue/rows").get_data(as_text=True)
    assert rows(pg_app, crisis) == []  # no step rose for it


def test_a_crisis_claimed_after_its_step_rose_but_before_its_text_pages_no_one_on_call(
    pg_app: Flask, monkeypatch: pytest.MonkeyPatch,
) -> None:
    crisis = waiting(pg_app, crisis=True, seconds_ago=200)
    client, me = counsellor(pg_app, desk="police")
    claimed_while(pg_app, monkeypatch, client, crisis, "texts_to_send", escalation)
    assert holder(pg_app, crisis) == me.id
    assert [t.to for t in texts(pg_app)] == []  # the step rose; its text did not go
    with pg_app.app_context():
        assert escalations.sweep() == 0  # the next sweep resolves it: never texted later
    assert [t.to for t in texts(pg_app)] == []
    assert ALARM not in client.get("/desk/queue/rows").get_data(as_text=True)
    [step] = rows(pg_app, crisis)
    assert step.resolved_at is not None and step.sms_sid is None


def test_a_step_whose_crisis_was_claimed_before_its_text_is_never_texted(
    store_app: Flask,
) -> None:
    # The step rose (no on-call number in this app's sweep), then a counsellor claimed the
    # crisis before the text went: the on-call phone is not paged for it, neither now nor
    # after the next sweep; a crisis still waiting is texted as ever.
    crisis = waiting(store_app, crisis=True, seconds_ago=200)
    other = waiting(store_app, crisis=True, seconds_ago=200)
    assert sweep(store_app, utcnow()) == [1, 1]
    client, me = counsellor(store_app, desk="police")
    assert act(client, crisis, "claim").status_code == 303
    with store_app.app_context():
        assert escalations.text_oncall(ONCALL) == 1
        assert escalations.text_oncall(ONCALL) == 0
        assert escalations.sweep() == 0
        assert escalations.text_oncall(ONCALL) == 0
    assert [t.body for t in texts(store_app)] == [escalation.sms_text(other)]
    [step] = rows(store_app, crisis)
    assert step.resolved_at is not None and step.sms_sid is None
    with Session(engine_of(store_app)) as session:  # what the claim left unsent: not retried
        assert [t.reference for t in escalation.texts_to_send(session=session)] == []
    assert holder(store_app, crisis) == me.id
