"""The manager's live page says "Overloop vandaag: N naar een andere desk": the pool (nights
and weekends, police and veterans served together) is no other desk, and the reports do not
count it as overflow. A review, the eighth; each test failed before its fix."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlmodel import select

from loket.domain import desk_state
from loket.store.db import session_scope
from loket.store.models import Contact
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


def test_an_overflow_handed_back_still_counts_on_the_live_page(app: Flask) -> None:
    # Two veterans contacts overflowed to the police queue today; the police counsellor
    # hands one back to veterans (a transfer sets desk and queue to the new desk). The live
    # page counts the overflow as routed, as the day's report does: 2 out, 2 in.
    now = utcnow()
    seed(app, now - timedelta(minutes=1), desk="veterans", queue="police",
         flags=("overflow",), count=2)
    engine = app.extensions["loket.engine"]
    with session_scope(engine) as session:
        handed_back = session.exec(select(Contact).limit(1)).one()
        handed_back.queue = "veterans"
        session.add(handed_back)
    with session_scope(engine) as session:
        veterans = desk_state.live(session=session, desk="veterans", now=now)
        police = desk_state.live(session=session, desk="police", now=now)
    assert (veterans.overflow_out, veterans.overflow_in) == (2, 0)
    assert (police.overflow_out, police.overflow_in) == (0, 2)
