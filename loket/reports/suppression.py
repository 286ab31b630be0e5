"""Small counts hidden on output, so that no person can be singled out."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SMALL = "<5"
THRESHOLD = 5


def suppressed(n: int) -> int | str:
    """Return a count as shown: 0 stays 0, 1 to 4 become "<5", 5 and more stay."""
    return SMALL if 0 < n < THRESHOLD else n


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
