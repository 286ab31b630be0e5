"""Benchmark callbacks at scale: 10,000 due in the same minute, each placed (a request at
the Twilio REST double) by two forked workers (`loket worker`: RQ's scheduler and forking
work horses) beside `loket scheduler`, on PostgreSQL.

The database holds 10,000 personal callbacks (each agreed by its own counsellor, who has a
phone, is available and logged in) whose due times fall in one minute starting `--lead` seconds from
now; each due second has its job in RQ's scheduled registry (what `schedule_callback`
leaves). When one is due, Loket rings its counsellor's phone through the real `twilio`
client, here aimed at the double over HTTP. Measured: for each callback, from its due time
to its call placed (the sid kept); that each was placed once (one request at the double,
one leg). Target: every one within 60 s, none twice. Exits 1 when missed.
Not a test: `make bench` runs it.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from redis import Redis

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_intake import (  # noqa: E402 - the intake benchmark's settings and helpers
    POSTGRES_URL,
    REDIS_URL,
    ROOT,
    empty_postgres,
    loket_env,
    loket_processes,
    migrate,
    percentile,
    stop_processes,
)

CALLBACKS = 10_000
SPREAD_S = 60
TARGET_S = 60.0
WORKERS = 2


def seed(env: dict[str, str], count: int, lead_s: float) -> None:
    """Store `count` pending callbacks due within one minute from `lead_s` seconds on, and
    schedule their due jobs as `schedule_callback` does."""
    os.environ.update(env)
    from sqlalchemy import insert

    from loket.app import create_app
    from loket.queue import calls as call_jobs
    from loket.store.models import CallbackRequest, Contact, LoginSession, User, table_of
    from loket.store.types import utcnow

    app = create_app({})
    engine = app.extensions["loket.engine"]
    start = utcnow() + timedelta(seconds=lead_s)
    rng = random.Random(13)
    dues = [start + timedelta(seconds=rng.randrange(SPREAD_S)) for _ in range(count)]
    with engine.begin() as conn:
        counsellors = conn.execute(insert(table_of(User)).returning(table_of(User).c.id), [
            {"email": f"c{n}@bench.loket.test", "name": f"Bench {n}", "role": "counsellor",
             "desk": "police", "password_hash": "-", "available": True, "active": True,
             "availability": "available", "phone": f"+3161{n:07d}", "display_name": "",
             "continuity_opt_out": False, "failed_logins": 0, "created_at": utcnow()}
            for n in range(count)
        ]).scalars().all()
        # each counsellor logged in (both factors): one with no live login is not here, and
        # the absence sweep marks them away (their callbacks go to the desk's queue)
        conn.execute(insert(table_of(LoginSession)), [
            {"token_hash": f"{user_id:064x}", "user_id": user_id, "created_at": utcnow(),
             "last_seen_at": utcnow(), "second_factor_at": utcnow(), "source": "127.0.0.1"}
            for user_id in counsellors
        ])
        contacts = conn.execute(insert(table_of(Contact)).returning(table_of(Contact).c.id), [
            {"reference": f"CB{n:05d}", "channel": "phone", "status": "callback",
             "desk": "police", "queue": "police", "priority": "normal",
             "created_at": utcnow(), "updated_at": utcnow(), "routed_at": utcnow(),
             "organisation": "police", "serving_status": "unknown", "relation": "self",
             "need": "unknown", "risk": "none", "language": "nl", "preference": "callback",
             "anonymous": False, "consent": True, "crisis": False, "trace": "[]",
             "intake_step": "callback", "categories": "[]"}
            for n in range(count)
        ]).scalars().all()
        conn.execute(insert(table_of(CallbackRequest)), [
            {"contact_id": contact_id, "window": "asap", "window_start": due,
             "window_end": due + timedelta(hours=2), "voicemail_allowed": False, "attempts": 0,
             "max_attempts": 0, "next_attempt_at": due, "status": "pending",
             "claimed_by": user_id, "phone": "+31612345678",
             "created_at": utcnow(), "updated_at": utcnow()}
            for contact_id, user_id, due in zip(contacts, counsellors, dues, strict=True)
        ])
    with app.app_context():
        for at in sorted(set(dues)):
            call_jobs.enqueue_due(at)
    engine.dispose()


@dataclass
class Placed:
    """What the run measured."""

    late: list[float]  # per call placed: seconds from its due time to its sid kept
    unplaced: int  # callbacks with no call placed at the end
    twice: int  # callbacks with more than one counsellor leg
    requests: int  # calls the double received


def measure(env: dict[str, str], count: int, limit_s: float, double: Any) -> Placed:
    """Wait until every callback's call is placed (or the limit); return the figures."""
    from sqlalchemy import create_engine, text

    engine = create_engine(env["LOKET_DATABASE_URL"])
    deadline = time.monotonic() + limit_s
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            placed = conn.execute(text(
                "SELECT count(*) FROM call_leg WHERE call_sid IS NOT NULL")).scalar_one()
            if placed >= count:
                break
            time.sleep(1)
        late = [float(s) for (s,) in conn.execute(text(
            "SELECT EXTRACT(EPOCH FROM l.updated_at - c.next_attempt_at) FROM call_leg l "
            "JOIN callback_request c ON c.id = l.callback_id WHERE l.call_sid IS NOT NULL"))]
        twice = conn.execute(text(
            "SELECT count(*) FROM (SELECT callback_id FROM call_leg GROUP BY callback_id "
            "HAVING count(*) > 1) AS t")).scalar_one()
    engine.dispose()
    return Placed(late=late, unplaced=count - len(late), twice=int(twice),
                  requests=len(double.received("/Calls.json")))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--callbacks", type=int, default=CALLBACKS)
    parser.add_argument("--lead", type=float, default=20.0,
                        help="seconds from the start until the first callback is due")
    args = parser.parse_args()
    redis = Redis.from_url(REDIS_URL)
    redis.flushdb()
    empty_postgres(POSTGRES_URL)
    sys.path.insert(0, str(ROOT))
    from tests.twilio_double import ACCOUNT_SID, AUTH_TOKEN, start_double

    double = start_double()
    with tempfile.TemporaryDirectory(prefix="loket-bench-callbacks-") as name:
        tmp = Path(name)
        env = {**loket_env(tmp, 0, POSTGRES_URL), "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
               "TWILIO_AUTH_TOKEN": AUTH_TOKEN, "TWILIO_FROM_NUMBER": "+3185000000",
               "TWILIO_API_BASE_URL": double.url}
        migrate(env)
        seed(env, args.callbacks, args.lead)
        # What production runs: forked workers (RQ's scheduler inside) and `loket scheduler`
        # (the reconciler among its periodic jobs).
        processes = loket_processes(env, ["worker"] * WORKERS + ["scheduler"],
                                    tmp / "processes.log")
        try:
            got = measure(env, args.callbacks, args.lead + SPREAD_S + 120, double)
        finally:
            stop_processes(processes)
            double.stop()
    redis.flushdb()
    worst = max(got.late) if got.late else float("inf")
    print(f"postgres: {args.callbacks} personal callbacks due within {SPREAD_S} s, {WORKERS} "
          f"forked workers and the scheduler, the Twilio REST double over HTTP\n"
          f"  placed: {len(got.late)} ({got.requests} requests at the double), from due to "
          f"placed p50 {percentile(got.late, 0.5):.2f} s, p99 {percentile(got.late, 0.99):.2f}"
          f" s, max {worst:.2f} s (target every one < {TARGET_S:.0f} s); not placed "
          f"{got.unplaced}; placed twice {got.twice}")
    missed = (got.unplaced or got.twice or worst >= TARGET_S
              or got.requests != args.callbacks)
    if missed:
        print("  MISSED: callbacks placed")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
