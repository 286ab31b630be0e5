"""`loket db backup` where an operator can go wrong: a file it cannot write, a relative path,
a database that is not there, pg_dump missing or failing; and a backup restored as
docs/production.md says, after which Loket carries on where it stopped."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from click.testing import CliRunner, Result
from flask import Flask
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import Session, col, select

from loket.cli import main
from loket.domain import contacts
from loket.store.db import session_scope
from loket.store.migrate import alembic_config
from loket.store.models import Contact
from tests.conftest import loket_env
from tests.reports.seed import PHONE, local, seed
from tests.store.test_backup import empty_postgres  # noqa: F401 - the fixture


@pytest.fixture
def cli_for(monkeypatch: pytest.MonkeyPatch) -> Callable[[Flask], None]:
    """Point `loket` commands at one app's database and keys, in English."""

    def point(app: Flask) -> None:
        for key, value in loket_env(app).items():
            monkeypatch.setenv(key, value)
        monkeypatch.setenv("LANG", "en_GB.UTF-8")
        monkeypatch.setenv("LC_ALL", "en_GB.UTF-8")

    return point


def backup(target: str) -> Result:
    return CliRunner().invoke(main, ["db", "backup", "--to", target])


def said(done: Result) -> str:
    """What the command printed, on stdout and stderr."""
    return done.output


@pytest.mark.parametrize("name", ["x" * 300, "dangling"])
def test_a_file_that_cannot_be_written_is_named_with_exit_2(
    app: Flask, cli_for: Callable[[Flask], None], tmp_path: Path, name: str,
) -> None:
    cli_for(app)
    if name == "dangling":  # a link to nowhere: writing through it would land elsewhere
        (tmp_path / name).symlink_to(tmp_path / "elsewhere" / "loket.sqlite3")
    done = backup(str(tmp_path / name))
    assert done.exit_code == 2, said(done)
    assert "--to:" in said(done) and "Traceback" not in said(done)


def test_a_relative_path_is_written_where_the_command_runs_and_named_in_full(
    app: Flask, cli_for: Callable[[Flask], None], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seed(app, local("2026-11-10 14:00"), count=2)
    cli_for(app)
    (tmp_path / "backups").mkdir()
    monkeypatch.chdir(tmp_path)
    done = backup("backups/loket.sqlite3")
    assert done.exit_code == 0, said(done)
    written = tmp_path / "backups" / "loket.sqlite3"
    assert str(written) in done.output
    assert written.stat().st_size > 0


def test_only_its_owner_may_read_a_backup(
    store_app: Flask, cli_for: Callable[[Flask], None], tmp_path: Path,
) -> None:
    seed(store_app, local("2026-11-10 14:00"))
    cli_for(store_app)
    target = tmp_path / "loket.backup"
    done = backup(str(target))
    assert done.exit_code == 0, said(done)
    assert stat.S_IMODE(target.stat().st_mode) & 0o077 == 0


def test_a_sqlite_database_that_is_not_there_is_not_backed_up_as_an_empty_one(
    make_app: Callable[..., Flask], cli_for: Callable[[Flask], None], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cli_for(make_app())
    missing = tmp_path / "typo" / "loket.sqlite3"
    missing.parent.mkdir()
    monkeypatch.setenv("LOKET_DATABASE_URL", f"sqlite:///{missing}")
    target = tmp_path / "loket-backup.sqlite3"
    done = backup(str(target))
    assert done.exit_code == 2, said(done)
    assert "LOKET_DATABASE_URL" in said(done)
    assert not target.exists() and not missing.exists()


def test_a_failed_pg_dump_leaves_no_file_and_names_why(
    postgres_app: Flask, cli_for: Callable[[Flask], None], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cli_for(postgres_app)
    url = make_url(postgres_app.config["LOKET"].database_url)
    monkeypatch.setenv("LOKET_DATABASE_URL", url.set(database="loket_no_such_db").render_as_string(
        hide_password=False))
    target = tmp_path / "loket.dump"
    done = backup(str(target))
    assert done.exit_code == 2, said(done)
    assert "loket_no_such_db" in said(done) and "pg_dump: pg_dump:" not in said(done)
    assert not target.exists()  # a retry is not refused as "exists already"


def test_postgres_without_pg_dump_on_the_path_says_so(
    postgres_app: Flask, cli_for: Callable[[Flask], None], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cli_for(postgres_app)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    target = tmp_path / "loket.dump"
    done = backup(str(target))
    assert done.exit_code == 2, said(done)
    assert "pg_dump" in said(done) and "PATH" in said(done)
    assert not target.exists()


def test_the_database_password_is_not_on_pg_dumps_command_line(
    postgres_app: Flask, cli_for: Callable[[Flask], None], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every user of the machine can read a process's arguments (`ps`)."""
    cli_for(postgres_app)
    url = make_url(postgres_app.config["LOKET"].database_url)
    password = "pw-not-for-ps-7f3a"  # the test server trusts 127.0.0.1: any password will do
    monkeypatch.setenv("LOKET_DATABASE_URL",
                       url.set(password=password).render_as_string(hide_password=False))
    real = shutil.which("pg_dump")
    assert real is not None, "PostgreSQL's client tools are part of the test machine"
    seen = tmp_path / "argv"
    wrapper = tmp_path / "bin" / "pg_dump"
    wrapper.parent.mkdir()
    wrapper.write_text(f'#!/bin/sh\necho "$@" > "{seen}"\nexec "{real}" "$@"\n')
    wrapper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{wrapper.parent}{os.pathsep}{os.environ['PATH']}")
    done = backup(str(tmp_path / "loket.dump"))
    assert done.exit_code == 0, said(done)
    assert seen.exists() and password not in seen.read_text()


def test_a_sqlite_backup_taken_while_contacts_arrive_is_whole_and_readable(
    app: Flask, make_app: Callable[..., Flask], cli_for: Callable[[Flask], None],
    tmp_path: Path,
) -> None:
    seed(app, local("2026-11-10 14:00"), count=20)
    cli_for(app)
    stop = threading.Event()

    def arrive() -> None:
        while not stop.is_set():
            seed(app, local("2026-11-10 15:00"), count=5)

    writer = threading.Thread(target=arrive)
    writer.start()
    try:
        done = backup(str(tmp_path / "loket-backup.sqlite3"))
    finally:
        stop.set()
        writer.join()
    assert done.exit_code == 0, said(done)
    with sqlite3.connect(tmp_path / "loket-backup.sqlite3") as check:
        assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    settings = app.config["LOKET"]
    restored = make_app(database_url=f"sqlite:///{tmp_path / 'loket-backup.sqlite3'}",
                        data_key=settings.data_key, hash_key=settings.hash_key)
    with Session(restored.extensions["loket.engine"]) as session:
        got = session.exec(select(Contact)).all()
    assert len(got) >= 20 and {c.phone for c in got} == {PHONE}


def restore_as_documented(backup_file: Path, database_url: str) -> None:
    """pg_restore --no-owner into an empty database (docs/production.md, "Restore")."""
    pg_restore = shutil.which("pg_restore")
    assert pg_restore is not None, "PostgreSQL's client tools are part of the test machine"
    plain = make_url(database_url).set(drivername="postgresql")
    done = subprocess.run(  # noqa: S603 - the test's own database
        [pg_restore, "--no-owner", f"--dbname={plain.render_as_string(hide_password=False)}",
         str(backup_file)], capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr


def test_a_restored_postgres_database_carries_on_where_it_stopped(
    postgres_app: Flask, make_app: Callable[..., Flask], cli_for: Callable[[Flask], None],
    empty_postgres: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
) -> None:
    seed(postgres_app, local("2026-11-10 14:00"), count=3)
    cli_for(postgres_app)
    assert CliRunner().invoke(main, ["audit", "verify"]).exit_code == 0
    target = tmp_path / "loket.dump"
    assert backup(str(target)).exit_code == 0
    restore_as_documented(target, empty_postgres)
    monkeypatch.setenv("LOKET_DATABASE_URL", empty_postgres)
    upgraded = CliRunner().invoke(main, ["db", "upgrade"])
    assert upgraded.exit_code == 0, said(upgraded)
    verified = CliRunner().invoke(main, ["audit", "verify"])
    assert verified.exit_code == 0 and "intact" in verified.output, said(verified)
    settings = postgres_app.config["LOKET"]
    restored = make_app(database_url=empty_postgres, data_key=settings.data_key,
                        hash_key=settings.hash_key)
    engine = restored.extensions["loket.engine"]
    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    with Session(engine) as session:
        version = session.exec(text("SELECT version_num FROM alembic_version")).one()
        assert version[0] == head
        before = session.exec(select(Contact).order_by(col(Contact.id))).all()
        known = {c.phone_hash for c in before}
    with session_scope(engine) as session:  # the same person again, and a new id
        again = contacts.open_contact(session=session, actor="test",
                                      contact_in=contacts.ContactIn(channel="sms", phone=PHONE))
        assert again.phone_hash in known
        assert again.id is not None and again.id > max(c.id or 0 for c in before)
    engine.dispose()
