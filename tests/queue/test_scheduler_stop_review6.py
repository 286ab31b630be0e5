"""A scheduler asked to stop while Redis is away stops (review 6): it waited for Redis for
ever when the stop request came while it was stuck on a Redis that did not answer (the
request was lost in the Redis client's error), so a supervisor's SIGTERM left it behind.

Runs `loket scheduler` as a process against a Redis of the test's own, stalled (SIGSTOP)
or killed, then sends SIGTERM.
"""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.queue.conftest import OwnRedis, loket_process, stop_process, wait_for


def stopped_within(process: subprocess.Popen[bytes], seconds: float) -> int | None:
    """Send SIGTERM; return the exit status if it ends within `seconds`, else None."""
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(seconds)
    except subprocess.TimeoutExpired:
        return None


@pytest.mark.slow
@pytest.mark.parametrize("fault", ["stall", "kill"])
def test_a_scheduler_told_to_stop_while_redis_is_away_stops(
    cli_env: dict[str, str], own_redis: OwnRedis, tmp_path: Path, fault: str
) -> None:
    log = tmp_path / "scheduler.log"
    scheduler = loket_process("scheduler", {**cli_env, "LOKET_REDIS_URL": own_redis.url}, log)
    try:
        wait_for(lambda: "Enqueued job" in log.read_text(), 30, "the scheduler to start")
        getattr(own_redis, fault)()
        # Its next enqueue (every 2 s) meets the fault; SIGTERM comes while it is stuck on it.
        time.sleep(3.0)
        status = stopped_within(scheduler, 10)
        assert status is not None, log.read_text()[-3000:]
        assert status == 0
    finally:
        if fault == "stall":
            own_redis.resume()
        stop_process(scheduler)
