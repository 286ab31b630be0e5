"""A contact counts at most two hours of handle time in the capacity plan: a text
conversation answered and closed days later does not staff its hour as days of work; the
days tallied before the cap are counted anew (migration 0019); on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

from flask import Flask
from sqlalchemy import update
from sqlmodel import col, func, select

from loket.reports import tally
from loket.reports.capacity import counsellors_needed
from loket.reports.plan import plan
from loket.store.db import read_scope, session_scope
from loket.store.migrate import downgrade, upgrade
from loket.store.models import ReportDirty, TallyHour
from tests.reports.seed import local, seed
from tests.reports.test_pages import manager

MONDAY = date(2026, 11, 16)  # one week back: Monday 9 to Sunday 15 November
TUESDAY_14 = 24 + 14
THREE_DAYS_S = 3 * 24 * 3600
# 25 calls of ten minutes and 5 texts closed three days after their answer, each counted as
# two hours: (25 x 600 + 5 x 7,200) / 30 s.
CAPPED_S = (25 * 600 + 5 * tally.HANDLE_CAP_S) / 30


def seed_the_hour(app: Flask) -> None:
    seed(app, local("2026-11-10 14:10"), channel="phone", desk="police", count=25,
         handle_s=600)
    seed(app, local("2026-11-10 14:40"), channel="whatsapp", desk="police", count=5,
         handle_s=THREE_DAYS_S)


def police_at_tuesday_14(app: Flask) -> int:
    with read_scope(app.extensions["loket.engine"]) as session:
        needed: int = plan(session, 1, target_s=20, level=0.8, today=MONDAY)[
            "separate"]["police"][TUESDAY_14]
    return needed


def refresh(app: Flask) -> None:
    tally.refresh_all(lambda: session_scope(app.extensions["loket.engine"]))


def test_a_text_open_for_days_counts_two_hours_of_handle_time(store_app: Flask) -> None:
    seed_the_hour(store_app)
    expected = counsellors_needed(30, CAPPED_S, 20, 0.8)
    assert expected < counsellors_needed(30, (25 * 600 + 5 * THREE_DAYS_S) / 30, 20, 0.8)
    assert police_at_tuesday_14(store_app) == expected  # counted from the contacts
    refresh(store_app)
    assert police_at_tuesday_14(store_app) == expected  # read from the tally
    with read_scope(store_app.extensions["loket.engine"]) as session:
        work = session.exec(select(func.sum(TallyHour.work_s))
                            .where(TallyHour.channel == "whatsapp")).one()
    assert work == 5 * tally.HANDLE_CAP_S


def test_the_days_tallied_before_the_cap_are_counted_anew(store_app: Flask) -> None:
    engine = store_app.extensions["loket.engine"]
    seed_the_hour(store_app)
    refresh(store_app)
    expected = police_at_tuesday_14(store_app)
    # The tally as it was counted before the cap: the texts' three days each.
    with session_scope(engine) as session:
        session.execute(update(TallyHour).where(col(TallyHour.channel) == "whatsapp")
                        .values(work_s=5.0 * THREE_DAYS_S))
    assert police_at_tuesday_14(store_app) > expected
    downgrade(engine, "0018")
    upgrade(engine)
    with read_scope(engine) as session:
        assert session.exec(select(func.count()).select_from(ReportDirty)).one() == 1
    assert police_at_tuesday_14(store_app) == expected  # the marked day, from its contacts
    refresh(store_app)
    assert police_at_tuesday_14(store_app) == expected


def test_the_capacity_page_says_a_contact_counts_two_hours_at_most(app: Flask) -> None:
    client = manager(app, desk="police")
    page = client.get("/reports/capacity").get_data(as_text=True)
    assert "Eén contact telt ten hoogste 2 uur gespreksduur" in page
    english = client.get("/reports/capacity", headers={"Accept-Language": "en"})
    assert "One contact counts at most 2 hours of handle time" in english.get_data(as_text=True)
