"""What every `loket` command shares: building the app, failing with one line and exit 2."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NoReturn

import click
from flask import Flask

from loket.config import ConfigError


def fail(message: str) -> NoReturn:
    """Print one line naming what is wrong and exit with status 2."""
    click.echo(f"error: {message}", err=True)
    raise SystemExit(2)


def build_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """Build the app, turning a configuration error into one line and exit 2."""
    from loket.app import create_app

    try:
        return create_app(overrides)
    except ConfigError as exc:
        fail(str(exc))
