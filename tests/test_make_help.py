"""`make help` speaks as `loket` does: Dutch, unless the locale in force is English."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from loket.cli.language import LOCALE_VARIABLES, cli_language

ROOT = Path(__file__).resolve().parent.parent
TARGETS = ["run", "test", "test-slow", "lint", "bench", "chaos", "load", "lock"]


def help_lines(locale: dict[str, str]) -> list[str]:
    """Return what `make help` prints under this locale (no outer make's settings)."""
    env = {key: value for key, value in os.environ.items()
           if key not in LOCALE_VARIABLES and key not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL"}}
    done = subprocess.run(  # noqa: S603 - make, with fixed arguments
        ["make", "-s", "--no-print-directory", "help"],  # noqa: S607 - make from the PATH
        cwd=ROOT, env={**env, **locale}, capture_output=True, text=True, timeout=30,
        check=True,
    )
    return done.stdout.splitlines()


@pytest.mark.parametrize("locale", [
    {},
    {"LANG": "nl_NL.UTF-8"},
    {"LC_ALL": "C", "LANG": "en_GB.UTF-8"},
    {"LANG": "en_GB.UTF-8"},
    {"LC_MESSAGES": "en_US.UTF-8", "LANG": "nl_NL.UTF-8"},
])
def test_make_help_names_every_target_in_the_locales_language(locale: dict[str, str]) -> None:
    lines = help_lines(locale)
    assert [line.split(" - ")[0].split()[1] for line in lines] == TARGETS
    dutch = cli_language(locale) == "nl"
    assert lines[0].endswith(
        "installeert, migreert, vult een demo en start web + worker + scheduler + Redis"
        if dutch else "install, migrate, seed a demo, start web + worker + scheduler + Redis")
    assert ("de productieopstelling" in lines[6]) is dutch
