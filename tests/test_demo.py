"""`loket demo`: demo staff and contacts that look like the desks' real traffic."""

from __future__ import annotations

import os
import random
import re
import shutil
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from sqlalchemy import func, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from loket.app import create_app
from loket.cli import main
from loket.demo import (
    DEMO_PASSWORD,
    DEMO_USERS,
    FAKE_PHONE_PREFIX,
    TEXTS,
    contact_times,
    demo_state,
    make_plan,
    new_references,
)
from loket.domain.accounts import check_password
from loket.domain.calls import FOR_MANAGER
from loket.domain.contacts import REFERENCE_ALPHABET
from loket.intake import AMSTERDAM, routing_input
from loket.rules_runtime import holder
from loket.store import crypto
from loket.store.models import (
    AuditEvent,
    CallbackRequest,
    Contact,
    Message,
    ReportDirty,
    TallyContact,
    User,
)
from tests.conftest import loket_env

CHANNELS = {"phone", "sms", "whatsapp", "webchat", "webform"}
DECISION_FIELDS = ("desk", "queue", "priority", "crisis", "respond", "flags", "rule")


def run_demo(*args: str) -> Result:
    """Run `loket demo` with these options."""
    return CliRunner().invoke(main, ["demo", *args])


def contacts_of(engine: Engine) -> list[Contact]:
    """Return every contact, oldest first."""
    with Session(engine) as session:
        return list(session.exec(select(Contact).order_by(col(Contact.id))).all())


def count(engine: Engine, model: Any) -> int:
    """Return how many rows a table has."""
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


@pytest.fixture(scope="module")
def seeded_app(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Flask]:
    """An app whose database holds what `loket demo --contacts 300` adds, shared by this module.

    Seeding hashes eleven passwords with argon2, so the read-only tests share one run.
    """
    folder = tmp_path_factory.mktemp("demo")
    shutil.copy(sqlite_template, folder / "loket.sqlite3")
    app = create_app(
        {
            "testing": True,
            "instance_path": str(folder / "instance"),
            "database_url": f"sqlite:///{folder / 'loket.sqlite3'}",
            "redis_url": os.environ.get("LOKET_TEST_REDIS_URL", "redis://127.0.0.1:6379/13"),
        }
    )
    settings = app.config["LOKET"]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LOKET_DATABASE_URL", settings.database_url)
        patch.setenv("LOKET_INSTANCE_PATH", settings.instance_path)
        patch.setenv("LOKET_REDIS_URL", settings.redis_url)
        patch.setenv("LOKET_DATA_KEY", settings.data_key)
        patch.setenv("LOKET_SECRET_KEY", settings.secret_key)
        patch.setenv("LOKET_ENV", "development")
        patch.setenv("LANG", "C.UTF-8")  # the default locale, as for every test
        for key in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "LOKET_PUBLIC_URL", "LC_ALL",
                    "LC_MESSAGES"):
            patch.delenv(key, raising=False)
        before = datetime.now(UTC)
        result = run_demo("--contacts", "300", "--seed", "7")
        app.config["DEMO_RAN"] = (before, datetime.now(UTC))  # the seeding's "now"
    assert result.exit_code == 0, result.output
    assert "300 contacten" in result.output
    app.config["DEMO_OUTPUT"] = result.output
    yield app
    app.extensions["loket.engine"].dispose()


@pytest.fixture
def seeded_engine(seeded_app: Flask) -> Engine:
    """The seeded database, with its data keys in force (other tests' apps change them)."""
    crypto.configure(seeded_app.config["LOKET"].data_keys, seeded_app)
    engine: Engine = seeded_app.extensions["loket.engine"]
    return engine


@pytest.fixture
def seeded(seeded_engine: Engine) -> list[Contact]:
    """The demo contacts, oldest first."""
    return contacts_of(seeded_engine)


def test_demo_users_of_every_role_and_desk_log_in_with_the_demo_password(
    seeded_engine: Engine,
) -> None:
    with Session(seeded_engine) as session:
        users = {u.email: u for u in session.exec(select(User)).all()}
    assert set(users) == {email for email, _, _ in DEMO_USERS}
    for email, role, desk in DEMO_USERS:
        assert (users[email].role, users[email].desk) == (role, desk)
    # argon2 is slow on purpose: log in as one user of each role.
    for email in (
        "counsellor2.debasis@demo.loket.test",
        "manager@demo.loket.test",
        "admin@demo.loket.test",
    ):
        assert check_password(users[email], DEMO_PASSWORD)
    assert not check_password(users[DEMO_USERS[0][0]], DEMO_PASSWORD + "x")
    counsellors = Counter(u.desk for u in users.values() if u.role == "counsellor")
    assert counsellors == {"police": 2, "veterans": 2, "debasis": 2}
    available = Counter(u.desk for u in users.values() if u.available)
    assert available == {"police": 1, "veterans": 1, "debasis": 1}
    managers = {u.desk for u in users.values() if u.role == "manager"}
    assert managers == {"police", "veterans", "debasis", None}
    assert any(u.role == "admin" for u in users.values())


def test_demo_users_have_their_second_factor_enrolled_and_its_secret_printed(
    seeded_app: Flask, seeded_engine: Engine
) -> None:
    with Session(seeded_engine) as session:
        users = session.exec(select(User)).all()
    assert users and all(u.totp_enrolled_at is not None and u.totp_secret for u in users)
    output = seeded_app.config["DEMO_OUTPUT"]
    assert "loket user code --email" in output
    for user in users:
        assert f"{user.email}  {user.totp_secret}" in output


def test_demo_contacts_spread_over_eight_weeks_mostly_by_day_on_every_channel(
    seeded_app: Flask, seeded: list[Contact],
) -> None:
    # Against the seeding's own clock: the module's other tests may run long after it.
    before, now = seeded_app.config["DEMO_RAN"]
    assert len(seeded) == 300
    assert all(before - timedelta(weeks=8) <= c.created_at <= now for c in seeded)
    weeks = Counter((now - c.created_at).days // 7 for c in seeded)
    assert set(weeks) == set(range(8))
    hours = Counter(c.created_at.astimezone(AMSTERDAM).hour for c in seeded)
    day = sum(hours[h] for h in range(8, 20))
    night = sum(hours[h] for h in range(1, 6))
    assert day > 4 * night
    assert {c.channel for c in seeded} == CHANNELS
    assert Counter(c.channel for c in seeded).most_common(1)[0][0] == "phone"
    assert len({c.reference for c in seeded}) == 300


def test_demo_contact_times_and_outcomes_are_consistent(
    seeded: list[Contact], seeded_engine: Engine
) -> None:
    for c in seeded:
        assert c.routed_at is not None and c.created_at <= c.routed_at
        if c.status == "closed":
            assert c.outcome and c.closed_at and c.closed_at >= c.routed_at
        else:
            assert c.outcome is None and c.closed_at is None
        if c.answered_at is not None:
            assert c.wait_seconds == int((c.answered_at - c.routed_at).total_seconds())
            assert c.assigned_user_id is not None
        if c.crisis and c.answered_at is not None:
            assert c.wait_seconds is not None and c.wait_seconds < 60
    assert any(c.outcome == "abandoned" for c in seeded if c.channel == "phone")
    with Session(seeded_engine) as session:
        callbacks = {cb.contact_id: cb for cb in session.exec(select(CallbackRequest)).all()}
        audits = session.exec(select(AuditEvent).where(AuditEvent.actor == "demo")).all()
    assert set(callbacks) == {c.id for c in seeded if c.respond == "callback"}
    for c in seeded:
        callback = callbacks.get(c.id or 0)
        if c.status == "callback":  # to be tried, or on the manager's list
            assert callback is not None and callback.status in ("pending", *FOR_MANAGER)
            assert (callback.next_attempt_at is not None) == (callback.status == "pending")
        if c.outcome == "callback_failed":
            assert callback is not None and callback.status in FOR_MANAGER
    assert Counter(a.contact_reference for a in audits) == {c.reference: 1 for c in seeded}
    assert count(seeded_engine, Message) > 0


def test_demo_decisions_are_what_the_routing_engine_decides(
    seeded: list[Contact], seeded_app: Flask
) -> None:
    rules = holder(seeded_app).current()
    for c in seeded:
        assert c.routed_at is not None
        decision = rules.decide_json(routing_input(c), demo_state(c.routed_at), c.routed_at)
        stored = {name: getattr(c, name) for name in DECISION_FIELDS}
        assert stored == {name: decision[name] for name in DECISION_FIELDS}
        assert c.trace == decision["trace"] and c.rules_version == decision["rules_version"]
    assert {c.desk for c in seeded} == {"police", "veterans", "debasis"}
    assert {c.queue for c in seeded} == {"police", "veterans", "debasis", "pool"}


def test_demo_personal_fields_are_encrypted_at_rest_and_readable_through_the_orm(
    seeded: list[Contact], seeded_engine: Engine
) -> None:
    with seeded_engine.connect() as conn:
        raw: dict[int, str] = dict(conn.execute(text("SELECT id, phone FROM contact")).all())
        raw_text: dict[int, str] = dict(conn.execute(text("SELECT id, text FROM contact")).all())
    sentences = {s for by_need in TEXTS.values() for group in by_need.values() for s in group}
    phones = [c for c in seeded if c.phone]
    texts = [c for c in seeded if c.text]
    assert phones and texts
    for c in phones:
        assert c.id is not None and c.phone is not None
        assert c.phone.startswith(FAKE_PHONE_PREFIX)
        assert raw[c.id] != c.phone and "+31" not in raw[c.id]
    for c in texts:
        assert c.id is not None and c.text in sentences
        assert raw_text[c.id] != c.text and c.text not in raw_text[c.id]


def test_demo_if_empty_adds_to_an_empty_database_only(
    cli_env: dict[str, str], engine: Engine
) -> None:
    first = run_demo("--contacts", "20", "--if-empty", "--seed", "1")
    assert first.exit_code == 0, first.output
    before = (count(engine, User), count(engine, Contact), count(engine, AuditEvent))
    assert before[:2] == (len(DEMO_USERS), 20)
    again = run_demo("--contacts", "20", "--if-empty")
    assert again.exit_code == 0, again.output
    assert "niets toegevoegd" in again.output
    assert "loket user code --email" in again.output  # each `make run` shows the second factor
    assert (count(engine, User), count(engine, Contact), count(engine, AuditEvent)) == before


def test_demo_run_twice_adds_contacts_and_keeps_the_users(
    cli_env: dict[str, str], engine: Engine
) -> None:
    for _ in range(2):
        result = run_demo("--contacts", "10", "--seed", "3")
        assert result.exit_code == 0, result.output
    assert count(engine, User) == len(DEMO_USERS)
    refs = [c.reference for c in contacts_of(engine)]
    assert len(refs) == len(set(refs)) == 20


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--contacts", "-1"], "--contacts"),
        (["--contacts", "abc"], "--contacts"),
        (["--seed", "x"], "--seed"),
    ],
)
def test_demo_bad_option_exits_2_naming_it_and_adds_nothing(
    cli_env: dict[str, str], engine: Engine, args: list[str], option: str
) -> None:
    result = run_demo(*args)
    assert result.exit_code == 2
    assert option in result.output
    assert count(engine, User) == count(engine, Contact) == 0


def test_demo_on_a_database_without_tables_says_to_migrate_first(
    cli_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOKET_DATABASE_URL", f"sqlite:///{tmp_path / 'new.sqlite3'}")
    result = run_demo("--contacts", "5")
    assert result.exit_code == 2
    assert "loket db upgrade" in result.output


def test_demo_plan_is_the_same_for_the_same_seed_and_flags_crisis_texts(app: Flask) -> None:
    now = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    decide = holder(app).current().decide_json
    counsellors = {"police": [1], "veterans": [2], "debasis": [3]}

    def plan(seed: int) -> list[dict[str, Any]]:
        with app.app_context():  # the phone hash is the app's
            made = make_plan(seed=seed, n=400, now=now, decide=decide, counsellors=counsellors)
            return [p.contact for index in range(made.chunks) for p in made.chunk(index)]

    first = plan(5)
    assert first == plan(5)
    assert first != plan(6)
    crisis_texts = set(TEXTS["nl"]["crisis"]) | set(TEXTS["en"]["crisis"])
    written = [row for row in first if row["text"] in crisis_texts]
    assert written and all(row["crisis"] and row["respond"] == "now" for row in written)
    assert 0.01 < sum(row["crisis"] for row in first) / len(first) < 0.06


def test_demo_week_pattern_is_quiet_at_night_lower_at_weekends_higher_at_christmas() -> None:
    import random

    now = datetime(2027, 1, 3, 0, 0, tzinfo=UTC)  # the window ends after the holidays
    local = [
        datetime.fromtimestamp(t, AMSTERDAM) for t in contact_times(random.Random(1), 40_000, now)
    ]
    hours = Counter(t.hour for t in local)
    assert hours[11] > 5 * hours[4] and hours[20] > 4 * hours[4]
    days = Counter(t.date() for t in local)
    weekday = [n for d, n in days.items() if d.weekday() < 5 and d.month == 11]
    weekend = [n for d, n in days.items() if d.weekday() >= 5 and d.month == 11]
    assert sum(weekend) / len(weekend) < 0.85 * sum(weekday) / len(weekday)
    christmas = [n for d, n in days.items() if d.month == 12 and d.day >= 20]
    before = [n for d, n in days.items() if d.month == 12 and 6 <= d.day < 20]
    assert sum(christmas) / len(christmas) > 1.15 * sum(before) / len(before)


def test_demo_callbacks_have_attempts_and_outcomes_consistent_with_their_status(
    seeded: list[Contact], seeded_engine: Engine
) -> None:
    with Session(seeded_engine) as session:
        callbacks = list(session.exec(select(CallbackRequest)).all())
    contacts = {c.id: c for c in seeded}
    assert callbacks and {cb.status for cb in callbacks} >= {"done", "unreachable"}
    for cb in callbacks:
        contact = contacts[cb.contact_id]
        assert cb.window_start < cb.window_end and cb.created_at <= cb.updated_at
        if cb.status == "done":  # the last attempt reached someone (or a wrong number)
            assert cb.attempts >= 1 and cb.last_outcome in ("reached", "wrong_number")
            assert contact.status == "closed" and cb.updated_at >= cb.window_start
        elif cb.status == "unreachable":  # every attempt failed
            assert cb.attempts == 3 and cb.last_outcome in ("no_answer", "busy", "voicemail")
        elif cb.status == "missed":  # the window ended before the next attempt
            assert cb.attempts < 3 and cb.window != "asap" and cb.window_missed_at is not None
        elif cb.status == "pending":
            assert cb.next_attempt_at is not None and contact.status == "callback"
        else:
            assert cb.status == "calling" and contact.status == "in_progress"
        if cb.last_outcome == "reached":
            assert contact.answered_at is not None and contact.wait_seconds is not None
        if cb.status in FOR_MANAGER:
            assert contact.outcome in (None, "callback_failed")


def test_demo_abandoned_calls_keep_how_long_they_waited_and_crisis_is_answered_sooner(
    app: Flask,
) -> None:
    # Planned at a fixed moment (what is stored is the plan: tested below): 300 contacts
    # made now held no answered crisis call at some hours of the day.
    decide = holder(app).current().decide_json
    with app.app_context():  # the phone hash is the app's
        plan = make_plan(seed=7, n=2000, now=datetime(2026, 3, 2, 12, 0, tzinfo=UTC),
                         decide=decide,
                         counsellors={"police": [1], "veterans": [2], "debasis": [3]})
        planned = [p.contact for index in range(plan.chunks) for p in plan.chunk(index)]
    abandoned = [c for c in planned if c["outcome"] == "abandoned"]
    assert abandoned and all(c["channel"] == "phone" for c in abandoned)
    for c in abandoned:
        assert c["closed_at"] and c["routed_at"] and c["answered_at"] is None
        assert c["wait_seconds"] == int((c["closed_at"] - c["routed_at"]).total_seconds())
    answered = [c for c in planned
                if c["channel"] == "phone" and c["answered_at"] and c["respond"] == "now"]
    crisis = [c["wait_seconds"] or 0 for c in answered if c["crisis"]]
    others = [c["wait_seconds"] or 0 for c in answered if not c["crisis"]]
    assert crisis and others and max(crisis) < 60
    assert sum(crisis) / len(crisis) < sum(others) / len(others)


def test_demo_audit_chain_verifies_after_a_demo(cli_env: dict[str, str], engine: Engine) -> None:
    result = run_demo("--contacts", "50", "--seed", "2")
    assert result.exit_code == 0, result.output
    verified = CliRunner().invoke(main, ["audit", "verify"])
    assert verified.exit_code == 0, verified.output
    assert verified.output.startswith("intact: 50 regels verzegeld")


# Two forked writers in a process of their own: a test process has threads (servers,
# browsers) that a fork must not copy mid-lock.
SEED_IN_TWO = """
from datetime import UTC, datetime
from loket.app import create_app
from loket.demo import count_tallies, seed_demo
from loket.rules_runtime import holder
app = create_app({})
with app.app_context():
    seed_demo(app.extensions["loket.engine"], decide=holder(app).current().decide_json,
              contacts=90, seed=4, now=datetime(2026, 3, 2, 12, 0, tzinfo=UTC), workers=2,
              chunk_size=30)
    count_tallies(app.extensions["loket.engine"], workers=2)
"""


def test_demo_written_by_two_processes_is_the_plan_in_order_on_both_engines(
    store_app: Flask,
) -> None:
    import subprocess
    import sys

    env = {**os.environ, **loket_env(store_app)}
    done = subprocess.run([sys.executable, "-c", SEED_IN_TWO], env=env, capture_output=True,  # noqa: S603
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    engine: Engine = store_app.extensions["loket.engine"]
    decide = holder(store_app).current().decide_json
    now = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    with store_app.app_context():
        with Session(engine) as session:
            stored = list(session.exec(select(Contact).order_by(col(Contact.id))).all())
            users = session.exec(select(User).where(User.role == "counsellor")).all()
        counsellors: dict[str, list[int]] = {"police": [], "veterans": [], "debasis": []}
        for user in sorted(users, key=lambda u: u.id or 0):
            counsellors[user.desk or ""].append(user.id or 0)
        plan = make_plan(seed=4, n=90, now=now, decide=decide, counsellors=counsellors,
                         chunk_size=30)
    planned = [p.contact for index in range(plan.chunks) for p in plan.chunk(index)]
    assert len(stored) == 90
    with Session(engine) as session:  # and counted into the report tallies, side by side
        assert session.exec(select(func.count()).select_from(ReportDirty)).one() == 0
        assert session.exec(select(func.sum(TallyContact.n))).one() == 90
    fields = ("reference", "channel", "status", "outcome", "desk", "queue", "created_at",
              "wait_seconds", "assigned_user_id", "phone", "text")
    assert [tuple(getattr(c, name) for name in fields) for c in stored] == [
        tuple(row[name] for name in fields) for row in planned]


def test_demo_bulk_write_marks_each_hour_of_its_contacts_once_and_keeps_the_triggers(
    store_app: Flask,
) -> None:
    """A demo chunk marks every hour of its contacts for the report tallies (on SQLite once
    for the chunk, not by a trigger per row), and a contact added afterwards is still
    marked by the triggers, which are back as they were."""
    from loket.demo import create_demo_users, write_chunk

    engine: Engine = store_app.extensions["loket.engine"]

    def triggers() -> list[tuple[str, str]]:
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                rows = conn.execute(text("SELECT name, sql FROM sqlite_master "
                                         "WHERE type = 'trigger' ORDER BY name"))
            else:
                rows = conn.execute(text("SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger "
                                         "WHERE NOT tgisinternal ORDER BY tgname"))
            return [tuple(row) for row in rows]

    def hour(at: datetime) -> int:
        return int(at.replace(tzinfo=UTC).timestamp()) // 3600

    def marked() -> list[int]:
        with Session(engine) as session:
            return sorted(session.exec(select(ReportDirty.hour)).all())

    before = triggers()
    decide = holder(store_app).current().decide_json
    with store_app.app_context():
        counsellors = create_demo_users(engine)
        plan = make_plan(seed=9, n=60, now=datetime(2026, 3, 2, 12, 0, tzinfo=UTC),
                         decide=decide, counsellors=counsellors, chunk_size=60)
        chunk = plan.chunk(0)
        write_chunk(engine, chunk)
    stored = contacts_of(engine)
    assert len(stored) == 60
    assert any(p.flags for p in chunk) and any(p.callback for p in chunk)
    hours = sorted({hour(contact.created_at) for contact in stored})
    assert len(hours) > 10
    assert sorted(set(marked())) == hours
    if engine.dialect.name == "sqlite":  # (PostgreSQL's triggers mark once per statement)
        assert marked() == hours  # every hour once
    assert triggers() == before

    with Session(engine) as session:  # one more contact, in an hour of its own
        session.exec(text("DELETE FROM report_dirty"))  # type: ignore[call-overload]
        at = datetime(2026, 1, 5, 3, 30, tzinfo=UTC)
        session.add(Contact(reference="ZZTRG9", channel="webform", status="closed",
                            created_at=at, updated_at=at))
        session.commit()
    assert marked() == [hour(at)]


def test_demo_references_are_new_unique_and_the_same_for_a_seed() -> None:
    """References drawn in bulk are the intake's format, none taken twice or already in use,
    and exactly those drawn one at a time from the same generator (the demo's data for a
    seed did not change when they began to be drawn in bulk)."""

    def one_at_a_time(rng: random.Random, n: int, taken: set[str]) -> list[str]:
        refs: list[str] = []
        while len(refs) < n:
            raw = "".join(rng.choices(REFERENCE_ALPHABET, k=6))
            if f"{raw[:3]}-{raw[3:]}" not in taken:
                taken.add(f"{raw[:3]}-{raw[3:]}")
                refs.append(f"{raw[:3]}-{raw[3:]}")
        return refs

    in_use = set(one_at_a_time(random.Random(5), 3000, set()))
    # The same seed again: its first 3,000 references are all in use and skipped.
    drawn = new_references(random.Random(5), 5000, set(in_use))
    assert drawn == one_at_a_time(random.Random(5), 5000, set(in_use))
    assert len(set(drawn)) == 5000 and not in_use & set(drawn)
    letters = re.escape(REFERENCE_ALPHABET)
    assert all(re.fullmatch(f"[{letters}]{{3}}-[{letters}]{{3}}", ref) for ref in drawn)
