"""`loket db`: migrate the database, rotate the data keys."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from loket.cli.common import build_app, fail, say, text
from loket.cli.help import Group

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy.engine import Engine


@click.group("db", cls=Group)
def db_group() -> None:
    """Manage the database schema and its encryption keys."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target revision.")
def upgrade_command(revision: str) -> None:
    """Migrate the database to the newest schema."""
    from alembic.util import CommandError

    from loket.store.migrate import upgrade

    app = build_app()
    try:
        upgrade(app.extensions["loket.engine"], revision)
    except CommandError as exc:
        fail(f"--revision: {exc}")
    except AssertionError:
        # Alembic asserts, rather than saying so, when a relative revision (`head+1`,
        # `0009+5`) points past the newest migration.
        fail(text("db_revision_past", revision=revision))
    say("db_at", revision=revision)


@db_group.command("rotate-keys")
@click.option(
    "--batch", default=500, show_default=True, type=click.IntRange(min=1),
    help="Rows rewritten per transaction.",
)
def rotate_keys_command(batch: int) -> None:
    """Re-encrypt every personal field with the newest data key (the first in LOKET_DATA_KEY).

    The keyed phone hashes depend on LOKET_HASH_KEY alone and stay as they are. Once this
    has run, the older keys can be removed from LOKET_DATA_KEY.
    """
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from loket.store.crypto import DataKeyError
    from loket.store.rotation import rotate_all

    app = build_app()
    try:
        done = rotate_all(app.extensions["loket.engine"], batch=batch)
    except DataKeyError as exc:
        fail(text("db_key_problem", problem=str(exc)))
    except (OperationalError, ProgrammingError):
        fail(text("no_tables"))
    say("db_rotated", total=done.total, kept=sum(done.current.values()))


@db_group.command("backup")
@click.option("--to", "target", required=True, metavar="PATH",
              help="The backup file to write (it must not exist yet).")
def backup_command(target: str) -> None:
    """Back up the database while Loket runs: SQLite with its online backup API, PostgreSQL
    with pg_dump (custom format, for pg_restore). The data keys are not in it: keep
    LOKET_DATA_KEY and LOKET_HASH_KEY apart from the backups, and both safe."""
    from pathlib import Path

    path = Path(target)
    if path.exists():
        fail(text("db_backup_exists", target=target))
    if not path.parent.is_dir():
        fail(text("db_backup_no_folder", folder=path.parent))
    app = build_app()
    engine = app.extensions["loket.engine"]
    if engine.dialect.name == "sqlite":
        backup_sqlite(engine, path)
    else:
        backup_postgres(engine, path)
    say("db_backup_done", dialect=engine.dialect.name, path=path)


def backup_sqlite(engine: Engine, path: Path) -> None:
    """Copy a SQLite database page by page with its backup API (consistent while in use)."""
    import sqlite3

    source = sqlite3.connect(str(engine.url.database), timeout=10)
    try:
        target = sqlite3.connect(str(path))
        try:
            source.backup(target)
        finally:
            target.close()
    finally:
        source.close()


def backup_postgres(engine: Engine, path: Path) -> None:
    """Dump a PostgreSQL database with pg_dump (custom format), bounded in time."""
    import shutil
    import subprocess

    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        fail(text("db_no_pg_dump"))
    url = engine.url.set(drivername="postgresql")
    done = subprocess.run(  # noqa: S603 - pg_dump with our own database's address
        [pg_dump, "--format=custom", f"--file={path}",
         url.render_as_string(hide_password=False)],
        capture_output=True, text=True, timeout=3600, check=False,
    )
    if done.returncode != 0:
        said = done.stderr.strip().splitlines()
        fail(f"pg_dump: {said[-1]}" if said else text("db_pg_dump_failed"))


# Tables the application may only read and add to: the NEN 7513 trail and its seals.
APPEND_ONLY = ("audit_event", "audit_seal")


@db_group.command("grant")
@click.option("--app-role", "role", required=True, metavar="ROLE",
              help="The PostgreSQL role `loket serve`, `worker` and `scheduler` log in as.")
def grant_command(role: str) -> None:
    """Give the application's PostgreSQL role what it needs and no more (run as the
    migration role, which owns the tables): read and write the tables, but only read and
    add to the audit trail and its seals, never change or delete a line. Run again after
    `loket db upgrade` (new tables)."""
    import re

    from sqlalchemy import text as sql

    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", role):
        fail(text("db_role_name"))
    app = build_app()
    engine = app.extensions["loket.engine"]
    if engine.dialect.name != "postgresql":
        fail(text("db_role_sqlite"))
    with engine.begin() as conn:
        if conn.execute(sql("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first() \
                is None:
            fail(text("db_no_role", role=role))
        tables = conn.execute(sql(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")).scalars()
        quoted = f'"{role}"'
        conn.execute(sql(f"GRANT USAGE ON SCHEMA public TO {quoted}"))
        for table in tables:
            conn.execute(sql(f'REVOKE ALL ON "{table}" FROM {quoted}'))
            rights = ("SELECT" if table == "alembic_version" else
                      "SELECT, INSERT" if table in APPEND_ONLY else
                      "SELECT, INSERT, UPDATE, DELETE")
            conn.execute(sql(f'GRANT {rights} ON "{table}" TO {quoted}'))
        conn.execute(sql(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}"))
        conn.execute(sql(f"GRANT EXECUTE ON FUNCTION loket_lock_audit() TO {quoted}"))
    say("db_granted", role=role)
