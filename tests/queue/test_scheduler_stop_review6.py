"""A scheduler or worker asked to stop while Redis is away stops (review 6): the scheduler
waited for Redis for ever when the stop request came while it was stuck on a Redis that did
not answer (the request was lost in the Redis client's error), and the worker waited without
a bound for RQ's scheduler process, stuck likewise; a supervisor's SIGTERM left both
behind.

Runs `loket scheduler` / `loket worker` as a process against a Redis of the test's own,
stalled (SIGSTOP) or killed, then sends SIGTERM.
"""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import psutil
import pytest

from tests.queue.conftest import OwnRedis, loket_process, stop_process, wait_for


def talks_to(process: subprocess.Popen[bytes], port: int) -> bool:
    """Tell whether a process holds a TCP connection to a port on loopback."""
    try:
        found = psutil.Process(process.pid).net_connections(kind="tcp")
    except psutil.NoSuchProcess:
        return False
    return any(c.raddr and c.raddr.port == port for c in found)


def stopped_within(process: subprocess.Popen[bytes], seconds: float) -> int | None:
    """Send SIGTERM; return the exit status if it ends within `seconds`, else None."""
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(seconds)
    except subprocess.TimeoutExpired:
        return None


@pytest.mark.slow
@pytest.mark.parametrize("fault", ["stall", "kill"])
@pytest.mark.parametrize(("command", "started"), [("scheduler", "Enqueued job"),
                                                  ("worker", "Listening on")])
def test_a_process_told_to_stop_while_redis_is_away_stops(
    cli_env: dict[str, str], own_redis: OwnRedis, tmp_path: Path, fault: str, command: str,
    started: str,
) -> None:
    log = tmp_path / f"{command}.log"
    process = loket_process(command, {**cli_env, "LOKET_REDIS_URL": own_redis.url}, log)
    try:
        wait_for(lambda: started in log.read_text(), 30, f"the {command} to start")
        getattr(own_redis, fault)()
        # Its next enqueue (every 2 s) meets the fault; SIGTERM comes while it is stuck on it.
        time.sleep(3.0)
        status = stopped_within(process, 20)  # the worker's scheduler gets 5 s
        assert status is not None, log.read_text()[-3000:]
        assert status == 0
    finally:
        if fault == "stall":
            own_redis.resume()
        stop_process(process)


@pytest.mark.slow
def test_a_worker_told_to_stop_before_redis_let_it_start_stops(
    cli_env: dict[str, str], own_redis: OwnRedis, tmp_path: Path,
) -> None:
    # RQ's worker puts in its signal handlers only after it has registered itself and started
    # its scheduler in Redis; a SIGTERM before that, while Redis stalled, killed the process
    # (status -15: seen under load, a stall just after "Listening on") instead of stopping it.
    own_redis.stall()
    log = tmp_path / "worker.log"
    process = loket_process("worker", {**cli_env, "LOKET_REDIS_URL": own_redis.url}, log)
    try:
        # Started, and stuck on its first word to Redis: connected to it. (A fixed wait was
        # not enough where the worker's imports alone took longer: killed before it ran.)
        wait_for(lambda: talks_to(process, own_redis.port), 60, "the worker to reach Redis")
        time.sleep(0.5)  # its first request sent, no answer coming
        assert process.poll() is None, log.read_text()[-3000:]
        status = stopped_within(process, 20)
        assert status == 0, log.read_text()[-3000:]
    finally:
        own_redis.resume()
        stop_process(process)
