"""Input at the edges of the reports: dates at the calendar's ends (0001, 9999) on the page,
in the CSV download and on `loket report`; a load no plan can staff and nan on
`loket capacity`. Each is refused with its reason, never a 500 or a traceback."""

from __future__ import annotations

from datetime import date

import pytest
from click.testing import CliRunner
from flask import Flask

from loket.cli import main
from loket.reports.capacity import MAX_COUNSELLORS, TooManyCounsellors, counsellors_needed
from loket.reports.periods import day_bounds
from tests.reports.test_pages import manager

EDGES = [  # the query, and the field refused
    ({"from": "9999-12-31", "to": "9999-12-31"}, "Van"),
    ({"from": "0001-01-01", "to": "0001-01-01"}, "Van"),
    ({"from": "0001-01-01"}, "Van"),
    ({"from": "2026-11-01", "to": "9999-12-31"}, "Tot en met"),
    ({"from": "1999-12-31", "to": "2000-01-01"}, "Van"),
    ({"from": "2100-12-31", "to": "2101-01-01"}, "Tot en met"),
]


def test_dates_at_the_calendars_edge_are_refused_on_the_page_and_in_the_csv(
    store_app: Flask,
) -> None:
    client = manager(store_app)
    for query, field in EDGES:
        page = client.get("/reports", query_string=query)
        assert page.status_code == 400, query
        assert f"{field}: geef een datum als 2026-11-30" in page.get_data(as_text=True), query
        csv = client.get("/reports/days.csv", query_string=query)
        assert csv.status_code == 400, query
        assert csv.get_data(as_text=True) == f"{field}: geef een datum als 2026-11-30\n", query
    english = client.get("/reports", query_string={"from": "9999-12-31", "lang": "en"})
    assert english.status_code == 400
    assert "From: give a date such as 2026-11-30" in english.get_data(as_text=True)
    assert client.get("/reports", query_string={"from": "2000-01-01", "to": "2000-01-31"}
                      ).status_code == 200


def test_the_years_a_report_covers_still_open() -> None:
    start, end = day_bounds(date(2000, 1, 1), date(2100, 12, 31))
    assert start.year == 1999 and end.year == 2100  # Amsterdam is ahead of UTC
    for first, last in ((date(1, 1, 1), date(2026, 1, 1)), (date(2026, 1, 1), date(9999, 12, 31))):
        with pytest.raises(ValueError, match="years"):
            day_bounds(first, last)


@pytest.mark.parametrize(("args", "named"), [
    (["--from", "9999-12-31", "--to", "9999-12-31"], "--from"),
    (["--from", "0001-01-01", "--to", "0001-01-01"], "--from"),
    (["--from", "2026-11-01", "--to", "9999-12-31"], "--to"),
    (["--from", "1999-12-31", "--to", "2000-01-01"], "--from"),
    (["--from", "2100-12-31", "--to", "2101-01-01"], "--to"),
])
def test_report_dates_at_the_calendars_edge_exit_2_naming_the_option(
    app: Flask, cli_env: dict[str, str], args: list[str], named: str
) -> None:
    result = CliRunner().invoke(main, ["report", *args])
    assert result.exit_code == 2, result.output
    assert result.output.strip().splitlines() == [
        f"fout: {named}: geef een datum in de jaren 2000 tot en met 2100"]
    english = CliRunner().invoke(main, ["report", *args, "--lang", "en"])
    assert english.exit_code == 2
    assert f"{named}: give a date in the years 2000 to 2100" in english.output


def test_report_dates_inside_the_years_still_work(app: Flask, cli_env: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["report", "--from", "2100-12-01", "--to", "2100-12-31"])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(("args", "named"), [
    (["--calls-per-hour", "100000", "--aht", "86400"], "--calls-per-hour"),
    (["--calls-per-hour", "3000", "--aht", "86400", "--json"], "--calls-per-hour"),
    (["--calls-per-hour", "nan", "--aht", "600"], "--calls-per-hour"),
    (["--calls-per-hour", "100", "--aht", "nan"], "--aht"),
    (["--calls-per-hour", "100", "--aht", "600", "--target", "nan"], "--target"),
    (["--calls-per-hour", "100", "--aht", "600", "--level", "NaN"], "--level"),
    (["--calls-per-hour", "100", "--aht", "600", "--level", "nan", "--simulate"], "--level"),
    (["--calls-per-hour", "inf", "--aht", "600"], "--calls-per-hour"),
    (["--calls-per-hour", "100", "--aht", "inf"], "--aht"),
    (["--calls-per-hour", "100", "--aht", "600", "--target", "inf"], "--target"),
    (["--calls-per-hour", "100", "--aht", "600", "--level", "-inf"], "--level"),
])
def test_capacity_loads_out_of_reach_and_nan_exit_2_naming_the_option(
    args: list[str], named: str
) -> None:
    result = CliRunner().invoke(main, ["capacity", *args])
    assert result.exit_code == 2, result.output
    assert named in result.output


def test_capacity_out_of_reach_is_said_in_both_languages() -> None:
    args = ["capacity", "--calls-per-hour", "100000", "--aht", "86400"]
    dutch = CliRunner().invoke(main, args)
    english = CliRunner().invoke(main, [*args, "--lang", "en"])
    assert dutch.output.strip().splitlines() == [
        f"fout: --calls-per-hour: deze belasting vraagt meer dan {MAX_COUNSELLORS} "
        "hulpverleners; controleer --calls-per-hour, --aht, --target en --level"]
    assert f"needs more than {MAX_COUNSELLORS} counsellors" in english.output
    nan = CliRunner().invoke(main, ["capacity", "--calls-per-hour", "nan", "--aht", "600",
                                    "--lang", "en"])
    assert nan.output.strip() == "error: --calls-per-hour: give a number (not nan)"


def test_counsellors_needed_refuses_what_it_cannot_staff() -> None:
    with pytest.raises(TooManyCounsellors):
        counsellors_needed(100_000, 86_400, 20, 0.8)  # at once, not after millions of steps
    with pytest.raises(TooManyCounsellors):  # under 10,000 Erlangs, over 10,000 needed
        counsellors_needed(36_000, 1000, 0, 0.9999)
    for calls, aht, target in ((float("nan"), 600, 20), (100, float("inf"), 20),
                               (100, 600, float("nan"))):
        with pytest.raises(ValueError):  # noqa: PT011 - any refusal, not a wrong number
            counsellors_needed(calls, aht, target, 0.8)
