"""PostgreSQL's pool hands out only live connections, without asking the server each time."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from loket.store.db import make_engine, session_scope
from tests.conftest import POSTGRES_URL

pytestmark = pytest.mark.postgres


@pytest.fixture
def engine(postgres_engine: Engine) -> Iterator[Engine]:
    """A pool of one connection, so the next unit of work gets the one the last one had."""
    own = make_engine(POSTGRES_URL, pool_size=1, max_overflow=0)
    yield own
    own.dispose()


def _backend_pid(engine: Engine) -> int:
    with session_scope(engine) as session:
        return int(session.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _end_backend(admin: Engine, pid: int) -> None:
    """End a server process as a restart or `pg_terminate_backend` does; wait until it is
    gone (it tells its client first)."""
    with admin.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            gone = conn.execute(
                text("SELECT count(*) = 0 FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
            ).scalar_one()
            if gone:
                return
            time.sleep(0.05)
    raise AssertionError(f"backend {pid} did not end")


def test_a_connection_the_server_ended_a_moment_after_its_use_is_replaced_not_used(
    engine: Engine, postgres_engine: Engine
) -> None:
    # Used a moment ago, so not pinged for being idle: what the server said on it (its end)
    # is what makes the pool replace it. The unit of work after it simply works.
    first = _backend_pid(engine)
    _end_backend(postgres_engine, first)
    second = _backend_pid(engine)
    assert second != first
    assert _backend_pid(engine) == second  # a live one is kept, not replaced each time
