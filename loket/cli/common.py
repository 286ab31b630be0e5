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
