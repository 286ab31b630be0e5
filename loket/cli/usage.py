"""Click's own refusals (an option missing, unknown or given a bad value; an unknown command;
words left over) said in the locale's language, in the form of every other error of the
command line: `fout: --field: reason` under the usage line, exit 2.

Click words these in English, through gettext, when it raises them; `refused` says them
again from what the exception holds (the option, its type, the close matches), so that no
English text is matched. A type of Loket's own (`ParamType.fail` with a text from a catalog)
has already said its reason in the right language and keeps it.
"""

from __future__ import annotations

from datetime import datetime
from typing import IO, Any

import click

from loket.cli.language import cli_language
from loket.i18n import Catalog

USAGE = Catalog("cli-usage", {
    "usage": {"nl": "Gebruik: ", "en": "Usage: "},
    "options": {"nl": "Opties", "en": "Options"},
    "[OPTIONS]": {"nl": "[OPTIES]", "en": "[OPTIONS]"},
    "COMMAND": {"nl": "OPDRACHT", "en": "COMMAND"},
    "[COMMAND]": {"nl": "[OPDRACHT]", "en": "[COMMAND]"},  # a group that also runs alone
    "[ARGS]...": {"nl": "[ARGUMENTEN]...", "en": "[ARGS]..."},
    "commands": {"nl": "Opdrachten", "en": "Commands"},
    "try_help": {"nl": "Zie '{command} --help' voor hulp.",
                 "en": "Try '{command} --help' for help."},
    "error": {"nl": "fout: {message}", "en": "error: {message}"},
    "missing": {"nl": "{field}: ontbreekt", "en": "{field}: missing"},
    "no_such_option": {"nl": "{field}: onbekende optie", "en": "{field}: no such option"},
    "did_you_mean": {"nl": " (bedoelt u {options}?)", "en": " (did you mean {options}?)"},
    "needs_value": {"nl": "{field}: geef er een waarde bij",
                    "en": "{field}: give it a value"},
    "takes_no_value": {"nl": "{field}: neemt geen waarde", "en": "{field}: takes no value"},
    "choose": {"nl": "{field}: kies uit {choices}", "en": "{field}: choose from {choices}"},
    "date": {"nl": "{field}: geef een datum als {example}",
             "en": "{field}: give a date such as {example}"},
    "whole_number": {"nl": "{field}: geef een geheel getal", "en": "{field}: give a whole number"},
    "number": {"nl": "{field}: geef een getal", "en": "{field}: give a number"},
    "in_range": {"nl": "{field}: geef een getal {range}", "en": "{field}: give a number {range}"},
    "invalid": {"nl": "{field}: {reason}", "en": "{field}: {reason}"},
    "path_file": {"nl": "{field}: geef een bestand dat bestaat en te lezen is",
                  "en": "{field}: give a file that exists and can be read"},
    "path": {"nl": "{field}: geef een pad dat bestaat en te lezen is",
             "en": "{field}: give a path that exists and can be read"},
    "no_such_command": {"nl": "onbekende opdracht '{name}'", "en": "no such command '{name}'"},
    "extra": {"nl": "onverwacht op de opdrachtregel: {words}",
              "en": "unexpected on the command line: {words}"},
    "required": {"nl": "verplicht", "en": "required"},
    "default": {"nl": "standaard: {value}", "en": "default: {value}"},
})

EXAMPLE_DAY = datetime(2026, 11, 30, 9, 0)  # noqa: DTZ001 - only shown, as a format's example


class Refused(click.UsageError):
    """A usage error already said in the locale's language (or the one the command was told,
    `lang`); shown under the usage line."""

    def __init__(self, message: str, ctx: click.Context | None = None,
                 lang: str | None = None) -> None:
        super().__init__(message, ctx)
        self.lang = lang

    def show(self, file: IO[Any] | None = None) -> None:
        """Write the usage line, the hint and the error, in the locale's language."""
        lang = self.lang or cli_language()
        if self.ctx is not None:
            click.echo(f"{self.ctx.get_usage()}\n"
                       f"{USAGE.get('try_help', lang, command=self.ctx.command_path)}\n",
                       file=file, err=file is None)
        click.echo(USAGE.get("error", lang, message=self.message), file=file, err=file is None)


def field_of(param: click.Parameter | None, name: str | None = None) -> str:
    """Return how the command line names a parameter: its long option, or its name."""
    if name:
        return name
    if param is None:
        return "?"
    if isinstance(param, click.Option):
        return next((opt for opt in param.opts if opt.startswith("--")), param.opts[0])
    return (param.human_readable_name or param.name or "?").upper()


def reason_for(exc: click.BadParameter, field: str, lang: str) -> str:
    """Return the reason a value was refused, from the parameter's type."""
    kind = exc.param.type if exc.param is not None else None
    if isinstance(kind, click.Choice):
        return USAGE.get("choose", lang, field=field,
                         choices=", ".join(str(choice) for choice in kind.choices))
    if isinstance(kind, click.DateTime):
        return USAGE.get("date", lang, field=field,
                         example=EXAMPLE_DAY.strftime(list(kind.formats)[0]))
    if isinstance(kind, click.IntRange | click.FloatRange):
        return USAGE.get("in_range", lang, field=field, range=kind._describe_range()
                         .replace("x", field.lstrip("-")))
    if kind is click.INT:
        return USAGE.get("whole_number", lang, field=field)
    if kind is click.FLOAT:
        return USAGE.get("number", lang, field=field)
    if isinstance(kind, click.Path):  # Click's reason is English: say what it asks
        return USAGE.get("path_file" if not kind.dir_okay else "path", lang, field=field)
    return USAGE.get("invalid", lang, field=field, reason=exc.message)


LANGUAGES = ("nl", "en")


def told_language(ctx: click.Context | None, args: list[str] | None = None) -> str:
    """Return the language the command line asked for with `--lang` (parsed already, or
    still among its words: a refusal can come before Click reads it), else the locale's."""
    lang = ctx.params.get("lang") if ctx is not None else None
    if lang in LANGUAGES:
        return str(lang)
    words = list(args or ())
    for at, word in enumerate(words):
        value = (word.partition("=")[2] if word.startswith("--lang=")
                 else words[at + 1] if word == "--lang" and at + 1 < len(words) else None)
        if value in LANGUAGES:
            return str(value)
    return cli_language()


def refused(exc: click.UsageError, ctx: click.Context, args: list[str] | None = None
            ) -> click.UsageError:
    """Return Click's refusal said in the language asked for (`told_language`: `--lang`,
    else the locale's); NoArgsIsHelp, which shows the help, and one already said are
    returned as they are."""
    if isinstance(exc, Refused | click.exceptions.NoArgsIsHelpError):
        return exc
    lang = told_language(ctx, args)
    if isinstance(exc, click.MissingParameter):
        message = USAGE.get("missing", lang, field=field_of(exc.param))
    elif isinstance(exc, click.NoSuchOption):
        message = USAGE.get("no_such_option", lang, field=exc.option_name)
        if exc.possibilities:
            message += USAGE.get("did_you_mean", lang,
                                 options=", ".join(sorted(exc.possibilities)))
    elif isinstance(exc, click.BadOptionUsage):
        option = next((p for p in ctx.command.params if exc.option_name in p.opts), None)
        flag = isinstance(option, click.Option) and option.is_flag
        message = USAGE.get("takes_no_value" if flag else "needs_value", lang,
                            field=exc.option_name)
    elif isinstance(exc, click.BadParameter):
        message = reason_for(exc, field_of(exc.param), lang)
    else:
        return exc
    return Refused(message, exc.ctx or ctx, lang=lang)


def help_extra(option: click.Option, ctx: click.Context, lang: str) -> str:
    """Return what `--help` adds after an option's text (its default, range and whether it
    is required), in the locale's language; empty when there is nothing to add."""
    extra = option.get_help_extra(ctx)
    items = []
    if "default" in extra:
        items.append(USAGE.get("default", lang, value=extra["default"]))
    if "range" in extra:
        items.append(extra["range"])
    if "required" in extra:
        items.append(USAGE.get("required", lang))
    return f"[{'; '.join(items)}]" if items else ""
