"""A worker started while Redis is away waits for it, says so, and works once it is back.

RQ's worker names itself in Redis as it is made, before its loop: `loket worker` started
before Redis (a machine booting, a failover) ended with a traceback, where the scheduler
waited. Runs `loket worker` as a process against a Redis of the test's own.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.queue.conftest import OwnRedis, loket_process, stop_process, wait_for


@pytest.mark.slow
def test_a_worker_started_before_redis_waits_for_it_then_works(
    cli_env: dict[str, str], own_redis: OwnRedis, tmp_path: Path,
) -> None:
    own_redis.kill()
    log = tmp_path / "worker.log"
    process = loket_process("worker", {**cli_env, "LOKET_REDIS_URL": own_redis.url}, log)
    try:
        wait_for(lambda: "redis.reconnecting" in log.read_text(), 30, "the worker to wait")
        time.sleep(1.0)
        assert process.poll() is None, log.read_text()[-3000:]
        assert "Traceback" not in log.read_text()
        own_redis.start()
        wait_for(lambda: "Listening on" in log.read_text(), 60, "the worker to start working")
        assert stop_process(process) == 0, log.read_text()[-3000:]
    finally:
        stop_process(process)
