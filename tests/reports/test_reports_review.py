"""Review of the managers' figures: a service level or a total may not give back a count the
page shows as "<5" (page, CSV and JSON alike), and the page says what the service level's
denominator holds."""

from __future__ import annotations

import csv
import io
import json
import math
from datetime import UTC, date, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from loket.reports.plan import plan
from loket.reports.suppression import suppress_counts
from loket.reports.volumes import figures
from loket.store.db import read_scope
from tests.reports.seed import local, seed
from tests.reports.test_pages import manager, rows_of
from tests.reports.test_volumes import seed_waits

NOV = {"from": "2026-11-01", "to": "2026-11-30"}
NOV_1, NOV_30 = date(2026, 11, 1), date(2026, 11, 30)


def csv_of(client: FlaskClient, slug: str) -> list[list[str]]:
    response = client.get(f"/reports/{slug}.csv", query_string={**NOV, "lang": "en"})
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def cli_json(app: Flask) -> dict[str, Any]:
    """Return what `loket report --format json` prints for November: its figures, shown."""
    with read_scope(app.extensions["loket.engine"]) as session:
        shown: dict[str, Any] = suppress_counts(figures(session, NOV_1, NOV_30))
    return json.loads(json.dumps(shown))


def given_back(within: Any, answered: Any, share: Any) -> int | None:
    """What a manager works out from a row: the calls that waited (within / share) less
    those answered, i.e. the abandoned ones; None when the figures do not allow it."""
    if not isinstance(within, int) or not isinstance(answered, int) or not share:
        return None
    return round(within / share) - answered


def test_a_service_level_does_not_give_back_a_small_abandoned_count(store_app: Flask) -> None:
    # 7 calls answered after 10 s (within the 20 s target), 3 hung up after 40 s: the page
    # hides the 3 as "<5"; a share of 7 / 10 = 70% beside "7 answered" would give it back.
    day = local("2026-11-10 14:00")
    seed_waits(store_app, day, [10] * 7)
    seed_waits(store_app, day, [40] * 3, abandoned=True)
    client = manager(store_app)
    page = client.get("/reports", query_string=NOV).get_data(as_text=True)
    other = rows_of(page, "service")["Overig"]
    assert other[:3] == ["7", "&lt;5", "7"]
    assert other[3] == "\u2013"  # not "70.0%"
    rows = {row[0]: row for row in csv_of(client, "service")}
    assert rows["Other"][1:] == ["7", "<5", "7", ""]
    assert given_back(int(rows["All"][3]), int(rows["All"][1]), rows["All"][4] or None) is None
    shown = cli_json(store_app)["service"]
    assert shown["other"] == {"answered": 7, "abandoned": "<5", "within_target": 7,
                              "level": None}
    assert given_back(shown["within_target"], shown["answered"], shown["level"]) is None


def test_the_all_row_does_not_give_back_a_small_class(store_app: Flask) -> None:
    # 3 crisis calls and 10 other calls answered: crisis shows "<5"; an "all" row of 13
    # beside the other class's 10 would give the 3 back.
    day = local("2026-11-10 14:00")
    seed_waits(store_app, day, [5] * 3, crisis=True)
    seed_waits(store_app, day, [5] * 10)
    client = manager(store_app)
    page = client.get("/reports", query_string=NOV).get_data(as_text=True)
    service = rows_of(page, "service")
    assert service["Crisis"][0] == "&lt;5" and service["Overig"][0] == "10"
    assert service["Alle"][0] not in ("13", "&lt;5")
    rows = {row[0]: row for row in csv_of(client, "service")}
    assert rows["Crisis"][1] == "<5" and rows["Other"][1] == "10"
    assert rows["All"][1] == ""
    shown = cli_json(store_app)["service"]
    assert shown["crisis"]["answered"] == "<5" and shown["other"]["answered"] == 10
    assert shown["answered"] is None and shown["level"] is None


def test_both_classes_small_or_both_large_keep_the_all_row(store_app: Flask) -> None:
    # Two small classes (3 crisis, 4 other) give only their sum, 7: nothing is given back.
    day = local("2026-11-10 14:00")
    seed_waits(store_app, day, [5] * 3, crisis=True)
    seed_waits(store_app, day, [5] * 4)
    shown = cli_json(store_app)["service"]
    assert shown["crisis"]["answered"] == "<5" and shown["other"]["answered"] == "<5"
    assert shown["answered"] == 7 and shown["within_target"] == 7
    assert shown["abandoned"] == 0 and shown["level"] == 1.0


def test_the_page_says_who_counts_in_the_service_level(store_app: Flask) -> None:
    client = manager(store_app)
    page = client.get("/reports", query_string=NOV).get_data(as_text=True)
    assert "opgenomen of opgehangen, ook wie binnen de streeftijd ophing" in page
    english = client.get("/reports", query_string={**NOV, "lang": "en"}).get_data(as_text=True)
    assert "answered or hung up, including those who hung up within the target" in english


# --- the capacity plan across the daylight-saving changes ------------------------------------

SUNDAY_02 = 6 * 24 + 2  # the hour of the week Sunday 02:00-03:00, Amsterdam time


def erlang_c_by_hand(n: int, load: float) -> float:
    """Erlang C from the textbook sum with factorials (no Erlang B recursion)."""
    top = load ** n / math.factorial(n) * n / (n - load)
    return top / (sum(load ** k / math.factorial(k) for k in range(n)) + top)


def needed_by_hand(calls_per_hour: float, aht_s: float, target_s: float, level: float) -> int:
    load = calls_per_hour * aht_s / 3600
    n = math.floor(load) + 1
    while 1 - erlang_c_by_hand(n, load) * math.exp(-(n - load) * target_s / aht_s) < level:
        n += 1
    return n


def test_the_night_the_clocks_go_back_is_not_planned_for_twice_the_load(
    store_app: Flask,
) -> None:
    # Sunday 25 October 2026 has 02:00-03:00 twice: 50 police contacts in each, so 50 an
    # hour. Read as one hour of the week with 100 arrivals in one week, it was 100 an hour.
    for utc_hour in (0, 1):  # 02:30 summer time, then 02:30 winter time
        seed(store_app, datetime(2026, 10, 25, utc_hour, 30, tzinfo=UTC), desk="police",
             count=50, handle_s=600)
    with read_scope(store_app.extensions["loket.engine"]) as session:
        made = plan(session, 1, target_s=20, level=0.8, today=date(2026, 10, 26))
    assert made["from"] == "2026-10-19" and made["to"] == "2026-10-25"
    assert made["observed"]["calls_per_hour"]["police"][SUNDAY_02] == 50.0
    assert made["pooled"]["pool"][SUNDAY_02] == needed_by_hand(50, 600, 20, 0.8)
    assert made["separate"]["police"][SUNDAY_02] == needed_by_hand(50, 600, 20, 0.8)


def test_the_hour_the_clocks_skip_does_not_halve_the_load(store_app: Flask) -> None:
    # Two weeks to Sunday 5 April 2026; on 29 March 02:00-03:00 never happened. 40 police
    # contacts at 02:30 on 5 April are 40 an hour: the only such hour of the two weeks.
    seed(store_app, datetime(2026, 4, 5, 0, 30, tzinfo=UTC), desk="police", count=40,
         handle_s=600)
    with read_scope(store_app.extensions["loket.engine"]) as session:
        made = plan(session, 2, target_s=20, level=0.8, today=date(2026, 4, 6))
    assert made["from"] == "2026-03-23" and made["to"] == "2026-04-05"
    assert made["observed"]["calls_per_hour"]["police"][SUNDAY_02] == 40.0
    assert made["pooled"]["pool"][SUNDAY_02] == needed_by_hand(40, 600, 20, 0.8)
    assert made["observed"]["calls_per_hour"]["police"][SUNDAY_02 + 1] == 0.0


def test_the_weekly_saving_does_not_claim_the_holidays_it_leaves_out(
    store_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The week plan is a week without public holidays; the sentence above its tables said
    # the hours a week were saved "op feestdagen" too, and the holidays' own saving (Friday
    # 25 December: 07:00-22:00 pooled, 15 hours beyond an ordinary week) was never shown.
    from loket import rules_runtime
    from loket.reports import web
    from loket.reports.plan import POOLED_WINDOW

    seed(store_app, local("2026-12-18 14:10"), desk="police", count=30, handle_s=600)
    seed(store_app, local("2026-12-18 14:20"), desk="veterans", count=30, handle_s=600)
    seed(store_app, local("2026-12-16 23:10"), desk="veterans", count=20, handle_s=600)

    def make_plan(filters: web.PlanFilters) -> dict[str, Any]:
        with read_scope(store_app.extensions["loket.engine"]) as session:
            return plan(session, filters.weeks, target_s=filters.target_s, level=filters.level,
                        today=date(2026, 12, 21),
                        window=rules_runtime.rules().windows.get(POOLED_WINDOW))

    monkeypatch.setattr(web, "make_plan", make_plan)
    client = manager(store_app)
    page = client.get("/reports/capacity", query_string={"weeks": "1"}).get_data(as_text=True)
    lead = [p.split("</p>")[0] for p in page.split('<p class="lead">')[1:]]
    total = rows_of(page, "hours")["Totaal"]
    saved = int(total[0]) - int(total[1])
    assert saved > 0
    weekly = next(line for line in lead if "per week minder nodig" in line)
    assert f"{saved} hulpverlener-uren per week minder nodig: {total[1]} in plaats van " \
        f"{total[0]}" in weekly
    assert "feestdagen en" not in weekly and "week zonder feestdagen" in weekly
    holidays = next(line for line in lead if line.startswith("Feestdagen"))
    assert "2026-12-21 t/m 2026-12-27: 2026-12-25." in holidays
    assert "15 uur extra samen" in holidays
