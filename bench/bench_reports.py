"""Benchmark the managers' reports on a million contacts, on each engine in turn (a SQLite
file, then PostgreSQL: LOKET_BENCH_REPORTS_POSTGRES_URL or LOKET_BENCH_POSTGRES_URL, emptied
and migrated; its buffer cache and WAL size between checkpoints are printed beside the
figures, see docs/production.md).

`loket demo --contacts 1000000` fills the database (eight weeks of contacts, as routed by
the rules, and the report tallies counted at its end), run as a user runs it: its wall
time is measured. Then, through the whole Flask app as a logged-in manager of no
one desk (every desk's figures), measured over repeated requests after one warm-up:
- `GET /reports` for last month (a full calendar month: ~540,000 contacts), every table
  and chart rendered;
- the same for this month so far, with this hour marked as changed: today is counted from
  its contacts at the moment of reading, as while contacts keep coming in;
- `GET /reports/capacity?weeks=8`, the plan from eight weeks (~1,000,000 contacts).
Targets: the demo under 2 minutes, the report page under 300 ms and the capacity plan
under 1 s (the slowest of the measured requests). Exits 1 when a target is missed. Not a
test: `make bench` runs it.
`--contacts N` runs a smaller database (to try it out; the targets are for a million).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_intake import (  # noqa: E402 - the intake benchmark's settings and helpers
    POSTGRES_URL,
    ROOT,
    empty_postgres,
    free_port,
    loket_env,
    migrate,
    percentile,
)

CONTACTS = 1_000_000
DEMO_TARGET_S = 120.0
REPORT_TARGET_S = 0.300
CAPACITY_TARGET_S = 1.0
RUNS = 10


def demo(env: dict[str, str], contacts: int) -> float:
    """Fill the database with `loket demo`; return its seconds."""
    started = time.monotonic()
    subprocess.run(  # noqa: S603 - our own interpreter and fixed arguments
        [sys.executable, "-m", "loket.cli", "demo", "--contacts", str(contacts), "--seed", "7"],
        cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL,
    )
    return time.monotonic() - started


def manager_client(app: Any, email: str = "manager@bench.loket.test") -> Any:
    """Return a test client logged in (both factors) as a manager of no one desk."""
    from sqlmodel import Session

    from loket.domain import accounts, logins
    from loket.store.types import utcnow

    serializer = app.session_interface.get_signing_serializer(app)
    with Session(app.extensions["loket.engine"]) as session:
        user, _ = accounts.create_user(session=session, user_in=accounts.UserIn(
            email=email, role="manager", desk=None, name="Bench",
            password="bench-password-that-is-long"))  # noqa: S106
        user.totp_enrolled_at = utcnow()
        session.flush()
        token = logins.complete(session=session, token=logins.start(
            session=session, user=user, source="127.0.0.1"))
        assert token is not None  # noqa: S101 - a login just started
        session.commit()
    client = app.test_client()
    client.set_cookie(app.config.get("SESSION_COOKIE_NAME", "session"),
                      serializer.dumps({"_user_id": token, "_fresh": True}))
    return client


def timed(client: Any, path: str, runs: int = RUNS) -> list[float]:
    """Return the seconds of `runs` requests after one warm-up; each must answer 200."""
    seconds = []
    for n in range(runs + 1):
        started = time.perf_counter()
        response = client.get(path)
        took = time.perf_counter() - started
        if response.status_code != 200:
            raise SystemExit(f"{path}: {response.status_code}")
        if n:
            seconds.append(took)
    return seconds


def mark_today(app: Any) -> None:
    """Mark this hour as changed, as the contacts arriving and closed since the scheduler's
    last refresh (a minute ago at most) do: today is counted from its contacts."""
    from sqlmodel import Session

    from loket.store.models import ReportDirty

    now = int(datetime.now(UTC).timestamp()) // 3600
    with Session(app.extensions["loket.engine"]) as session:
        session.add(ReportDirty(hour=now))
        session.commit()


def server_settings(engine: Any) -> str:
    """Return the PostgreSQL settings that weigh most on a bulk load, as the server has them:
    its buffer cache, and the WAL written between checkpoints (the defaults are 128MB and
    1GB; docs/production.md)."""
    from sqlalchemy import text

    names = ("shared_buffers", "max_wal_size")
    with engine.connect() as conn:
        return ", ".join(f"{name} {conn.execute(text(f'SHOW {name}')).scalar()}"
                         for name in names)


def run(name: str, database_url: str, contacts: int) -> list[str]:
    """Fill one engine's database and measure; return the targets missed."""
    tmp = Path(tempfile.mkdtemp(prefix=f"loket-bench-reports-{name}-"))
    env = loket_env(tmp, free_port(), database_url)
    migrate(env)
    demo_s = demo(env, contacts)
    os.environ.update(env)
    from loket.app import create_app
    from loket.reports import tally
    from loket.store.db import session_scope

    app = create_app({})
    # Nothing is left to count (the demo counted its days); a no-op unless it failed to.
    left = tally.refresh_all(lambda: session_scope(app.extensions["loket.engine"]))
    client = manager_client(app)
    today = date.today()
    last = today.replace(day=1) - timedelta(days=1)
    month = f"/reports?from={last.replace(day=1).isoformat()}&to={last.isoformat()}"
    report = timed(client, month)
    mark_today(app)
    current = timed(client, f"/reports?from={today.replace(day=1).isoformat()}"
                            f"&to={today.isoformat()}")
    capacity = timed(client, "/reports/capacity?weeks=8", runs=5)
    app.extensions["loket.engine"].dispose()
    print(f"{name}: loket demo --contacts {contacts:,} in {demo_s:.1f} s (days left to "
          f"count after it: {left})")
    if name == "postgres":
        print(f"  the server: {server_settings(app.extensions['loket.engine'])}")
    for label, seconds in (("report, last month", report),
                           ("report, this month with today changed", current),
                           ("capacity plan, 8 weeks", capacity)):
        print(f"  {label}: p50 {percentile(seconds, 0.5) * 1000:.0f} ms, "
              f"max {max(seconds) * 1000:.0f} ms")
    missed = []
    if contacts >= CONTACTS and demo_s > DEMO_TARGET_S:
        missed.append(f"{name}: loket demo {demo_s:.0f} s (target {DEMO_TARGET_S:.0f} s)")
    if max(report + current) > REPORT_TARGET_S:
        missed.append(f"{name}: report page {max(report + current) * 1000:.0f} ms "
                      f"(target {REPORT_TARGET_S * 1000:.0f} ms)")
    if max(capacity) > CAPACITY_TARGET_S:
        missed.append(f"{name}: capacity plan {max(capacity):.2f} s "
                      f"(target {CAPACITY_TARGET_S:.0f} s)")
    return missed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--contacts", type=int, default=CONTACTS)
    parser.add_argument("--engine", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    url = os.environ.get("LOKET_BENCH_REPORTS_POSTGRES_URL", POSTGRES_URL)
    missed: list[str] = []
    if args.engine in ("sqlite", "both"):
        tmp = Path(tempfile.mkdtemp(prefix="loket-bench-reports-db-"))
        missed += run("sqlite", f"sqlite:///{tmp / 'loket.db'}", args.contacts)
    if args.engine in ("postgres", "both"):
        empty_postgres(url)
        missed += run("postgres", url, args.contacts)
    for line in missed:
        print(f"missed: {line}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
