"""`--help` in the locale's language: commands and groups that look their help up by path.

A command's catalog key is its path below `loket` ("db upgrade"), an option's the path and
its long name ("db upgrade --revision"); `--help` and `--version` are the same everywhere.
The text is chosen when the help is shown. The docstrings stay the developers' account; a
command or option missing from `HELP` shows that (a test keeps none missing).
"""

from __future__ import annotations

import textwrap
from typing import Any

import click

from loket.cli.help_texts import HELP
from loket.cli.language import cli_language
from loket.cli.usage import USAGE, Refused, help_extra, refused, told_language

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

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Parse the command line; Click's refusals are said in the locale's language
        (`loket.cli.usage`), words left over included."""
        strict = not ctx.allow_extra_args and not isinstance(self, click.Group)
        if strict:  # let Click leave them in ctx.args, to name them here
            ctx.allow_extra_args = True
        try:
            rest = super().parse_args(ctx, list(args))
        except click.UsageError as exc:
            raise refused(exc, ctx, args) from None
        finally:
            if strict:
                ctx.allow_extra_args = False
        if strict and ctx.args and not ctx.resilient_parsing:
            lang = told_language(ctx)
            raise Refused(USAGE.get("extra", lang, words=" ".join(ctx.args)), ctx, lang=lang)
        return rest

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; a data key that cannot read a stored value, or a database never
        migrated, is refused in one line naming what to do (`loket.cli.common`), never a
        traceback."""
        try:
            return super().invoke(ctx)
        except Exception as exc:
            from loket.cli.common import refuse_store_problem

            lang = ctx.params.get("lang")
            refuse_store_problem(exc, lang if lang in ("nl", "en") else None)
            raise

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Write the usage line, in the locale's language (or the one the command was told
        with --lang, once parsed)."""
        told = ctx.params.get("lang")
        lang = told if told in ("nl", "en") else cli_language()
        words = " ".join(self.collect_usage_pieces(ctx)).split(" ")
        formatter.write_usage(
            ctx.command_path, " ".join(USAGE.get(w, lang) if w in USAGE else w for w in words),
            USAGE.get("usage", lang))

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
            if param.hidden:
                continue
            key = option_key(self.help_path, param)
            text = HELP.get(key, lang) if key in HELP else param.help or ""
            extra = help_extra(param, ctx, lang)
            rows.append((param.get_help_spec(ctx) or param.name or "",
                         f"{text}  {extra}" if text and extra else text or extra))
        if rows:
            with formatter.section(USAGE.get("options", lang)):
                formatter.write_dl(rows)


class Group(Command, click.Group):
    """A click group whose help and whose commands' summaries come from `HELP`."""

    command_class = Command
    group_class = type  # a group's groups are of its own class

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Write the options, then the commands with their summaries."""
        super().format_options(ctx, formatter)
        self.format_commands(ctx, formatter)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Write the commands with their summaries, under a heading in the locale's
        language."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(map(len, names), default=0)
        rows = []
        for name in names:
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit)))
        if rows:
            with formatter.section(USAGE.get("commands", cli_language())):
                formatter.write_dl(rows)

    def resolve_command(self, ctx: click.Context, args: list[str]
                        ) -> tuple[str | None, click.Command | None, list[str]]:
        """Find the command named first in `args`; an unknown one is refused in the
        locale's language."""
        name = args[0] if args else ""
        if (name and not name.startswith("-") and not ctx.resilient_parsing
                and self.get_command(ctx, name) is None):
            raise Refused(USAGE.get("no_such_command", cli_language(), name=name), ctx)
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as exc:
            raise refused(exc, ctx) from None

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        """Add a command under this group, its help found under this group's path."""
        super().add_command(cmd, name)
        if isinstance(cmd, Command):
            cmd.help_path = f"{self.help_path} {name or cmd.name}".strip()
