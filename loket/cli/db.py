"""`loket db`: migrate the database, rotate the data keys."""

from __future__ import annotations

import click

from loket.cli.common import build_app


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
def rotate_keys_command() -> None:
    """Re-encrypt every personal field with the newest data key."""
    from loket.store.rotation import rotate_all

    app = build_app()
    counts = rotate_all(app.extensions["loket.engine"])
    click.echo(f"re-encrypted {sum(counts.values())} values")
