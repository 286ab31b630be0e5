"""`loket db`: migrate the database, rotate the data keys."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from loket.cli.common import build_app, fail

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy.engine import Engine


@click.group("db")
def db_group() -> None:
    """Manage the database schema and its encryption keys."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target revision.")
def upgrade_command(revision: str) -> None:
    """Migrate the database to the newest schema."""
    from loket.store.migrate import upgrade

    app = build_app()
    upgrade(app.extensions["loket.engine"], revision)
    click.echo(f"database at {revision}")


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
        fail(f"{exc}; fix LOKET_DATA_KEY and run again (what was rewritten stays)")
    except (OperationalError, ProgrammingError):
        fail("the database has no tables yet; run `loket db upgrade` first")
    kept = sum(done.current.values())
    click.echo(
        f"re-encrypted {done.total} values with the newest key ({kept} already were); "
        "the older keys can now be removed from LOKET_DATA_KEY"
    )


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
        fail(f"--to: {target} exists already; give a new file")
    if not path.parent.is_dir():
        fail(f"--to: the folder {path.parent} does not exist")
    app = build_app()
    engine = app.extensions["loket.engine"]
    if engine.dialect.name == "sqlite":
        backup_sqlite(engine, path)
    else:
        backup_postgres(engine, path)
    click.echo(f"backup: {engine.dialect.name} database written to {path}")


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
        fail("pg_dump is not installed: install PostgreSQL's client tools")
    url = engine.url.set(drivername="postgresql")
    done = subprocess.run(  # noqa: S603 - pg_dump with our own database's address
        [pg_dump, "--format=custom", f"--file={path}",
         url.render_as_string(hide_password=False)],
        capture_output=True, text=True, timeout=3600, check=False,
    )
    if done.returncode != 0:
        said = done.stderr.strip().splitlines()
        fail(f"pg_dump: {said[-1] if said else 'failed'}")
