"""Benchmark callbacks at scale: 10,000 due in the same minute, made due by two forked
workers (`loket worker`: RQ's scheduler and forking work horses) on PostgreSQL.

The database holds 10,000 pending callbacks whose due times fall in one minute starting
`--lead` seconds from now; each due second has its job in RQ's scheduled registry (what
`schedule_callback` leaves when a person asks for a callback). Two `loket worker` processes
run the jobs. Measured: for each callback, from its due time to the moment it was made due
(in its desk's queue, the counsellors' "call" button live); and that none was made due twice
(one audit line each). Target: every one within 60 s, none twice. Exits 1 when missed.

Why "made due" and not "placed": Loket calls a person back counsellor first (the counsellor's
phone rings when they press "call", then the person's), so what scale asks of the system at
the due time is the due step; the call itself follows a counsellor's press.
Not a test: `make bench` runs it.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from redis import Redis

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_intake import (  # noqa: E402 - the intake benchmark's settings and helpers
    POSTGRES_URL,
    REDIS_URL,
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
    from loket.store.models import CallbackRequest, Contact, table_of
    from loket.store.types import utcnow

    app = create_app({})
    engine = app.extensions["loket.engine"]
    start = utcnow() + timedelta(seconds=lead_s)
    rng = random.Random(13)
    dues = [start + timedelta(seconds=rng.randrange(SPREAD_S)) for _ in range(count)]
    with engine.begin() as conn:
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
             "created_at": utcnow(), "updated_at": utcnow()}
            for contact_id, due in zip(contacts, dues, strict=True)
        ])
    with app.app_context():
        for at in sorted(set(dues)):
            call_jobs.enqueue_due(at)
    engine.dispose()


def measure(env: dict[str, str], count: int, limit_s: float) -> tuple[list[float], int, int]:
    """Wait until every callback is due (or the limit); return each one's lateness in
    seconds, how many are still pending, and how many were made due more than once."""
    from sqlalchemy import create_engine, text

    engine = create_engine(env["LOKET_DATABASE_URL"])
    deadline = time.monotonic() + limit_s
    pending = count
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            pending = conn.execute(text(
                "SELECT count(*) FROM callback_request WHERE status = 'pending'")).scalar_one()
            if not pending:
                break
            time.sleep(1)
        late = [float(s) for (s,) in conn.execute(text(
            "SELECT EXTRACT(EPOCH FROM due_at - next_attempt_at) FROM callback_request "
            "WHERE due_at IS NOT NULL"))]
        twice = conn.execute(text(
            "SELECT count(*) FROM (SELECT contact_reference FROM audit_event WHERE detail "
            "LIKE 'callback due%' GROUP BY contact_reference HAVING count(*) > 1) AS t"
        )).scalar_one()
    engine.dispose()
    return late, int(pending), int(twice)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--callbacks", type=int, default=CALLBACKS)
    parser.add_argument("--lead", type=float, default=20.0,
                        help="seconds from the start until the first callback is due")
    args = parser.parse_args()
    redis = Redis.from_url(REDIS_URL)
    redis.flushdb()
    empty_postgres(POSTGRES_URL)
    with tempfile.TemporaryDirectory(prefix="loket-bench-callbacks-") as name:
        tmp = Path(name)
        env = loket_env(tmp, 0, POSTGRES_URL)
        migrate(env)
        seed(env, args.callbacks, args.lead)
        # What production runs: forked workers (RQ's scheduler inside) and `loket scheduler`
        # (the reconciler among its periodic jobs).
        processes = loket_processes(env, ["worker"] * WORKERS + ["scheduler"],
                                    tmp / "processes.log")
        try:
            late, pending, twice = measure(env, args.callbacks, args.lead + SPREAD_S + 120)
        finally:
            stop_processes(processes)
    redis.flushdb()
    worst = max(late) if late else float("inf")
    print(f"postgres: {args.callbacks} callbacks due within {SPREAD_S} s, {WORKERS} forked "
          f"workers\n  made due: {len(late)}, late p50 {percentile(late, 0.5):.2f} s, "
          f"p99 {percentile(late, 0.99):.2f} s, max {worst:.2f} s (target every one < "
          f"{TARGET_S:.0f} s); still pending {pending}; made due twice {twice}")
    missed = pending or twice or worst >= TARGET_S or len(late) != args.callbacks
    if missed:
        print("  MISSED: callbacks due")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
