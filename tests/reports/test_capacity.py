"""Erlang C against exact values and the published figures of the call-centre literature."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from loket.reports.capacity import (
    average_wait_s,
    counsellors_needed,
    erlang_b,
    erlang_c,
    offered_load,
    service_level,
    staffing,
)


def test_the_issue_example_needs_22_counsellors() -> None:
    # 100 calls an hour, 600 s handle time, 80% within 20 s.
    load = offered_load(100, 600)
    assert load == pytest.approx(50 / 3)
    assert counsellors_needed(100, 600, 20, 0.8) == 22
    assert service_level(22, load, 600, 20) == pytest.approx(0.870, abs=0.0005)
    assert service_level(21, load, 600, 20) == pytest.approx(0.80, abs=0.001)
    assert service_level(21, load, 600, 20) < 0.8  # just short


def test_exact_small_cases() -> None:
    # M/M/1: the chance to wait is the utilisation.
    assert erlang_c(1, 0.5) == pytest.approx(0.5)
    # N = 2, A = 1: C = 1/3; N = 3, A = 2: C = 4/9 (by hand from the formula).
    assert erlang_c(2, 1.0) == pytest.approx(float(Fraction(1, 3)))
    assert erlang_c(3, 2.0) == pytest.approx(float(Fraction(4, 9)))
    # Erlang B: N = 1, A = 1: 1/2; N = 2, A = 1: 1/5.
    assert erlang_b(1, 1.0) == pytest.approx(0.5) and erlang_b(2, 1.0) == pytest.approx(0.2)


def test_the_call_centre_helper_example() -> None:
    # The widely published worked example: 100 calls in 30 minutes, 180 s handle time,
    # 80/20: A = 10 Erlangs; 11 agents wait with chance 68.21%, answer in 122.8 s on
    # average and reach 39.0%; 14 agents are needed (88.8%).
    assert offered_load(200, 180) == pytest.approx(10)
    assert erlang_c(11, 10) == pytest.approx(0.6821, abs=0.00005)
    assert average_wait_s(11, 10, 180) == pytest.approx(122.8, abs=0.05)
    levels = [round(service_level(n, 10, 180, 20), 3) for n in range(11, 16)]
    assert levels == [0.390, 0.640, 0.796, 0.888, 0.941]
    assert counsellors_needed(200, 180, 20, 0.8) == 14


@pytest.mark.parametrize(("calls", "aht", "target", "level", "expected"), [
    (100, 600, 20, 0.8, 22),
    (200, 180, 20, 0.8, 14),
    (200, 180, 20, 0.9, 15),
    (360, 240, 20, 0.8, 29),  # 24 Erlangs
    (1, 600, 20, 0.8, 1),  # a trickle still needs someone
])
def test_the_fewest_counsellors_meet_the_target_and_one_fewer_does_not(
    calls: float, aht: float, target: float, level: float, expected: int
) -> None:
    n = counsellors_needed(calls, aht, target, level)
    assert n == expected
    load = offered_load(calls, aht)
    assert service_level(n, load, aht, target) >= level
    assert n - 1 <= load or service_level(n - 1, load, aht, target) < level


def test_too_few_counsellors_never_catch_up() -> None:
    assert erlang_c(16, 50 / 3) == 1.0 and service_level(16, 50 / 3, 600, 20) == 0.0
    assert erlang_c(10, 10) == 1.0 and service_level(10, 10, 180, 20) == 0.0
    assert math.isinf(average_wait_s(10, 10, 180))


def test_no_load_needs_nobody() -> None:
    assert counsellors_needed(0, 600, 20, 0.8) == 0
    assert erlang_c(0, 0) == 0.0 and service_level(0, 0, 600, 20) == 1.0
    assert staffing(0, 0, 600, 20).occupancy == 0.0


def test_large_loads_do_not_overflow() -> None:
    n = counsellors_needed(10_000, 300, 20, 0.8)  # 833 Erlangs
    assert 834 <= n < 900
    assert 0 < erlang_c(n, offered_load(10_000, 300)) < 1


@pytest.mark.parametrize("level", [0, 1, 1.5, -0.1])
def test_a_level_outside_zero_to_one_is_refused(level: float) -> None:
    with pytest.raises(ValueError, match="share"):
        counsellors_needed(100, 600, 20, level)


@pytest.mark.parametrize(("circuits", "erlangs", "blocking"), [
    # The Erlang B traffic table every telephony handbook prints (e.g. the ITU-T teletraffic
    # engineering handbook's tables, and the table in Wikipedia's "Erlang (unit)"): the load
    # that N circuits carry at 1% and 2% blocking.
    (1, 0.0101, 0.01),
    (2, 0.153, 0.01),
    (5, 1.36, 0.01),
    (10, 4.46, 0.01),
    (20, 12.03, 0.01),
    (50, 37.9, 0.01),
    (100, 84.06, 0.01),
    (10, 5.08, 0.02),
])
def test_erlang_b_matches_the_published_traffic_table(
    circuits: int, erlangs: float, blocking: float
) -> None:
    assert erlang_b(circuits, erlangs) == pytest.approx(blocking, rel=0.02)


def test_the_textbook_emergency_room_example() -> None:
    # Hillier & Lieberman, "Introduction to Operations Research", the County Hospital
    # emergency room (M/M/s): 2 patients an hour, 20 minutes each (3 an hour per doctor).
    # One doctor: a patient waits 2/3 hour (40 min) on average; two doctors: 1/24 hour
    # (2.5 min), and the chance to wait is 1/6 (P0 = 1/2).
    load = offered_load(2, 1200)
    assert average_wait_s(1, load, 1200) == pytest.approx(40 * 60)
    assert average_wait_s(2, load, 1200) == pytest.approx(2.5 * 60)
    assert erlang_c(2, load) == pytest.approx(1 / 6)


@pytest.mark.parametrize("rho", [0.1, 0.5, 0.75, 0.9, 0.99])
def test_erlang_c_of_two_counsellors_is_the_closed_form(rho: float) -> None:
    # M/M/2 (any queueing textbook): the chance to wait is 2 rho^2 / (1 + rho).
    assert erlang_c(2, 2 * rho) == pytest.approx(2 * rho**2 / (1 + rho))


@pytest.mark.parametrize(("counsellors", "load"), [(3, 2.5), (12, 10), (22, 50 / 3),
                                                (30, 25.5), (60, 52)])
def test_erlang_c_is_the_textbook_sum_with_factorials(counsellors: int, load: float) -> None:
    # The M/M/c formula as textbooks print it, in exact fractions: the recursion must agree.
    a, n = Fraction(load), counsellors
    top = a**n / math.factorial(n) * n / (n - a)
    exact = top / (sum(a**k / math.factorial(k) for k in range(n)) + top)
    assert erlang_c(counsellors, load) == pytest.approx(float(exact), rel=1e-9)
