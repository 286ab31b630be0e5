"""Every wait on PostgreSQL has a bound: a lock held by a stalled process, a transaction it
left open, a server that accepts connections and never answers. Past the bound the person
is answered at once (a texter is asked to send again, with 113 and 112), nothing half-done
is kept, and what they send again is stored once."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.exc import InternalError, OperationalError

from loket.domain import conversations
from loket.store.db import make_engine, session_scope, unit_of_work
from loket.store.postgres import CONNECT_TIMEOUT_S
from tests.channels.conftest import signed_post
from tests.conftest import POSTGRES_URL

SENDER = "+31612345678"
FIRST_TEXT = {"MessageSid": "SM" + "a" * 32, "From": SENDER, "To": "+3185000000",
              "Body": "Hallo, ik wil graag met iemand praten"}


@pytest.fixture
def bounded_app(postgres_app: Flask, make_app: Callable[..., Flask]) -> Flask:
    """The app on the (emptied) PostgreSQL test database with short bounds."""
    return make_app(database_url=POSTGRES_URL, database_lock_timeout_s=0.3,
                    database_statement_timeout_s=0.6)


def test_the_bounds_are_the_sessions_settings(bounded_app: Flask) -> None:
    with bounded_app.extensions["loket.engine"].connect() as conn:
        shown = [conn.execute(text(f"SHOW {name}")).scalar() for name in (
            "lock_timeout", "statement_timeout", "idle_in_transaction_session_timeout")]
    assert shown == ["300ms", "600ms", "600ms"]


def test_a_text_whose_sender_is_held_by_a_stalled_process_is_answered_then_stored_once(
    bounded_app: Flask,
) -> None:
    engine = bounded_app.extensions["loket.engine"]
    client = bounded_app.test_client()
    with bounded_app.app_context(), session_scope(engine) as stalled:
        # A process that took this sender's turn and froze: its transaction holds the lock.
        conversations.hold_sender(session=stalled, channel="sms", sender=SENDER)
        start = time.monotonic()
        answer = signed_post(client, "/twilio/messaging", FIRST_TEXT)
        took = time.monotonic() - start
    # Twilio sends no text for a 5xx: the person gets ours, asking to send it again.
    assert answer.status_code == 200
    reply = answer.get_data(as_text=True)
    assert "Stuur je bericht over een paar minuten opnieuw" in reply
    assert "113" in reply and "112" in reply
    assert took < 3, took
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM contact")).scalar() == 0
    # Sent again once the lock is free: stored exactly once.
    again = signed_post(client, "/twilio/messaging", FIRST_TEXT)
    assert again.status_code == 200
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM contact")).scalar() == 1


def test_a_transaction_left_open_by_a_stalled_process_is_ended_and_its_lock_freed(
    bounded_app: Flask,
) -> None:
    engine = bounded_app.extensions["loket.engine"]
    client = bounded_app.test_client()
    assert signed_post(client, "/twilio/messaging", FIRST_TEXT).status_code == 200
    stalled = engine.connect()
    try:
        stalled.execute(text("SELECT id FROM contact FOR UPDATE"))
        time.sleep(1.2)  # frozen for longer than the statement bound, lock held
        with session_scope(engine) as session:  # the lock is free again: no wait, no error
            session.execute(text("SELECT id FROM contact FOR UPDATE")).all()
        with pytest.raises(InternalError, match="idle-in-transaction"):  # the server ended it
            stalled.execute(text("SELECT 1"))
    finally:
        stalled.close()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM contact")).scalar() == 1


def test_a_request_whose_transaction_the_server_ended_answers_503_not_500(
    postgres_app: Flask, make_app: Callable[..., Flask]
) -> None:
    app = make_app(database_url=POSTGRES_URL, database_statement_timeout_s=0.3)

    @app.get("/test-stalls-in-its-transaction")
    def stalls() -> str:  # a view held up mid-transaction (a slow call, a paused thread)
        with unit_of_work() as session:
            session.execute(text("SELECT 1"))
            time.sleep(0.8)
            session.execute(text("SELECT 1"))
        return "done"

    answer = app.test_client().get("/test-stalls-in-its-transaction",
                                   headers={"Accept": "application/json"})
    assert answer.status_code == 503
    assert answer.headers["Retry-After"]
    assert answer.json is not None and answer.json["ok"] is False


CLUSTER = "loket_bounds_test"


def _pg_version() -> str:
    listed = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True,
                            check=True).stdout.split()
    return listed[0]


@pytest.fixture
def own_cluster() -> Iterator[tuple[str, int]]:
    """A PostgreSQL cluster of this test's own, which it may freeze."""
    version = _pg_version()
    subprocess.run(["pg_dropcluster", "--stop", version, CLUSTER], capture_output=True)
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    subprocess.run(["pg_createcluster", version, CLUSTER, "--port", str(port), "--",
                    "--auth=trust"], check=True, capture_output=True)
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, CLUSTER, "start"],
                   check=True, capture_output=True)
    try:
        yield version, port
    finally:
        subprocess.run(["pg_dropcluster", "--stop", version, CLUSTER], capture_output=True)


@pytest.mark.slow
def test_connecting_to_a_frozen_server_gives_up_within_the_connect_timeout(
    own_cluster: tuple[str, int],
) -> None:
    version, port = own_cluster
    url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar() == 1
    engine.dispose()
    pid_file = f"/var/run/postgresql/{version}-{CLUSTER}.pid"
    with open(pid_file) as file:
        postmaster = int(file.readline())
    os.kill(postmaster, signal.SIGSTOP)  # accepts TCP connections, answers nothing
    try:
        start = time.monotonic()
        with pytest.raises(OperationalError), engine.connect():
            pass
        took = time.monotonic() - start
    finally:
        os.kill(postmaster, signal.SIGCONT)
    assert took < CONNECT_TIMEOUT_S + 2, took
    with engine.connect() as conn:  # and it serves again once it thaws
        assert conn.execute(text("SELECT 1")).scalar() == 1
    engine.dispose()
