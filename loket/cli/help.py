"""`--help` in the locale's language: commands and groups that look their help up by path.

A command's catalog key is its path below `loket` ("db upgrade"), an option's the path and
its long name ("db upgrade --revision"); `--help` and `--version` are the same everywhere.
The text is chosen when the help is shown. The docstrings stay the developers' account; a
command or option missing from `HELP` shows that (a test keeps none missing).
"""

from __future__ import annotations

import copy
import textwrap
from typing import Any

import click

from loket.cli.help_texts import HELP
from loket.cli.language import cli_language

SHARED_OPTIONS = ("--help", "--version")


def option_key(path: str, param: click.Parameter) -> str:
    """Return the catalog key of an option: `--help` alone, else the path and long name."""
    name = next((opt for opt in param.opts if opt.startswith("--")), param.opts[0])
    return name if name in SHARED_OPTIONS else f"{path} {name}"


class Command(click.Command):
    """A click command whose help (its own and its options') comes from `HELP`, found by
    its path."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.help_path = self.name or ""

    def help_text(self) -> str | None:
        """Return the help in the locale's language, or None when the catalog has none."""
        return HELP.get(self.help_path, cli_language()) if self.help_path in HELP else None

    def get_short_help_str(self, limit: int = 45) -> str:
        """Return the first sentence of the help, in the locale's language."""
        text = self.help_text()
        if text is None:
            return super().get_short_help_str(limit)
        sentence = text.split("\n\n")[0].split(". ")[0].removesuffix(".")
        return textwrap.shorten(sentence, limit, placeholder="...")

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Write the help, in the locale's language."""
        text = self.help_text()
        if text is None:
            super().format_help_text(ctx, formatter)
            return
        formatter.write_paragraph()
        with formatter.indentation():
            formatter.write_text(text)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Write the options, each with its help in the locale's language."""
        lang = cli_language()
        rows = []
        for param in self.get_params(ctx):
            if not isinstance(param, click.Option):
                continue
            key = option_key(self.help_path, param)
            if key in HELP:
                param = copy.copy(param)
                param.help = HELP.get(key, lang)
            row = param.get_help_record(ctx)
            if row is not None:
                rows.append(row)
        if rows:
            with formatter.section("Options"):
                formatter.write_dl(rows)


class Group(Command, click.Group):
    """A click group whose help and whose commands' summaries come from `HELP`."""

    command_class = Command
    group_class = type  # a group's groups are of its own class

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Write the options, then the commands with their summaries."""
        super().format_options(ctx, formatter)
        self.format_commands(ctx, formatter)

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        """Add a command under this group, its help found under this group's path."""
        super().add_command(cmd, name)
        if isinstance(cmd, Command):
            cmd.help_path = f"{self.help_path} {name or cmd.name}".strip()
