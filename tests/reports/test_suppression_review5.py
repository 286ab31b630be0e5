"""Review 5: a count shown as "<5" cannot be worked back by subtraction from a total and
the counts beside it, on the page, in the CSV files and in `loket report`'s JSON and CSV;
the JSON keeps its shape (DESIGN.md "Reports")."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from typing import Any

from click.testing import CliRunner
from flask import Flask

from loket.cli import main
from loket.reports.suppression import secondary
from tests.reports.seed import local, seed
from tests.reports.test_pages import NOV, manager, rows_of

NOVEMBER = ["--from", "2026-11-01", "--to", "2026-11-30"]
CHANNELS = ("phone", "sms", "whatsapp", "webchat", "webform")


def november(app: Flask) -> None:
    """Nine contacts on the 10th (phone 7, webchat 2) and six on the 14th (sms)."""
    seed(app, local("2026-11-10 14:00"), channel="phone", desk="police", count=7)
    seed(app, local("2026-11-10 15:00"), channel="webchat", desk="veterans", queue="police",
         flags=("overflow",), count=2)
    seed(app, local("2026-11-14 23:30"), channel="sms", desk="veterans", queue="pool",
         flags=("pooled",), crisis=True, count=6)


def solvable(total: Any, parts: Iterable[Any]) -> bool:
    """Return whether exactly one of a total and its parts is hidden while the others are
    numbers: that one is then the total less the rest."""
    members = [total, *parts]
    return sum(1 for value in members if not isinstance(value, int)) == 1


def leaks(shown: Mapping[str, Any]) -> list[str]:
    """Return the sums of a shown report that give a hidden count back."""
    contacts, days = shown["contacts"], shown["per_day"]
    found = [name for name in ("by_channel", "by_desk", "by_queue", "by_outcome")
             if solvable(contacts["total"], contacts[name].values())]
    found += [day for day, row in days.items()
              if solvable(row["total"], (row[c] for c in CHANNELS))]
    found += [f"{name} over the days" for name in ("total", "crisis")
              if solvable(contacts[name], (row[name] for row in days.values()))]
    found += [f"{c} over the days" for c in CHANNELS
              if solvable(contacts["by_channel"][c], (row[c] for row in days.values()))]
    if solvable(contacts["total"], (n for row in shown["by_hour_of_week"] for n in row)):
        found.append("by_hour_of_week")
    return found


def test_the_report_json_gives_no_small_count_back_and_keeps_its_shape(
    app: Flask, cli_env: dict[str, str]
) -> None:
    november(app)
    result = CliRunner().invoke(main, ["report", *NOVEMBER, "--format", "json"])
    assert result.exit_code == 0, result.output
    got = json.loads(result.output)
    contacts = got["contacts"]
    assert contacts["total"] == 15
    assert contacts["by_channel"]["webchat"] == "<5"
    assert leaks(got) == []
    assert set(contacts) >= {"total", "by_channel", "by_desk", "by_queue", "crisis",
                             "overflow", "pooled"}
    assert set(contacts["by_channel"]) == set(CHANNELS)
    assert all(value is None or isinstance(value, int | str)
               for value in contacts["by_channel"].values())


def test_the_report_csv_of_the_command_line_gives_no_small_count_back(
    app: Flask, cli_env: dict[str, str]
) -> None:
    november(app)
    result = CliRunner().invoke(main, ["report", *NOVEMBER, "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.output)))[1:]
    by_channel = {key: value for figure, key, value in rows
                  if figure == "contacts.by_channel"}
    total = next(value for figure, _, value in rows if figure == "contacts.total")
    assert by_channel["webchat"] == "<5" and total == "15"
    numbers = [value for value in by_channel.values() if value.isdigit()]
    assert len(numbers) <= len(by_channel) - 2  # "<5" and at least one more not given


def test_the_page_and_its_csv_give_no_small_count_back(store_app: Flask) -> None:
    november(store_app)
    client = manager(store_app)
    page = client.get("/reports", query_string=NOV).get_data(as_text=True)
    channels = rows_of(page, "channels")
    assert channels["webchat"] == ["&lt;5"]
    hidden = [label for label, (value,) in channels.items() if not value.isdigit()]
    assert len(hidden) >= 2
    assert "\u2013" in {value for (value,) in channels.values()}
    day = rows_of(page, "days")["2026-11-10"]
    assert sum(1 for value in day if not value.isdigit()) != 1
    download = client.get("/reports/channels.csv", query_string=NOV).get_data(as_text=True)
    cells = dict(list(csv.reader(io.StringIO(download)))[1:])
    assert cells["webchat"] == "<5"
    assert sum(1 for value in cells.values() if not value.isdigit()) >= 2


def test_secondary_hides_the_next_smallest_count_and_follows_it_through_the_sums() -> None:
    values = {("total",): 15, ("a",): 7, ("b",): 2, ("c",): 6,
              ("day1",): 9, ("day1", "a"): 7, ("day1", "b"): 2}
    sums = [(("total",), [("a",), ("b",), ("c",)]),
            (("day1",), [("day1", "a"), ("day1", "b")])]
    assert secondary(values, sums) == {("c",), ("day1", "a")}
    # Two hidden in every sum already: nothing more.
    assert secondary({("t",): 9, ("x",): 3, ("y",): 4, ("z",): 2},
                     [(("t",), [("x",), ("y",), ("z",)])]) == set()
