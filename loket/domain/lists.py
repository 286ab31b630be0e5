"""The workspace's configurable lists: the outcomes a contact closes with, the two-level
categories the reports count, and the canned replies per desk (config/workspace.toml).

Read once per file and checked whole: a list with a missing label or a repeated key is an
error naming the entry, at start, not when a counsellor closes a contact.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

BUNDLED = Path(__file__).resolve().parents[2] / "config" / "workspace.toml"
DESKS = ("all", "police", "veterans", "debasis")


class ListError(ValueError):
    """The lists file is not usable; the message names the entry.

    `unreadable` holds the system's error when the file could not be read at all (the
    configuration says it in the operator's language).
    """

    def __init__(self, message: str, unreadable: OSError | None = None) -> None:
        super().__init__(message)
        self.unreadable = unreadable


@dataclass(frozen=True)
class Choice:
    """One entry: its stored key and its label in Dutch and English."""

    key: str
    nl: str
    en: str

    def label(self, lang: str) -> str:
        """Return the label in a language (Dutch unless English is asked for)."""
        return self.en if lang == "en" else self.nl


@dataclass(frozen=True)
class Category:
    """A first-level category and its second-level items (stored as `group/item`)."""

    choice: Choice
    items: tuple[Choice, ...]


@dataclass(frozen=True)
class Canned:
    """A canned reply for a desk (`all`: every desk)."""

    desk: str
    choice: Choice


@dataclass(frozen=True)
class Lists:
    """Every list of the workspace."""

    outcomes: tuple[Choice, ...]
    categories: tuple[Category, ...]
    canned: tuple[Canned, ...]
    # The message a callback leaves on an answering machine (only where the person said a
    # voicemail is safe): per desk (`all`: every desk), naming no organisation.
    voicemail: tuple[Canned, ...] = ()

    @property
    def outcome_keys(self) -> tuple[str, ...]:
        """Return the keys a contact may close with."""
        return tuple(c.key for c in self.outcomes)

    @property
    def category_keys(self) -> frozenset[str]:
        """Return every `group/item` key a contact may be counted under."""
        return frozenset(f"{c.choice.key}/{i.key}" for c in self.categories for i in c.items)

    def canned_for(self, desk: str | None) -> tuple[Canned, ...]:
        """Return the canned replies a counsellor of this desk may use."""
        return tuple(c for c in self.canned if c.desk in ("all", desk))

    def voicemail_for(self, desk: str | None, lang: str) -> str:
        """Return the voicemail message a desk leaves (its own, else the one for all)."""
        own = [v for v in self.voicemail if v.desk == desk]
        found = own or [v for v in self.voicemail if v.desk == "all"]
        return found[0].choice.label(lang) if found else ""


def path_of(setting: str) -> Path:
    """Return the lists file a setting names (empty: the bundled one)."""
    return Path(setting) if setting else BUNDLED


def configured(setting: str) -> Lists:
    """Return the lists a `workspace_lists` setting names (empty: the bundled file)."""
    return load(path_of(setting))


@cache
def load(path: Path) -> Lists:
    """Read and check a lists file (once per path)."""
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise ListError(f"workspace lists {path}: {exc}", unreadable=exc) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ListError(f"workspace lists {path}: {exc}") from exc
    outcomes = tuple(choice(entry, f"outcomes[{n}]") for n, entry in
                     enumerate(data.get("outcomes", [])))
    categories = tuple(
        Category(
            choice(entry, f"categories[{n}]"),
            tuple(choice(item, f"categories[{n}].items[{m}]")
                  for m, item in enumerate(entry.get("items", []))),
        )
        for n, entry in enumerate(data.get("categories", []))
    )
    canned = tuple(canned_entry(entry, f"canned[{n}]")
                   for n, entry in enumerate(data.get("canned", [])))
    voicemail = tuple(canned_entry(entry, f"voicemail[{n}]")
                      for n, entry in enumerate(data.get("voicemail", [])))
    if not outcomes:
        raise ListError(f"workspace lists {path}: outcomes: at least one")
    unique("outcomes", [c.key for c in outcomes])
    unique("categories", [c.choice.key for c in categories])
    for category in categories:
        unique(f"categories.{category.choice.key}.items", [i.key for i in category.items])
    unique("canned", [f"{c.desk}/{c.choice.key}" for c in canned])
    unique("voicemail", [v.desk for v in voicemail])
    return Lists(outcomes, categories, canned, voicemail)


def choice(entry: Any, where: str) -> Choice:
    """Read one entry with a key and both labels."""
    if not isinstance(entry, dict):
        raise ListError(f"workspace lists: {where}: a table with key, nl and en")
    values = {name: entry.get(name) for name in ("key", "nl", "en")}
    for name, value in values.items():
        if not isinstance(value, str) or not value.strip():
            raise ListError(f"workspace lists: {where}.{name}: a text")
    key = str(values["key"])
    if len(key) > 32 or "/" in key:
        raise ListError(f"workspace lists: {where}.key: at most 32 characters, no '/'")
    return Choice(key, str(values["nl"]), str(values["en"]))


def canned_entry(entry: Any, where: str) -> Canned:
    """Read one canned reply: a desk and a choice."""
    desk = entry.get("desk", "all") if isinstance(entry, dict) else None
    if desk not in DESKS:
        raise ListError(f"workspace lists: {where}.desk: one of {', '.join(DESKS)}")
    return Canned(str(desk), choice(entry, where))


def unique(where: str, keys: list[str]) -> None:
    """Refuse a key given twice."""
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            raise ListError(f"workspace lists: {where}: {key!r} twice")
        seen.add(key)
