"""`loket db`: migrate the database, rotate the data keys."""

from __future__ import annotations

import click

from loket.cli.common import build_app, fail


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
