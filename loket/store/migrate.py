"""Alembic migrations, run programmatically: `loket db upgrade` and the tests share this."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    """Return an Alembic config that runs on this engine."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database to a revision, the newest by default."""
    command.upgrade(alembic_config(engine), revision)


def current(engine: Engine) -> str | None:
    """Return the revision the database is at (None: none yet)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def resolved(engine: Engine, revision: str) -> str | None:
    """Return the revision id a target names (`head`, `0005`; None: `base`); a step from
    where the database is (`+1`, `0005+1`) is Alembic's CommandError."""
    script = ScriptDirectory.from_config(alembic_config(engine))
    found = script.get_revision(revision)
    return found.revision if found is not None else None


def downgrade(engine: Engine, revision: str) -> None:
    """Migrate the database back to a revision."""
    command.downgrade(alembic_config(engine), revision)


def revision(engine: Engine, message: str) -> None:
    """Write a new migration from the difference between models and database."""
    command.revision(alembic_config(engine), message=message, autogenerate=True)
