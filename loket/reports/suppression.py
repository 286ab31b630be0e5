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
    """Return a copy of nested counts with every count passed through `suppressed`.

    Only integers are counts; strings, None and floats (shares, seconds) pass unchanged.
    """
    shown: dict[str, Any] = {}
    for key, value in figures.items():
        if isinstance(value, Mapping):
            shown[key] = suppress_counts(value)
        elif isinstance(value, int) and not isinstance(value, bool):
            shown[key] = suppressed(value)
        else:
            shown[key] = value
    return shown
