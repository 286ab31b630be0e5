"""What every `loket` command shares: its language, building the app, failing with one line
and exit 2."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NoReturn

import click

from loket.cli.language import cli_language
from loket.cli.texts import TEXTS
from loket.config import ConfigError

if TYPE_CHECKING:
    from flask import Flask

# PostgreSQL's SQLSTATE for a table that does not exist (SQLite says "no such table").
UNDEFINED_TABLE = "42P01"


def text(key: str, **values: Any) -> str:
    """Return one of the command's texts in the locale's language."""
    return TEXTS.get(key, cli_language(), **values)


def say(key: str, **values: Any) -> None:
    """Print one of the command's texts, in the locale's language, on stdout."""
    click.echo(text(key, **values))


def fail(message: str, lang: str | None = None) -> NoReturn:
    """Print one line naming what is wrong (`fout: ...`, `error: ...`) and exit with status 2.

    The language is the locale's unless the command was told one (`--lang`).
    """
    click.echo(TEXTS.get("error", lang or cli_language(), message=message), err=True)
    raise SystemExit(2)


def build_app(overrides: Mapping[str, Any] | None = None, lang: str | None = None) -> Flask:
    """Build the app, turning a configuration error into one line and exit 2."""
    from loket.app import create_app

    try:
        return create_app(overrides)
    except ConfigError as exc:
        lang = lang or cli_language()
        fail(exc.in_language(lang), lang)


def refuse_store_problem(exc: Exception, lang: str | None = None) -> None:
    """Fail with one line, in the locale's language, when `exc` is a problem of the store an
    operator can put right: a stored value the data keys in force cannot read (a key dropped
    from LOKET_DATA_KEY too early: put it back) or a database never migrated (run
    `loket db upgrade`). Return for any other exception, which the caller raises again.

    Every command runs through this (`loket.cli.help.Command.invoke`), so no command prints
    a traceback for these.
    """
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from loket.store.crypto import DataKeyError

    if isinstance(exc, DataKeyError):
        fail(TEXTS.get("data_key_unreadable", lang or cli_language()), lang)
    if isinstance(exc, OperationalError | ProgrammingError) and missing_table(exc):
        fail(TEXTS.get("no_tables", lang or cli_language()), lang)


def missing_table(exc: Exception) -> bool:
    """Tell whether a database error says a table does not exist (a database not migrated)."""
    orig = getattr(exc, "orig", None)
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    return code == UNDEFINED_TABLE or "no such table" in str(orig)
