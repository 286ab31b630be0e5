"""A discrete-event simulation (SimPy) of the routing policy over whole weeks.

What Erlang C cannot tell: how the actual policy does with a proposed staffing, its
priorities, pooled hours and overflow included. The model:

- Arrivals per desk are Poisson with the rate of each hour of the week (a `Pattern`, from
  an observed load or `synthetic_pattern`); every contact draws its handle time
  (exponential, the mean of its desk and hour) and its priority (`DEFAULT_MIX`: urgent is
  a crisis) when it arrives, from one seeded generator: the same seed gives the same
  contacts whatever the staffing or policy, so two runs compare like with like.
- Counsellors: the staffing gives per queue (police, veterans, debasis, pool) and hour of
  the week how many serve it; the number changes on the hour (someone leaving finishes
  the contact in hand first). A queue serves by priority (urgent, high, normal, low) and
  then by arrival; nobody hangs up (as Erlang C assumes).
- Routing at arrival, as routing_rules/default.yaml: in `pooled_hours` police and veterans
  contacts go to the pool. With `overflow`: a crisis whose owner queue has nobody free goes
  to the queue serving now with the most free (tie: shorter expected wait, then the owner);
  a police or veterans contact whose owner's expected wait is over `OVERFLOW_WAIT_S` goes
  to the other desk when that has someone free. The expected wait is worked out as Loket
  does (`loket.domain.contacts.live_state`): 0 while fewer wait than are free, else
  (waiting + 1) x the queue's mean handle time / max(free, 1).
- When the clock enters or leaves the pooled hours, the contacts still waiting in the queue
  that stops serving them move to the one that does (pool to owner desk or back), keeping
  their place by arrival.

After the last week no more contacts arrive; the run goes on (staffing by the clock) until
every contact is answered, up to `DRAIN_WEEKS` more weeks; one still waiting then counts as
not answered in time, its wait up to then. Pure: SimPy and the standard library, no store,
no Flask; deterministic for a seed.
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import simpy

from loket.reports.plan import (
    DEFAULT_AHT_S,
    DEFAULT_TARGET_S,
    HOURS_PER_WEEK,
    OVERFLOW_WAIT_S,
    POOL,
    Load,
    combined,
)
from loket.routing.values import DESKS, OTHER_DESK, PAIRED_DESKS, QUEUES

SECONDS_PER_HOUR = 3600
WEEK_S = HOURS_PER_WEEK * SECONDS_PER_HOUR
PRIORITY_RANK: dict[str, int] = {"urgent": 0, "high": 1, "normal": 2, "low": 3}
# The share of contacts of each priority when none is given: a few crises (urgent).
DEFAULT_MIX: dict[str, float] = {"urgent": 0.03, "high": 0.12, "normal": 0.75, "low": 0.10}
DRAIN_WEEKS = 4
MAX_WEEKS = 520
# National volume: some 700 contacts a day in all, and how they split over the desks.
NATIONAL_PER_DAY = 700
NATIONAL_SHARES: dict[str, float] = {"police": 0.40, "veterans": 0.45, "debasis": 0.15}
# The synthetic day's shape: relative arrivals for each hour from 00:00 (busy from the
# morning into the evening, quiet at night); weekend days a bit quieter.
DAY_SHAPE: tuple[float, ...] = (
    0.5, 0.35, 0.25, 0.2, 0.2, 0.3, 0.5, 0.9, 1.3, 1.6, 1.7, 1.7,
    1.6, 1.6, 1.6, 1.5, 1.5, 1.4, 1.4, 1.5, 1.5, 1.3, 1.0, 0.7,
)
WEEKEND_FACTOR = 0.8


@dataclass(frozen=True)
class Pattern:
    """Arrivals an hour (`rates`) and mean handle seconds (`handle_s`) per desk, 168 each.

    A `Load` as the plan takes it: `Pattern.of(observed)` copies any load.
    """

    rates: Mapping[str, Sequence[float]]
    handle_s: Mapping[str, Sequence[float]]

    @classmethod
    def of(cls, load: Load, desks: Sequence[str] = DESKS) -> Pattern:
        """Return the pattern of a load (an `Observed`, or anything with rate and aht_s)."""
        return cls(
            rates={d: [load.rate(d, h) for h in range(HOURS_PER_WEEK)] for d in desks},
            handle_s={d: [load.aht_s(d, h) for h in range(HOURS_PER_WEEK)] for d in desks})

    def rate(self, desk: str, how: int) -> float:
        """Return the mean arrivals an hour of a desk in an hour of the week."""
        hours = self.rates.get(desk)
        return hours[how] if hours else 0.0

    def aht_s(self, desk: str, how: int) -> float:
        """Return the mean handle time of a desk in an hour of the week."""
        hours = self.handle_s.get(desk)
        return hours[how] if hours else DEFAULT_AHT_S


def constant_pattern(calls_per_hour: float, aht_s: float, desk: str = "police") -> Pattern:
    """Return one desk's pattern of the same load every hour of the week."""
    return Pattern({desk: [calls_per_hour] * HOURS_PER_WEEK},
                   {desk: [aht_s] * HOURS_PER_WEEK})


def synthetic_pattern(per_day: float = NATIONAL_PER_DAY,
                      shares: Mapping[str, float] | None = None,
                      aht_s: float = DEFAULT_AHT_S) -> Pattern:
    """Return a week of `per_day` contacts a day on average, split over the desks by
    `shares`, each day shaped as `DAY_SHAPE` (weekend days times `WEEKEND_FACTOR`)."""
    shares = NATIONAL_SHARES if shares is None else shares
    weights = [DAY_SHAPE[h % 24] * (WEEKEND_FACTOR if h >= 5 * 24 else 1.0)
               for h in range(HOURS_PER_WEEK)]
    scale = per_day * 7 / sum(weights)
    return Pattern(
        rates={desk: [w * scale * share for w in weights] for desk, share in shares.items()},
        handle_s={desk: [aht_s] * HOURS_PER_WEEK for desk in shares})


def pool_same_people(separate: Mapping[str, Sequence[int]],
                     pooled_hours: frozenset[int]) -> dict[str, list[int]]:
    """Return the separate plan's counsellors arranged as the policy uses them: in pooled
    hours police's and veterans' counsellors serve the pool together."""
    staffing: dict[str, list[int]] = {
        queue: list(separate.get(queue, [0] * HOURS_PER_WEEK)) for queue in QUEUES}
    for how in pooled_hours:
        staffing[POOL][how] = sum(staffing[desk][how] for desk in PAIRED_DESKS)
        for desk in PAIRED_DESKS:
            staffing[desk][how] = 0
    return staffing


class _Queue:
    """One queue: contacts waiting by (priority, arrival), counsellors busy and on duty."""

    __slots__ = ("name", "waiting", "busy", "capacity")

    def __init__(self, name: str) -> None:
        self.name = name
        self.waiting: list[tuple[int, int, _Contact]] = []
        self.busy = 0
        self.capacity = 0

    def free(self) -> int:
        """Return the counsellors on duty and not busy."""
        return max(0, self.capacity - self.busy)


@dataclass
class _Contact:
    """One simulated contact."""

    seq: int
    arrived: float
    desk: str
    rank: int
    service_s: float
    queue: str = ""
    wait_s: float | None = None


class _Run:
    """The state of one simulation run and its event handlers."""

    def __init__(self, env: simpy.Environment, pattern: Pattern,
                 staffing: Mapping[str, Sequence[int]], pooled_hours: frozenset[int],
                 overflow: bool) -> None:
        self.env = env
        self.pattern = pattern
        self.staffing = staffing
        self.pooled_hours = pooled_hours
        self.overflow = overflow
        self.queues: dict[str, _Queue] = {name: _Queue(name) for name in QUEUES}
        self.pooled = False
        self.staff(0)

    def how(self) -> int:
        """Return the hour of the week now."""
        return int(self.env.now // SECONDS_PER_HOUR) % HOURS_PER_WEEK

    def staff(self, how: int) -> None:
        """Put the hour's counsellors on duty; move waiting contacts when pooling changes."""
        for name, queue in self.queues.items():
            hours = self.staffing.get(name)
            queue.capacity = hours[how] if hours else 0
        pooled = how in self.pooled_hours
        if pooled != self.pooled:
            self.pooled = pooled
            sources: tuple[str, ...] = PAIRED_DESKS if pooled else (POOL,)
            moving = [item for name in sources for item in self.queues[name].waiting]
            for name in sources:
                self.queues[name].waiting = []
            for item in moving:
                contact = item[2]
                contact.queue = POOL if pooled else contact.desk
                heapq.heappush(self.queues[contact.queue].waiting, item)
        for queue in self.queues.values():
            self.dispatch(queue)

    def clock(self) -> Any:
        """Change the counsellors on the hour, for ever."""
        while True:
            yield self.env.timeout(SECONDS_PER_HOUR - self.env.now % SECONDS_PER_HOUR)
            self.staff(self.how())

    def arrivals(self, contacts: Sequence[_Contact]) -> Any:
        """Let the contacts arrive at their times."""
        for contact in contacts:
            yield self.env.timeout(contact.arrived - self.env.now)
            self.arrive(contact)

    def aht_s(self, queue: str, how: int) -> float:
        """Return the mean handle time of a queue this hour (the pool: weighted)."""
        if queue == POOL:
            return combined(self.pattern, how)[1]
        return self.pattern.aht_s(queue, how)

    def expected_wait_s(self, queue: _Queue, how: int) -> float:
        """Return the queue's expected wait as Loket's live state works it out."""
        free, waiting = queue.free(), len(queue.waiting)
        if free and waiting < free:
            return 0.0
        return (waiting + 1) * self.aht_s(queue.name, how) // max(free, 1)

    def route(self, contact: _Contact) -> str:
        """Return the queue that serves the contact (DESIGN.md, "The default policy")."""
        owner = contact.desk
        if owner in PAIRED_DESKS and self.pooled:
            return POOL
        if not self.overflow:
            return owner
        how = self.how()
        queues = self.queues
        if contact.rank == 0 and queues[owner].free() == 0:
            serving = [POOL, "debasis"] if self.pooled else [*PAIRED_DESKS, "debasis"]
            return min(serving, key=lambda name: (
                -queues[name].free(), self.expected_wait_s(queues[name], how), name != owner))
        if owner in PAIRED_DESKS:
            other = OTHER_DESK[owner]
            if (self.expected_wait_s(queues[owner], how) > OVERFLOW_WAIT_S
                    and queues[other].free() >= 1):
                return other
        return owner

    def arrive(self, contact: _Contact) -> None:
        """Queue an arriving contact where the policy sends it."""
        contact.queue = self.route(contact)
        queue = self.queues[contact.queue]
        heapq.heappush(queue.waiting, (contact.rank, contact.seq, contact))
        self.dispatch(queue)

    def dispatch(self, queue: _Queue) -> None:
        """Answer waiting contacts while a counsellor on duty is free."""
        while queue.waiting and queue.busy < queue.capacity:
            contact = heapq.heappop(queue.waiting)[2]
            contact.wait_s = self.env.now - contact.arrived
            queue.busy += 1
            done = self.env.timeout(contact.service_s)
            done.callbacks.append(partial(self.finish, queue))

    def finish(self, queue: _Queue, _event: simpy.Event) -> None:
        """Free the counsellor and answer the next contact."""
        queue.busy -= 1
        self.dispatch(queue)


def draw_contacts(pattern: Pattern, weeks: int, seed: int,
                  mix: Mapping[str, float]) -> list[_Contact]:
    """Return the contacts of `weeks` weeks in arrival order: Poisson per desk and hour,
    exponential handle times, priorities by `mix`."""
    rng = random.Random(seed)  # noqa: S311 - a simulation, not secrets
    ranks = [PRIORITY_RANK[name] for name in mix]
    weights = list(mix.values())
    drawn: list[tuple[float, str, float, int]] = []
    for desk in sorted(pattern.rates):
        for hour in range(weeks * HOURS_PER_WEEK):
            how = hour % HOURS_PER_WEEK
            rate = pattern.rate(desk, how) / SECONDS_PER_HOUR
            if rate <= 0:
                continue
            aht = pattern.aht_s(desk, how)
            at, end = float(hour * SECONDS_PER_HOUR), float((hour + 1) * SECONDS_PER_HOUR)
            while True:
                at += rng.expovariate(rate)
                if at >= end:
                    break
                rank = rng.choices(ranks, weights)[0]
                drawn.append((at, desk, rng.expovariate(1 / aht), rank))
    drawn.sort()
    return [_Contact(seq, at, desk, rank, service)
            for seq, (at, desk, service, rank) in enumerate(drawn)]


def simulate(pattern: Pattern, staffing: Mapping[str, Sequence[int]], *,
             pooled_hours: frozenset[int] = frozenset(), overflow: bool = False,
             weeks: int = 1, seed: int = 1, target_s: float = DEFAULT_TARGET_S,
             mix: Mapping[str, float] | None = None) -> dict[str, Any]:
    """Run the policy over `weeks` weeks from Monday 00:00 and return its figures.

    `staffing` gives per queue 168 counsellor counts (a plan's `separate` or `pooled`; see
    `pool_same_people`). Without `pooled_hours` and `overflow` every desk is on its own.
    The answer: `desks` (by owner desk), `crisis` (urgent contacts) and `overall`, each with
    `contacts`, `service_level` (share answered within `target_s`), `mean_wait_s`,
    `median_wait_s`, `p90_wait_s`, `overflow` (answered in another desk's queue, or a De
    Basis crisis in the pool), `pooled` (police and veterans contacts answered in the pool)
    and `unanswered` (still waiting at the end of the run).
    """
    if not 1 <= weeks <= MAX_WEEKS:
        raise ValueError(f"weeks: from 1 to {MAX_WEEKS}")
    mix = DEFAULT_MIX if mix is None else mix
    if not mix or any(name not in PRIORITY_RANK or share < 0 for name, share in mix.items()) \
            or sum(mix.values()) <= 0:
        raise ValueError("mix: shares of urgent, high, normal and low, not all 0")
    for queue, hours in staffing.items():
        if queue not in QUEUES or len(hours) != HOURS_PER_WEEK or min(hours) < 0:
            raise ValueError(f"staffing: {queue!r} needs {HOURS_PER_WEEK} counts of 0 or more")
    contacts = draw_contacts(pattern, weeks, seed, mix)
    env = simpy.Environment()
    run = _Run(env, pattern, staffing, pooled_hours, overflow)
    env.process(run.clock())
    env.process(run.arrivals(contacts))
    end = weeks * WEEK_S
    env.run(until=end)
    while any(c.wait_s is None for c in contacts) and end < (weeks + DRAIN_WEEKS) * WEEK_S:
        end += SECONDS_PER_HOUR
        env.run(until=end)
    for contact in contacts:
        if contact.wait_s is None:
            contact.wait_s = end - contact.arrived
            contact.queue = ""
    unanswered = {c.seq for c in contacts if not c.queue}
    return {
        "weeks": weeks,
        "seed": seed,
        "target_s": target_s,
        "desks": {desk: figures([c for c in contacts if c.desk == desk], target_s, unanswered)
                  for desk in DESKS},
        "crisis": figures([c for c in contacts if c.rank == 0], target_s, unanswered),
        "overall": figures(contacts, target_s, unanswered),
    }


def figures(contacts: Sequence[_Contact], target_s: float,
            unanswered: set[int]) -> dict[str, Any]:
    """Return the count, service level and waits of some contacts (None without any)."""
    waits = sorted(c.wait_s or 0.0 for c in contacts)
    missed = sum(1 for c in contacts if c.seq in unanswered)
    shown: dict[str, Any] = {
        "contacts": len(waits),
        "service_level": None, "mean_wait_s": None, "median_wait_s": None,
        "p90_wait_s": None,
        "overflow": sum(1 for c in contacts if c.queue not in ("", c.desk) and not pooled(c)),
        "pooled": sum(1 for c in contacts if pooled(c)),
        "unanswered": missed,
    }
    if waits:
        answered = sum(1 for c in contacts if c.seq not in unanswered
                       and (c.wait_s or 0.0) <= target_s)
        shown.update(
            service_level=round(answered / len(waits), 4),
            mean_wait_s=round(math.fsum(waits) / len(waits), 1),
            median_wait_s=round(percentile(waits, 0.5), 1),
            p90_wait_s=round(percentile(waits, 0.9), 1))
    return shown


def pooled(contact: _Contact) -> bool:
    """Return whether a police or veterans contact was answered in the pool (a De Basis
    crisis the pool answers is overflow)."""
    return contact.queue == POOL and contact.desk in PAIRED_DESKS


def percentile(ordered: Sequence[float], share: float) -> float:
    """Return the nearest-rank percentile of sorted values (0.9: the 90th)."""
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]
