"""Redis and the RQ queues of an app; nothing connects until first use.

Two kinds of client, because two kinds of caller:
- the app's client (`make_redis`, in `app.extensions["loket.redis"]`) serves requests: short
  timeouts, no retries, and a circuit breaker, so a stalled or absent Redis costs a request
  at most one short timeout and then nothing for a few seconds;
- a process client (`make_process_redis`) serves the worker and the scheduler, which wait
  for Redis with backoff instead (`loket.queue.resilience`).
"""

from __future__ import annotations

import time
from typing import Any

from flask import Flask, current_app
from redis import Redis
from redis.backoff import NoBackoff
from redis.connection import Connection, SSLConnection, UnixDomainSocketConnection
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry
from rq import Queue

from loket.queue.resilience import CircuitBreaker

# Workers listen in this order: urgent work first.
QUEUE_NAMES = ("urgent", "default", "callbacks", "maintenance")
REQUEST_TIMEOUT_S = 0.1  # what Redis may cost a request, once per breaker period
BREAKER_COOL_OFF_S = 5.0
PROCESS_TIMEOUT_S = 2.0


class RedisUnavailable(Exception):
    """No Redis is configured for this process."""


class CircuitOpen(RedisConnectionError):
    """Redis failed a moment ago; this call is not tried (the outbox keeps the work)."""


class _Guarded:
    """A connection that consults the circuit breaker before each command and trips it."""

    breaker: CircuitBreaker

    def __init__(self, *args: Any, breaker: CircuitBreaker, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.breaker = breaker

    def _check(self) -> None:
        if not self.breaker.allows():
            raise CircuitOpen("Redis is skipped for a few seconds after a failure")

    def connect(self) -> None:
        """Connect unless the circuit is open."""
        self._check()
        try:
            super().connect()  # type: ignore[misc]
        except (RedisConnectionError, RedisTimeoutError) as exc:
            if not isinstance(exc, CircuitOpen):
                self.breaker.trip(exc)
            raise

    def send_packed_command(self, *args: Any, **kwargs: Any) -> None:
        """Send unless the circuit is open."""
        self._check()
        try:
            super().send_packed_command(*args, **kwargs)  # type: ignore[misc]
        except (RedisConnectionError, RedisTimeoutError) as exc:
            if not isinstance(exc, CircuitOpen):
                self.breaker.trip(exc)
            raise

    def read_response(self, *args: Any, **kwargs: Any) -> Any:
        """Read an answer; a timeout or a lost connection trips the breaker."""
        try:
            response = super().read_response(*args, **kwargs)  # type: ignore[misc]
        except (RedisConnectionError, RedisTimeoutError) as exc:
            self.breaker.trip(exc)
            raise
        self.breaker.succeeded()
        return response


class GuardedConnection(_Guarded, Connection):
    """A TCP connection behind the circuit breaker."""


class GuardedSSLConnection(_Guarded, SSLConnection):
    """A TLS connection behind the circuit breaker."""


class GuardedUnixConnection(_Guarded, UnixDomainSocketConnection):
    """A Unix socket connection behind the circuit breaker."""


def _guarded_class(url: str) -> type[Connection] | type[UnixDomainSocketConnection]:
    if url.startswith("rediss://"):
        return GuardedSSLConnection
    if url.startswith("unix://"):
        return GuardedUnixConnection
    return GuardedConnection


def make_redis(url: str, *, timeout_s: float = REQUEST_TIMEOUT_S) -> Redis:
    """Build the app's client: short timeouts, no retries, a circuit breaker."""
    return Redis.from_url(
        url,
        socket_timeout=timeout_s,
        socket_connect_timeout=timeout_s,
        retry=Retry(NoBackoff(), 0),
        health_check_interval=30,
        connection_class=_guarded_class(url),
        breaker=CircuitBreaker("app", cool_off_s=BREAKER_COOL_OFF_S),
    )


def make_process_redis(url: str) -> Redis:
    """Build a worker's or scheduler's client: bounded waits; the process itself reconnects."""
    return Redis.from_url(
        url,
        socket_timeout=PROCESS_TIMEOUT_S,
        socket_connect_timeout=PROCESS_TIMEOUT_S,
        retry=Retry(NoBackoff(), 0),
        health_check_interval=30,
    )


def init_app(app: Flask, url: str) -> None:
    """Give the app its Redis client (or none, when no Redis is configured)."""
    app.extensions["loket.redis"] = make_redis(url) if url else None


def get_redis(app: Flask | None = None) -> Redis:
    """Return the app's Redis client."""
    redis: Redis | None = (app or current_app).extensions.get("loket.redis")
    if redis is None:
        raise RedisUnavailable("LOKET_REDIS_URL is not set for this process")
    return redis


def get_queue(name: str, redis: Redis) -> Queue:
    """Return one of Loket's queues on this connection."""
    if name not in QUEUE_NAMES:
        raise ValueError(f"unknown queue {name!r}")
    return Queue(name, connection=redis)


def redis_ok(redis: Redis | None) -> bool:
    """Tell whether Redis answers."""
    if redis is None:
        return False
    try:
        return bool(redis.ping())
    except Exception:  # noqa: BLE001 - any failure means "not ok" for a health check
        return False


def background_problem(redis: Redis | None) -> str:
    """Return whether the background processes are there, as Redis knows them: "ok", or
    "no_worker" (no `loket worker` alive: replies, callbacks and calls wait) or
    "no_scheduler" (no `loket scheduler` seen within RQ's two minutes: no crisis
    escalation, reconciler, sealing, report recount or retention); "unknown" without
    Redis. Reads only: a health check never cleans RQ's registries."""
    from rq.cron_scheduler_registry import get_registry_key
    from rq.defaults import DEFAULT_CRON_SCHEDULER_TTL
    from rq.worker_registration import get_keys

    if redis is None:
        return "unknown"
    try:
        # A worker's own key lapses when it stops beating (killed); its name in the
        # registry stays until a living worker cleans it.
        names = sorted(get_keys(connection=redis))
        with redis.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.exists(name)
            if not any(pipe.execute()):
                return "no_worker"
        seen_since = time.time() - DEFAULT_CRON_SCHEDULER_TTL
        if not redis.zcount(get_registry_key(), seen_since, "+inf"):
            return "no_scheduler"
    except Exception:  # noqa: BLE001 - any failure means "not known" for a health check
        return "unknown"
    return "ok"
