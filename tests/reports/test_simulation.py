"""The simulation of the routing policy: it agrees with Erlang C where Erlang C holds, and
shows what the policy's priorities, pooled hours and overflow do."""

from __future__ import annotations

import pytest

from loket.reports.capacity import average_wait_s, offered_load, service_level
from loket.reports.plan import POOLED_HOURS, staff
from loket.reports.simulation import (
    Pattern,
    constant_pattern,
    pool_same_people,
    simulate,
    synthetic_pattern,
)

PLAIN = {"normal": 1.0}  # first come, first served: Erlang C's queue
DESKS = ("police", "veterans", "debasis")


def one_queue(calls: float, aht: float, counsellors: int, weeks: int = 4,
              seed: int = 1) -> dict[str, float]:
    result = simulate(constant_pattern(calls, aht), {"police": [counsellors] * 168},
                      weeks=weeks, seed=seed, mix=PLAIN)
    overall: dict[str, float] = result["overall"]
    return overall


@pytest.mark.parametrize(("calls", "aht", "counsellors"), [
    (100, 600, 22),  # the example: 87.0%
    (100, 600, 21),  # one fewer: 80.0%, just short
    (200, 180, 14),  # the call centre helper example: 88.8%
])
def test_a_plain_queue_agrees_with_erlang_c(calls: float, aht: float, counsellors: int) -> None:
    # Four weeks of one queue (some 67,000 contacts at 100 an hour): over seeds 1 to 8 the
    # level spreads by about 0.01 around Erlang C's; a wrong model is off by far more (one
    # counsellor fewer alone costs 0.07).
    got = one_queue(calls, aht, counsellors)
    load = offered_load(calls, aht)
    assert got["service_level"] == pytest.approx(service_level(counsellors, load, aht, 20),
                                                 abs=0.015)
    assert got["mean_wait_s"] == pytest.approx(average_wait_s(counsellors, load, aht), rel=0.15)
    assert got["unanswered"] == 0


def test_one_counsellor_fewer_falls_short_in_the_simulation_too() -> None:
    assert one_queue(100, 600, 21)["service_level"] < 0.815 < 0.855 < \
        one_queue(100, 600, 22)["service_level"]


def test_the_same_seed_gives_the_same_run() -> None:
    first = one_queue(100, 600, 22, weeks=1, seed=7)
    assert one_queue(100, 600, 22, weeks=1, seed=7) == first
    assert one_queue(100, 600, 22, weeks=1, seed=8) != first


def test_a_crisis_is_answered_first() -> None:
    # One busy queue (95% occupied); 10% crisis contacts go before the others.
    result = simulate(constant_pattern(100, 600), {"police": [18] * 168}, seed=3,
                      mix={"urgent": 0.1, "normal": 0.9})
    crisis, overall = result["crisis"], result["overall"]
    assert crisis["contacts"] > 1000
    assert crisis["mean_wait_s"] < overall["mean_wait_s"] / 3
    assert crisis["service_level"] > overall["service_level"] + 0.1


def night_pattern() -> Pattern:
    """Police and veterans 3 contacts an hour each of 900 s in the pooled hours only."""
    night = [3.0 if how in POOLED_HOURS else 0.0 for how in range(168)]
    rates = {"police": night, "veterans": night, "debasis": [0.0] * 168}
    return Pattern(rates, {desk: [900.0] * 168 for desk in rates})


def test_pooling_at_night_lowers_waits_with_the_same_people() -> None:
    load = night_pattern()
    separate = staff(load, 20, 0.8)["separate"]
    apart = simulate(load, separate, seed=5, weeks=4)
    pooled = simulate(load, pool_same_people(separate, POOLED_HOURS),
                      pooled_hours=POOLED_HOURS, seed=5, weeks=4)
    # Erlang C: 2 counsellors apart wait 147 s on average, 4 together 27 s.
    assert pooled["overall"]["pooled"] > 0 and apart["overall"]["pooled"] == 0
    assert pooled["overall"]["mean_wait_s"] < 0.4 * apart["overall"]["mean_wait_s"]
    assert pooled["overall"]["service_level"] > apart["overall"]["service_level"]


def test_overflow_sends_a_long_wait_to_the_other_desk() -> None:
    # Daytime, no pooled hours: police has too few counsellors, veterans has room to spare.
    rates = {"police": [12.0] * 168, "veterans": [2.0] * 168}
    load = Pattern(rates, {desk: [600.0] * 168 for desk in rates})
    staffing = {"police": [2] * 168, "veterans": [6] * 168}
    without = simulate(load, staffing, seed=2)
    shared = simulate(load, staffing, overflow=True, seed=2)
    assert without["desks"]["police"]["overflow"] == 0
    assert shared["desks"]["police"]["overflow"] > 500
    assert shared["desks"]["veterans"]["overflow"] == 0  # veterans never waits that long
    assert shared["desks"]["police"]["mean_wait_s"] < without["desks"]["police"]["mean_wait_s"]


def test_counsellors_change_on_the_hour() -> None:
    # Contacts arrive from 00:00 to 01:00; nobody serves before 01:00.
    rates = {"debasis": [20.0] + [0.0] * 167}
    load = Pattern(rates, {"debasis": [60.0] * 168})
    result = simulate(load, {"debasis": [0] + [50] * 167}, seed=1)
    shown = result["desks"]["debasis"]
    assert shown["contacts"] > 5 and shown["unanswered"] == 0
    assert shown["service_level"] < 0.2
    assert 0 < shown["median_wait_s"] <= 3600


def test_the_pool_hands_its_waiting_contacts_back_at_seven() -> None:
    # Police contacts arrive from 06:00 (pooled); the pool has nobody, police from 07:00.
    rates = {"police": [0.0] * 6 + [10.0] + [0.0] * 161}
    load = Pattern(rates, {"police": [600.0] * 168})
    staffing = {"police": [0] * 7 + [20] * 161, "pool": [0] * 168}
    result = simulate(load, staffing, pooled_hours=POOLED_HOURS, seed=4)
    shown = result["desks"]["police"]
    assert shown["contacts"] > 0 and shown["unanswered"] == 0
    assert shown["pooled"] == 0  # answered in the police queue after all


def test_nobody_on_duty_leaves_contacts_unanswered() -> None:
    result = simulate(constant_pattern(5, 600, desk="veterans"), {"veterans": [0] * 168},
                      seed=1)
    shown = result["desks"]["veterans"]
    assert shown["unanswered"] == shown["contacts"] > 0
    assert shown["service_level"] == 0
    assert result["desks"]["police"]["contacts"] == 0
    assert result["desks"]["police"]["service_level"] is None


def test_a_week_of_national_volume_under_the_pooled_plan() -> None:
    load = synthetic_pattern(700)
    plan = staff(load, 20, 0.8)
    result = simulate(load, plan["pooled"], pooled_hours=POOLED_HOURS, overflow=True, seed=1)
    assert 4300 < result["overall"]["contacts"] < 5500  # some 700 a day
    for desk in DESKS:
        assert result["desks"][desk]["service_level"] > 0.75
    assert result["overall"]["unanswered"] == 0


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"weeks": 0}, "weeks"),
    ({"mix": {"urgent": 0.0}}, "mix"),
    ({"mix": {"fast": 1.0}}, "mix"),
])
def test_bad_input_is_refused(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        simulate(constant_pattern(1, 600), {"police": [1] * 168}, **kwargs)  # type: ignore[arg-type]


def test_a_staffing_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(ValueError, match="staffing"):
        simulate(constant_pattern(1, 600), {"police": [1] * 24})
