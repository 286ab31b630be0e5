"""The language of the `loket` command: the POSIX locale decides, Dutch by default."""

from __future__ import annotations

import os
from collections.abc import Mapping

# POSIX order: the first of these that is set and not empty names the messages' locale.
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")


def cli_language(environ: Mapping[str, str] | None = None) -> str:
    """Return "en" when the locale in force is English (en, en_GB.UTF-8, ...), else "nl".

    Read when a command runs, never at import: C, POSIX, nl_NL and an unset locale are Dutch.
    """
    environ = os.environ if environ is None else environ
    for name in LOCALE_VARIABLES:
        value = environ.get(name, "")
        if value:
            return "en" if value.startswith("en") else "nl"
    return "nl"
