"""Backups as docs/production.md shows them: `loket db backup` while Loket runs, restored
into an empty database (a file for SQLite, pg_restore for PostgreSQL), every contact then
readable with the data key, and unreadable without it."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.fernet import Fernet
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, col, select

from loket.cli import main
from loket.store.crypto import DataKeyError
from loket.store.models import Contact
from tests.conftest import loket_env
from tests.reports.seed import NAME, PHONE, local, seed

# Beside the tests' own database, named after it: runs on other databases of the same
# server do not drop it.
RESTORED_SUFFIX = "_restore"


@pytest.fixture
def cli_for(monkeypatch: pytest.MonkeyPatch) -> Callable[[Flask], None]:
    """Point `loket` commands at one app's database and keys."""

    def point(app: Flask) -> None:
        for key, value in loket_env(app).items():
            monkeypatch.setenv(key, value)

    return point


@pytest.fixture
def empty_postgres(postgres_app: Flask) -> Iterator[str]:
    """An empty PostgreSQL database beside the tests' own; its URL."""
    url = make_url(postgres_app.config["LOKET"].database_url)
    restored = f"{url.database}{RESTORED_SUFFIX}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{restored}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{restored}"'))
    yield url.set(database=restored).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{restored}" WITH (FORCE)'))
    admin.dispose()


def contacts_of(app: Flask) -> list[tuple[str, str | None, str | None]]:
    with Session(app.extensions["loket.engine"]) as session:
        rows = session.exec(select(Contact).order_by(col(Contact.id))).all()
        return [(c.reference, c.phone, c.name) for c in rows]


def test_a_sqlite_backup_restores_every_contact_readable_with_the_key(
    app: Flask, make_app: Callable[..., Flask], cli_for: Callable[[Flask], None],
    tmp_path: Path,
) -> None:
    store_app = app
    seed(store_app, local("2026-11-10 14:00"), count=5)
    cli_for(store_app)
    target = tmp_path / "backups" / "loket.sqlite3"
    target.parent.mkdir()
    done = CliRunner().invoke(main, ["db", "backup", "--to", str(target)])
    assert done.exit_code == 0, done.output
    again = CliRunner().invoke(main, ["db", "backup", "--to", str(target)])
    assert again.exit_code == 2 and "--to:" in again.output
    settings = store_app.config["LOKET"]
    restored = make_app(database_url=f"sqlite:///{target}", data_key=settings.data_key,
                        hash_key=settings.hash_key)
    got = contacts_of(restored)
    assert got == contacts_of(store_app) and len(got) == 5
    assert {(phone, name) for _, phone, name in got} == {(PHONE, NAME)}


def test_a_postgres_backup_restores_into_an_empty_database(
    postgres_app: Flask, make_app: Callable[..., Flask], cli_for: Callable[[Flask], None],
    empty_postgres: str, tmp_path: Path,
) -> None:
    seed(postgres_app, local("2026-11-10 14:00"), count=5)
    cli_for(postgres_app)
    target = tmp_path / "loket.dump"
    done = CliRunner().invoke(main, ["db", "backup", "--to", str(target)])
    assert done.exit_code == 0, done.output
    pg_restore = shutil.which("pg_restore")
    assert pg_restore is not None, "PostgreSQL's client tools are part of the test machine"
    plain = make_url(empty_postgres).set(drivername="postgresql")
    restore = subprocess.run(  # noqa: S603 - the test's own database
        [pg_restore, "--no-owner", f"--dbname={plain.render_as_string(hide_password=False)}",
         str(target)], capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ},
    )
    assert restore.returncode == 0, restore.stderr
    settings = postgres_app.config["LOKET"]
    restored = make_app(database_url=empty_postgres, data_key=settings.data_key,
                        hash_key=settings.hash_key)
    got = contacts_of(restored)
    assert got == contacts_of(postgres_app) and len(got) == 5
    assert {(phone, name) for _, phone, name in got} == {(PHONE, NAME)}
    other_key = make_app(database_url=empty_postgres,  # another data key: nothing readable
                         data_key=Fernet.generate_key().decode())
    with pytest.raises(DataKeyError):
        contacts_of(other_key)
    restored.extensions["loket.engine"].dispose()
    other_key.extensions["loket.engine"].dispose()
