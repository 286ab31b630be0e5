"""README and docs/production.md: the retention runs every night at 03:30 UTC, whatever the
time zone of the machine the scheduler runs on."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from redis import Redis

from loket.queue.scheduler import build_cron


@pytest.fixture(params=["UTC", "Europe/Amsterdam", "America/New_York"])
def machine_time_zone(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
                      ) -> Iterator[str]:
    monkeypatch.setenv("TZ", request.param)
    time.tzset()
    yield request.param
    monkeypatch.undo()
    time.tzset()


def test_the_retention_runs_at_03_30_utc(redis_conn: Redis, machine_time_zone: str) -> None:
    [retention] = [job for job in build_cron(redis_conn, 1).get_jobs()
                   if job.func_name.endswith("apply_retention")]
    when = retention.get_next_enqueue_time()
    assert (when.utcoffset(), when.hour, when.minute) == (timedelta(0), 3, 30), machine_time_zone
