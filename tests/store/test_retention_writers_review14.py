"""SQLite, several processes: the nightly retention run is made of units of work one after
the other, each holding SQLite's one write lock. A web request that needs the lock waits in
SQLite's busy handler, which tries again after sleeps of up to 100 ms; when the next batch
took the lock back at once, the request almost never landed in the gap and after
`BUSY_TIMEOUT_MS` got "database is locked": a person's text was not stored and they were told
something went wrong. The run now lets go of the lock between batches long enough.

The worker process is played by a second app (its own engine and connections) on the same
file, running `erasure.retain` exactly as `jobs.apply_retention` does, in a thread."""

from __future__ import annotations

import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from flask import Flask
from sqlmodel import Session, select

from loket import demo, rules_runtime
from loket.domain import erasure
from loket.store.db import session_scope
from loket.store.models import Message
from loket.store.types import utcnow
from tests.channels.test_messaging import CRISIS_NL, INBOUND, params_of
from tests.twilio_double import signed_post

FAILED_TEXT = "Er ging bij ons iets mis"

pytestmark = pytest.mark.slow  # 4,000 contacts seeded and anonymised


def test_a_text_arriving_during_the_nightly_retention_run_is_stored_and_answered(
    app: Flask, make_app: Callable[..., Flask],
) -> None:
    worker = make_app()  # the RQ worker's process: an engine of its own on the same file
    worker_engine = worker.extensions["loket.engine"]
    with worker.app_context():
        demo.seed_demo(worker_engine, decide=rules_runtime.rules(worker).decide_json,
                       contacts=4000, seed=7)
    started = threading.Event()
    errors: list[BaseException] = []
    erased: list[int] = []

    @contextmanager
    def unit_of_work() -> Iterator[Session]:
        with session_scope(worker_engine) as session:
            session.connection()  # BEGIN IMMEDIATE, as the batch's first query takes it
            started.set()
            yield session

    def retention_job() -> None:
        try:
            with worker.app_context():
                # As `jobs.apply_retention` does; `now` a year on makes the demo's closed
                # contacts past their period (20 June, 03:30: the nightly run).
                erased.append(erasure.retain(unit_of_work, erasure.Retention(days=30),
                                             now=utcnow() + timedelta(days=400)))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    job = threading.Thread(target=retention_job, daemon=True)
    job.start()
    assert started.wait(120), "the retention run did not start"
    params = params_of(CRISIS_NL)
    answer = signed_post(app.test_client(), INBOUND, params)
    job.join(600)
    assert not job.is_alive() and not errors and erased and erased[0] > 1000
    body = answer.get_data(as_text=True)
    reply = ET.fromstring(body).findtext("./Message") or ""  # noqa: S314 - our own answer
    with Session(app.extensions["loket.engine"]) as session:
        stored = session.exec(select(Message).where(
            Message.external_id == params["MessageSid"])).all()
    # What the person in crisis should get: the message kept (a counsellor sees it) and the
    # crisis answer, not "something went wrong on our side, send it again in a few minutes".
    assert FAILED_TEXT not in reply, reply
    assert len(stored) == 1
