"""Fixtures on real services: SQLite and PostgreSQL stores, a real Redis, the app and its CLI.

LOKET_TEST_POSTGRES_URL and LOKET_TEST_REDIS_URL name the services (`.ci/run` sets them);
the defaults are the ones this kind of machine runs. Redis tests use a database number of
their own and flush it before and after each test.
"""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from redis import Redis
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from loket.app import create_app
from loket.store.db import make_engine
from loket.store.migrate import upgrade

POSTGRES_URL = os.environ.get(
    "LOKET_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("LOKET_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
# The Twilio REST double and its fixtures (`twilio_double`, `rest_app`).
pytest_plugins = ("tests.twilio_double",)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "loket.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_engine() -> Iterator[Engine]:
    """The PostgreSQL test database, emptied and migrated once per session."""
    engine = make_engine(POSTGRES_URL)
    try:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    except Exception as exc:  # noqa: BLE001 - say plainly which service is missing
        pytest.fail(f"PostgreSQL at {POSTGRES_URL} is not reachable: {exc}", pytrace=False)
    upgrade(engine)
    yield engine
    engine.dispose()


def _truncate(engine: Engine) -> None:
    names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture
def redis_conn() -> Iterator[Redis]:
    """A real Redis on the tests' own database number, flushed before and after."""
    conn = Redis.from_url(REDIS_URL)
    try:
        conn.flushdb()
    except Exception as exc:  # noqa: BLE001
        pytest.fail(f"Redis at {REDIS_URL} is not reachable: {exc}", pytrace=False)
    yield conn
    conn.flushdb()
    conn.close()


@pytest.fixture
def database_url(tmp_path: Path, sqlite_template: Path) -> str:
    """A fresh, migrated SQLite database for this test."""
    path = tmp_path / "loket.sqlite3"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def make_app(
    tmp_path: Path, database_url: str, redis_conn: Redis
) -> Iterator[Callable[..., Flask]]:
    """Build apps on this test's database and Redis, with overrides."""
    apps: list[Flask] = []

    def build(**overrides: Any) -> Flask:
        config: dict[str, Any] = {
            "testing": True,
            "instance_path": str(tmp_path / "instance"),
            "database_url": database_url,
            "redis_url": REDIS_URL,
            "public_url": "https://loket.example.org",
            "twilio_auth_token": "test-auth-token",
        }
        config.update(overrides)
        app = create_app(config)
        apps.append(app)
        return app

    yield build
    for app in apps:
        app.extensions["loket.engine"].dispose()


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    """The app on SQLite and the test Redis."""
    return make_app()


@pytest.fixture
def postgres_app(postgres_engine: Engine, make_app: Callable[..., Flask]) -> Flask:
    """The app on the PostgreSQL test database, emptied first."""
    _truncate(postgres_engine)
    return make_app(database_url=POSTGRES_URL)


@pytest.fixture(params=["sqlite", "postgres"])
def store_app(request: pytest.FixtureRequest, make_app: Callable[..., Flask]) -> Flask:
    """The app on each engine in turn: store tests run on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return make_app()
    app: Flask = request.getfixturevalue("postgres_app")
    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client of the app."""
    return app.test_client()


@pytest.fixture
def engine(app: Flask) -> Engine:
    """The app's engine."""
    eng: Engine = app.extensions["loket.engine"]
    return eng


def loket_env(app: Flask) -> dict[str, str]:
    """Return the settings that point a `loket` command or process at an app's database,
    instance, Redis and keys."""
    settings = app.config["LOKET"]
    return {
        "LOKET_DATABASE_URL": settings.database_url,
        "LOKET_INSTANCE_PATH": settings.instance_path,
        "LOKET_REDIS_URL": settings.redis_url,
        "LOKET_DATA_KEY": settings.data_key,
        "LOKET_HASH_KEY": settings.hash_key,
        "LOKET_SECRET_KEY": settings.secret_key,
        "LOKET_ENV": "development",
    }


@pytest.fixture
def cli_env(app: Flask, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Point `loket` commands at this test's database, instance and Redis."""
    env = loket_env(app)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    for key in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "LOKET_PUBLIC_URL"):
        monkeypatch.delenv(key, raising=False)
    return env


@pytest.fixture(autouse=True)
def _no_logger_kept_across_tests() -> Iterator[None]:
    """A test that built a non-testing app configured logs to cache each logger on first
    use: undo that after it, so a logger first used by a later test is not cached with it
    (structlog's `capture_logs` would then see nothing of that module)."""
    yield
    import structlog

    if structlog.is_configured() and structlog.get_config().get("cache_logger_on_first_use"):
        structlog.reset_defaults()


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """Configure Loket's JSON logs into a buffer for this test; restore logging after it."""
    import logging

    import structlog

    from loket import logs

    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    buffer = io.StringIO()
    logs.configure(stream=buffer)
    # No module's logger may keep this test's configuration once it is over.
    structlog.configure(cache_logger_on_first_use=False)
    yield buffer
    structlog.reset_defaults()
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture(autouse=True)
def _dutch_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs in the default locale, whatever the machine's: the `loket` command
    and the configuration's errors speak Dutch unless a test sets an English locale."""
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
