"""`/metrics` for Prometheus: requests and their latency by route template, method and status,
and the length of each job queue. Nothing personal: a route is its rule's template
(`/api/v1/contacts/<reference>`), never the path asked for.

Under gunicorn (`loket serve`, `loket dev`) every worker writes its figures to files in
`PROMETHEUS_MULTIPROC_DIR` (see `loket.gunicorn_conf`) and a scrape sums them; without that
variable (tests, `flask run`) the figures are the process's own.

Only loopback may scrape, or, with `LOKET_METRICS_TOKEN` set, a request bearing that token;
anyone else gets the 404 of an unknown page.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import structlog
from flask import Blueprint, Flask, Response, abort, current_app, g, request
from flask.signals import request_finished, request_started
from flask.typing import ResponseReturnValue
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from redis import Redis
from redis.exceptions import RedisError

from loket.config import Settings
from loket.gunicorn_conf import MULTIPROCESS_DIR
from loket.queue.connection import QUEUE_NAMES, get_queue

# The route of a request that matched no rule (a 404, or a 405 for a method a path lacks).
UNMATCHED = "unmatched"
# Any other method is counted as "other": a made-up method must not become a label.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Endpoints not counted: the scrapes themselves and static files.
NOT_COUNTED = frozenset({"static", "metrics.scrape"})
# Twilio gives up on a webhook after 15 s; the buckets reach past it.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 15.0, 30.0)

bp = Blueprint("metrics", __name__)
log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Metrics:
    """An app's metrics and the registry a scrape reads."""

    scraped: CollectorRegistry
    requests: Counter
    latency: Histogram


class QueueLengths(Collector):
    """The jobs waiting in each RQ queue, read from Redis at each scrape."""

    def __init__(self, redis: Redis | None) -> None:
        self.redis = redis

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """Yield the queues' lengths; nothing when Redis does not answer."""
        if self.redis is None:
            return
        family = GaugeMetricFamily("loket_queue_jobs", "Jobs waiting in a queue.", labels=["queue"])
        try:
            for name in QUEUE_NAMES:
                family.add_metric([name], get_queue(name, self.redis).count)
        except RedisError:
            return
        yield family


def init_app(app: Flask) -> None:
    """Build the app's metrics, count its requests and serve `/metrics`."""
    own = CollectorRegistry()
    requests = Counter(
        "loket_http_requests",
        "HTTP requests answered, by route template, method and status.",
        ["route", "method", "status"],
        registry=own,
    )
    latency = Histogram(
        "loket_http_request_duration_seconds",
        "Time from a request's start to its answer, by route template and method.",
        ["route", "method"],
        buckets=LATENCY_BUCKETS,
        registry=own,
    )
    if os.environ.get(MULTIPROCESS_DIR):
        # The workers' figures are in files: a scrape reads and sums all of them.
        scraped = CollectorRegistry()
        MultiProcessCollector(scraped)
    else:
        scraped = own
    scraped.register(QueueLengths(app.extensions.get("loket.redis")))
    app.extensions["loket.metrics"] = Metrics(scraped, requests, latency)
    request_started.connect(_started, app)
    request_finished.connect(_finished, app)
    app.register_blueprint(bp)


def _started(sender: Flask, **_extra: Any) -> None:
    g.metrics_started = time.perf_counter()


def _finished(sender: Flask, response: Response, **_extra: Any) -> None:
    started = g.pop("metrics_started", None)
    if request.endpoint in NOT_COUNTED:
        return
    metrics: Metrics = sender.extensions["loket.metrics"]
    route = request.url_rule.rule if request.url_rule is not None else UNMATCHED
    method = request.method if request.method in METHODS else "other"
    try:
        metrics.requests.labels(route, method, str(response.status_code)).inc()
        if started is not None:
            metrics.latency.labels(route, method).observe(time.perf_counter() - started)
    except OSError as exc:
        # The multiprocess files could not be written (the directory cleaned away, a full
        # disk): the figure is lost, the answer is not.
        log.warning("metrics.not_recorded", route=route, error=type(exc).__name__)


def loopback(address: str | None) -> bool:
    """Tell whether an address is this machine's own (127.0.0.0/8, ::1)."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def may_scrape(settings: Settings) -> bool:
    """Tell whether this request may read the metrics."""
    if settings.metrics_token:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            token.strip().encode(), settings.metrics_token.encode()
        )
    if not settings.trusted_proxies and (
        "X-Forwarded-For" in request.headers or "Forwarded" in request.headers
    ):
        # A proxy Loket was not told about: its own address would pass for the client's.
        return False
    return loopback(request.remote_addr)


@bp.get("/metrics")
def scrape() -> ResponseReturnValue:
    """Answer Prometheus in its text format; a 404 to anyone not allowed to scrape."""
    if not may_scrape(current_app.config["LOKET"]):
        abort(404)
    registry = current_app.extensions["loket.metrics"].scraped
    return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
