"""The report tallies on SQLite and PostgreSQL: a refreshed day reads the same figures as
the contacts give, and every change after a refresh counts at once (a transfer, a close,
a flag, a callback's outcome, a deleted contact), also when it commits during a refresh."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

import pytest
from flask import Flask
from redis import Redis
from sqlalchemy import func, text
from sqlmodel import Session, col, select

from loket.domain import contacts
from loket.queue.scheduler import build_cron
from loket.queue.worker import SimpleAppWorker, queues
from loket.reports import tally
from loket.reports.volumes import figures
from loket.store.db import read_scope, session_scope
from loket.store.models import CallbackRequest, Contact, ContactFlag, ReportDirty, TallyContact
from tests.reports.seed import local, seed, seed_callback

NOV_1, NOV_30 = date(2026, 11, 1), date(2026, 11, 30)


def report(app: Flask, desk: str | None = None, channel: str | None = None) -> dict[str, Any]:
    with read_scope(app.extensions["loket.engine"]) as session:
        return figures(session, NOV_1, NOV_30, desk, channel)


def refresh(app: Flask) -> int:
    return tally.refresh_all(lambda: session_scope(app.extensions["loket.engine"]))


def marks(app: Flask) -> int:
    with read_scope(app.extensions["loket.engine"]) as session:
        return int(session.exec(select(func.count()).select_from(ReportDirty)).one())


def tallied(app: Flask) -> int:
    with read_scope(app.extensions["loket.engine"]) as session:
        return int(session.exec(select(func.coalesce(func.sum(TallyContact.n), 0))).one())


def a_month(app: Flask) -> None:
    """Contacts on three November days and one in October, of every kind counted."""
    for day in ("2026-11-02 09:00", "2026-11-15 23:30", "2026-11-30 23:59"):
        at = local(day)
        seed(app, at, channel="phone", desk="police", count=6, outcome="helped", handle_s=300)
        seed(app, at, channel="webchat", desk="veterans", queue="police", flags=("overflow",),
             count=2)
        seed(app, at, channel="whatsapp", desk="police", queue="pool", flags=("pooled",),
             crisis=True, count=3)
    seed(app, local("2026-10-31 23:59"), channel="sms", desk="debasis", count=4)
    seed_callback(app, local("2026-11-15 18:00"), status="done", attempts=2,
                  last_outcome="reached")


def test_a_refreshed_month_gives_the_figures_its_contacts_give(store_app: Flask) -> None:
    a_month(store_app)
    assert marks(store_app) > 0 and tallied(store_app) == 0
    counted = report(store_app)
    assert counted["contacts"]["total"] == 34  # 3 days x 11, and the callback's contact

    # Three November days, 31 October, and today (the contacts were made now, then moved).
    assert refresh(store_app) == 5
    assert marks(store_app) == 0 and tallied(store_app) == 38
    assert report(store_app) == counted
    assert report(store_app, desk="veterans") == figures_of(store_app, "veterans")
    assert report(store_app, channel="phone")["contacts"]["total"] == 19
    assert refresh(store_app) == 0  # nothing marked: nothing recounted


def figures_of(app: Flask, desk: str) -> dict[str, Any]:
    """The figures counted from the contacts: every November day marked again."""
    with session_scope(app.extensions["loket.engine"]) as session:
        hours = session.exec(select(Contact.created_at)).all()
        session.add_all(ReportDirty(hour=int(at.timestamp()) // 3600) for at in hours)
    try:
        return report(app, desk=desk)
    finally:
        refresh(app)


def test_every_change_after_a_refresh_counts_at_once(store_app: Flask) -> None:
    a_month(store_app)
    refresh(store_app)
    engine = store_app.extensions["loket.engine"]
    with session_scope(engine) as session:
        webchats = session.exec(select(Contact).where(Contact.channel == "webchat")
                                .order_by(col(Contact.id))).all()
        transferred, flagged, closed, gone = webchats[:4]
        transferred.desk = transferred.queue = "debasis"  # as a transfer leaves it
        flagged.flag_rows.append(ContactFlag(flag="crisis"))
        flagged.crisis = True
        contacts.close(session=session, contact=closed, outcome="referred", actor="test",
                       detail="closed")
        session.delete(gone)
        for flag in gone.flag_rows:
            session.delete(flag)
        callback = session.exec(select(CallbackRequest)).one()
        callback.status, callback.last_outcome, callback.attempts = "unreachable", "no_answer", 3

    got = report(store_app)
    assert got["contacts"]["total"] == 33
    assert got["contacts"]["by_desk"]["debasis"] == 1 + 0  # October's are out of range
    assert got["contacts"]["crisis"] == 10
    assert got["contacts"]["by_outcome"]["referred"] == 1
    # The transferred overflow keeps the direction it was routed in; the deleted one is out.
    assert got["contacts"]["overflow"] == 5
    assert got["contacts"]["overflow_by_direction"]["veterans>police"] == 5
    assert got["callbacks"]["reached"] == 0 and got["callbacks"]["unreachable"] == 1
    assert got["callbacks"]["attempts"] == 3
    refresh(store_app)
    assert marks(store_app) == 0
    assert report(store_app) == got


def test_a_change_committed_during_a_refresh_keeps_its_mark(postgres_app: Flask) -> None:
    a_month(postgres_app)
    engine = postgres_app.extensions["loket.engine"]
    changed = threading.Event()
    recount = tally.recount

    def recount_while_a_contact_changes(session: Session, day: date) -> None:
        recount(session, day)
        if not changed.is_set():  # once, in the middle of the refresh's transaction
            with session_scope(engine) as other:
                contact = other.exec(select(Contact).where(Contact.channel == "whatsapp")).first()
                assert contact is not None
                contact.outcome, contact.status = "helped", "closed"
            changed.set()

    tally.recount = recount_while_a_contact_changes  # type: ignore[assignment]
    try:
        refresh(postgres_app)
    finally:
        tally.recount = recount  # type: ignore[assignment]
    assert changed.is_set() and marks(postgres_app) > 0  # the change's mark survived
    assert report(postgres_app)["contacts"]["by_outcome"]["helped"] == 19
    refresh(postgres_app)
    assert marks(postgres_app) == 0
    assert report(postgres_app)["contacts"]["by_outcome"]["helped"] == 19


def test_a_second_refresh_leaves_the_work_to_the_one_running(postgres_app: Flask) -> None:
    a_month(postgres_app)
    engine = postgres_app.extensions["loket.engine"]
    with engine.connect() as holder:
        holder.execute(text("SELECT pg_advisory_lock(:key)"), {"key": tally.REFRESH_LOCK})
        assert refresh(postgres_app) == 0
        holder.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": tally.REFRESH_LOCK})
    assert marks(postgres_app) > 0
    assert refresh(postgres_app) == 5


def test_the_scheduler_s_job_recounts_the_changed_days(store_app: Flask,
                                                       redis_conn: Redis) -> None:
    a_month(store_app)
    build_cron(redis_conn, 1).enqueue_jobs()  # what the scheduler does every minute
    SimpleAppWorker(queues(redis_conn), connection=redis_conn, app=store_app).work(burst=True)
    assert marks(store_app) == 0 and tallied(store_app) == 38


def test_days_recounted_side_by_side_keep_the_marks_of_changes_made_meanwhile(
    postgres_app: Flask,
) -> None:
    store_app = postgres_app
    a_month(store_app)
    engine = store_app.extensions["loket.engine"]

    def unit_of_work() -> Any:
        return session_scope(engine)

    def recount_days(days: list[date]) -> None:
        with session_scope(engine) as other:  # committed after the marks were read
            contact = other.exec(select(Contact).where(Contact.channel == "whatsapp")).first()
            assert contact is not None
            contact.outcome, contact.status = "helped", "closed"
        for day in days:  # as processes of their own would, one unit of work each
            tally.recount_day(unit_of_work, day)

    assert tally.refresh_marked(unit_of_work, recount_days) == 5
    assert marks(store_app) > 0  # the change's own mark
    assert report(store_app)["contacts"]["by_outcome"]["helped"] == 19
    assert tally.refresh_marked(unit_of_work, lambda days: [
        tally.recount_day(unit_of_work, day) for day in days]) >= 1
    assert marks(store_app) == 0 and tallied(store_app) == 38
    assert report(store_app)["contacts"]["by_outcome"]["helped"] == 19


def test_days_are_not_recounted_side_by_side_on_sqlite(app: Flask) -> None:
    engine = app.extensions["loket.engine"]
    with pytest.raises(ValueError, match="PostgreSQL only"):
        tally.refresh_marked(lambda: session_scope(engine), lambda days: None)


def test_a_day_counts_the_callbacks_of_its_own_contacts_when_ids_do_not_follow_time(
    store_app: Flask,
) -> None:
    """A day's callbacks are read within the span of its contacts' ids: a contact of
    another day inside that span (added later, dated earlier) is not counted in it, and
    counts on its own day."""
    for day, status in (("2026-11-15 09:00", "done"), ("2026-11-02 10:00", "unreachable"),
                        ("2026-11-15 21:00", "done")):
        seed_callback(store_app, local(day), status=status, attempts=1,
                      last_outcome="reached" if status == "done" else "no_answer")
    with read_scope(store_app.extensions["loket.engine"]) as session:
        def callbacks(day: date) -> dict[str, int]:
            rows = tally.count_day(session, day)[tally.CALLBACKS.name]
            return {row["status"]: row["n"] for row in rows}

        assert callbacks(date(2026, 11, 15)) == {"done": 2}
        assert callbacks(date(2026, 11, 2)) == {"unreachable": 1}
        assert callbacks(date(2026, 11, 3)) == {}
