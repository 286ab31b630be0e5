"""A Redis of the queue tests' own, which they may stall (SIGSTOP), kill and restart empty.

The shared Redis (LOKET_TEST_REDIS_URL) is never stopped: fault tests start `redis-server`
on a free port in their temporary directory.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from redis import Redis
from redis.exceptions import RedisError

from loket.devserver import free_port

ROOT = Path(__file__).resolve().parents[2]


class OwnRedis:
    """A `redis-server` process on a free loopback port, kept in memory only."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start it (empty) and wait until it answers."""
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("the fault tests need redis-server on PATH", pytrace=False)
        self.process = subprocess.Popen(  # noqa: S603
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = Redis.from_url(self.url, socket_connect_timeout=0.2, socket_timeout=0.2)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if client.ping():
                    client.close()
                    return
            except RedisError:
                time.sleep(0.05)
        pytest.fail("redis-server did not start", pytrace=False)

    def stall(self) -> None:
        """Freeze it: connections stay open, nothing answers."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        """Let it answer again."""
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def kill(self) -> None:
        """Kill it at once (all its data is lost)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.kill()
            self.process.wait(10)

    def restart_empty(self, down_s: float = 0.0) -> None:
        """Kill it and start it again, empty, on the same port (as after a failover)."""
        self.kill()
        time.sleep(down_s)
        self.start()


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[OwnRedis]:
    """A Redis this test may stall, kill and restart."""
    directory = tmp_path / "redis"
    directory.mkdir()
    server = OwnRedis(directory)
    server.start()
    yield server
    server.kill()


def loket_process(command: str, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """Start `loket <command>` as an operator would, its log in a file."""
    with log.open("wb") as out:
        return subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "loket.cli", command],
            env={**os.environ, **env, "PYTHONUNBUFFERED": "1"},
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )


def stop_process(process: subprocess.Popen[bytes]) -> int:
    """Ask a process to stop (SIGTERM); kill it if it does not within 20 s."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            return process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
    return process.wait(10)


def wait_for(check: object, timeout_s: float, what: str, every_s: float = 0.1) -> None:
    """Poll `check()` until it is true; fail naming `what` after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(every_s)
    pytest.fail(f"waited {timeout_s} s for {what}", pytrace=False)
