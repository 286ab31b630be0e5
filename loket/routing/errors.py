"""What is wrong with a rules file, by file, line and rule."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple


class Problem(NamedTuple):
    """One thing wrong with a rules file."""

    file: str
    line: int | None
    rule: str | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        who = f"rule {self.rule}: " if self.rule else ""
        return f"{where}: {who}{self.message}"


class RulesError(Exception):
    """A rules file could not be loaded; `problems` says why."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


def dotted(path: tuple[str | int, ...]) -> str:
    """Return a path into a rules file as a readable address (steps.owner[3].when)."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "the file"
