"""Small counts hidden on output, so that no person can be singled out: a count from 1 to 4
is "<5" (`suppressed`), and where counts add up to a total that is shown, enough of the
others are not given that no "<5" can be worked back by subtraction (`suppress_linked`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

SMALL = "<5"
THRESHOLD = 5


def suppressed(n: int) -> int | str:
    """Return a count as shown: 0 stays 0, 1 to 4 become "<5", 5 and more stay."""
    return SMALL if small(n) else n


def suppress_counts(figures: Mapping[str, Any]) -> dict[str, Any]:
    """Return a copy of nested counts (mappings and lists) with every count passed through
    `suppressed`.

    Only integers are counts; strings, None and floats (shares) pass unchanged, and so does
    everything under a key ending in `_s`: seconds (targets, waits), not people.
    """
    return {key: value if key.endswith("_s") else suppress_value(value)
            for key, value in figures.items()}


def suppress_value(value: Any) -> Any:
    """Return one value as shown: counts suppressed, containers walked."""
    if isinstance(value, Mapping):
        return suppress_counts(value)
    if isinstance(value, list):
        return [suppress_value(item) for item in value]
    if isinstance(value, int) and not isinstance(value, bool):
        return suppressed(value)
    return value


# --- secondary suppression: a hidden count must not follow from the counts beside it -------

Path = tuple[str | int, ...]
# A total and the counts that add up to it (by their paths in the figures).
Sum = tuple[Path, Sequence[Path]]


def small(n: Any) -> bool:
    """Return whether a value is shown as "<5" (a count from 1 to 4)."""
    return isinstance(n, int) and not isinstance(n, bool) and 0 < n < THRESHOLD


def value_at(figures: Mapping[str, Any] | list[Any], path: Path) -> Any:
    """Return the value at a path of keys (and list positions) in nested figures."""
    found: Any = figures
    for key in path:
        found = found[key]
    return found


def put_at(figures: dict[str, Any], path: Path, value: Any) -> None:
    """Set the value at a path of keys (and list positions) in nested figures."""
    inner: Any = figures
    for key in path[:-1]:
        inner = inner[key]
    inner[path[-1]] = value


def secondary(values: Mapping[Path, Any], sums: Iterable[Sum]) -> set[Path]:
    """Return the counts to hide as well, so that no hidden count follows from a sum.

    A sum whose total and parts hide exactly one value gives it back by subtraction (a
    total of 9, one part 7, the other "<5": 2). So while some sum hides exactly one, the
    smallest count above 0 that it still shows (a part first, its total only when no part
    is left) is hidden too; a count hidden so may leave another sum with one hidden value,
    which then hides one more, until none is left with exactly one. Hidden from the start:
    the counts from 1 to 4, and values not given (None).
    """
    groups = [(total, list(parts)) for total, parts in sums]
    hidden = {path for path, value in values.items() if value is None or small(value)}
    added: set[Path] = set()
    changed = True
    while changed:
        changed = False
        for total, parts in groups:
            if sum(1 for path in (total, *parts) if path in hidden) != 1:
                continue
            shown = [path for path in parts if path not in hidden and values[path]]
            if not shown and total not in hidden and values[total]:
                shown = [total]
            if not shown:
                continue
            pick = min(shown, key=lambda path: values[path])
            hidden.add(pick)
            added.add(pick)
            changed = True
    return added


def suppress_linked(figures: Mapping[str, Any], sums: Iterable[Sum]) -> dict[str, Any]:
    """Return nested counts as shown (`suppress_counts`), with the counts `secondary` finds
    not given (None: on a page "–", in a CSV file empty, in JSON null), so that no "<5"
    can be worked back from a total and the counts beside it."""
    groups = list(sums)
    paths = {path for total, parts in groups for path in (total, *parts)}
    values = {path: value_at(figures, path) for path in paths}
    shown = suppress_counts(figures)
    for path in secondary(values, groups):
        put_at(shown, path, None)
    return shown
