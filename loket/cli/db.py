"""`loket db`: migrate the database, rotate the data keys."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing, contextmanager
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

    from loket.store.migrate import current, resolved, upgrade

    app = build_app()
    engine = app.extensions["loket.engine"]
    try:
        upgrade(engine, revision)
    except CommandError as exc:
        fail(f"--revision: {exc}")
    except AssertionError:
        # Alembic asserts, rather than saying so, when a relative revision (`head+1`,
        # `0009+5`) points past the newest migration.
        fail(text("db_revision_past", revision=revision))
    at = current(engine)
    try:
        wanted = resolved(engine, revision)
    except CommandError:  # a step (`+1`, `0005+1`): where the upgrade took the database
        wanted = at
    if at != wanted:  # an older revision: Alembic's upgrade does nothing, and says nothing
        fail(text("db_no_way_back", revision=revision, at=at or "base"))
    say("db_at", revision=revision)  # where it now is, as asked


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
    from loket.store.rotation import UnreadableValue, rotate_all

    app = build_app()
    try:
        done = rotate_all(app.extensions["loket.engine"], batch=batch)
    except UnreadableValue as unreadable:
        # The column and the row's id (no personal data), so the operator can find it.
        fail(text("db_value_unreadable", place=unreadable.place, row=unreadable.row_id))
    except DataKeyError:
        # Which value and why is crypto's English; the line names the variable to fix.
        fail(text("db_key_problem"))
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

    if not target.strip():
        fail(text("db_backup_no_name"))
    path = Path(target).absolute()
    app = build_app()
    engine = app.extensions["loket.engine"]
    if engine.dialect.name == "sqlite":
        source = sqlite_source(engine)
        claim(path, target)
        with removed_unless_done(path):
            backup_sqlite(source, path)
    else:
        pg_dump = pg_dump_program()
        claim(path, target)
        with removed_unless_done(path):
            backup_postgres(engine, pg_dump, path)
    audited_backup(engine)
    say("db_backup_done", dialect=engine.dialect.name, path=path)


def audited_backup(engine: Engine) -> None:
    """Write the audit line of a backup: every client record was exported (NEN 7513), by
    the operator at the command line; the file's place is not said (it is theirs)."""
    from loket.domain import audit
    from loket.store.db import session_scope

    with session_scope(engine) as session:
        audit.record(session=session, event="export", contact=None, actor="cli",
                     detail=f"database backup ({engine.dialect.name}): every client record",
                     source="cli")


def claim(path: Path, target: str) -> None:
    """Create the backup file, empty and readable by its owner only; fail (naming --to) when
    it exists (a link to nowhere too) or cannot be written."""
    import os

    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        fail(text("db_backup_exists", target=target))
    except OSError as exc:
        if not path.parent.is_dir():
            fail(text("db_backup_no_folder", folder=path.parent))
        fail(text("db_backup_unwritable", target=target, reason=exc.strerror or exc))


@contextmanager
def removed_unless_done(path: Path) -> Iterator[None]:
    """Remove a backup file that was not written whole (a retry is then not refused)."""
    try:
        yield
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def sqlite_source(engine: Engine) -> Path:
    """Return the SQLite file to back up; fail when it is not there (a mistyped URL would
    otherwise be backed up as a new, empty database)."""
    from pathlib import Path

    name = engine.url.database or ""
    if not name or name == ":memory:" or not Path(name).is_file():
        fail(text("db_backup_no_database", database=name or ":memory:"))
    return Path(name)


def backup_sqlite(source: Path, path: Path) -> None:
    """Copy a SQLite database page by page with its backup API (consistent while in use)."""
    import sqlite3

    try:
        with closing(sqlite3.connect(source, timeout=10)) as reading, \
                closing(sqlite3.connect(path)) as writing:
            reading.backup(writing)
    except sqlite3.Error as exc:
        fail(text("db_backup_failed", reason=exc))


def pg_dump_program() -> str:
    """Return pg_dump's path; fail, saying what to install, when it is not on PATH."""
    import shutil

    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        fail(text("db_no_pg_dump"))
    return pg_dump


def backup_postgres(engine: Engine, pg_dump: str, path: Path) -> None:
    """Dump a PostgreSQL database with pg_dump (custom format), bounded in time. The
    password goes in pg_dump's environment: every user of the machine can read its
    command line."""
    import os
    import subprocess

    env = dict(os.environ)
    if engine.url.password is not None:
        env["PGPASSWORD"] = str(engine.url.password)
    try:
        done = subprocess.run(  # noqa: S603 - pg_dump with our own database's address
            [pg_dump, "--format=custom", f"--file={path}", f"--dbname={libpq_uri(engine)}"],
            capture_output=True, text=True, timeout=PG_DUMP_TIMEOUT_S, check=False, env=env,
        )
    except subprocess.TimeoutExpired:
        fail(text("db_pg_dump_timeout", minutes=PG_DUMP_TIMEOUT_S // 60))
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        if not lines:
            fail(text("db_pg_dump_failed"))
        fail(lines[-1] if lines[-1].startswith("pg_dump") else f"pg_dump: {lines[-1]}")


def libpq_uri(engine: Engine) -> str:
    """Return the database's address as a libpq URI for pg_dump, without its password.

    The query (`?options=-c%20lock_timeout%3D3000&connect_timeout=5`, as docs/production.md
    has it) is percent-encoded again: SQLAlchemy renders a space as `+`, which libpq does not
    decode (pg_dump would refuse the parameter "+lock_timeout").
    """
    from urllib.parse import quote

    from sqlalchemy.engine import URL

    given = engine.url  # `URL.set(password=None)` would keep the password: made anew
    url = URL.create("postgresql", given.username, None, given.host, given.port, given.database)
    pairs = [(key, value) for key, values in given.query.items()
             for value in ((values,) if isinstance(values, str) else values)]
    query = "&".join(f"{quote(key, safe='')}={quote(value, safe='')}" for key, value in pairs)
    address = url.render_as_string(hide_password=False)
    return f"{address}?{query}" if query else address


# The longest `loket db backup` lets pg_dump run.
PG_DUMP_TIMEOUT_S = 3600


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
