"""The manager's live page says "Overloop vandaag: N naar een andere desk": the pool (nights
and weekends, police and veterans served together) is no other desk, and the reports do not
count it as overflow. A review, the eighth; each test failed before its fix."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from loket.domain import desk_state
from loket.store.db import session_scope
from loket.store.types import utcnow
from tests.reports.seed import seed
from tests.reports.test_pages import manager


def test_pooled_contacts_are_not_overflow_on_the_manager_page(app: Flask) -> None:
    now = utcnow()
    # Six police contacts routed to the pool today (pooled hours), none overflowed.
    seed(app, now - timedelta(minutes=1), desk="police", queue="pool", flags=("pooled",),
         count=6)
    with session_scope(app.extensions["loket.engine"]) as session:
        state = desk_state.live(session=session, desk="police", now=now)
    assert state.overflow_out == 0  # the report's overflow for today is 0


def test_the_manager_page_shows_no_overflow_for_the_pool(app: Flask) -> None:
    seed(app, utcnow() - timedelta(minutes=1), desk="police", queue="pool",
         flags=("pooled",), count=6)
    seed(app, utcnow() - timedelta(minutes=1), desk="police", queue="veterans",
         flags=("overflow",), count=2)  # overflow proper still counts
    page = manager(app, "police").get("/desk/manager").get_data(as_text=True)
    assert "Overloop vandaag: 2 naar een andere desk" in page, page[page.find("Overloop"):][:120]
