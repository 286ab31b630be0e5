"""Upgrading a POPULATED database from an older revision with `loket db upgrade`'s own code
path (`loket.store.migrate.upgrade` on `make_engine`'s engine, as the CLI builds it).

Each test builds a database at an old revision (SQLite file, or a PostgreSQL schema of its
own in the test database), stores rows of that era, upgrades to head, and checks what an
operator would see: no row lost, the upgrade through, the reports still following every
change. On SQLite a batch migration copies a table and drops the old one, which with
foreign keys enforced deleted or refused the rows pointing at it, and lost its triggers.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import text
from sqlalchemy.engine import Engine

import loket.store.models  # noqa: F401  (registers the tables)
from loket.reports import tally
from loket.reports.periods import AMSTERDAM
from loket.reports.volumes import figures
from loket.store.db import make_engine, read_scope, session_scope
from loket.store.migrate import current, resolved, upgrade
from loket.store.types import UTCDateTime
from tests.conftest import POSTGRES_URL

SCHEMA = "populated_upgrade"
AT = datetime(2026, 11, 15, 18, 0, tzinfo=AMSTERDAM)
NOV_1, NOV_30 = date(2026, 11, 1), date(2026, 11, 30)


@pytest.fixture(params=["sqlite", "postgres"])
def fresh(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty database, as `loket db upgrade` would connect to it."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
        yield engine
        engine.dispose()
        return
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    engine = make_engine(POSTGRES_URL + f"?options=-csearch_path%3D{SCHEMA}")
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        admin.dispose()


def contact_table(*extra: sa.ColumnClause[object], with_flags: bool) -> sa.TableClause:
    """`contact` with the columns every revision has (and 0001..0003's JSON `flags`)."""
    columns = [
        sa.column("id", sa.Integer), sa.column("reference", sa.String),
        sa.column("channel", sa.String), sa.column("status", sa.String),
        sa.column("outcome", sa.String), sa.column("organisation", sa.String),
        sa.column("serving_status", sa.String), sa.column("relation", sa.String),
        sa.column("need", sa.String), sa.column("risk", sa.String),
        sa.column("language", sa.String), sa.column("preference", sa.String),
        sa.column("anonymous", sa.Boolean), sa.column("consent", sa.Boolean),
        sa.column("crisis", sa.Boolean), sa.column("desk", sa.String),
        sa.column("queue", sa.String), sa.column("trace", sa.Text),
        sa.column("intake_step", sa.String),
        sa.column("created_at", UTCDateTime(timezone=True)),
        sa.column("updated_at", UTCDateTime(timezone=True)),
    ]
    if with_flags:
        columns.append(sa.column("flags", sa.Text))
    return sa.table("contact", *columns, *extra)


def a_contact(contact_id: int, **extra: object) -> dict[str, object]:
    row: dict[str, object] = {
        "id": contact_id, "reference": f"REF-{contact_id:04d}", "channel": "phone",
        "status": "closed", "outcome": "helped", "organisation": "police",
        "serving_status": "serving", "relation": "self", "need": "talk", "risk": "low",
        "language": "nl", "preference": "call", "anonymous": False, "consent": True,
        "crisis": False, "desk": "police", "queue": "police", "trace": "[]",
        "intake_step": "done", "created_at": AT, "updated_at": AT,
    }
    row.update(extra)
    return row


CALLBACK = sa.table(
    "callback_request", sa.column("id", sa.Integer), sa.column("contact_id", sa.Integer),
    sa.column("window", sa.String), sa.column("window_start", UTCDateTime(timezone=True)),
    sa.column("window_end", UTCDateTime(timezone=True)),
    sa.column("voicemail_allowed", sa.Boolean), sa.column("attempts", sa.Integer),
    sa.column("max_attempts", sa.Integer), sa.column("status", sa.String),
    sa.column("last_outcome", sa.String),
    sa.column("created_at", UTCDateTime(timezone=True)),
    sa.column("updated_at", UTCDateTime(timezone=True)),
)
CALL_LEG = sa.table(
    "call_leg", sa.column("contact_id", sa.Integer), sa.column("callback_id", sa.Integer),
    sa.column("kind", sa.String), sa.column("conference", sa.String),
    sa.column("status", sa.String), sa.column("created_at", UTCDateTime(timezone=True)),
    sa.column("updated_at", UTCDateTime(timezone=True)),
)
MESSAGE = sa.table(
    "message", sa.column("contact_id", sa.Integer), sa.column("direction", sa.String),
    sa.column("body", sa.Text), sa.column("automatic", sa.Boolean),
    sa.column("created_at", UTCDateTime(timezone=True)),
)


def a_callback(callback_id: int, contact_id: int, status: str = "done") -> dict[str, object]:
    return {"id": callback_id, "contact_id": contact_id, "window": "evening",
            "window_start": AT, "window_end": AT, "voicemail_allowed": False, "attempts": 1,
            "max_attempts": 3, "status": status, "last_outcome": "reached",
            "created_at": AT, "updated_at": AT}


def scalar(engine: Engine, sql: str) -> object:
    with engine.connect() as conn:
        return conn.execute(text(sql)).scalar()


# --- 0004: contact.flags (JSON) becomes contact_flag rows ---------------------------------


def test_upgrade_from_0003_keeps_every_contact_flag(fresh: Engine) -> None:
    """A crisis contact that overflowed, stored at 0003: after the upgrade its two flags are
    rows of `contact_flag` (the reports count crisis/overflow from them)."""
    upgrade(fresh, "0003")
    with fresh.begin() as conn:
        conn.execute(sa.insert(contact_table(with_flags=True)),
                     [a_contact(1, crisis=True, flags='["crisis", "overflow"]')])
    upgrade(fresh)
    with fresh.connect() as conn:
        flags = conn.execute(text("SELECT flag FROM contact_flag WHERE contact_id = 1 "
                                  "ORDER BY flag")).scalars().all()
    assert flags == ["crisis", "overflow"]


def test_upgrade_from_0003_succeeds_when_contacts_have_messages(fresh: Engine) -> None:
    """Any real database at 0003 has contacts with messages: the upgrade must go through."""
    upgrade(fresh, "0003")
    with fresh.begin() as conn:
        conn.execute(sa.insert(contact_table(with_flags=True)),
                     [a_contact(1, flags='["crisis"]')])
        conn.execute(sa.insert(MESSAGE), [{"contact_id": 1, "direction": "in",
                                           "body": "x", "automatic": False,
                                           "created_at": AT}])
    upgrade(fresh)
    assert current(fresh) == resolved(fresh, "head")
    assert scalar(fresh, "SELECT count(*) FROM message") == 1
    assert scalar(fresh, "SELECT count(*) FROM contact_flag") == 1


# --- 0016: callback_request.asked ---------------------------------------------------------


def test_upgrade_from_0015_succeeds_when_a_callback_was_called(fresh: Engine) -> None:
    """A callback Loket dialled has a `call_leg` row pointing at it (0008): a database with
    one call-back made must upgrade past 0016."""
    upgrade(fresh, "0015")
    with fresh.begin() as conn:
        conn.execute(sa.insert(contact_table(with_flags=False)), [a_contact(1)])
        conn.execute(sa.insert(CALLBACK), [a_callback(1, 1)])
        conn.execute(sa.insert(CALL_LEG), [{"contact_id": 1, "callback_id": 1,
                                            "kind": "callback", "conference": "c-1",
                                            "status": "completed", "created_at": AT,
                                            "updated_at": AT}])
    upgrade(fresh)
    assert current(fresh) == resolved(fresh, "head")
    assert scalar(fresh, "SELECT count(*) FROM call_leg WHERE callback_id = 1") == 1


def test_upgraded_database_keeps_the_callback_report_triggers(fresh: Engine) -> None:
    """0009 put insert/update/delete triggers on `callback_request` that mark a contact's
    hour when its callback changes; an upgraded database must still have them (PostgreSQL
    does), or the reports keep a callback's old status."""
    upgrade(fresh, "0015")
    upgrade(fresh)
    if fresh.dialect.name == "sqlite":
        sql = ("SELECT name FROM sqlite_master WHERE type = 'trigger' "
               "AND tbl_name = 'callback_request' ORDER BY name")
    else:
        sql = ("SELECT tgname FROM pg_trigger WHERE tgrelid = 'callback_request'::regclass "
               "AND NOT tgisinternal ORDER BY tgname")
    with fresh.connect() as conn:
        names = conn.execute(text(sql)).scalars().all()
    assert names == ["report_dirty_callback_request_delete",
                     "report_dirty_callback_request_insert",
                     "report_dirty_callback_request_update"]


def test_a_callback_outcome_after_the_upgrade_shows_in_the_report(fresh: Engine) -> None:
    """A callback promised before the upgrade is reached after it: once the scheduler has
    refreshed the tallies, the manager's report must show the new outcome."""
    upgrade(fresh, "0015")
    with fresh.begin() as conn:
        conn.execute(sa.insert(contact_table(with_flags=False)), [a_contact(1)])
        conn.execute(sa.insert(CALLBACK), [a_callback(1, 1, status="pending")])
    upgrade(fresh)
    tally.refresh_all(lambda: session_scope(fresh))
    with read_scope(fresh) as session:
        before = figures(session, NOV_1, NOV_30)["callbacks"]
    with fresh.begin() as conn:  # the callback job's outcome: only the callback row changes
        conn.execute(text("UPDATE callback_request SET status = 'unreachable', attempts = 3, "
                          "last_outcome = 'no_answer' WHERE id = 1"))
    with read_scope(fresh) as session:
        after = figures(session, NOV_1, NOV_30)["callbacks"]
    assert after != before
    assert after["unreachable"] == 1


def test_a_new_database_has_every_report_trigger(fresh: Engine) -> None:
    """A database made from nothing has the reports' triggers on each counted table, on
    SQLite as on PostgreSQL (a batch migration copying a table drops its triggers)."""
    upgrade(fresh)
    if fresh.dialect.name == "sqlite":
        sql = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'report%'"
    else:
        sql = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE 'report%'"
    with fresh.connect() as conn:
        names = set(conn.execute(text(sql)).scalars().all())
    assert names == {f"report_dirty_{table}_{event}"
                     for table in ("contact", "contact_flag", "callback_request")
                     for event in ("insert", "update", "delete")}
