"""Review 5: the plan caps occupancy (85% by default, a setting of the page) so that no
hour asks counsellors to be busy nearly all the time, and shows the cap; the plan's
observed per-hour figures hide small counts as the reports do."""

from __future__ import annotations

from datetime import date

from flask import Flask

from loket.reports.capacity import counsellors_needed
from loket.reports.plan import DEFAULT_MAX_OCCUPANCY, plan, shown_plan
from loket.reports.suppression import SMALL
from loket.store.db import read_scope
from tests.reports.seed import local, seed
from tests.reports.test_capacity_scope_review5 import last_week
from tests.reports.test_pages import manager

MONDAY = date(2026, 11, 16)  # one week back: Monday 9 to Sunday 15 November
TUESDAY_14 = 24 + 14


def test_counsellors_needed_never_exceeds_the_occupancy_cap() -> None:
    # 100 contacts an hour of 600 s: 16.7 Erlangs; half within ten minutes takes only 18
    # counsellors, busy 93% of the time. At most 85% busy: 20.
    assert counsellors_needed(100, 600, 600, 0.5) == 18
    assert counsellors_needed(100, 600, 600, 0.5, max_occupancy=0.85) == 20
    assert counsellors_needed(100, 600, 20, 0.8, max_occupancy=0.85) == 22  # Erlang C's more
    assert DEFAULT_MAX_OCCUPANCY == 0.85


def test_the_plan_caps_occupancy_and_says_so(store_app: Flask) -> None:
    seed(store_app, local("2026-11-10 14:20"), desk="police", count=100, handle_s=600)
    with read_scope(store_app.extensions["loket.engine"]) as session:
        made = plan(session, 1, target_s=600, level=0.5, today=MONDAY)
    assert made["max_occupancy"] == 0.85
    assert made["separate"]["police"][TUESDAY_14] == 20
    assert made["pooled"]["police"][TUESDAY_14] == 20
    assert made["occupancy"]["separate"] <= 0.85
    with read_scope(store_app.extensions["loket.engine"]) as session:
        loose = plan(session, 1, target_s=600, level=0.5, today=MONDAY, max_occupancy=0.99)
    assert loose["separate"]["police"][TUESDAY_14] == 18


def test_the_page_shows_the_cap_and_takes_it_as_a_setting(store_app: Flask) -> None:
    last_week(store_app)
    client = manager(store_app)
    page = client.get("/reports/capacity", query_string={"weeks": "2"}).get_data(as_text=True)
    assert 'name="occupancy"' in page and "hoogstens 85% van hun tijd" in page
    english = client.get("/reports/capacity", query_string={
        "weeks": "2", "occupancy": "0.8", "lang": "en"}).get_data(as_text=True)
    assert "at most 80% of their time" in english
    refused = client.get("/reports/capacity", query_string={"occupancy": "1.5"})
    assert refused.status_code == 400


def test_the_observed_figures_hide_small_counts(store_app: Flask) -> None:
    seed(store_app, local("2026-11-10 14:20"), desk="police", count=3, handle_s=600)
    seed(store_app, local("2026-11-11 10:20"), desk="police", count=9, handle_s=300)
    with read_scope(store_app.extensions["loket.engine"]) as session:
        made = shown_plan(plan(session, 1, today=MONDAY))
    calls, aht = made["observed"]["calls_per_hour"]["police"], made["observed"]["aht_s"]["police"]
    assert calls[TUESDAY_14] == SMALL and aht[TUESDAY_14] is None  # three contacts
    assert calls[2 * 24 + 10] == 9 and aht[2 * 24 + 10] == 300.0
    assert calls[0] == 0
