"""Erlang C: the chance to wait, the service level and the counsellors a target needs.

The M/M/N queue of the call-centre literature: arrivals at random (Poisson), exponential
handle times, N counsellors, nobody hangs up. With offered load A = calls per hour x
handle time / 3600 (in Erlangs), the chance that a contact waits at all is Erlang C,
C(N, A); the share answered within t seconds is 1 - C(N, A) * exp(-(N - A) * t / aht).
With N <= A the queue grows without end: every contact waits, the service level is 0.
`counsellors_needed` can also cap occupancy (the share of their time counsellors are busy
with contacts: `MAX_OCCUPANCY`, 85%, the usual contact-centre figure), for at a service
target alone a large load asks people to be busy nearly all the time.
Erlang C counts the counsellors at the desk; `rostered` gives the people to roster for them
when a share of paid time goes elsewhere (shrinkage).

Pure: the standard library only; no store, no Flask.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

SECONDS_PER_HOUR = 3600
# Shrinkage: the share of paid time a counsellor is not at the desk (breaks, training,
# meetings, leave, sickness). More than this is a wrong input, not a roster.
MAX_SHRINKAGE = 0.9
# What a plan may be asked for, on the page and the command line alike: a target wait of
# 1 s to 10 min, a service level of 50% to 99% (beyond it the levels one counsellor apart
# are no longer told apart, and no desk plans for them).
TARGET_RANGE_S = (1.0, 600.0)
LEVEL_RANGE = (0.5, 0.99)
# The share of their time counsellors can be busy with contacts, lasting: the usual
# contact-centre cap (more burns people out, and leaves no room for a peak).
MAX_OCCUPANCY = 0.85
# More counsellors than this for one hour of one desk is a wrong input, not a plan.
MAX_COUNSELLORS = 10_000


class TooManyCounsellors(ValueError):
    """The load needs more than MAX_COUNSELLORS: a wrong input, not a plan."""


@dataclass(frozen=True)
class Staffing:
    """What N counsellors give for one load: chance to wait, service level, mean wait."""

    counsellors: int
    load_erlangs: float
    wait_probability: float
    service_level: float
    average_wait_s: float
    occupancy: float


def offered_load(calls_per_hour: float, aht_s: float) -> float:
    """Return the offered load in Erlangs: calls per hour times handle time in hours."""
    if not (math.isfinite(calls_per_hour) and math.isfinite(aht_s)):
        raise ValueError("calls per hour and handle time must be finite numbers")
    if calls_per_hour < 0 or aht_s < 0:
        raise ValueError("calls per hour and handle time cannot be negative")
    return calls_per_hour * aht_s / SECONDS_PER_HOUR


def erlang_b(counsellors: int, load: float) -> float:
    """Return Erlang B, the blocking chance of N servers and no queue.

    By the stable recursion B(0) = 1, B(n) = A B(n-1) / (n + A B(n-1)): no factorials,
    no overflow for large N.
    """
    if counsellors < 0 or load < 0:
        raise ValueError("counsellors and load cannot be negative")
    blocking = 1.0
    for n in range(1, counsellors + 1):
        blocking = load * blocking / (n + load * blocking)
    return blocking


def erlang_c(counsellors: int, load: float) -> float:
    """Return Erlang C, the chance that a contact waits, for N counsellors and load A.

    C = N B / (N - A (1 - B)) with B = Erlang B; 1 when N <= A (the queue never empties),
    0 with no load at all.
    """
    if load <= 0:
        return 0.0
    if counsellors <= load:
        return 1.0
    blocking = erlang_b(counsellors, load)
    return counsellors * blocking / (counsellors - load * (1 - blocking))


def service_level(counsellors: int, load: float, aht_s: float, target_s: float) -> float:
    """Return the share answered within `target_s`: 1 - C exp(-(N - A) t / aht); 0 if N <= A."""
    if load <= 0:
        return 1.0
    if counsellors <= load:
        return 0.0
    waiting = erlang_c(counsellors, load)
    return max(0.0, 1.0 - waiting * math.exp(-(counsellors - load) * target_s / aht_s))


def average_wait_s(counsellors: int, load: float, aht_s: float) -> float:
    """Return the mean wait (average speed of answer): C aht / (N - A); infinite if N <= A."""
    if load <= 0:
        return 0.0
    if counsellors <= load:
        return math.inf
    return erlang_c(counsellors, load) * aht_s / (counsellors - load)


def staffing(counsellors: int, calls_per_hour: float, aht_s: float, target_s: float) -> Staffing:
    """Return what `counsellors` give for this many calls an hour of this handle time."""
    load = offered_load(calls_per_hour, aht_s)
    return Staffing(
        counsellors=counsellors,
        load_erlangs=load,
        wait_probability=erlang_c(counsellors, load),
        service_level=service_level(counsellors, load, aht_s, target_s),
        average_wait_s=average_wait_s(counsellors, load, aht_s),
        occupancy=min(1.0, load / counsellors) if counsellors else (1.0 if load else 0.0),
    )


def counsellors_needed(
    calls_per_hour: float, aht_s: float, target_s: float, level: float, *,
    max_occupancy: float | None = None,
) -> int:
    """Return the fewest counsellors whose service level is at least `level` (0 for no calls)
    and, with `max_occupancy`, who are busy with contacts at most that share of their time
    (load / N <= max_occupancy).

    `level` is a share between 0 and 1 (0.8: 80% answered within `target_s` seconds).
    """
    if not 0 < level < 1:
        raise ValueError("the service level is a share between 0 and 1, both excluded")
    if not target_s >= 0:  # nan too
        raise ValueError("the target time cannot be negative")
    if max_occupancy is not None and not 0 < max_occupancy <= 1:  # nan too
        raise ValueError("the occupancy cap is a share above 0, at most 1")
    load = offered_load(calls_per_hour, aht_s)
    if load == 0:
        return 0
    too_many = TooManyCounsellors(f"more than {MAX_COUNSELLORS} counsellors: check the input")
    counsellors = math.floor(load) + 1  # the fewest for which the queue empties
    if max_occupancy is not None:  # 17 at 85% of 16.7 Erlangs is 20 (a rounding error: not 21)
        counsellors = max(counsellors, math.ceil(round(load / max_occupancy, 9)))
    if counsellors > MAX_COUNSELLORS:
        raise too_many  # before Erlang B's loop runs to millions
    while service_level(counsellors, load, aht_s, target_s) < level:
        counsellors += 1
        if counsellors > MAX_COUNSELLORS:
            raise too_many
    return counsellors


def rostered(counsellors: float, shrinkage: float) -> int:
    """Return the counsellors (or counsellor-hours) to roster so that `counsellors` are at
    the desk when a share `shrinkage` of paid time goes elsewhere: N / (1 - shrinkage),
    rounded up (7 at the desk with 0.3 shrinkage is 10, never 11 by a rounding error)."""
    if not 0 <= shrinkage <= MAX_SHRINKAGE:  # nan too
        raise ValueError(f"shrinkage: a share from 0 to {MAX_SHRINKAGE:g}")
    return math.ceil(round(counsellors / (1 - shrinkage), 9))
