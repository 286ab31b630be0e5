"""The audit trail's hash chain on SQLite and PostgreSQL: sealed rows verify intact; a row
changed, a sealed row deleted or a seal deleted behind the application's back is named;
two sealers at once make one chain; a row committed late never forks it."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from datetime import UTC
from typing import Any

import pytest
from flask import Flask
from redis import Redis
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from loket.domain import audit, audit_chain
from loket.queue.scheduler import build_cron
from loket.queue.worker import SimpleAppWorker, queues
from loket.store.db import read_scope, session_scope
from loket.store.models import AuditEvent, AuditSeal

# The append-only triggers (migrations 0001 and 0005) that tampering must get past.
SQLITE_TRIGGERS = ("audit_event_no_update", "audit_event_no_delete",
                   "audit_seal_no_update", "audit_seal_no_delete")


def _engine(app: Flask) -> Engine:
    engine: Engine = app.extensions["loket.engine"]
    return engine


def write_lines(app: Flask, n: int, *, who: str = "test") -> list[int]:
    """Write n audit lines the way the application does; return their ids."""
    with session_scope(_engine(app)) as session:
        for i in range(n):
            audit.record(session=session, event="read", contact=None, user_id=i,
                         actor=who, detail=f"line {i} ë", source="10.0.0.1")
    with read_scope(_engine(app)) as session:
        ids = session.exec(select(AuditEvent.id).order_by(col(AuditEvent.id))).all()
    return [i for i in ids if i is not None][-n:]


def seal(app: Flask, *, limit: int = audit_chain.SEAL_LIMIT,
         wait_s: float = audit_chain.WAIT_S) -> int:
    """Seal what is not sealed yet, as the job does; return how many rows."""
    done = audit_chain.seal_all(lambda: session_scope(_engine(app)), limit=limit, wait_s=wait_s)
    return done.count


def verify(app: Flask) -> audit_chain.ChainReport:
    with read_scope(_engine(app)) as session:
        return audit_chain.verify(session)


def tamper(app: Flask, *statements: tuple[str, dict[str, Any]]) -> None:
    """Run SQL past the append-only triggers, as someone with database access could."""
    url = app.config["LOKET"].database_url
    if url.startswith("sqlite"):
        raw = sqlite3.connect(url.removeprefix("sqlite:///"))
        try:
            for trigger in SQLITE_TRIGGERS:
                raw.execute(f"DROP TRIGGER IF EXISTS {trigger}")
            for statement, params in statements:
                raw.execute(statement, params)
            raw.commit()
        finally:
            raw.close()
        return
    with _engine(app).begin() as conn:  # triggers (and foreign keys) off for this change only
        conn.execute(text("ALTER TABLE audit_event DISABLE TRIGGER ALL"))
        conn.execute(text("ALTER TABLE audit_seal DISABLE TRIGGER ALL"))
        for statement, params in statements:
            conn.execute(text(statement), params)
        conn.execute(text("ALTER TABLE audit_event ENABLE TRIGGER ALL"))
        conn.execute(text("ALTER TABLE audit_seal ENABLE TRIGGER ALL"))


def test_sealed_rows_verify_intact_and_new_rows_are_counted_not_blamed(
    store_app: Flask,
) -> None:
    assert verify(store_app) == audit_chain.ChainReport(sealed=0, unsealed=0)
    write_lines(store_app, 5)
    assert seal(store_app) == 5
    assert seal(store_app) == 0  # safe to run twice
    write_lines(store_app, 2)
    report = verify(store_app)
    assert report.intact and (report.sealed, report.unsealed) == (5, 2)
    assert seal(store_app) == 2
    report = verify(store_app)
    assert report.intact and (report.sealed, report.unsealed) == (7, 0)
    assert audit_chain.describe(report) == "intact: 7 rows sealed"


def test_anyone_can_recompute_a_link_from_the_documented_encoding(store_app: Flask) -> None:
    first = write_lines(store_app, 1)[0]
    seal(store_app)
    with read_scope(_engine(store_app)) as session:
        row = session.get(AuditEvent, first)
        stored = session.get(AuditSeal, first)
        assert row is not None and stored is not None
        stored_hash = stored.hash
        fields = ["0" * 64, row.id, row.at.astimezone(UTC).isoformat(timespec="microseconds"),
                  "read", None, 0, None, "test", "line 0 ë", "10.0.0.1"]
    encoded = json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode()
    assert stored_hash == hashlib.sha256(encoded).hexdigest()


def test_a_row_changed_behind_the_applications_back_is_named(store_app: Flask) -> None:
    ids = write_lines(store_app, 5)
    seal(store_app)
    tamper(store_app, ("UPDATE audit_event SET detail = 'nothing to see' WHERE id = :id",
                       {"id": ids[2]}))
    report = verify(store_app)
    assert not report.intact
    assert (report.broken_at, report.problem, report.sealed) == (ids[2], "changed", 2)
    assert f"audit row {ids[2]} " in audit_chain.describe(report)
    write_lines(store_app, 1)
    seal(store_app)  # sealing on goes on; it never papers over the change
    assert verify(store_app).broken_at == ids[2]


def test_a_changed_seal_is_named(store_app: Flask) -> None:
    ids = write_lines(store_app, 4)
    seal(store_app)
    tamper(store_app, ("UPDATE audit_seal SET hash = :hash WHERE audit_id = :id",
                       {"hash": "f" * 64, "id": ids[3]}))
    report = verify(store_app)
    assert (report.broken_at, report.problem) == (ids[3], "changed")


def test_a_deleted_sealed_row_is_found(store_app: Flask) -> None:
    ids = write_lines(store_app, 5)
    seal(store_app)
    tamper(store_app, ("DELETE FROM audit_event WHERE id = :id", {"id": ids[1]}))
    report = verify(store_app)
    assert (report.broken_at, report.problem) == (ids[1], "row_deleted")
    assert "deleted" in audit_chain.describe(report)


def test_a_row_deleted_with_its_seal_breaks_the_next_link(store_app: Flask) -> None:
    ids = write_lines(store_app, 5)
    seal(store_app)
    tamper(store_app, ("DELETE FROM audit_seal WHERE audit_id = :id", {"id": ids[1]}),
           ("DELETE FROM audit_event WHERE id = :id", {"id": ids[1]}))
    report = verify(store_app)
    assert (report.broken_at, report.problem) == (ids[2], "changed")


def test_a_deleted_seal_is_found_and_not_sealed_again(store_app: Flask) -> None:
    ids = write_lines(store_app, 5)
    seal(store_app)
    tamper(store_app, ("DELETE FROM audit_seal WHERE audit_id = :id", {"id": ids[1]}))
    assert seal(store_app) == 0
    report = verify(store_app)
    assert (report.broken_at, report.problem) == (ids[1], "seal_missing")


def test_two_sealers_at_once_make_one_chain(store_app: Flask) -> None:
    write_lines(store_app, 120)
    start = threading.Barrier(3)
    sealed: list[int] = []
    errors: list[BaseException] = []

    def sealer() -> None:
        try:
            start.wait()
            for _ in range(6):
                sealed.append(seal(store_app, limit=7, wait_s=10))
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)

    def writer() -> None:
        try:
            start.wait()
            for _ in range(6):
                write_lines(store_app, 5, who="writer")
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=sealer), threading.Thread(target=sealer),
               threading.Thread(target=writer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    left = seal(store_app)
    assert sum(sealed) + left == 150  # every row sealed exactly once
    report = verify(store_app)
    assert report.intact and (report.sealed, report.unsealed) == (150, 0)


def test_a_row_committed_late_with_a_lower_id_never_forks_the_chain(
    postgres_app: Flask,
) -> None:
    """PostgreSQL hands out ids before commit: a sealer must wait for the row still being
    written (a bounded wait) rather than seal the rows after it first."""
    engine = _engine(postgres_app)
    write_lines(postgres_app, 1)
    with engine.connect() as slow:
        slow_tx = slow.begin()
        slow.execute(text("INSERT INTO audit_event (at, event, actor, detail, source) "
                          "VALUES (now(), 'read', 'slow', '', '')"))
        write_lines(postgres_app, 1)  # a higher id, committed first
        started = time.monotonic()
        try:
            with pytest.raises(audit_chain.SealBusy):
                seal(postgres_app, wait_s=0.3)
        finally:
            slow_tx.commit()
        assert time.monotonic() - started < 5  # the wait is bounded
    assert seal(postgres_app) == 3
    report = verify(postgres_app)
    assert report.intact and (report.sealed, report.unsealed) == (3, 0)


def test_the_scheduler_s_job_seals_new_rows_shortly_after_they_commit(
    store_app: Flask, redis_conn: Redis
) -> None:
    write_lines(store_app, 4)
    cron = build_cron(redis_conn, 1)
    cron.enqueue_jobs()  # what the scheduler does every SEAL_AUDIT_EVERY_S
    SimpleAppWorker(queues(redis_conn), connection=redis_conn, app=store_app).work(burst=True)
    report = verify(store_app)
    assert report.intact and (report.sealed, report.unsealed) == (4, 0)


def test_a_sealer_waits_for_sqlite_s_write_lock_a_bounded_time(app: Flask) -> None:
    write_lines(app, 1)
    started = time.monotonic()
    with session_scope(_engine(app)) as writer:  # a unit of work holding the write lock
        audit.record(session=writer, event="read", contact=None, actor="slow")
        with pytest.raises(audit_chain.SealBusy):
            seal(app)
    assert time.monotonic() - started < 15  # the busy timeout, not forever
    assert seal(app) == 2
