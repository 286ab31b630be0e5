"""Review 9 (DESIGN.md's interfaces against the code): one small count on one day hid a
month's figures by channel in `loket report` (phone 20 and sms 24 given as null), where
hiding another day's count protects it as well. The hidden counts are now chosen by
following each candidate through the sums: days and hours go before breakdowns, and
breakdowns before totals; still no "<5" can be worked back."""

from __future__ import annotations

import json

from click.testing import CliRunner
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st

from loket.cli import main
from loket.reports.suppression import Path, secondary, small
from tests.reports.seed import local, seed
from tests.reports.test_suppression_review5 import NOVEMBER, leaks


def test_one_small_day_leaves_the_months_channels_shown(
    app: Flask, cli_env: dict[str, str]
) -> None:
    seed(app, local("2026-11-10 14:00"), channel="phone", desk="police", count=20)
    seed(app, local("2026-11-11 14:00"), channel="sms", desk="veterans", count=22)
    seed(app, local("2026-11-12 14:00"), channel="sms", desk="veterans", count=2,
         crisis=True, flags=("crisis",))
    result = CliRunner().invoke(main, ["report", *NOVEMBER, "--format", "json"])
    assert result.exit_code == 0, result.output
    got = json.loads(result.output)
    contacts = got["contacts"]
    assert contacts["total"] == 44
    assert contacts["by_channel"]["phone"] == 20 and contacts["by_channel"]["sms"] == 24
    assert contacts["by_desk"] == {"police": 20, "veterans": 24, "debasis": 0}
    assert got["per_day"]["2026-11-12"]["total"] == "<5"
    # The 11th is hidden with the 12th: the 2 cannot be told from the 24 sms.
    assert got["per_day"]["2026-11-11"]["sms"] is None
    assert leaks(got) == []


@st.composite
def sums_of_counts(draw: st.DrawFn) -> tuple[dict[Path, int], list[tuple[Path, list[Path]]]]:
    """Counts over a grid of days by channel, with their row, column and grand totals."""
    days, channels = draw(st.integers(1, 6)), draw(st.integers(1, 4))
    cells = {(d, c): draw(st.integers(0, 9)) for d in range(days) for c in range(channels)}
    values: dict[Path, int] = {("cell", d, c): n for (d, c), n in cells.items()}
    groups: list[tuple[Path, list[Path]]] = []
    for d in range(days):
        values[("day", d)] = sum(cells[d, c] for c in range(channels))
        groups.append((("day", d), [("cell", d, c) for c in range(channels)]))
    for c in range(channels):
        values[("channel", c)] = sum(cells[d, c] for d in range(days))
        groups.append((("channel", c), [("cell", d, c) for d in range(days)]))
    values[("total",)] = sum(cells.values())
    groups.append((("total",), [("day", d) for d in range(days)]))
    groups.append((("total",), [("channel", c) for c in range(channels)]))
    return values, groups


@settings(max_examples=300, deadline=None)
@given(sums_of_counts())
def test_no_sum_is_left_with_one_hidden_count(
    case: tuple[dict[Path, int], list[tuple[Path, list[Path]]]],
) -> None:
    values, groups = case
    hidden = {path for path, n in values.items() if small(n)}
    hidden |= secondary(values, groups, rank=lambda path: {"cell": 0, "day": 1}.get(
        str(path[0]), 2))
    for total, parts in groups:
        members = [total, *parts]
        if sum(1 for path in members if path in hidden) == 1:
            # Only zeros beside it: nothing else to hide, and nothing it gives away.
            assert all(values[path] == 0 for path in members if path not in hidden)
