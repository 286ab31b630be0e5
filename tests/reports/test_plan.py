"""The capacity plan from seeded arrivals: per Amsterdam hour of the week, separate and
pooled (night 22-07 and weekend: police and veterans in one pool; overflow in the daytime),
public holidays of the coming weeks, the same people pooled; on SQLite and PostgreSQL."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime

import pytest
from flask import Flask

from loket.reports.capacity import counsellors_needed, offered_load, service_level
from loket.reports.periods import AMSTERDAM, hour_of_week
from loket.reports.plan import (
    OVERFLOW_WAIT_S,
    POOLED_HOURS,
    ordinary_pooled_hours,
    plan,
    staff,
)
from loket.reports.simulation import Pattern, synthetic_pattern
from loket.routing import default_rules_path, load_rules
from loket.routing.windows import Period, Window
from loket.store.db import read_scope
from tests.reports.seed import local, seed

MONDAY = date(2026, 11, 16)  # one week back: Monday 9 to Sunday 15 November


def test_pooled_hours_are_nights_and_weekends() -> None:
    assert len(POOLED_HOURS) == 5 * 9 + 2 * 24
    assert {0, 6, 22, 23, 5 * 24, 6 * 24 + 23} <= POOLED_HOURS
    assert not {7, 21, 4 * 24 + 21} & POOLED_HOURS  # Friday 21:00 is still a weekday


def test_hour_of_week_is_amsterdam_time_across_dst() -> None:
    assert hour_of_week(datetime(2026, 11, 9, 13, tzinfo=UTC)) == 14  # Monday 14:00 CET
    assert hour_of_week(datetime(2026, 7, 6, 12, tzinfo=UTC)) == 14  # Monday 14:00 CEST
    assert hour_of_week(datetime(2026, 11, 15, 23, 30, tzinfo=UTC)) == 0  # Monday 00:30


def test_plan_staffs_each_hour_and_pooling_saves_at_night(store_app: Flask) -> None:
    # Tuesday 14:00: 100 police contacts of 600 s: 22 counsellors, pooled or not.
    seed(store_app, local("2026-11-10 14:20"), desk="police", count=100, handle_s=600)
    # Wednesday 23:00 (pooled): 50 police and 50 veterans contacts of 600 s.
    seed(store_app, local("2026-11-11 23:05"), desk="police", count=50, handle_s=600)
    seed(store_app, local("2026-11-11 23:40"), desk="veterans", count=50, handle_s=600)
    # Thursday 10:00: 4 De Basis contacts without a handle time (the default, 600 s).
    seed(store_app, local("2026-11-12 10:00"), desk="debasis", count=4)
    # Outside the week: not counted.
    seed(store_app, local("2026-11-16 00:30"), desk="police", count=5, handle_s=600)
    with read_scope(store_app.extensions["loket.engine"]) as session:
        result = plan(session, 1, target_s=20, level=0.8, today=MONDAY)

    assert result["from"] == "2026-11-09" and result["to"] == "2026-11-15"
    tuesday_14, wednesday_23, thursday_10 = 24 + 14, 2 * 24 + 23, 3 * 24 + 10
    half = counsellors_needed(50, 600, 20, 0.8)
    separate, pooled = result["separate"], result["pooled"]
    assert separate["police"][tuesday_14] == pooled["police"][tuesday_14] == 22
    assert separate["police"][wednesday_23] == separate["veterans"][wednesday_23] == half
    assert pooled["pool"][wednesday_23] == 22
    assert pooled["police"][wednesday_23] == pooled["veterans"][wednesday_23] == 0
    assert separate["debasis"][thursday_10] == pooled["debasis"][thursday_10] == \
        counsellors_needed(4, 600, 20, 0.8)
    assert all(len(hours) == 168 for hours in (*separate.values(), *pooled.values()))
    hours = result["counsellor_hours"]
    assert hours["separate"] == 22 + 2 * half + separate["debasis"][thursday_10]
    assert hours["pooled"] == 22 + 22 + separate["debasis"][thursday_10]
    assert hours["difference"] == 2 * half - 22 > 0


def test_handle_times_come_from_the_contacts(store_app: Flask) -> None:
    # Saturday 12:00 (pooled): 30 veterans contacts of 1200 s, 30 police contacts of 300 s.
    seed(store_app, local("2026-11-14 12:10"), desk="veterans", count=30, handle_s=1200)
    seed(store_app, local("2026-11-14 12:50"), desk="police", count=30, handle_s=300)
    with read_scope(store_app.extensions["loket.engine"]) as session:
        result = plan(session, 1, today=MONDAY)
    saturday_12 = 5 * 24 + 12
    assert result["separate"]["veterans"][saturday_12] == counsellors_needed(30, 1200, 20, 0.8)
    assert result["separate"]["police"][saturday_12] == counsellors_needed(30, 300, 20, 0.8)
    assert result["pooled"]["pool"][saturday_12] == counsellors_needed(60, 750, 20, 0.8)


def test_weeks_must_be_positive(store_app: Flask) -> None:
    with read_scope(store_app.extensions["loket.engine"]) as session, \
            pytest.raises(ValueError, match="weeks"):
        plan(session, 0, today=MONDAY)


def default_window() -> Window:
    return load_rules(default_rules_path()).windows["pooled-hours"]


def test_the_ordinary_week_comes_from_the_rules_window() -> None:
    assert ordinary_pooled_hours(default_window()) == POOLED_HOURS
    nights_only = Window("pooled-hours", AMSTERDAM, (Period("night", hours=(22 * 60, 7 * 60)),))
    assert ordinary_pooled_hours(nights_only) == {h for h in range(168) if h % 24 in
                                                  (22, 23, 0, 1, 2, 3, 4, 5, 6)}


def test_christmas_pools_its_weekday_hours_in_the_coming_week(store_app: Flask) -> None:
    # Observed: Friday 18 December 2026, 10:00: 3 police and 3 veterans contacts of 600 s.
    # Sharing by overflow, each desk keeps a floor of 2; the pool on a holiday needs 3.
    seed(store_app, local("2026-12-18 10:10"), desk="police", count=3, handle_s=600)
    seed(store_app, local("2026-12-18 10:30"), desk="veterans", count=3, handle_s=600)
    with read_scope(store_app.extensions["loket.engine"]) as session:
        christmas = plan(session, 1, today=date(2026, 12, 21), window=default_window())
        ordinary = plan(session, 1, today=date(2026, 11, 23), window=default_window())
    friday_10 = 4 * 24 + 10
    holidays = christmas["holidays"]
    assert holidays["from"] == "2026-12-21" and holidays["to"] == "2026-12-27"
    # Friday 25 December pools 07:00-22:00; Saturday 26 December is pooled anyway.
    assert [day["date"] for day in holidays["days"]] == ["2026-12-25"]
    assert holidays["days"][0]["hours"] == holidays["pooled_hours"] == 15
    assert holidays["days"][0]["name"]
    day_plan = sum(christmas["pooled"][desk][friday_10] for desk in ("police", "veterans"))
    assert day_plan == 4 and counsellors_needed(6, 600, 20, 0.8) == 3
    assert holidays["counsellor_hours_saved"] == 4 - 3
    # The week plan itself is an ordinary week's; a week without a holiday saves nothing.
    assert christmas["pooled_hours"] == sorted(POOLED_HOURS)
    assert ordinary["holidays"]["days"] == []
    assert ordinary["holidays"]["counsellor_hours_saved"] == 0


def test_a_window_without_holidays_pools_no_holiday(store_app: Flask) -> None:
    nights_only = Window("pooled-hours", AMSTERDAM, (Period("night", hours=(22 * 60, 7 * 60)),))
    with read_scope(store_app.extensions["loket.engine"]) as session:
        result = plan(session, 1, today=date(2026, 12, 21), window=nights_only)
    assert result["holidays"]["days"] == []
    assert len(result["pooled_hours"]) == 7 * 9


def daytime(police: float, veterans: float, aht: float = 600) -> Pattern:
    """Tuesday 14:00 only: this many police and veterans contacts an hour."""
    rates = {desk: [0.0] * 168 for desk in ("police", "veterans", "debasis")}
    rates["police"][TUESDAY_14], rates["veterans"][TUESDAY_14] = police, veterans
    return Pattern(rates, {desk: [aht] * 168 for desk in rates})


TUESDAY_14 = 24 + 14


def test_overflow_lets_the_desks_share_above_a_floor_of_their_own() -> None:
    load = daytime(20, 20)
    shared_plan = staff(load, 20, 0.8)
    clock_only = staff(load, 20, 0.8, overflow=False)
    alone = counsellors_needed(20, 600, 20, 0.8)
    floor = counsellors_needed(20, 600, OVERFLOW_WAIT_S, 0.8)
    together = counsellors_needed(40, 600, 20, 0.8)
    police, veterans = (shared_plan["pooled"][d][TUESDAY_14] for d in ("police", "veterans"))
    assert police >= floor and veterans >= floor
    assert police + veterans == max(together, 2 * floor) < 2 * alone
    assert clock_only["pooled"]["police"][TUESDAY_14] == alone  # the clock alone: apart
    hours = shared_plan["counsellor_hours"]
    assert hours["by_overflow"] == hours["difference"] == 2 * alone - police - veterans
    assert hours["by_clock"] == 0
    assert clock_only["counsellor_hours"]["difference"] == 0


def test_overflow_gives_the_extra_counsellors_to_the_busier_desk() -> None:
    result = staff(daytime(60, 5), 20, 0.8)
    police, veterans = (result["pooled"][d][TUESDAY_14] for d in ("police", "veterans"))
    assert veterans == counsellors_needed(5, 600, OVERFLOW_WAIT_S, 0.8)  # just its floor
    assert police + veterans == counsellors_needed(65, 600, 20, 0.8)


def test_same_people_pooled_give_a_higher_level() -> None:
    # Wednesday 23:00 (pooled): 50 police and 50 veterans contacts of 600 s.
    rates = {desk: [0.0] * 168 for desk in ("police", "veterans", "debasis")}
    wednesday_23 = 2 * 24 + 23
    rates["police"][wednesday_23] = rates["veterans"][wednesday_23] = 50
    load = Pattern(rates, {desk: [600.0] * 168 for desk in rates})
    result = staff(load, 20, 0.8)
    half = counsellors_needed(50, 600, 20, 0.8)
    same = result["same_people"]
    assert same["separate_level"] == pytest.approx(
        service_level(half, offered_load(50, 600), 600, 20))
    assert same["pooled_level"] == pytest.approx(
        service_level(2 * half, offered_load(100, 600), 600, 20))
    assert 0.8 <= same["separate_level"] < same["pooled_level"] <= 1


def test_same_people_is_none_without_contacts(store_app: Flask) -> None:
    with read_scope(store_app.extensions["loket.engine"]) as session:
        result = plan(session, 1, today=MONDAY, window=default_window())
    assert result["same_people"] == {"separate_level": None, "pooled_level": None}
    assert set(result["counsellor_hours"]) >= {"separate", "pooled", "difference"}
    assert set(result["observed"]) == {"calls_per_hour", "aht_s", "aht_basis"}


def test_the_plan_is_quick_for_a_week_of_national_volume() -> None:
    load = synthetic_pattern(700)
    started = time.perf_counter()
    result = staff(load, 20, 0.8)
    assert time.perf_counter() - started < 0.5
    assert result["counsellor_hours"]["difference"] > 0
