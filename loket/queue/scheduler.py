"""`loket scheduler`: RQ's cron scheduler, kept going through Redis stalls and restarts."""

from __future__ import annotations

import os
import time

import structlog
from redis import Redis
from redis.exceptions import RedisError
from rq.cron import CronScheduler
from rq.exceptions import StopRequested

from loket.queue.resilience import Backoff, wait_for_redis

log = structlog.get_logger(__name__)
RECONCILE_EVERY_S = 10
SEAL_AUDIT_EVERY_S = 10  # how often new audit rows are sealed onto the chain
RETENTION_CRON = "30 3 * * *"  # nightly at 03:30 UTC: past-period contacts anonymised
REPORTS_EVERY_S = 60  # how often changed report days are recounted into the tallies
CALLS_EVERY_S = 60  # how often waiting calls with quiet rows are checked with Twilio
ESCALATE_EVERY_S = 2  # how often unclaimed crises are looked at (a step is due to the second)
# A sweep not started within this long is dropped (a newer one is queued): a worker back
# after an outage finds a few sweeps, not an hour of them ahead of the urgent calls' jobs.
ESCALATE_TTL_S = 10
STEADY_S = 60.0


class LoketCron(CronScheduler):
    """RQ's cron scheduler that remembers a stop request: RQ raises StopRequested from its
    signal handler and then registers its death in Redis, and when Redis does not answer,
    that error replaces the StopRequested (`run_scheduler` would wait for Redis for ever
    instead of stopping)."""

    stop_requested = False

    def _request_stop(self, signum: int, frame: object) -> None:
        self.stop_requested = True
        super()._request_stop(signum, frame)


def build_cron(redis: Redis, generation: int) -> LoketCron:
    """Return a cron scheduler with Loket's periodic jobs registered.

    RQ reads a cron expression in the process's local time: the scheduler's process keeps
    UTC (`utc_clock`), so that the retention runs at 03:30 UTC on any machine, as the README
    and docs/production.md say, not at 03:30 in whatever zone the machine is set to."""
    from loket.queue import calls, escalations, jobs

    utc_clock()
    cron = LoketCron(connection=redis, name=f"loket-{os.getpid()}-{generation}")
    cron.register(jobs.reconcile, "maintenance", interval=RECONCILE_EVERY_S)
    cron.register(jobs.seal_audit, "maintenance", interval=SEAL_AUDIT_EVERY_S)
    cron.register(jobs.refresh_reports, "maintenance", interval=REPORTS_EVERY_S)
    cron.register(calls.reconcile_waiting_calls, "maintenance", interval=CALLS_EVERY_S)
    cron.register(jobs.apply_retention, "maintenance", cron=RETENTION_CRON, job_timeout=3600)
    cron.register(escalations.sweep, "urgent", interval=ESCALATE_EVERY_S, ttl=ESCALATE_TTL_S)
    return cron


def utc_clock() -> None:
    """Make this process's local time UTC (the scheduler's: see `build_cron`)."""
    if os.environ.get("TZ") != "UTC":
        os.environ["TZ"] = "UTC"
        time.tzset()


def run_scheduler(redis: Redis) -> None:
    """Enqueue the periodic jobs until asked to stop; wait out Redis with backoff.

    RQ's scheduler stops on any Redis error (a stall of two seconds was enough); this loop
    waits until Redis answers, however long that takes, and starts a fresh one.
    """
    backoff = Backoff()
    generation = 0
    while True:
        generation += 1
        started = time.monotonic()
        cron = build_cron(redis, generation)
        try:
            cron.start()
            return  # RQ's scheduler returns only when asked to stop
        except StopRequested:
            return
        except RedisError as exc:
            if cron.stop_requested:  # asked to stop, then Redis failed as it said goodbye
                log.info("scheduler.stopped", redis_error=type(exc).__name__)
                return
            error = exc
        if time.monotonic() - started > STEADY_S:
            backoff.reset()
        try:
            # RQ's signal handlers stay installed: a stop request raises StopRequested here.
            wait_for_redis(redis, process="scheduler", error=error, backoff=backoff)
        except StopRequested:
            return
