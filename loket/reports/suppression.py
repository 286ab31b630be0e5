"""Small counts hidden on output, so that no person can be singled out: a count from 1 to 4
is "<5" (`suppressed`), and where counts add up to a total that is shown, enough of the
others are not given that no "<5" can be worked back by subtraction (`suppress_linked`)."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
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


# How many of a sum's candidates `secondary` follows through the sums before it picks one.
LOOKAHEAD = 8


def secondary(values: Mapping[Path, Any], sums: Iterable[Sum], *,
              rank: Callable[[Path], int] | None = None) -> set[Path]:
    """Return the counts to hide as well, so that no hidden count follows from a sum.

    A sum whose total and parts hide exactly one value gives it back by subtraction (a
    total of 9, one part 7, the other "<5": 2). So while some sum hides exactly one, one
    more of the counts above 0 it still shows is hidden (a part, its total only when no
    part is left); a count hidden so may leave another sum with one hidden value, which
    then hides one more, until none is left with exactly one. Hidden from the start: the
    counts from 1 to 4, and values not given (None).

    Which one: `rank` orders the counts from detail (0, hidden first) to headline. Of a
    sum's candidates (the first `LOOKAHEAD` by rank, then size), each is followed through
    the sums it sets off, and the one whose chain hides the fewest counts of the highest
    rank (then the fewest counts, then the least) is taken: one small count on a day must
    not take a month's figures by channel with it when another day's count protects it.
    """
    ranked = rank or (lambda _path: 0)
    groups = [(total, (total, *parts)) for total, parts in sums]
    member: dict[Path, list[int]] = {}
    for index, (_total, paths) in enumerate(groups):
        for path in paths:
            member.setdefault(path, []).append(index)
    hidden = {path for path, value in values.items() if value is None or small(value)}
    counts = [sum(1 for path in paths if path in hidden) for _total, paths in groups]

    def order(path: Path) -> tuple[int, Any]:
        return ranked(path), values[path]

    def candidates(index: int, hidden: set[Path]) -> list[Path]:
        total, paths = groups[index]
        shown = [path for path in paths[1:] if path not in hidden and values[path]]
        if not shown and total not in hidden and values[total]:
            shown = [total]
        return sorted(shown, key=order)

    def cost(added: set[Path]) -> tuple[Any, ...]:
        top = max((ranked(path) for path in added), default=0)
        by_rank = tuple(sum(1 for path in added if ranked(path) == r)
                        for r in range(top, -1, -1))
        return (top, by_rank, sum(values[path] for path in added))

    def hide(path: Path, hidden: set[Path], counts: list[int]) -> None:
        hidden.add(path)
        for index in member[path]:
            counts[index] += 1

    def settle(hidden: set[Path], counts: list[int], todo: Iterable[int], look: bool
               ) -> set[Path]:
        """Hide until no sum of `todo`, or of what it sets off, hides exactly one; return
        what was hidden. `look`: choose by following each candidate (else the first)."""
        added: set[Path] = set()
        waiting = deque(todo)
        while waiting:
            index = waiting.popleft()
            if counts[index] != 1:
                continue
            found = candidates(index, hidden)
            if not found:
                continue
            pick = found[0]
            if look and len(found) > 1:
                pick = min(found[:LOOKAHEAD], key=lambda path: (
                    cost({path} | follow(path, hidden, counts)), order(path)))
            hide(pick, hidden, counts)
            added.add(pick)
            waiting.extend(member[pick])
        return added

    def follow(path: Path, hidden: set[Path], counts: list[int]) -> set[Path]:
        """Return what hiding `path` sets off, on copies (the first candidate each time)."""
        hidden, counts = set(hidden), list(counts)
        hide(path, hidden, counts)
        return settle(hidden, counts, member[path], False)

    return settle(hidden, counts, range(len(groups)), True)


def suppress_linked(figures: Mapping[str, Any], sums: Iterable[Sum], *,
                    rank: Callable[[Path], int] | None = None) -> dict[str, Any]:
    """Return nested counts as shown (`suppress_counts`), with the counts `secondary` finds
    not given (None: on a page "–", in a CSV file empty, in JSON null), so that no "<5"
    can be worked back from a total and the counts beside it."""
    groups = list(sums)
    paths = {path for total, parts in groups for path in (total, *parts)}
    values = {path: value_at(figures, path) for path in paths}
    shown = suppress_counts(figures)
    for path in secondary(values, groups, rank=rank):
        put_at(shown, path, None)
    return shown
