"""What every channel suite shares: the app on SQLite and on PostgreSQL, Twilio's signing,
the stored rows, and jobs run in-process.

The `app` fixture (and with it `client` and `engine`) runs each channel test on both
engines; a test that builds its own app with `make_app` runs on SQLite only.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from redis import Redis
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from twilio.request_validator import RequestValidator
from werkzeug.test import TestResponse

from loket.queue.worker import SimpleAppWorker, queues
from loket.store.models import Contact

BASE = "https://loket.example.org"
AUTH_TOKEN = "test-auth-token"


@pytest.fixture(params=["sqlite", "postgres"])
def app(request: pytest.FixtureRequest, make_app: Callable[..., Flask]) -> Flask:
    """The app on each engine in turn: channel tests run on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return make_app()
    postgres: Flask = request.getfixturevalue("postgres_app")
    return postgres


def signature(path: str, params: dict[str, str]) -> str:
    """Sign a request as Twilio would for the test app's public URL."""
    return str(RequestValidator(AUTH_TOKEN).compute_signature(BASE + path, params))


def signed_post(
    client: FlaskClient,
    path: str,
    params: dict[str, str],
    *,
    idempotency: str | None = None,
    signature_value: str | None = None,
    **headers: str,
) -> TestResponse:
    """Post a webhook like Twilio: form parameters, a signature, an idempotency token.

    The answer is read in full, as a server sends it (so work after the response runs).
    """
    if signature_value is None:
        signature_value = signature(path, params)
    headers = {"X-Twilio-Signature": signature_value, **headers}
    if idempotency:
        headers["I-Twilio-Idempotency-Token"] = idempotency
    return client.post(path, data=params, headers=headers, buffered=True)


def rows(engine: Engine, model: Any) -> list[Any]:
    """Return every row of a table, oldest first."""
    with Session(engine) as session:
        return list(session.exec(select(model).order_by(model.id)).all())


def contacts(engine: Engine) -> list[Contact]:
    """Return every stored contact, oldest first."""
    with Session(engine) as session:
        return list(session.exec(select(Contact).order_by(col(Contact.id))).all())


def run_jobs(app: Flask, redis: Redis) -> None:
    """Run every queued job in-process, in the app's context."""
    SimpleAppWorker(queues(redis), connection=redis, app=app).work(burst=True)


def at_once(*calls: Callable[[], Any]) -> list[Any]:
    """Run these calls in threads that start together; return their results in order."""
    barrier = threading.Barrier(len(calls), timeout=10)
    results: list[Any] = [None] * len(calls)
    errors: list[BaseException] = []

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[index] = call()
        except BaseException as exc:  # noqa: BLE001 - reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    if errors:
        raise errors[0]
    return results
