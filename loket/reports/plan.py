"""The capacity plan: counsellors needed per hour of the week, desks separate and pooled.

From the contacts of the last whole weeks (Amsterdam days up to today, today excluded):
per owner desk and Amsterdam hour of the week, the mean arrivals an hour and the mean
handle time (`closed_at - answered_at` of the contacts answered and closed; the desk's own
mean over all hours where an hour has none, `DEFAULT_AHT_S` where the desk has none). Erlang
C then gives the counsellors each hour needs to meet the service target.

Pooled hours (`POOLED_HOURS`), as `routing_rules/default.yaml`'s `pooled-hours` window:
every night from 22:00 up to, not including, 07:00, and all of Saturday and Sunday
(Amsterdam time). Then police and veterans are one queue (`pool`), staffed for their
arrivals together with their arrival-weighted handle time; De Basis stays on its own.
Public holidays (also pooled by routing) are not hours of the week and are left out: the
plan is for an ordinary week. Overflow between the desks outside these hours is not
modelled either, so the saving shown is what pooling by the clock alone gives.

The counts are grouped in SQL by desk and UTC hour (a few thousand rows for eight weeks,
never a row per contact); the Amsterdam hour of the week is found per UTC hour in Python,
so daylight-saving weeks land on the right local hour on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Integer, and_, case, cast, extract, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from loket.reports.capacity import counsellors_needed
from loket.reports.periods import AMSTERDAM, day_start, hour_of_week
from loket.routing.values import DESKS, PAIRED_DESKS
from loket.store.models import Contact

HOURS_PER_WEEK = 168
DEFAULT_AHT_S = 600.0  # as the desk's expected wait assumes before it has its own figures
DEFAULT_TARGET_S = 20.0
DEFAULT_LEVEL = 0.8
NIGHT = (22, 7)  # from 22:00 up to, not including, 07:00
WEEKEND = (5, 6)  # Saturday, Sunday (Monday is 0)
POOL = "pool"


def pooled_hour(how: int) -> bool:
    """Return whether an hour of the week (0 = Monday 00:00) is pooled: night or weekend."""
    day, hour = divmod(how, 24)
    return day in WEEKEND or hour >= NIGHT[0] or hour < NIGHT[1]


POOLED_HOURS: frozenset[int] = frozenset(h for h in range(HOURS_PER_WEEK) if pooled_hour(h))


@dataclass
class Observed:
    """Per desk and hour of the week: contacts arrived, handle seconds and contacts handled."""

    weeks: int
    arrivals: dict[str, list[int]] = field(default_factory=dict)
    work_s: dict[str, list[float]] = field(default_factory=dict)
    handled: dict[str, list[int]] = field(default_factory=dict)

    def add(self, desk: str, how: int, arrived: int, work_s: float, handled: int) -> None:
        """Add one hour's counts of one desk."""
        self.arrivals.setdefault(desk, [0] * HOURS_PER_WEEK)[how] += arrived
        self.work_s.setdefault(desk, [0.0] * HOURS_PER_WEEK)[how] += work_s
        self.handled.setdefault(desk, [0] * HOURS_PER_WEEK)[how] += handled

    def rate(self, desk: str, how: int) -> float:
        """Return the mean arrivals an hour of a desk in an hour of the week."""
        return self.arrivals.get(desk, [0] * HOURS_PER_WEEK)[how] / self.weeks

    def aht_s(self, desk: str, how: int) -> float:
        """Return the mean handle time of a desk in an hour of the week (see the module)."""
        handled = self.handled.get(desk, [0] * HOURS_PER_WEEK)
        work = self.work_s.get(desk, [0.0] * HOURS_PER_WEEK)
        if handled[how]:
            return work[how] / handled[how]
        if sum(handled):
            return sum(work) / sum(handled)
        return DEFAULT_AHT_S


def hour_bucket(dialect: str) -> ColumnElement[Any]:
    """Return the SQL for a contact's arrival as whole hours since 1970 (UTC)."""
    if dialect == "sqlite":  # stored as UTC text; strftime('%s') reads it as UTC
        return cast(func.strftime("%s", col(Contact.created_at)), Integer) / 3600
    return cast(func.floor(extract("epoch", col(Contact.created_at)) / 3600), Integer)


def handle_seconds(dialect: str) -> ColumnElement[Any]:
    """Return the SQL for a contact's handle time in seconds (answer to close)."""
    if dialect == "sqlite":
        return (func.julianday(col(Contact.closed_at))
                - func.julianday(col(Contact.answered_at))) * 86400.0
    return extract("epoch", col(Contact.closed_at) - col(Contact.answered_at))


def observe(session: Session, since: datetime, until: datetime, weeks: int) -> Observed:
    """Return the arrivals and handle times of [since, until) by desk and hour of the week."""
    dialect = session.get_bind().dialect.name
    bucket = hour_bucket(dialect).label("bucket")
    seconds = handle_seconds(dialect)
    handled = and_(col(Contact.answered_at).is_not(None), col(Contact.closed_at).is_not(None),
                   col(Contact.closed_at) >= col(Contact.answered_at))
    rows = session.execute(
        sa_select(col(Contact.desk), bucket, func.count(),
               func.coalesce(func.sum(case((handled, seconds), else_=0)), 0),
               func.coalesce(func.sum(case((handled, 1), else_=0)), 0))
        .where(col(Contact.created_at) >= since, col(Contact.created_at) < until,
               col(Contact.desk).is_not(None))
        .group_by(col(Contact.desk), bucket)
    ).all()
    observed = Observed(weeks=weeks)
    for desk, hours, arrived, work, n in rows:
        at = datetime.fromtimestamp(int(hours) * 3600, UTC)
        observed.add(str(desk), hour_of_week(at), int(arrived), float(work), int(n))
    return observed


def staff(observed: Observed, target_s: float, level: float) -> dict[str, Any]:
    """Return the counsellors per hour of the week, separate and pooled, and the totals."""
    separate = {
        desk: [counsellors_needed(observed.rate(desk, h), observed.aht_s(desk, h),
                                  target_s, level) for h in range(HOURS_PER_WEEK)]
        for desk in DESKS
    }
    pooled: dict[str, list[int]] = {desk: list(hours) for desk, hours in separate.items()}
    pooled[POOL] = [0] * HOURS_PER_WEEK
    for how in sorted(POOLED_HOURS):
        rates = [observed.rate(desk, how) for desk in PAIRED_DESKS]
        work = sum(r * observed.aht_s(desk, how) for r, desk in zip(rates, PAIRED_DESKS,
                                                                   strict=True))
        rate = sum(rates)
        aht = work / rate if rate else DEFAULT_AHT_S
        pooled[POOL][how] = counsellors_needed(rate, aht, target_s, level)
        for desk in PAIRED_DESKS:
            pooled[desk][how] = 0
    separate_hours = sum(map(sum, separate.values()))
    pooled_hours = sum(map(sum, pooled.values()))
    return {
        "separate": separate,
        "pooled": pooled,
        "counsellor_hours": {
            "separate": separate_hours,
            "pooled": pooled_hours,
            "difference": separate_hours - pooled_hours,
            "separate_by_desk": {desk: sum(hours) for desk, hours in separate.items()},
            "pooled_by_queue": {queue: sum(hours) for queue, hours in pooled.items()},
        },
    }


def plan(
    session: Session,
    weeks: int,
    *,
    target_s: float = DEFAULT_TARGET_S,
    level: float = DEFAULT_LEVEL,
    today: date | None = None,
) -> dict[str, Any]:
    """Return the capacity plan from the last `weeks` whole weeks before `today` (Amsterdam).

    `separate` and `pooled` hold, per desk (and `pool`), 168 counsellor counts: hour 0 is
    Monday 00:00-01:00 Amsterdam time. `counsellor_hours` sums them per week and gives the
    difference (separate minus pooled: what pooling saves at the same service target).
    """
    if weeks < 1:
        raise ValueError("weeks: at least 1")
    today = today or datetime.now(AMSTERDAM).date()
    first = today - timedelta(weeks=weeks)
    observed = observe(session, day_start(first), day_start(today), weeks)
    return {
        "from": first.isoformat(),
        "to": (today - timedelta(days=1)).isoformat(),
        "weeks": weeks,
        "target_s": target_s,
        "level": level,
        "pooled_hours": sorted(POOLED_HOURS),
        **staff(observed, target_s, level),
    }
