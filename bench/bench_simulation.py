"""Benchmark the capacity simulation: one week of both desks (and De Basis) at national
volume, some 700 contacts a day, under the routing policy (priorities, the night, weekend
pool and overflow) with the pooled plan's staffing, and the separate plan on its own.

Measured: the wall time of planning (Erlang C per hour of the week) and of each simulated
week; printed with the figures per desk. Target: each simulated week < 5 s. Exits 1 when
missed. Pure: no database or Redis. Not a test: `make bench` runs it.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from loket.reports.plan import POOLED_HOURS, staff
from loket.reports.simulation import NATIONAL_PER_DAY, synthetic_pattern
from loket.reports.simulation import simulate as run_simulation

TARGET_S = 5.0
SEED = 1


def show(name: str, result: dict[str, Any], took: float) -> None:
    """Print one run's time and its figures per desk."""
    print(f"{name}: {took:.2f} s for {result['overall']['contacts']} contacts")
    rows = {**result["desks"], "crisis": result["crisis"], "overall": result["overall"]}
    for key, shown in rows.items():
        if not shown["contacts"]:
            continue
        print(f"  {key:9} {shown['contacts']:5d} contacts  service level "
              f"{shown['service_level'] * 100:5.1f}%  wait mean {shown['mean_wait_s']:6.1f} s  "
              f"median {shown['median_wait_s']:6.1f} s  p90 {shown['p90_wait_s']:6.1f} s  "
              f"overflow {shown['overflow']}  pooled {shown['pooled']}")


def main() -> int:
    """Plan and simulate one national week; return 1 when a week took over the target."""
    load = synthetic_pattern(NATIONAL_PER_DAY)
    started = time.perf_counter()
    plan = staff(load, 20, 0.8)
    planned = time.perf_counter() - started
    hours = plan["counsellor_hours"]
    print(f"plan: {planned * 1000:.1f} ms; counsellor-hours a week: separate "
          f"{hours['separate']}, pooled {hours['pooled']}, saving {hours['difference']} "
          f"({hours['by_clock']} by the clock, {hours['by_overflow']} by overflow)")
    slowest = 0.0
    runs = {
        "separate plan, desks on their own": {"staffing": plan["separate"]},
        "pooled plan, routing policy": {"staffing": plan["pooled"],
                                        "pooled_hours": POOLED_HOURS, "overflow": True},
    }
    for name, kwargs in runs.items():
        started = time.perf_counter()
        result = run_simulation(load, seed=SEED, **kwargs)  # type: ignore[arg-type]
        took = time.perf_counter() - started
        slowest = max(slowest, took)
        show(name, result, took)
    ok = slowest < TARGET_S
    print(f"simulation: slowest week {slowest:.2f} s (target < {TARGET_S:.0f} s): "
          f"{'ok' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
