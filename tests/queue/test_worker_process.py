"""The real `loket worker` (forking RQ worker) runs promised work from a separate process."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from flask import Flask
from redis import Redis
from sqlmodel import select

from loket.intake import ContactIn, add_message, open_contact
from loket.queue import outbox
from loket.store.db import session_scope
from loket.store.models import Message, OutboundAction


def run_worker(env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    """Run `loket worker --burst` as its own process, as an operator would."""
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "loket.cli", "worker", "--burst"],
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
def test_loket_worker_burst_sends_a_promised_message_once(
    app: Flask, redis_conn: Redis, cli_env: dict[str, str]
) -> None:
    engine = app.extensions["loket.engine"]
    with session_scope(engine) as session:
        contact = open_contact(
            session, ContactIn(channel="whatsapp", phone="whatsapp:+31600001234")
        )
        message_id = add_message(
            session, contact, direction="out", body="We bellen je zo", send=True
        )
    assert outbox.dispatch(engine, redis_conn) == 1
    env = {**os.environ, **cli_env}
    for _ in range(2):  # a second worker finds nothing left to send
        done = run_worker(env)
        assert done.returncode == 0, done.stderr.decode()[-2000:]
    with session_scope(engine) as session:
        sent = session.exec(select(OutboundAction)).all()
        assert [(a.kind, a.to, a.body) for a in sent] == [
            ("message", "whatsapp:+31600001234", "We bellen je zo")
        ]
        stored = session.get(Message, message_id)
        assert stored is not None and stored.external_id == sent[0].sid
    logs = done.stderr.decode() + done.stdout.decode()
    assert "+31600001234" not in logs and "We bellen je zo" not in logs


def test_the_worker_refuses_to_start_without_redis(cli_env: dict[str, str]) -> None:
    env = {**os.environ, **cli_env}
    env.pop("LOKET_REDIS_URL")
    done = run_worker(env)
    assert done.returncode == 2
    assert "LOKET_REDIS_URL" in done.stderr.decode()
