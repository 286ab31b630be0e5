"""The capacity plan from seeded arrivals: per Amsterdam hour of the week, separate and
pooled (night 22-07 and weekend: police and veterans in one pool), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from flask import Flask

from loket.reports.capacity import counsellors_needed
from loket.reports.periods import hour_of_week
from loket.reports.plan import POOLED_HOURS, plan
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
