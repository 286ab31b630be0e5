"""Redis and the RQ queues of an app; nothing connects until first use."""

from __future__ import annotations

from flask import Flask, current_app
from redis import Redis
from rq import Queue

# Workers listen in this order: urgent work first.
QUEUE_NAMES = ("urgent", "default", "callbacks", "maintenance")
REDIS_TIMEOUT_S = 2.0


class RedisUnavailable(Exception):
    """No Redis is configured for this process."""


def make_redis(url: str) -> Redis:
    """Build a Redis client with short timeouts: the request path must not hang on it."""
    return Redis.from_url(
        url,
        socket_timeout=REDIS_TIMEOUT_S,
        socket_connect_timeout=REDIS_TIMEOUT_S,
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
