"""`/healthz` reports whether the database can be read and written, and Redis."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from redis import Redis
from rq import Queue, Worker
from rq.cron import CronScheduler
from sqlalchemy import text
from sqlalchemy.engine import Engine

from loket.store.sqlite import BUSY_TIMEOUT_MS
from tests.conftest import POSTGRES_URL


def test_healthy_when_database_and_redis_answer(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json
    assert body is not None
    assert (body["status"], body["database"], body["redis"]) == ("ok", "ok", "ok")
    assert body["rules"]["state"] == "ok" and body["rules"]["version"].startswith("sha256:")


def test_503_naming_redis_when_it_is_down(make_app: Callable[..., Flask]) -> None:
    response = make_app(redis_url="redis://127.0.0.1:1/0").test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json is not None and response.json["redis"] == "down"
    assert response.json["database"] == "ok"


def test_security_headers_hold_a_strict_policy(client: FlaskClient) -> None:
    response = client.get("/healthz")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Request-Id"]


def test_the_write_probe_passes_and_changes_nothing_on_both_engines(store_app: Flask) -> None:
    response = store_app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.json is not None and response.json["database_write"] == "ok"


def test_503_naming_the_lock_when_another_process_holds_the_write_lock(
    app: Flask, client: FlaskClient
) -> None:
    path = app.config["LOKET"].database_url.removeprefix("sqlite:///")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer, holding the lock for as long as it likes
    try:
        started = time.monotonic()
        response = client.get("/healthz")
        waited = time.monotonic() - started
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert response.status_code == 503
    assert response.json is not None
    assert (response.json["database"], response.json["database_write"]) == ("ok", "locked")
    # The probe gives up after its own short wait, well before a writer's busy timeout.
    assert waited < BUSY_TIMEOUT_MS / 1000
    assert client.get("/healthz").status_code == 200  # and the connection is as it was


def test_503_when_the_database_can_be_read_but_not_written(
    make_app: Callable[..., Flask], database_url: str
) -> None:
    read_only = f"sqlite:///file:{database_url.removeprefix('sqlite:///')}?mode=ro&uri=true"
    response = make_app(database_url=read_only).test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json is not None
    assert (response.json["database"], response.json["database_write"]) == ("ok", "read-only")


@pytest.mark.postgres
def test_503_naming_the_lock_on_postgresql(
    make_app: Callable[..., Flask], postgres_engine: Engine
) -> None:
    app = make_app(database_url=POSTGRES_URL)
    with postgres_engine.connect() as holder, holder.begin():
        holder.execute(text("LOCK TABLE contact IN ACCESS EXCLUSIVE MODE"))
        response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json is not None and response.json["database_write"] == "locked"


def test_the_background_processes_as_redis_knows_them(
    client: FlaskClient, redis_conn: Redis
) -> None:
    # Review 9: DESIGN.md's process list had no `loket scheduler`; a deployment without one
    # has no crisis escalation and no reconciler, and nothing said so. `/healthz` names it,
    # without taking the web process out of the load balancer (200).
    def background() -> str:
        response = client.get("/healthz")
        assert response.status_code == 200 and response.json is not None
        return str(response.json["background"])

    assert background() == "no_worker"
    worker = Worker([Queue("urgent", connection=redis_conn)], connection=redis_conn,
                    name="health-worker")
    worker.register_birth()
    assert background() == "no_scheduler"
    scheduler = CronScheduler(connection=redis_conn, name="health-scheduler")
    scheduler.register_birth()
    assert background() == "ok"
    # A worker killed outright: its key lapses, its name stays in RQ's registry.
    redis_conn.delete(worker.key)
    assert background() == "no_worker"
    scheduler.register_death()
