"""A due callback claimed by a counsellor while a worker acts on it, reviewed a thirteenth
time; each test failed before its fix.

- A counsellor claims a contact whose personal callback (promised by a colleague) is due, at
  the moment the worker rings that colleague's phone for it: the claim was answered
  "claimed", but the worker made the colleague its holder and rang their phone; the
  counsellor held nothing. Now the claim stands: the colleague's phone does not ring, and
  the counsellor calls the person back.
- A counsellor claims a due "evening" callback just after its window ended, at the moment
  the reconciler (every 10 s) marks the windows that passed unserved: the callback was
  marked missed under the counsellor, who could no longer call the person. Now a callback
  a counsellor holds is left to them, as when the reconciler comes a moment later.

On PostgreSQL: a race needs two writers at once (the worker and the counsellor's claim),
which SQLite's single write lock never lets happen.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from redis import Redis
from sqlmodel import Session, select

from loket.domain import workspace
from loket.queue import calls as call_jobs
from loket.store.db import session_scope
from loket.store.models import CallbackRequest, Contact, User
from loket.store.types import utcnow
from tests.conftest import POSTGRES_URL
from tests.desk.helpers import make_user
from tests.desk.test_workspace import act, engine_of
from tests.queue.test_callbacks import (
    COUNSELLOR_PHONE,
    DESK_NUMBER,
    callback_for,
    callback_row,
    counsellor_with_phone,
    make_due_now,
    run_jobs,
)
from tests.twilio_double import TwilioDouble

COLLEAGUE_PHONE = "+31611112222"


@pytest.fixture
def pg_app(postgres_app: Flask, rest_app: Callable[..., Flask]) -> Flask:
    """The app on PostgreSQL (emptied first) and the Twilio double, police calling back
    from its own number."""
    return rest_app(desk_numbers=f"police={DESK_NUMBER}", database_url=POSTGRES_URL)


def holder(app: Flask, reference: str) -> int | None:
    with Session(engine_of(app)) as session:
        return session.exec(select(Contact.assigned_user_id)
                            .where(Contact.reference == reference)).one()


def claimed_while(app: Flask, monkeypatch: pytest.MonkeyPatch, client: FlaskClient,
                  reference: str, job: Callable[[], int]) -> None:
    """The counsellor claims the contact from the desk; while their claim is made but not
    yet committed, the worker runs `job` (given up to 2 s before the claim commits)."""
    original = workspace.claim
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with app.app_context():
                job()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    worker = threading.Thread(target=run)

    def claiming(**kwargs: object) -> Contact:
        contact = original(**kwargs)  # type: ignore[arg-type]
        worker.start()
        worker.join(timeout=2)  # it finished, or waits for this claim
        return contact

    monkeypatch.setattr(workspace, "claim", claiming)
    try:
        assert act(client, reference, "claim").status_code == 303
    finally:
        monkeypatch.setattr(workspace, "claim", original)
        if worker.ident is not None:  # started by the claim
            worker.join(timeout=30)
    assert errors == []


def test_a_colleague_s_claim_of_a_due_personal_callback_is_not_taken_over(
    pg_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    promised_by = make_user(pg_app, role="counsellor", desk="police")
    reference, callback_id = callback_for(pg_app)
    make_due_now(pg_app, callback_id)
    with session_scope(engine_of(pg_app)) as session:  # theirs to call: their phone rings
        user = session.get(User, promised_by.id)
        callback = session.get(CallbackRequest, callback_id)
        assert user is not None and callback is not None
        user.phone, user.availability = COLLEAGUE_PHONE, "available"
        callback.claimed_by = promised_by.id
    client, me = counsellor_with_phone(pg_app)
    claimed_while(pg_app, monkeypatch, client, reference, call_jobs.ring_personal)
    assert holder(pg_app, reference) == me.id  # "claimed", and so it is
    assert twilio_double.calls_to() == []  # the colleague's phone did not ring
    with pg_app.app_context():
        assert call_jobs.ring_personal() == 0  # nor at the next run: it is held
    assert twilio_double.calls_to() == []
    assert act(client, reference, "call").status_code == 303  # the counsellor calls back
    run_jobs(pg_app, redis_conn)
    assert twilio_double.calls_to() == [COUNSELLOR_PHONE]
    assert callback_row(pg_app, callback_id).status == "calling"


def test_a_late_callback_claimed_as_the_reconciler_marks_its_window_missed_stays_claimed(
    pg_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reference, callback_id = callback_for(pg_app, window="evening")
    make_due_now(pg_app, callback_id)
    with session_scope(engine_of(pg_app)) as session:  # its window ended a moment ago
        callback = session.get(CallbackRequest, callback_id)
        assert callback is not None
        callback.window_end = utcnow() - timedelta(seconds=5)
    client, me = counsellor_with_phone(pg_app)
    assert reference in client.get("/desk").get_data(as_text=True)  # in the desk's queue
    claimed_while(pg_app, monkeypatch, client, reference, call_jobs.reconcile_callbacks)
    assert holder(pg_app, reference) == me.id
    assert callback_row(pg_app, callback_id).status == "due"  # not missed: it is held
    with pg_app.app_context():
        assert call_jobs.reconcile_callbacks() == 0  # nor at the next pass
    assert act(client, reference, "call").status_code == 303  # the counsellor calls, late
    run_jobs(pg_app, redis_conn)
    assert twilio_double.calls_to() == [COUNSELLOR_PHONE]
    assert callback_row(pg_app, callback_id).status == "calling"
