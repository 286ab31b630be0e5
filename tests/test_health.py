"""`/healthz` reports the database and Redis."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient


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
