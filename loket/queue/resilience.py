"""Living with a Redis that stalls or restarts: backoff, a circuit breaker, waiting to reconnect;
and keeping what Twilio already did while the database refuses a moment.

The web's Redis client fails fast and then leaves Redis alone for a few seconds (the circuit
breaker), so no request waits for it; what it could not enqueue stays in the outbox for the
reconciler. The long-running processes (worker, scheduler) wait for Redis with backoff and
say so in their log, however long it is away.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import structlog
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from loket.store.db import session_scope

log = structlog.get_logger(__name__)


@dataclass
class Backoff:
    """Exponential waits with jitter, capped: 0.5 s, 1 s, 2 s, ... up to `cap_s`."""

    base_s: float = 0.5
    cap_s: float = 30.0
    attempt: int = 0

    def next_wait(self) -> float:
        """Return how long to wait before the next attempt, and count it."""
        self.attempt += 1
        ceiling = min(self.cap_s, self.base_s * 2 ** (self.attempt - 1))
        return ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 - jitter, not secrecy

    def reset(self) -> None:
        """Start again from the shortest wait."""
        self.attempt = 0


@dataclass
class CircuitBreaker:
    """After a Redis failure, refuse Redis calls for `cool_off_s` so no request waits on it."""

    name: str = "redis"
    cool_off_s: float = 5.0
    _open_until: float = 0.0
    _tripped: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def allows(self) -> bool:
        """Tell whether a call may go to Redis now."""
        return time.monotonic() >= self._open_until

    def trip(self, error: BaseException) -> None:
        """Note a failure: skip Redis for the cool-off period."""
        with self._lock:
            first = not self._tripped
            self._tripped = True
            self._open_until = time.monotonic() + self.cool_off_s
        if first:
            log.warning(
                "redis.circuit_open", client=self.name, error=type(error).__name__,
                skip_s=self.cool_off_s,
            )

    def succeeded(self) -> None:
        """Note a success: close the circuit if it was open."""
        if self._tripped:
            with self._lock:
                was, self._tripped = self._tripped, False
            if was:
                log.info("redis.circuit_closed", client=self.name)


def wait_for_redis(
    redis: Redis,
    *,
    process: str,
    error: BaseException,
    backoff: Backoff | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> float:
    """Wait until Redis answers again, logging each attempt; return how long it was away."""
    backoff = backoff or Backoff()
    started = time.monotonic()
    log.warning("redis.unavailable", process=process, error=type(error).__name__)
    while True:
        wait = backoff.next_wait()
        log.info(
            "redis.reconnecting", process=process, attempt=backoff.attempt, wait_s=round(wait, 2)
        )
        sleep(wait)
        try:
            if redis.ping():
                break
        except RedisError:
            continue
    away = time.monotonic() - started
    log.info("redis.reconnected", process=process, attempts=backoff.attempt, away_s=round(away, 2))
    backoff.reset()
    return away


def keep_after_send(engine: Engine, write: Callable[..., None], *, within_s: float,
                    event: str, sleep: Callable[[float], None] = time.sleep,
                    **ids: int) -> None:
    """Run `write(session=...)` in a unit of work of its own, trying again for `within_s` while the
    database refuses (a restart takes seconds; a row held past the lock timeout).

    For what Twilio has done already (a text sent, a call placed): failing at once would
    let a retry do it a second time. Logged as `<event>.record_retry` at each wait; past the
    bound, `<event>.sent_unrecorded` and the error is raised. `ids` (ids only, nothing
    personal) go into both lines."""
    deadline = time.monotonic() + within_s
    backoff = Backoff(base_s=0.5, cap_s=5.0)
    while True:
        try:
            with session_scope(engine) as session:
                write(session=session)
            return
        except DBAPIError as exc:
            wait = backoff.next_wait()
            if time.monotonic() + wait > deadline:
                log.error(f"{event}.sent_unrecorded", error=type(exc).__name__, **ids)
                raise
            log.warning(f"{event}.record_retry", error=type(exc).__name__,
                        wait_s=round(wait, 2), **ids)
            sleep(wait)
