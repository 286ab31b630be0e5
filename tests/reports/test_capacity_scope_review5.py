"""Review 5: the capacity page shows a desk's manager their own desk's staffing and the
pool's (DESIGN.md "Who sees what": D and the pool), never another desk's, on the page and
in its CSV files; a manager of no one desk sees every desk."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

from flask import Flask

from loket.reports.periods import AMSTERDAM
from tests.reports.seed import seed
from tests.reports.test_pages import manager, rows_of

WEEKS = {"weeks": "2"}


def last_week(app: Flask) -> None:
    """Contacts of every desk last week, on a weekday afternoon (not pooled by the clock)."""
    today = datetime.now(AMSTERDAM).replace(hour=14, minute=10, second=0, microsecond=0)
    day = today - timedelta(days=7)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    seed(app, day, desk="police", count=12, handle_s=600)
    seed(app, day, desk="veterans", count=30, handle_s=900)
    seed(app, day, desk="debasis", count=20, handle_s=1200)


def test_a_desk_manager_sees_their_desk_and_the_pool_only(store_app: Flask) -> None:
    last_week(store_app)
    page = manager(store_app, desk="police").get(
        "/reports/capacity", query_string=WEEKS).get_data(as_text=True)
    hours = rows_of(page, "hours")
    # Review 6: no total of the desk and the pool it shares with the other desk.
    assert set(hours) == {"Politie (24/7 Loket)", "Gezamenlijke wachtrij"}
    everyone = manager(store_app).get("/reports/capacity",
                                      query_string=WEEKS).get_data(as_text=True)
    all_hours = rows_of(everyone, "hours")
    assert {"Veteranenloket", "De Basis"} <= set(all_hours)
    assert hours["Politie (24/7 Loket)"] == all_hours["Politie (24/7 Loket)"]
    separate = [int(v) for row in rows_of(page, "need-separate").values() for v in row]
    every = [int(v) for row in rows_of(everyone, "need-separate").values() for v in row]
    assert sum(separate) == int(hours["Politie (24/7 Loket)"][0]) < sum(every)
    # The whole plan's totals (what the other desks need) are not in the desk's sentences.
    assert all_hours["Totaal"][0] not in page.split('id="table-hours"')[0]


def test_a_desk_manager_s_csv_holds_their_desk_only(store_app: Flask) -> None:
    last_week(store_app)
    client = manager(store_app, desk="debasis")
    text = client.get("/reports/capacity/hours.csv",
                      query_string={**WEEKS, "lang": "en"}).get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text)))
    assert [row[0] for row in rows[1:]] == ["De Basis", "Total"]
    grid = client.get("/reports/capacity/need-separate.csv",
                      query_string=WEEKS).get_data(as_text=True)
    cells = [int(v) for row in list(csv.reader(io.StringIO(grid)))[1:] for v in row[1:]]
    assert sum(cells) == int(rows[1][1])
